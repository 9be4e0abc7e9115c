"""What a given Device OS version supports over USB (particle_diag/catalog/data/capabilities.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from particle_diag import semver


@cache
def _table() -> dict:
    return tomllib.loads(resources.files("particle_diag.catalog.data").joinpath("capabilities.toml").read_text())


def _since(entry: dict, generation: int) -> str | None:
    return entry.get("all") or entry.get(f"g{generation}")


def has_raw_requests(version: str) -> bool:
    return semver.at_least(version, _table()["raw_requests"]["since"])


def has_raw_out_requests(version: str) -> bool:
    return semver.at_least(version, _table()["raw_requests"]["out_since"])


def has_control_service(generation: int, version: str) -> bool:
    since = _since(_table()["service"], generation)
    return since is not None and semver.at_least(version, since)


def supports_request(generation: int, version: str, type_id: int) -> bool:
    """Whether this Device OS handles ``type_id``: >= its ``since`` for the generation ("never": not at all),
    and below its ``until`` (a request later versions answer NOT_SUPPORTED)."""
    if not has_control_service(generation, version):
        return False
    entry = _table()["request"].get(str(type_id), {})
    since = _since(entry, generation)
    if since == "never":
        return False
    until = entry.get("until")
    return (since is None or semver.at_least(version, since)) and (until is None or
                                                                      not semver.at_least(version, until))


def setup_done_flag(generation: int, version: str) -> str | None:
    """How this Device OS treats the setup-done flag (requests 73/74): ``"dct"`` a real flag the device
    boots by, ``"always"`` ignored and always reported done (>= 4.0.0), None no such flag (NOT_SUPPORTED)."""
    facts = _table()["setup_done"]
    if semver.at_least(version, facts["deprecated_since"]):
        return "always"
    return "dct" if generation in facts["generations"] else None


def diagnostics_terminator(version: str) -> bool:
    """Whether this Device OS ends its diagnostics JSON with the legacy ``"_":""`` member."""
    return any(semver.in_range(version, low, high) for low, high in _table()["diagnostics_terminator"]["ranges"])


def imei_in_iccid_reply(version: str) -> bool:
    return any(semver.in_range(version, low, high) for low, high in _table()["imei_in_iccid_reply"]["ranges"])


def magic_baud(target: str) -> int:
    return int(_table()["magic_baud"][target])


def listening_baud_supported(version: str) -> bool:
    return semver.parse(version) < semver.parse(_table()["magic_baud"]["listening_below"])

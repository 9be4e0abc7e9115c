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
    if not has_control_service(generation, version):
        return False
    since = _since(_table()["request"].get(str(type_id), {}), generation)
    return since is None or semver.at_least(version, since)


def imei_in_iccid_reply(version: str) -> bool:
    return any(semver.in_range(version, low, high) for low, high in _table()["imei_in_iccid_reply"]["ranges"])


def magic_baud(target: str) -> int:
    return int(_table()["magic_baud"][target])


def listening_baud_supported(version: str) -> bool:
    return semver.parse(version) < semver.parse(_table()["magic_baud"]["listening_below"])

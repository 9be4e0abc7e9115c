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


# -- Asset OTA ([assets]) -------------------------------------------------------------------------------------------
def assets_since() -> str:
    return str(_table()["assets"]["since"])


def assets_supported(mcu: str, version: str | None = None) -> bool:
    """Whether Device OS on this MCU stores assets (at ``version``, when given)."""
    facts = _table()["assets"]
    return mcu in facts["mcus"] and (version is None or semver.at_least(version, facts["since"]))


def assets_system_module() -> int:
    """The first system-part module version with Asset OTA."""
    return int(_table()["assets"]["system_module_since"])


def asset_storage_limit(storage_size: int) -> int:
    """The largest asset module Device OS takes into a storage of ``storage_size`` bytes (prepareForOta)."""
    facts = _table()["assets"]
    return storage_size - facts["free_blocks_required"] * facts["block"]


def asset_blocks(module_size: int) -> int:
    """Storage blocks an asset module takes: its size in blocks plus one for the file's metadata.  UNVERIFIED
    approximation of the littlefs overhead (binary-version-reader validateAssetLimits uses per-platform overhead
    figures from device-constants, which pdiag does not have)."""
    block = int(_table()["assets"]["block"])
    return -(-module_size // block) + 1


def asset_storage_blocks(storage_size: int) -> int:
    """Blocks available to assets: the storage less the free blocks Device OS keeps (prepareForOta)."""
    facts = _table()["assets"]
    return storage_size // facts["block"] - facts["free_blocks_required"]


def ota_overwrites_assets(platform: str, module_size: int) -> bool:
    """A module of ``module_size`` staged in the OTA area destroys the stored assets on this platform."""
    facts = _table()["assets"]
    return platform in facts["ota_overlap_platforms"] and module_size > facts["ota_safe_length"]

"""USB descriptor facts per hardware family (particle_diag/catalog/data/usb_descriptors.toml), resolved for a
platform, a mode and the Device OS / bootloader release that presents them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from particle_diag import semver
from particle_diag.catalog.platforms import Platform


@dataclass(frozen=True)
class AltRename:
    alt: int
    old: str  # the memory name before ``since`` (e.g. "@DCD Flash")
    new: str
    since: str


@dataclass(frozen=True)
class ModeDescriptors:
    manufacturer: str
    bcd_device: int
    attributes: int  # bmAttributes of the configuration
    max_power_ma: int
    configuration: str  # iConfiguration's string ("" = none), placeholders filled in
    configuration_index: int
    interfaces: tuple[str, ...]  # interface strings in interface order, placeholders filled in
    control_first: bool
    serial_number: str  # "lower" | "upper" (the device ID in that case) or a fixed string
    alt_renames: tuple[AltRename, ...] = ()
    verified: bool = True
    string_indexes: tuple[int, int] | None = None  # (CDC, control) where the family fixes them
    iad_function_string: bool = False

    def serial_for(self, device_id: str) -> str:
        if self.serial_number == "lower":
            return device_id.lower()
        if self.serial_number == "upper":
            return device_id.upper()
        return self.serial_number

    def alt_string(self, alt: int, layout: str, device_os: str) -> str:
        """The alt setting's memory string as this release's bootloader names it."""
        for rename in self.alt_renames:
            if rename.alt == alt and not _at_least(device_os, rename.since) and layout.startswith(rename.new):
                return rename.old + layout[len(rename.new):]
        return layout


@cache
def _families() -> dict[str, dict]:
    text = resources.files("particle_diag.catalog.data").joinpath("usb_descriptors.toml").read_text()
    return {f["mcu"]: f for f in tomllib.loads(text)["family"]}


def _at_least(version: str, since: str) -> bool:
    try:
        return semver.at_least(version, since)
    except ValueError:
        return True  # an unparsable version string: behave like current firmware


def _pick(rows: list[list], version: str) -> object:
    chosen = rows[0][1]
    for since, value in rows:
        if _at_least(version, since):
            chosen = value
    return chosen


def for_platform(platform: Platform, mode: str, device_os: str, product: str) -> ModeDescriptors | None:
    """The descriptors of ``platform`` in ``mode`` ("serial" or "dfu") under ``device_os``; None where the
    catalog has no family for its MCU.  ``product`` is the product string the mode presents."""
    family = _families().get(platform.mcu)
    if family is None or mode not in family:
        return None
    row = family[mode]
    name = row.get("interface_names", {}).get(platform.name, product.removesuffix(" CDC Mode"))

    def fill(text: str) -> str:
        return text.replace("{product}", product).replace("{name}", name)

    return ModeDescriptors(
        manufacturer=family["manufacturer"],
        bcd_device=int(_pick(row["bcd_device"], device_os)),  # type: ignore[call-overload]
        attributes=row["attributes"],
        max_power_ma=row["max_power_ma"],
        configuration=fill(row["configuration"]),
        configuration_index=row["configuration_index"],
        interfaces=tuple(fill(s) for s in row.get("interfaces", [])),
        control_first=row.get("control_first", False),
        serial_number=str(_pick(row["serial_number"], device_os)),
        alt_renames=tuple(AltRename(**r) for r in row.get("alt_renames", [])),
        verified=family.get("verified", True),
        string_indexes=tuple(row["string_indexes"]) if "string_indexes" in row else None,  # type: ignore[arg-type]
        iad_function_string=row.get("iad_function_string", False),
    )


def generic(product: str) -> ModeDescriptors:
    """For a platform without a family (Tachyon): plain values, UNVERIFIED."""
    name = product.removesuffix(" CDC Mode")
    return ModeDescriptors("Particle", 0x0200, 0x80, 100, "", 0, (f"{name} Serial", f"{name} Control Interface"),
                           False, "lower", verified=False)

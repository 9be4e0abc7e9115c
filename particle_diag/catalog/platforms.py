"""The platform table (particle_diag/catalog/data/platforms.toml) as typed, read-only records."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from particle_diag.errors import UsageError

if TYPE_CHECKING:
    from particle_diag.catalog.memory_map import MemoryMap

FEATURES = frozenset({"wifi", "cellular", "mesh", "ble", "gnss", "som", "protection"})


@dataclass(frozen=True)
class FactoryImage:
    alt: int
    address: int


@dataclass(frozen=True)
class Platform:
    id: int
    name: str
    display: str
    generation: int
    mcu: str
    vid: int
    serial_pid: int
    dfu_pid: int | None
    features: frozenset[str]
    dfu_alts: tuple[str, ...] = ()
    quirks: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    buttons: dict[str, str] = field(default_factory=lambda: {"system": "MODE", "reset": "RESET"})
    edl_vid: int | None = None  # a flashing mode on another vendor's IDs (Tachyon: Qualcomm EDL)
    edl_pid: int | None = None

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def runs_device_os(self) -> bool:
        """False for a platform whose USB port takes no Particle control requests and has none of Device OS's
        modes (Tachyon: a Linux computer, quirk ``control_requests_not_supported``)."""
        return "control_requests_not_supported" not in self.quirks

    @property
    def memory_map(self) -> MemoryMap | None:
        from particle_diag.catalog.memory_map import for_platform

        return for_platform(self.name)

    @property
    def user_firmware(self) -> int | None:
        """Start of the user part on alt 0; None where the module header decides (a slot that grows down)."""
        region = self.memory_map.first_of("user_part") if self.memory_map else None
        if region is None:
            region = self.memory_map.first_of("firmware") if self.memory_map else None
        return region.start if region is not None and not region.grows_down else None

    @property
    def asset_storage(self) -> int | None:
        """Bytes of the storage Device OS keeps application assets in (the memory map's "assets" region), or None
        where Device OS stores no assets (catalog/data/capabilities.toml [assets])."""
        from particle_diag.catalog.capabilities import assets_supported

        region = self.memory_map.first_of("assets") if self.memory_map else None
        return region.size if region is not None and assets_supported(self.mcu) else None

    @property
    def factory(self) -> FactoryImage | None:
        """Where the backup ("factory") user app goes, when the platform has a slot for one."""
        region = self.memory_map.first_of("factory") if self.memory_map else None
        return FactoryImage(region.alt, region.start) if region is not None else None

    @property
    def default_product(self) -> str:
        return self.products[0] if self.products else self.display

    @property
    def dfu_product(self) -> str:
        base = self.default_product.removesuffix(" CDC Mode")
        return f"{base} DFU Mode"


def _parse(raw: dict) -> tuple[Platform, ...]:
    layouts: dict[str, list[str]] = raw.get("dfu_layouts", {})
    known_quirks = set(raw.get("quirks", {}))
    out = []
    for p in raw["platform"]:
        features = frozenset(p.get("features", []))
        if not features <= FEATURES:
            raise ValueError(f"platform {p['name']}: unknown features {sorted(features - FEATURES)}")
        quirks = frozenset(p.get("quirks", []))
        if not quirks <= known_quirks:
            raise ValueError(f"platform {p['name']}: unknown quirks {sorted(quirks - known_quirks)}")
        layout = p.get("dfu_layout")
        out.append(
            Platform(
                id=p["id"],
                name=p["name"],
                display=p["display"],
                generation=p["generation"],
                mcu=p["mcu"],
                vid=p["vid"],
                serial_pid=p["serial_pid"],
                dfu_pid=p.get("dfu_pid"),
                features=features,
                dfu_alts=tuple(layouts[layout]) if layout else (),
                quirks=quirks,
                aliases=tuple(p.get("aliases", [])),
                products=tuple(p.get("product", [])),
                buttons=p.get("buttons", {"system": "MODE", "reset": "RESET"}),
                edl_vid=p.get("edl_vid"),
                edl_pid=p.get("edl_pid"),
            )
        )
    return tuple(out)


@cache
def all_platforms() -> tuple[Platform, ...]:
    from particle_diag.catalog.platform_table import TABLE  # data/platforms.toml, compiled (start-up time)

    return _parse(TABLE)


@cache
def _usb_index() -> dict[tuple[int, int], tuple[Platform, str]]:
    index: dict[tuple[int, int], tuple[Platform, str]] = {}
    for p in all_platforms():
        index[(p.vid, p.serial_pid)] = (p, "serial")
        if p.dfu_pid is not None:
            index[(p.vid, p.dfu_pid)] = (p, "dfu")
        if p.edl_vid is not None and p.edl_pid is not None:
            index[(p.edl_vid, p.edl_pid)] = (p, "edl")
    return index


def particle_vids() -> frozenset[int]:
    """Every vendor ID a device pdiag lists can carry: Particle's own, and those of a flashing mode on another
    vendor's IDs (Qualcomm EDL); of the latter only the exact VID:PID counts (``owns_unknown_pids``)."""
    return frozenset(p.vid for p in all_platforms()) | frozenset(p.edl_vid for p in all_platforms() if p.edl_vid)


def owns_unknown_pids(vid: int) -> bool:
    """Whether an unknown product ID under ``vid`` is still a Particle device (Particle's VIDs, not Qualcomm's)."""
    return vid in {p.vid for p in all_platforms()}


def by_usb_id(vid: int, pid: int) -> tuple[Platform, str] | None:
    """(platform, "serial"|"dfu"|"edl") for a VID/PID pdiag knows, or None."""
    return _usb_index().get((vid, pid))


def by_id(platform_id: int) -> Platform | None:
    return next((p for p in all_platforms() if p.id == platform_id), None)


def by_name(name: str) -> Platform:
    """Look a platform up by slug, alias, display name or numeric ID (case-insensitive)."""
    key = name.strip().lower()
    for p in all_platforms():
        names = {p.name, p.display.lower(), str(p.id), *p.aliases}
        names.update(part.strip().lower() for part in p.display.split("/"))
        if key in names:
            return p
    known = ", ".join(p.name for p in all_platforms())
    raise UsageError(f"unknown platform '{name}'", f"Known platforms: {known}.", reference="usage.platform")

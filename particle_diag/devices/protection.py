"""Consent for raw DFU writes and erases: anything but plain user data (bootloader, radio stack, system parts,
configuration, factory image, filesystem...) needs the caller's explicit ``consent=True``.

The regions come from the platform's memory map (catalog/memory_map.py).  The check widens the range to the
whole sectors the bootloader will erase (from the DfuSe layout: the device's own when a session is open, the
platform table's before one is), so a one-byte write at the end of the user part that erases a bootloader
sector is caught too.  A platform without a memory map, or a range outside every known region, needs consent.
"""

from __future__ import annotations

from particle_diag.catalog.memory_map import Region
from particle_diag.catalog.platforms import Platform, all_platforms
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import ConsentRequiredError, UsageError
from particle_diag.protocol.memory_layout import MemoryLayout, MemoryLayoutError, parse_layout


class NoSuchAltError(UsageError):
    reference = "dfu.alt"


CONSENT_HINT = "Nothing was changed. Pass --yes (-y) to {verb} it anyway, or run the command in a terminal to be asked."


def platform_layout(platform: Platform | None, alt: int) -> MemoryLayout | None:
    """The DfuSe layout the platform table gives for ``alt`` (what the device will report), if any."""
    if platform is None or not 0 <= alt < len(platform.dfu_alts):
        return None
    try:
        return parse_layout(platform.dfu_alts[alt])
    except MemoryLayoutError:
        return None


def erased_span(layout: MemoryLayout | None, address: int, length: int) -> tuple[int, int]:
    """(start, end) of the whole sectors touched by the range, or the range itself without a usable layout."""
    if layout is None:
        return address, address + length
    try:
        sectors = layout.sectors_in(address, length)
    except Exception:  # outside the map: the device will refuse it anyway; judge the range as given
        return address, address + length
    if not sectors:
        return address, address + length
    last = layout.segment_at(sectors[-1])
    return min(address, sectors[0]), max(address + length, sectors[-1] + (last.sector_size if last else 0))


def regions_needing_consent(platform: Platform | None, alt: int, address: int, length: int,
                            layout: MemoryLayout | None = None) -> tuple[Region, ...] | None:
    """None when the range (widened to whole sectors) holds only plain user data; else the protected regions
    it touches (an empty tuple when it only leaves every known region)."""
    memory = platform.memory_map if platform is not None else None
    if memory is None:
        return ()
    start, end = erased_span(layout or platform_layout(platform, alt), address, length)
    return memory.needs_consent(alt, start, end - start)


def describe(regions: tuple[Region, ...], platform: Platform | None) -> str:
    if not regions:
        where = f"the {platform.display}'s" if platform is not None else "this device's"
        return f"memory outside {where} known flash regions"
    return ", ".join(f"the {r.describe()}" for r in regions)


def require_consent(platform: Platform | None, alt: int, address: int, length: int, *, consent: bool,
                    verb: str, layout: MemoryLayout | None = None) -> None:
    """ConsentRequiredError (exit 13, ``safety.consent``) unless the range is plain user data or ``consent``."""
    regions = regions_needing_consent(platform, alt, address, length, layout)
    if regions is None or consent:
        return
    raise ConsentRequiredError(
        f"refusing to {verb} 0x{address:08X}-0x{address + max(length, 1) - 1:08X} on alt {alt}: it touches "
        f"{describe(regions, platform)}", CONSENT_HINT.format(verb=verb), reference="safety.consent")


def _largest_dfu_memory() -> int:
    sizes = [layout.end - layout.start for p in all_platforms() for i in range(len(p.dfu_alts))
             if (layout := platform_layout(p, i)) is not None]
    return max(sizes, default=16 * 1024 * 1024)


# No file written raw over DFU can be larger than the largest DFU memory of any platform: the bound for reading it.
MAX_DFU_MEMORY = _largest_dfu_memory()


def preflight_raw(record: DeviceRecord, alt: int, address: int, length: int, *, consent: bool, verb: str) -> None:
    """Before the device is touched (and before ``--enter`` switches it to DFU): the range against the platform's
    DFU memory map (as the device will report it) and the consent its regions need."""
    platform = record.platform
    if platform is not None and platform.dfu_alts and not 0 <= alt < len(platform.dfu_alts):
        raise NoSuchAltError(f"{record.label} has no DFU alt setting {alt}",
                             f"The {platform.display} has alt settings 0-{len(platform.dfu_alts) - 1} "
                             f"(`pdiag dfu info` lists them).")
    layout = platform_layout(platform, alt)
    if layout is not None and record.status != "protected":
        layout.check_access(address, length, "erase" if verb == "erase" else "write")
    require_consent(record.platform, alt, address, length, consent=consent, verb=verb, layout=layout)

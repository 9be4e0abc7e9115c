"""Per-platform flash regions (particle_diag/catalog/data/memory_map.toml) as typed, read-only records.

Which part of the flash holds the bootloader, the radio stack, system parts, the user part, the factory image,
configuration...; which module functions may be written into each; and which need explicit consent before a
raw DFU write or erase touches them.  Addresses are those of the DFU alt setting (Gen 3 external flash includes
the bootloader's +0x80000000 offset).  The sources are cited in the data file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from particle_diag.catalog.module_functions import MODULE_FUNCTIONS

KINDS = frozenset({"mbr", "bootloader", "radio_stack", "system_part", "user_part", "factory", "ota", "config",
                   "filesystem", "assets", "reserved", "user_storage", "firmware"})


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    kind: str
    alt: int
    start: int
    size: int
    functions: frozenset[str]
    consent: bool
    grows_down: bool = False
    verified: bool = True
    note: str = ""

    @property
    def end(self) -> int:
        """First address after the region."""
        return self.start + self.size

    def overlaps(self, alt: int, start: int, length: int) -> bool:
        return alt == self.alt and start < self.end and self.start < start + length

    def contains(self, alt: int, start: int, length: int) -> bool:
        return alt == self.alt and self.start <= start and start + length <= self.end

    def describe(self) -> str:
        return f"{self.label} (alt {self.alt}, 0x{self.start:08X}-0x{self.end - 1:08X})"


@dataclass(frozen=True)
class FormerUserPart:
    """Gen 3: where the 128 KB user part of Device OS < 3.1.0 started (its first sector is erased when a newer
    user part is flashed), and the system module version from which user parts moved."""

    start: int
    size: int
    replaced_since: int


@dataclass(frozen=True)
class MemoryMap:
    name: str
    platforms: tuple[str, ...]
    regions: tuple[Region, ...]
    former_user_part: FormerUserPart | None = None

    def region(self, name: str) -> Region | None:
        return next((r for r in self.regions if r.name == name), None)

    def first_of(self, kind: str) -> Region | None:
        return next((r for r in self.regions if r.kind == kind), None)

    def touched(self, alt: int, start: int, length: int) -> tuple[Region, ...]:
        """Every region that ``[start, start + length)`` on ``alt`` overlaps, in address order."""
        return tuple(sorted((r for r in self.regions if r.overlaps(alt, start, length)), key=lambda r: r.start))

    def unmapped(self, alt: int, start: int, length: int) -> tuple[tuple[int, int], ...]:
        """The parts of ``[start, start + length)`` that no region describes, as (start, end) pairs."""
        gaps: list[tuple[int, int]] = []
        cursor, end = start, start + length
        for region in self.touched(alt, start, length):
            if region.start > cursor:
                gaps.append((cursor, region.start))
            cursor = max(cursor, region.end)
        if cursor < end:
            gaps.append((cursor, end))
        return tuple(gaps)

    def needs_consent(self, alt: int, start: int, length: int) -> tuple[Region, ...] | None:
        """None when the range holds only plain user data; else the regions that need consent (empty tuple when
        the range is only outside every known region, which needs consent too)."""
        touched = self.touched(alt, start, length)
        protected = tuple(r for r in touched if r.consent)
        if protected or self.unmapped(alt, start, length):
            return protected
        return None

    def slots_for(self, function: str) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if function in r.functions)

    def fits(self, function: str, alt: int, start: int, length: int) -> bool:
        """Every byte of the range lies in regions that may hold a ``function`` module (contiguously)."""
        if length <= 0:
            return False
        cursor, end = start, start + length
        for region in self.touched(alt, start, length):
            if region.start > cursor or function not in region.functions:
                return False
            cursor = region.end
        return cursor >= end

    def slot_spans(self, function: str) -> tuple[tuple[int, int, int], ...]:
        """(alt, start, end) of each run of adjacent regions that may hold a ``function`` module."""
        spans: list[tuple[int, int, int]] = []
        for r in sorted(self.slots_for(function), key=lambda r: (r.alt, r.start)):
            if spans and spans[-1][0] == r.alt and spans[-1][2] == r.start:
                spans[-1] = (r.alt, spans[-1][1], r.end)
            else:
                spans.append((r.alt, r.start, r.end))
        return tuple(spans)

    @property
    def largest_slot(self) -> int:
        """Bytes in the largest slot any module may be written into: no firmware file can be larger."""
        functions = {f for r in self.regions for f in r.functions}
        return max((end - start for f in functions for _, start, end in self.slot_spans(f)), default=0)


def _parse(raw: dict) -> tuple[MemoryMap, ...]:
    by_group: dict[str, list[Region]] = {}
    for r in raw.get("region", []):
        functions = frozenset(r.get("functions", []))
        if not functions <= MODULE_FUNCTIONS:
            unknown = sorted(functions - MODULE_FUNCTIONS)
            raise ValueError(f"region {r['group']}/{r['name']}: unknown functions {unknown}")
        if r["kind"] not in KINDS:
            raise ValueError(f"region {r['group']}/{r['name']}: unknown kind {r['kind']!r}")
        by_group.setdefault(r["group"], []).append(Region(
            name=r["name"], label=r["label"], kind=r["kind"], alt=r["alt"], start=r["start"], size=r["size"],
            functions=functions, consent=r["consent"], grows_down=r.get("grows_down", False),
            verified=r.get("verified", True), note=r.get("note", "")))
    maps = []
    for name, m in raw.get("map", {}).items():
        regions = tuple(region for group in m["groups"] for region in by_group[group])
        _check_no_overlap(name, regions)
        former = m.get("former_user_part")
        maps.append(MemoryMap(name, tuple(m["platforms"]), regions, FormerUserPart(**former) if former else None))
    return tuple(maps)


def _check_no_overlap(name: str, regions: tuple[Region, ...]) -> None:
    for alt in {r.alt for r in regions}:
        ordered = sorted((r for r in regions if r.alt == alt), key=lambda r: r.start)
        for a, b in pairwise(ordered):
            if a.end > b.start:
                raise ValueError(f"memory map {name}: {a.name} overlaps {b.name} on alt {alt}")


@cache
def all_maps() -> tuple[MemoryMap, ...]:
    text = resources.files("particle_diag.catalog.data").joinpath("memory_map.toml").read_bytes()
    return _parse(tomllib.loads(text.decode()))


@cache
def for_platform(platform_name: str) -> MemoryMap | None:
    """The memory map of a platform (by slug), or None where pdiag has none (e.g. Tachyon)."""
    return next((m for m in all_maps() if platform_name in m.platforms), None)

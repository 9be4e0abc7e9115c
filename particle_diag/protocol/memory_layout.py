"""DfuSe memory-layout strings: the interface string of each DFU alt setting, parsed into typed segments.

Grammar (particle-usb ``src/dfu.js`` ``_parseMemoryDescriptor``, https://github.com/particle-iot/particle-usb, and
https://dfu-util.sourceforge.net/dfuse.html)::

    @<name>/<start-hex>/<count>*<size><unit><type>[,<count>*<size><unit><type>...][/<start-hex>/<...>...]

* unit: space or ``B`` = bytes, ``K`` = x1024, ``M`` = x1048576;
* type letter ``a``..``g`` -> value ``letter - 'a' + 1``: bit0 readable, bit1 erasable, bit2 writable (a=R,
  b=E, c=RE, d=W, e=RW, f=EW, g=REW);
* segments of one group are contiguous from the group's start address.

Protected devices (Device Protection) show every segment as ``b`` (erase-only): the ``*_IF_STRING_PROT`` strings
of device-os ``bootloader/src/nRF52840/usbd_dfu_mal.h``, https://github.com/particle-iot/device-os. Pure
code: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from particle_diag.errors import ProtectedDeviceError, ProtocolError, UsageError

Need = Literal["read", "write", "erase"]

_UNITS = {" ": 1, "": 1, "B": 1, "K": 1024, "M": 1024 * 1024}
_SEGMENT_RE = re.compile(r"^\s*(\d+)\s*\*\s*(\d+)\s*([ BKM]?)([a-g])\s*$", re.IGNORECASE)
_ADDRESS_RE = re.compile(r"0[xX][0-9a-fA-F]{1,8}")
_READ, _ERASE, _WRITE = 0x1, 0x2, 0x4
_RIGHTS_REFERENCE = {"read": "dfu.not-readable", "write": "dfu.not-writable", "erase": "dfu.not-erasable"}


class MemoryRangeError(UsageError):
    """An address range that the device's memory map does not allow for the operation."""

    reference = "dfu.range"
    default_hint = "Check the address and length against the memory map shown by `pdiag dfu info`."


class SegmentRightsError(MemoryRangeError):
    """The range is inside the map, but a segment it touches does not allow the operation (e.g. read-only)."""

    reference = "dfu.not-allowed"


class MemoryLayoutError(ProtocolError):
    """The device described its memory with a string that does not follow the DfuSe grammar."""

    reference = "dfu.layout"


@dataclass(frozen=True)
class Segment:
    """``sector_count`` sectors of ``sector_size`` bytes from ``start``, all with the same rights."""

    start: int
    sector_size: int
    sector_count: int
    readable: bool
    erasable: bool
    writable: bool

    @property
    def size(self) -> int:
        return self.sector_size * self.sector_count

    @property
    def end(self) -> int:
        """First address after the segment."""
        return self.start + self.size

    def contains(self, address: int) -> bool:
        return self.start <= address < self.end

    def sector_start(self, address: int) -> int:
        return self.start + (address - self.start) // self.sector_size * self.sector_size

    def allows(self, need: Need) -> bool:
        return {"read": self.readable, "write": self.writable, "erase": self.erasable}[need]

    @property
    def rights(self) -> str:
        """Human-readable rights, e.g. ``read-only``, ``erase-only``, ``read/erase/write``."""
        names = [
            n for n, ok in (("read", self.readable), ("erase", self.erasable), ("write", self.writable)) if ok
        ]
        if not names:
            return "no access"
        return f"{names[0]}-only" if len(names) == 1 else "/".join(names)

    def describe(self) -> str:
        return (
            f"0x{self.start:08X}-0x{self.end - 1:08X} ({self.sector_count} x {_size_text(self.sector_size)}, "
            f"{self.rights})"
        )


@dataclass(frozen=True)
class MemoryLayout:
    name: str
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, text: str) -> MemoryLayout:
        return parse_layout(text)

    @property
    def start(self) -> int:
        return self.segments[0].start

    @property
    def end(self) -> int:
        return max(s.end for s in self.segments)

    @property
    def protected(self) -> bool:
        """Every segment is ``b`` (erase-only): the all-``b`` map of a protected device (usbd_dfu_mal.h)."""
        return all(s.erasable and not s.readable and not s.writable for s in self.segments)

    def segment_at(self, address: int) -> Segment | None:
        return next((s for s in self.segments if s.contains(address)), None)

    def sectors_in(self, address: int, length: int) -> list[int]:
        """Start address of every sector touched by ``[address, address + length)``."""
        sectors: list[int] = []
        for segment in self._covering(address, length):
            lo, hi = max(address, segment.start), min(address + length, segment.end)
            sector = segment.sector_start(lo)
            while sector < hi:
                sectors.append(sector)
                sector += segment.sector_size
        return sectors

    def check_range(self, address: int, length: int, need: Need = "write") -> None:
        """Raise unless every byte of ``[address, address + length)`` may be ``need``-ed.

        ProtectedDeviceError for a protected map (the device would answer errVENDOR, usbd_dfu.cpp),
        MemoryRangeError naming the first offending address and its segment's rights otherwise.
        """
        if self.protected:
            raise ProtectedDeviceError(
                f"cannot {need} {self.name}: the device is protected (its memory map is erase-only)",
                reference="dfu.protected",
            )
        for segment in self._covering(address, length):
            if not segment.allows(need):
                first = max(address, segment.start)
                raise MemoryRangeError(
                    f"cannot {need} 0x{address:08X}-0x{address + length - 1:08X} on {self.name}: "
                    f"0x{first:08X} is in segment {segment.describe()}",
                    reference="dfu.range",
                )

    def check_access(self, address: int, length: int, need: Need = "write") -> None:
        """``check_range`` with a distinct error per cause, for commands whose users must tell them apart:

        ProtectedDeviceError ``dfu.protected`` (all-``b`` map), MemoryRangeError ``dfu.range`` (outside the
        map or in a gap), SegmentRightsError ``dfu.not-writable`` / ``dfu.not-readable`` / ``dfu.not-erasable``.
        """
        try:
            self.check_range(address, length, need)
        except MemoryRangeError as exc:
            segment = next((s for s in self._covering(address, length) if not s.allows(need)), None)
            if segment is None:
                raise
            raise SegmentRightsError(exc.message, reference=_RIGHTS_REFERENCE[need]) from None

    def _covering(self, address: int, length: int) -> Iterator[Segment]:
        """The segments that hold ``[address, address + length)``, in address order; MemoryRangeError at the
        first gap (lazily, so a caller checking rights reports whichever problem comes first)."""
        if length < 0 or address < 0:
            raise MemoryRangeError(f"invalid range 0x{address:X} (+{length})")
        cursor, end = address, address + length
        while cursor < end:
            segment = self.segment_at(cursor)
            if segment is None:
                raise MemoryRangeError(
                    f"0x{cursor:08X} is outside {self.name} ({self.describe_span()})", reference="dfu.range"
                )
            yield segment
            cursor = segment.end

    def describe_span(self) -> str:
        return ", ".join(f"0x{s.start:08X}-0x{s.end - 1:08X}" for s in _merge(self.segments))


def parse_layout(text: str) -> MemoryLayout:
    """Parse one DfuSe interface string; MemoryLayoutError if it is malformed."""
    if not text.startswith("@"):
        raise MemoryLayoutError(f"not a DfuSe memory layout (no leading '@'): {text!r}")
    parts = text[1:].split("/")
    name = parts[0].strip()
    groups = parts[1:]
    if not name or len(groups) < 2 or len(groups) % 2:
        raise MemoryLayoutError(f"malformed DfuSe memory layout: {text!r}")
    segments: list[Segment] = []
    for i in range(0, len(groups), 2):
        segments.extend(_parse_group(groups[i], groups[i + 1], text))
    return MemoryLayout(name=name, segments=tuple(segments))


def _parse_group(address_text: str, segments_text: str, whole: str) -> list[Segment]:
    # `0x` and at most 8 hex digits, as particle-usb requires (_parseMemoryDescriptor in src/dfu.js,
    # https://github.com/particle-iot/particle-usb/blob/master/src/dfu.js): a 32-bit address.
    if not _ADDRESS_RE.fullmatch(address_text.strip()):
        raise MemoryLayoutError(f"bad start address {address_text!r} in DfuSe layout {whole!r}")
    address = int(address_text.strip(), 16)
    out: list[Segment] = []
    for item in segments_text.split(","):
        if not item.strip():
            continue
        match = _SEGMENT_RE.match(item)
        if match is None:
            raise MemoryLayoutError(f"bad segment {item!r} in DfuSe layout {whole!r}")
        count, size, unit, letter = int(match[1]), int(match[2]), match[3].upper(), match[4].lower()
        bits = ord(letter) - ord("a") + 1
        sector_size = size * _UNITS[unit]
        if count == 0 or sector_size == 0:
            raise MemoryLayoutError(f"empty segment {item!r} in DfuSe layout {whole!r}")
        out.append(
            Segment(address, sector_size, count, bool(bits & _READ), bool(bits & _ERASE), bool(bits & _WRITE))
        )
        address += count * sector_size
    if not out:
        raise MemoryLayoutError(f"group without segments in DfuSe layout {whole!r}")
    return out


def protected_form(text: str) -> str:
    """The same layout string as a protected device reports it: every type letter replaced by ``b`` (usbd_dfu_mal.h)."""
    head, _, rest = text.partition("/")
    return head + "/" + re.sub(r"(\d+\s*\*\s*\d+\s*[ BKM]?)[a-g]", r"\1b", rest, flags=re.IGNORECASE)


def _merge(segments: tuple[Segment, ...]) -> list[Segment]:
    spans: list[Segment] = []
    for s in segments:
        if spans and spans[-1].end == s.start:
            last = spans[-1]
            spans[-1] = Segment(last.start, 1, last.size + s.size, False, False, False)
        else:
            spans.append(Segment(s.start, 1, s.size, False, False, False))
    return spans


def _size_text(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} B"

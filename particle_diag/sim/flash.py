"""A virtual NOR flash behind one DFU alt setting, built from its DfuSe memory-layout string (usbd_dfu_mal.h).

* Erased bytes read 0xFF; erase works per sector (the sector containing the address) of erasable segments.
* Programming is NOR-like: it can only clear bits, so the stored byte is ``old & new``. Real bootloaders
  erase before writing (particle-usb ``Dfu.doDownload``), so a correct host never notices; a host that skips
  the erase gets the same mangled data a real chip would give it.
* Access rights come from the segment type letters; a refused access raises FlashAccessError whose ``kind``
  tells the DFU target which status to report (outside the map vs. no right).
* Timing model: milliseconds a sector erase / block program would take, reported by the DFU target as
  bwPollTimeout (DFU 1.1 section 6.1.2: the host sleeps that long before its next GETSTATUS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from particle_diag.catalog import timeouts
from particle_diag.protocol.memory_layout import MemoryLayout, Segment, parse_layout

AccessKind = Literal["address", "rights"]
ERASED = 0xFF


class FlashAccessError(Exception):
    """A refused flash access: ``kind`` "address" (outside the map) or "rights" (segment forbids it)."""

    def __init__(self, message: str, kind: AccessKind) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class FlashTiming:
    """Rough figures: nRF52840 page erase ~85 ms, ~41 us per word; erase time scales with sector size.

    ``FlashTiming(0, 0)`` (``INSTANT``) is the virtual bench's default: every bwPollTimeout is 0, so hosts
    poll without sleeping. Any non-zero figure reports at least 1 ms, as bootloaders never promise less.
    """

    erase_ms_per_4k: int = timeouts.REAL_FLASH_ERASE_MS_PER_4K
    write_ms_per_4k: int = timeouts.REAL_FLASH_WRITE_MS_PER_4K
    command_ms: int = timeouts.REAL_DFU_COMMAND_MS  # SET_ADDRESS and other DfuSe commands that touch no flash

    @property
    def instant(self) -> bool:
        return self.erase_ms_per_4k == 0 and self.write_ms_per_4k == 0

    def erase_ms(self, sector_size: int) -> int:
        return max(1, self.erase_ms_per_4k * sector_size // 4096) if self.erase_ms_per_4k else 0

    def write_ms(self, length: int) -> int:
        return max(1, self.write_ms_per_4k * length // 4096) if self.write_ms_per_4k else 0

    def other_ms(self) -> int:
        return 0 if self.instant else self.command_ms


INSTANT = FlashTiming(0, 0, 0)
REALISTIC = FlashTiming()


class VirtualFlash:
    """The memory of one alt setting. ``peek``/``poke`` bypass rights and NOR rules (a test backdoor)."""

    def __init__(self, layout: MemoryLayout | str, timing: FlashTiming | None = None) -> None:
        self.layout = parse_layout(layout) if isinstance(layout, str) else layout
        self.timing = timing or FlashTiming()
        self._banks: list[tuple[int, bytearray]] = [
            (start, bytearray([ERASED]) * size) for start, size in _contiguous_spans(self.layout.segments)
        ]
        self.erase_count = 0
        self.write_count = 0

    # -- checked access (what the bootloader does) -------------------------------------------------
    def read(self, address: int, length: int) -> bytes:
        """Bytes from readable segments; a range running past the end of the map is cut short there."""
        self._check(address, 1 if length else 0, "read")
        available = min(length, self._bank_end(address) - address)
        self._check(address, available, "read")
        return self.peek(address, available)

    def write(self, address: int, data: bytes) -> None:
        self._check(address, len(data), "write")
        bank, offset = self._locate(address)
        for i, byte in enumerate(data):
            bank[offset + i] &= byte  # NOR: programming only clears bits
        self.write_count += 1

    def erase_sector(self, address: int) -> int:
        """Erase the sector containing ``address``; returns the sector's start address."""
        segment = self._segment(address)
        if not segment.erasable:
            raise FlashAccessError(
                f"0x{address:08X} is in a non-erasable segment {segment.describe()}", "rights"
            )
        start = segment.sector_start(address)
        self.poke(start, bytes([ERASED]) * segment.sector_size)
        self.erase_count += 1
        return start

    def erase_ms(self, address: int) -> int:
        segment = self.layout.segment_at(address)
        return self.timing.erase_ms(segment.sector_size if segment else 4096)

    def write_ms(self, length: int) -> int:
        return self.timing.write_ms(length)

    def command_ms(self) -> int:
        return self.timing.other_ms()

    # -- backdoor ----------------------------------------------------------------------------------
    def peek(self, address: int, length: int) -> bytes:
        bank, offset = self._locate(address, length)
        return bytes(bank[offset : offset + length])

    def poke(self, address: int, data: bytes) -> None:
        bank, offset = self._locate(address, len(data))
        bank[offset : offset + len(data)] = data

    # -- helpers -----------------------------------------------------------------------------------
    def _segment(self, address: int) -> Segment:
        segment = self.layout.segment_at(address)
        if segment is None:
            raise FlashAccessError(f"0x{address:08X} is outside {self.layout.name}", "address")
        return segment

    def _check(self, address: int, length: int, need: Literal["read", "write"]) -> None:
        cursor, end = address, address + length
        while cursor < end:
            segment = self._segment(cursor)
            if not segment.allows(need):
                raise FlashAccessError(
                    f"cannot {need} 0x{cursor:08X}: segment {segment.describe()}", "rights"
                )
            cursor = segment.end

    def _bank_end(self, address: int) -> int:
        for start, bank in self._banks:
            if start <= address < start + len(bank):
                return start + len(bank)
        raise FlashAccessError(f"0x{address:08X} is outside {self.layout.name}", "address")

    def _locate(self, address: int, length: int = 0) -> tuple[bytearray, int]:
        for start, bank in self._banks:
            if start <= address and address + length <= start + len(bank):
                return bank, address - start
        raise FlashAccessError(
            f"0x{address:08X}+{length} is outside {self.layout.name} or spans a gap", "address"
        )


def _contiguous_spans(segments: tuple[Segment, ...]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s in segments:
        if spans and spans[-1][0] + spans[-1][1] == s.start:
            spans[-1] = (spans[-1][0], spans[-1][1] + s.size)
        else:
            spans.append((s.start, s.size))
    return spans

"""DfuSe memory-layout strings (ST UM0424 DfuSe; device-os bootloader/src/*/usbd_dfu_mal.h; dfu-util dfuse_mem.c)."""

from __future__ import annotations

import pytest

from particle_diag.catalog.platforms import all_platforms, by_name
from particle_diag.errors import ProtectedDeviceError
from particle_diag.protocol.memory_layout import (
    MemoryLayoutError,
    MemoryRangeError,
    parse_layout,
    protected_form,
)

GEN3 = "@Internal Flash   /0x00000000/1*004Ka,47*004Kg,192*004Kg,4*004Kg,4*004Kg,8*004Ka"
GEN2 = "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg"


def test_gen3_internal_flash_segments() -> None:
    layout = parse_layout(GEN3)
    assert layout.name == "Internal Flash"
    assert [(s.start, s.sector_size, s.sector_count) for s in layout.segments[:2]] == [
        (0x0, 4096, 1),
        (0x1000, 4096, 47),
    ]
    first, last = layout.segments[0], layout.segments[-1]
    assert (first.readable, first.erasable, first.writable) == (True, False, False)  # a = read-only
    assert last.start == 0xF8000 and last.end == 0x100000
    assert layout.end == 0x100000
    assert not layout.protected


def test_units_letters_and_several_groups() -> None:
    layout = parse_layout("@Mixed/0x1000/2*512 c,1*1Md/0x08000000/4*2Kf,1*16Be")
    rights = [(s.readable, s.erasable, s.writable) for s in layout.segments]
    assert rights == [(True, True, False), (False, False, True), (False, True, True), (True, False, True)]
    assert [s.sector_size for s in layout.segments] == [512, 1024 * 1024, 2048, 16]
    assert layout.segments[1].start == 0x1000 + 1024
    assert layout.segments[2].start == 0x08000000
    assert layout.segment_at(0x08000000 + 4 * 2048) is layout.segments[3]
    assert layout.segment_at(0x500000) is None  # the gap between the groups


def test_every_platform_layout_parses() -> None:
    for platform in all_platforms():
        for text in platform.dfu_alts:
            assert parse_layout(text).segments


@pytest.mark.parametrize(
    "bad", ["Internal/0x0/1*4Kg", "@Name/0x0", "@Name/zz/1*4Kg", "@N/0x0/1*4Kz", "@N/0/0*4Kg"]
)
def test_malformed_strings_are_typed_errors(bad: str) -> None:
    with pytest.raises(MemoryLayoutError) as info:
        parse_layout(bad)
    assert info.value.reference == "dfu.layout"


def test_sectors_in_touches_only_needed_sectors() -> None:
    layout = parse_layout(GEN2)
    # 0x0800C000 is the last 16K sector; 0x08010000 the 64K one; 0x08020000 the first 128K one.
    assert layout.sectors_in(0x0800FFFF, 2) == [0x0800C000, 0x08010000]
    assert layout.sectors_in(0x080A0000, 1) == [0x080A0000]
    assert layout.sectors_in(0x080A0000, 0x20001) == [0x080A0000, 0x080C0000]
    assert layout.sectors_in(0x080A0000, 0) == []


def test_check_range_names_address_and_rights() -> None:
    layout = parse_layout(GEN3)
    layout.check_range(0xB4000, 0x40000, "write")
    with pytest.raises(MemoryRangeError) as info:
        layout.check_range(0xF7000, 0x2000, "write")  # runs into the read-only bootloader sectors
    assert info.value.reference == "dfu.range"
    assert "0x000F8000" in info.value.message and "read-only" in info.value.message
    with pytest.raises(MemoryRangeError, match="outside"):
        layout.check_range(0xFF000, 0x2000, "read")
    layout.check_range(0x0, 0x100000, "read")


def test_protected_layout() -> None:
    text = protected_form(GEN3)
    assert text == "@Internal Flash   /0x00000000/1*004Kb,47*004Kb,192*004Kb,4*004Kb,4*004Kb,8*004Kb"
    layout = parse_layout(text)
    assert layout.protected
    for need in ("read", "write", "erase"):
        with pytest.raises(ProtectedDeviceError) as info:
            layout.check_range(0xB4000, 16, need)  # type: ignore[arg-type]
        assert info.value.reference == "dfu.protected"


def test_gen3_external_flash_offset_is_part_of_the_layout() -> None:
    layout = parse_layout(by_name("argon").dfu_alts[2])
    assert layout.start == 0x80000000 and layout.end == 0x80400000
    with pytest.raises(MemoryRangeError):
        layout.check_range(0x00200000, 4096, "write")  # without the +0x80000000 offset (§1.2)
    layout.check_range(0x80200000, 4096, "write")



@pytest.mark.parametrize("text", ["@Internal Flash /08000000/1*16Ka", "@Internal Flash /0x123456789/1*16Ka",
                                  "@Internal Flash /0x/1*16Ka"])
def test_start_addresses_are_0x_and_32_bits_like_particle_usb(text: str) -> None:
    with pytest.raises(MemoryLayoutError):
        parse_layout(text)

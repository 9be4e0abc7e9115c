"""The memory-region table: every region lies inside the DFU memory its platform reports, the slots and the
protected regions are where Device OS puts them, and each platform with DFU has a map."""

from __future__ import annotations

import pytest

from particle_diag.catalog.memory_map import all_maps, for_platform
from particle_diag.catalog.platforms import all_platforms, by_name
from particle_diag.protocol.memory_layout import parse_layout

DFU_PLATFORMS = [p for p in all_platforms() if p.dfu_alts]


@pytest.mark.parametrize("platform", DFU_PLATFORMS, ids=lambda p: p.name)
def test_every_region_lies_in_the_dfu_memory_the_platform_reports(platform):
    memory = for_platform(platform.name)
    assert memory is not None, f"{platform.name} has DFU but no memory map"
    layouts = [parse_layout(text) for text in platform.dfu_alts]
    for region in memory.regions:
        assert region.alt < len(layouts), region
        layout = layouts[region.alt]
        layout.check_range(region.start, region.size, "read")  # inside the map, no gap (raises otherwise)
        # regions start and end on sector boundaries, so a whole-sector erase never spills into a neighbour
        assert layout.sectors_in(region.start, region.size)[0] == region.start
        last = layout.sectors_in(region.end - 1, 1)[0]
        assert last + layout.segment_at(last).sector_size == region.end, region.name


def test_every_platform_is_in_at_most_one_map():
    names = [name for m in all_maps() for name in m.platforms]
    assert len(names) == len(set(names))
    assert set(names) <= {p.name for p in all_platforms()}


@pytest.mark.parametrize(("platform", "alt", "address", "length", "protected"), [
    ("boron", 0, 0xF4000, 0x4000, ["bootloader"]),  # the bootloader's writable sectors in the Gen 3 DFU map
    ("boron", 0, 0x1000, 0x1000, ["radio_stack"]),
    ("boron", 0, 0x30000, 0x1000, ["system_part1"]),
    ("boron", 0, 0xB4000, 0x40000, None),  # the whole user part: plain user data
    ("boron", 0, 0xF0000, 0x8000, ["bootloader"]),  # end of the user part running into the bootloader
    ("boron", 1, 0x0, 0x10, ["dct"]),
    ("boron", 2, 0x80000000, 0x1000, ["filesystem"]),
    ("boron", 2, 0x80200000, 0x1000, ["factory"]),
    ("tracker", 2, 0x80600000, 0x1000, ["factory"]),
    ("p2", 0, 0x08004000, 0x1000, ["bootloader"]),
    ("p2", 0, 0x08500000, 0x1000, None),
    ("p2", 0, 0x08600000, 0x1000, ["filesystem"]),
    ("photon", 0, 0x080A0000, 0x20000, None),
    ("photon", 0, 0x080E0000, 0x1000, ["factory"]),
    ("electron", 0, 0x08080000, 0x1000, None),
    ("electron", 0, 0x08000000, 0x1000, ["bootloader"]),
    ("p1", 2, 0x0, 0x1000, None),
    ("core", 0, 0x08005000, 0x1000, None),
])
def test_which_ranges_need_consent(platform, alt, address, length, protected):
    memory = for_platform(platform)
    found = memory.needs_consent(alt, address, length)
    assert (None if found is None else [r.name for r in found]) == protected


def test_a_range_outside_every_region_needs_consent_too():
    memory = for_platform("boron")
    assert memory.needs_consent(0, 0x100000, 0x1000) == ()
    assert memory.unmapped(0, 0xFF000, 0x2000) == ((0x100000, 0x101000),)


@pytest.mark.parametrize(("function", "start", "length", "fits"), [
    ("user_part", 0xB4000, 256 * 1024, True),
    ("user_part", 0xD4000, 128 * 1024, True),  # the former 128 KB user part lies inside today's slot
    ("user_part", 0xB4000, 270 * 1024, False),  # runs across the bootloader
    ("user_part", 0xF4000, 4096, False),  # a "user part" in the bootloader
    ("system_part", 0x28000, 560 * 1024, True),
    ("system_part", 0x30000, 528 * 1024, True),  # Device OS < 5: system part 1 at 0x30000
    ("system_part", 0x28000, 561 * 1024, False),
    ("mono_firmware", 0x28000, 816 * 1024, True),  # system part 1 + user part
    ("radio_stack", 0x1000, 152 * 1024, True),
    ("radio_stack", 0x0, 4096, False),  # the MBR
    ("bootloader", 0xF4000, 48 * 1024, True),
    ("user_part", 0xB4000, 0, False),
])
def test_slots_per_module_function_on_a_boron(function, start, length, fits):
    assert for_platform("boron").fits(function, 0, start, length) is fits


def test_platform_user_firmware_and_factory_come_from_the_map():
    assert by_name("boron").user_firmware == 0xB4000
    assert (by_name("boron").factory.alt, by_name("boron").factory.address) == (2, 0x80200000)
    assert by_name("esomx").factory.address == 0x80600000  # flash_mal.h: E-SoM-X is in the 8 MB group
    assert by_name("photon").factory.address == 0x080E0000 and by_name("electron").factory.address == 0x080A0000
    assert by_name("p2").user_firmware is None  # grows down: the module header decides
    assert by_name("p2").factory is None and by_name("tachyon").memory_map is None
    former = for_platform("boron").former_user_part
    assert (former.start, former.replaced_since) == (0xD4000, 3103)


def test_largest_slot_bounds_a_firmware_file():
    assert for_platform("boron").largest_slot == 816 * 1024  # monolithic firmware: system part 1 + user part
    assert for_platform("electron").largest_slot == 896 * 1024

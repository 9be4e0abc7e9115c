"""The firmware in a virtual device's flash, and what Device OS reads back from it.

``populate`` writes, at each slot address of ``sim.deviceos.module_set``, a valid Particle module (prefix,
payload, suffix with SHA-256, CRC-32: the format ``protocol.module_header`` reads), so ``pdiag dfu read`` of the
bootloader, radio stack, system parts or user part returns what a real device's flash holds in structure.
``read_modules`` then does what the HAL's module enumeration does: parse each slot, check integrity (CRC),
address range, platform and dependencies, so module info always describes the flash as it now is (a user part
written over DFU shows up with its own version, hash and dependency result).

Simplifications (docs/virtual-bench.md): payloads are deterministic noise, not code; every module prefix sits
at offset 0 (real Gen 3 / Gen 2 system parts and bootloaders put the interrupt vector table first).
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from functools import cache

from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.protocol.module_header import (
    DROP_MODULE_INFO,
    PREFIX_SIZE,
    FirmwareFileError,
    ModuleHeader,
    build_module,
    parse_module,
)
from particle_diag.sim.deviceos import Module, Slot
from particle_diag.sim.flash import VirtualFlash

INTEGRITY, DEPENDENCIES, RANGE, PLATFORM = 0x02, 0x04, 0x08, 0x10
ALL_CHECKS = INTEGRITY | DEPENDENCIES | RANGE | PLATFORM  # 30, the "vc" of every real capture
# Fraction of its slot a module fills (real images are smaller than their slot; exact sizes vary by build).
_FILL = {"bootloader": 0.75, "system_part": 0.88, "radio_stack": 0.97, "ncp_firmware": 0.6, "mono_firmware": 0.7}
USER_PART_SIZE = 12 * 1024  # a small application (Tinker-sized)


@dataclass(frozen=True)
class FlashModule:
    """One slot as the HAL sees it: the header found there (None: empty) and the validity bits."""

    slot: Slot
    header: ModuleHeader | None
    checked: int
    passed: int
    size: int = 0
    image: bytes = b""


def module_size(module: Module, room: int | None = None) -> int:
    """Bytes of the image: a share of the slot, never more than ``room`` (the distance to the next slot: a
    slot's maximum size may overlap its neighbour's, e.g. Gen 3 system part 1 before 6.2.0)."""
    if module.slot.function == "user_part":
        size = min(USER_PART_SIZE, module.slot.max_size)
    else:
        bound = min(module.slot.max_size, module.slot.image_max or module.slot.max_size)
        size = int(bound * _FILL.get(module.slot.function, 0.5))
    if room is not None:
        size = min(size, room - 0x1000)
    return size & ~0x3


@cache
def module_image(platform_id: int, module: Module, start: int, seed: str, size: int | None = None) -> bytes:
    """A valid module binary for ``module`` built to run at ``start`` (deterministic for a seed).  A slot stored
    raw gets the module file Particle publishes for it: DROP_MODULE_INFO set, and the version, size and unique
    string where Device OS reads them once the payload sits at ``start``."""
    overhead = 24 + 40 + 4  # prefix, suffix with product fields, CRC
    rng = random.Random(f"{seed}:{module.slot.function}/{module.slot.index}")
    payload = bytearray(rng.randbytes(max(0, (size or module_size(module)) - overhead)))
    raw = module.slot.raw
    if raw is not None:
        struct.pack_into("<I", payload, raw.size_at - start, len(payload))
        struct.pack_into("<H", payload, raw.version_at - start, module.version or 0)
        payload[raw.unique_at - start : raw.unique_at - start + raw.unique_size] = rng.randbytes(raw.unique_size)
    deps = tuple((d.function, d.index, d.version) for d in module.dependencies[:2])
    return build_module(platform_id, module.slot.function, start, bytes(payload), version=module.version or 0,
                        index=module.slot.index, deps=deps, flags=DROP_MODULE_INFO if raw else 0)


def in_flash(image: bytes) -> bytes:
    """What a module file leaves in flash: all of it, or without its prefix (DROP_MODULE_INFO)."""
    header = parse_module(image, verify_crc=False)
    return image[header.prefix_offset + PREFIX_SIZE :] if header.drops_prefix else image


def image_start(module: Module, length: int) -> int | None:
    slot = module.slot
    if slot.address is None:
        return None
    return slot.address + slot.max_size - length if slot.grows_down else slot.address


def slot_image(platform_id: int, module: Module, modules: tuple[Module, ...], seed: str) -> tuple[int, bytes]:
    """(start address, module file) of ``module`` as the device's firmware carries it: sized to leave room for the
    next slot of ``modules`` (its module set), built to run where its slot puts it."""
    assert module.slot.address is not None
    starts = sorted({m.slot.address for m in modules if m.slot.address is not None})
    following = [a for a in starts if a > module.slot.address]
    room = following[0] - module.slot.address if following and not module.slot.grows_down else None
    length = module_size(module, room)
    start = image_start(module, length)
    assert start is not None
    return start, module_image(platform_id, module, start, seed, length)


def populate(flash: VirtualFlash, platform_id: int, modules: tuple[Module, ...], seed: str) -> None:
    """Write every present module that lives in this flash at its slot address."""
    for module in modules:
        if not module.present or module.slot.address is None:
            continue
        start, image = slot_image(platform_id, module, modules, seed)
        if flash.layout.segment_at(start) is not None:
            flash.poke(start, in_flash(image))


def read_modules(flash: VirtualFlash, platform_id: int, modules: tuple[Module, ...], seed: str,
                 external: dict[tuple[str, int], bytes] | None = None) -> list[FlashModule]:
    """What Device OS reports for each slot, read from ``flash`` (slots outside it: the module ``external`` holds
    for them, else the module set's)."""
    found: list[FlashModule] = []
    for module in modules:
        slot = module.slot
        if slot.address is None:  # external or NCP flash: not modelled byte by byte
            image = (external or {}).get((slot.function, slot.index), b"")
            if not image and not module.present:
                found.append(FlashModule(slot, None, ALL_CHECKS, 0))
                continue
            image = image or module_image(platform_id, module, 0, seed)
            found.append(FlashModule(slot, parse_module(image), ALL_CHECKS, 0, len(image), image))
            continue
        if slot.raw is not None:
            found.append(_raw_at(flash, slot, platform_id))
            continue
        header, image = _header_at(flash, slot)
        found.append(FlashModule(slot, header, ALL_CHECKS, 0, len(image), image))
    return [f if f.slot.raw is not None else _validated(f, found, platform_id) for f in found]


def _raw_at(flash: VirtualFlash, slot: Slot, platform_id: int) -> FlashModule:
    """A module stored without its prefix, described as Device OS describes it (platform_radio_stack.cpp): the
    version from the image itself, no dependencies, every check reported as passed, the unique string as hash."""
    raw = slot.raw
    assert raw is not None and slot.address is not None
    try:
        (version,) = struct.unpack("<H", flash.peek(raw.version_at, 2))
        (size,) = struct.unpack("<I", flash.peek(raw.size_at, 4))
        unique = flash.peek(raw.unique_at, raw.unique_size)
    except Exception:
        return FlashModule(slot, None, ALL_CHECKS, 0)
    if version == 0xFFFF:  # erased: no SoftDevice
        return FlashModule(slot, None, ALL_CHECKS, 0)
    size = min(size, slot.max_size)
    header = ModuleHeader(slot.address, slot.address + size, version, platform_id, slot.function, slot.index, (),
                          True, size, sha256=(unique + bytes(32 - len(unique))).hex())
    return FlashModule(slot, header, ALL_CHECKS, ALL_CHECKS, size)


def _header_at(flash: VirtualFlash, slot: Slot) -> tuple[ModuleHeader | None, bytes]:
    """The module whose prefix sits at the slot's start (or, for a slot that grows down, at a 4 KB boundary
    and ends at the slot's end), as the HAL finds it: at a fixed place, without searching."""
    assert slot.address is not None
    end = slot.address + slot.max_size
    candidates = range(slot.address, end, 0x1000) if slot.grows_down else (slot.address,)
    for start in candidates:
        try:
            head = flash.peek(start, 8)
        except Exception:
            return None, b""
        prefix_start, prefix_end = struct.unpack("<II", head)
        if prefix_start != start or not start < prefix_end <= end - 4:
            continue
        if slot.grows_down and prefix_end != end - 4:
            continue
        image = flash.peek(start, prefix_end - start + 4)
        try:
            header = parse_module(image, verify_crc=False)
        except FirmwareFileError:
            continue
        if header.prefix_offset == 0:
            return header, image
    return None, b""


def _validated(entry: FlashModule, all_slots: list[FlashModule], platform_id: int) -> FlashModule:
    header, slot = entry.header, entry.slot
    if header is None:
        return entry
    passed = 0
    passed |= INTEGRITY if header.crc_ok else 0
    passed |= PLATFORM if header.platform_id == platform_id else 0
    in_range = slot.address is None or (
        slot.address <= header.start and header.end + 4 <= slot.address + slot.max_size)
    passed |= RANGE if in_range else 0
    deps = header.dependencies
    passed |= DEPENDENCIES if all(_satisfied(d, all_slots) for d in deps) else 0
    return FlashModule(slot, header, ALL_CHECKS, passed, entry.size, entry.image)


def _satisfied(dep: ModuleDependency, all_slots: list[FlashModule]) -> bool:
    """A dependency holds when a valid module of that function and index has at least that version
    (Device OS dynalib/inc/module_info.h semantics; the radio stack and NCP are matched the same way)."""
    for other in all_slots:
        h = other.header
        if h is not None and other.slot.store == "main" and h.function == dep.function and h.index == dep.index:
            return h.version >= dep.version and h.crc_ok
    return False

"""What a virtual device's Device OS does with firmware updates and at boot.

Requests 250-253 as Device OS handles them (system/src/control/storage.cpp, system/src/firmware_update.cpp):

* START_FIRMWARE_UPDATE: only the BIN format (else NOT_SUPPORTED); a size of 0 or larger than the staging area
  is OTA_INVALID_SIZE; a transfer in progress is dropped; the reply names the chunk size, 1024.  The staging area
  is prepared (erased) first, which takes the flash's erase time (the timing model).
* FIRMWARE_UPDATE_DATA: appended; without a transfer INVALID_STATE, an empty chunk or more than is left
  OUT_OF_RANGE (and the transfer is dropped).
* FINISH_FIRMWARE_UPDATE: without a transfer, or before every byte arrived, INVALID_STATE.  The module is
  validated as the HAL does (hal/src/nRF52840/ota_flash_hal.cpp validateModules / validityResultToSystemError):
  no module OTA_MODULE_NOT_FOUND, CRC OTA_INTEGRITY_CHECK_FAILED, dependencies (a user part's are optional,
  and a system part must not break another's) OTA_DEPENDENCY_CHECK_FAILED, a start address outside its slot
  OTA_INVALID_ADDRESS, another platform OTA_INVALID_PLATFORM, a function without a slot OTA_UNSUPPORTED_MODULE.
  ``validate_only`` answers and drops the transfer; otherwise the reply is sent and the device restarts
  (RESET_REASON_UPDATE) to apply the module: the bootloader copies it into its slot, which takes the flash's
  erase and write time.  An asset module (Device OS >= 5.5.0) is only read at FINISH and stored in the asset
  storage before the restart (sim/assets.py); on a Device OS without assets it is refused as
  OTA_UNSUPPORTED_MODULE (UNVERIFIED: which OTA_* error Device OS < 5.5.0 answers).
* CANCEL_FIRMWARE_UPDATE drops the transfer.

At boot (``boot_mode``), as Device OS does: the bootloader starts the system part if there is a valid one, else it
stays in DFU mode (device-os bootloader/README.md: "Check if a FW is available. If yes, jump to that address. If
not, enter the DFU mode"); the system part runs the application only if every module passes its checks and the
user part is there, else it runs in safe mode (device-os modules/shared/nRF52840/inc/system_part1_loader.c:
``HAL_Core_Validate_Modules`` failing or no user module descriptor -> ``set_system_mode(SAFE_MODE)``).  The
Device OS version a device reports is that of the system part it booted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from particle_diag.catalog import capabilities, reset_reasons
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.protocol import messages as m
from particle_diag.protocol.module_header import FirmwareFileError, ModuleHeader, parse_module
from particle_diag.sim import deviceos, flash_image

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice

CHUNK_SIZE = 1024  # storage.cpp: descr.chunk_size = 1024
FILE_FORMAT_BIN = 0
REQUESTS = (R.START_FIRMWARE_UPDATE, R.FINISH_FIRMWARE_UPDATE, R.CANCEL_FIRMWARE_UPDATE, R.FIRMWARE_UPDATE_DATA)


@dataclass
class UpdateState:
    """A transfer in progress, and a validated module waiting for the restart that applies it."""

    size: int = 0
    data: bytearray | None = None
    pending: bytes | None = None


def state_of(device: VirtualDevice) -> UpdateState:
    return device.update_state


def handle(device: VirtualDevice, type_id: int, payload: bytes) -> tuple[int, bytes]:
    state = state_of(device)
    if type_id == R.START_FIRMWARE_UPDATE:
        fields = m.decode_request(type_id, payload)
        state.data = None
        if fields["format"] != FILE_FORMAT_BIN:
            return Result.NOT_SUPPORTED, b""
        if not 0 < fields["size"] <= staging_size(device):
            return Result.OTA_INVALID_SIZE, b""
        state.size, state.data = fields["size"], bytearray()
        return Result.OK, m.encode_reply(type_id, m.FirmwareUpdateStart(CHUNK_SIZE))
    if type_id == R.FIRMWARE_UPDATE_DATA:
        data = m.decode_request(type_id, payload)["data"]
        if state.data is None:
            return Result.INVALID_STATE, b""
        if not data or len(data) > state.size - len(state.data):
            state.data = None
            return Result.OUT_OF_RANGE, b""
        state.data += data
        if capabilities.ota_overwrites_assets(device.platform.name, len(state.data)):
            # Argon, Boron, B SoM: the OTA area runs over the asset storage (HAL_PLATFORM_ASSETS_OTA_OVERLAP); over
            # USB nothing unmounts it first (only the cloud path calls AssetManager::prepareForOta), so the stored
            # assets are overwritten.  UNVERIFIED: how Device OS's file system recovers; here they are simply gone.
            device.asset_store = {}
        return Result.OK, b""
    if type_id == R.FINISH_FIRMWARE_UPDATE:
        validate_only = m.decode_request(type_id, payload)["validate_only"]
        if state.data is None or len(state.data) < state.size:
            state.data = None
            return Result.INVALID_STATE, b""
        image, state.data = bytes(state.data), None
        result = validate(device, image)
        if result != Result.OK or validate_only:
            return result, b""
        state.pending = image
        device.next_reset_reason(reset_reasons.UPDATE)
        device.reset_into("boot", device.behaviour.reset_delay_s + apply_s(device, image))
        return Result.OK, b""
    state.data = None  # CANCEL_FIRMWARE_UPDATE
    return Result.OK, b""


def work_s(device: VirtualDevice, type_id: int, payload: bytes) -> float:
    """How long the system thread works on a request (the timing model): START prepares the staging area,
    DATA writes its chunk there."""
    timing = device.flash_timing
    if timing is None or type_id not in (R.START_FIRMWARE_UPDATE, R.FIRMWARE_UPDATE_DATA):
        return 0.0
    if type_id == R.START_FIRMWARE_UPDATE:
        try:
            size = m.decode_request(type_id, payload)["size"]
        except Exception:
            return 0.0
        return timing.erase_ms(4096) * -(-min(size, staging_size(device)) // 4096) / 1000
    return timing.write_ms(max(0, len(payload) - 4)) / 1000


def apply_s(device: VirtualDevice, image: bytes) -> float:
    """The bootloader's copy of the module into its slot (erase, then write), in the timing model."""
    timing = device.flash_timing
    if timing is None:
        return 0.0
    sectors = -(-len(image) // 4096)
    return (timing.erase_ms(4096) * sectors + timing.write_ms(len(image))) / 1000


def staging_size(device: VirtualDevice) -> int:
    """How much START_FIRMWARE_UPDATE accepts (HAL_OTA_FlashLength): the OTA area of the memory map, or the
    largest slot where that is larger (Gen 3: EXTERNAL_FLASH_OTA_LENGTH is 1500 KB, running on over the asset
    storage, platform/MCU/nRF52840/inc/flash_mal.h, so the 1.5 MB NCP slot fits; elsewhere UNVERIFIED)."""
    memory = device.platform.memory_map
    ota = memory.first_of("ota") if memory is not None else None
    slots = deviceos.module_set(device.platform.name, device.firmware.device_os)
    return max([ota.size if ota is not None else 0, *(mod.slot.max_size for mod in slots)])


def validate(device: VirtualDevice, image: bytes) -> int:
    from particle_diag.sim.firmware import flash_modules, module_plan

    try:
        header = parse_module(image, verify_crc=False)
    except FirmwareFileError:
        return Result.OTA_MODULE_NOT_FOUND
    if header.function == "asset":  # fetch_module returns early for assets: nothing more is checked here
        from particle_diag.sim import assets

        return Result.OK if assets.accepts(device) else Result.OTA_UNSUPPORTED_MODULE
    if not header.crc_ok:
        return Result.OTA_INTEGRITY_CHECK_FAILED
    slot = _slot_for(module_plan(device), header)
    if slot is None:
        return Result.OTA_UNSUPPORTED_MODULE
    present = flash_modules(device)
    if not _dependencies_met(header, present):
        return Result.OTA_DEPENDENCY_CHECK_FAILED
    if slot.address is not None and not (slot.address <= header.start and header.end + 4 <= slot.address
                                         + slot.max_size):
        return Result.OTA_INVALID_ADDRESS
    if header.platform_id != device.platform.id:
        return Result.OTA_INVALID_PLATFORM
    return Result.OK


def _slot_for(plan: tuple[deviceos.Module, ...], header: ModuleHeader) -> deviceos.Slot | None:
    return next((mod.slot for mod in plan if mod.slot.store == "main" and mod.slot.function == header.function
                 and mod.slot.index == header.index), None)


def _dependencies_met(header: ModuleHeader, present: list[flash_image.FlashModule]) -> bool:
    """validate_module_dependencies with userDepsOptional, then validate_module_dependencies_full."""
    versions = {(f.header.function, f.header.index): f.header.version for f in present
                if f.header is not None and f.slot.store == "main"}
    if header.function != "user_part":
        for dep in header.dependencies:
            if versions.get((dep.function, dep.index), -1) < dep.version:
                return False
    if header.function != "system_part":
        return True
    for other in present:  # another system part must still find this one
        h = other.header
        if h is None or h.function != "system_part" or (h.function, h.index) == (header.function, header.index):
            continue
        for dep in h.dependencies:
            if (dep.function, dep.index) == (header.function, header.index) and header.version < dep.version:
                return False
    return True


def arm_interrupt(device: VirtualDevice, after_chunks: int = 3) -> None:
    """Fault ``+intupdate``: one SIGINT to this process (the user's Ctrl-C) when the host sends chunk number
    ``after_chunks`` of a firmware update: the virtual device runs in the host's process, so it reaches the host's
    handler exactly as a terminal's Ctrl-C would, at a known point."""
    import signal

    seen = [0]

    def on_request(type_id: int) -> None:
        if type_id == R.FIRMWARE_UPDATE_DATA:
            seen[0] += 1
            if seen[0] == after_chunks:
                device.request_listeners.remove(on_request)  # one-shot: the re-run is not interrupted
                signal.raise_signal(signal.SIGINT)

    device.request_listeners.append(on_request)


# -- boot -----------------------------------------------------------------------------------------------------------
def apply_pending(device: VirtualDevice) -> None:
    """The bootloader copies a validated update into its slot (before Device OS starts)."""
    from particle_diag.sim.firmware import flash_target, module_plan, required_assets

    state = state_of(device)
    image, state.pending = state.pending, None
    if image is None:
        return
    header = parse_module(image, verify_crc=False)
    if header.function == "asset":
        from particle_diag.sim import assets

        assets.store(device, image, required_assets(device))  # a failed store is only logged: the asset is not there
        return
    slot = _slot_for(module_plan(device), header)
    if slot is None:
        return
    if slot.address is None:  # the NCP's own flash
        device.external_modules[(header.function, header.index)] = image
        return
    flash = flash_target(device).flashes[0]
    flash.poke(slot.address, b"\xff" * slot.max_size)
    flash.poke(header.start, flash_image.in_flash(image))


def boot_mode(device: VirtualDevice) -> str:
    """The mode Device OS starts in from this flash, and the version it then reports (see the module doc)."""
    from particle_diag.sim.firmware import flash_modules

    if not device.platform.dfu_alts:
        return "normal"  # Tachyon: no Particle modules
    running = running_system(device)
    if running is False:
        return "dfu"
    if running is not None:
        adopt_version(device, running)
    main = [f for f in flash_modules(device) if f.slot.store == "main" and f.header is not None]
    bootloader_ok = all(f.passed & flash_image.INTEGRITY for f in main if f.slot.function == "bootloader")
    system_ok = all(f.passed == f.checked for f in main if f.slot.function == "system_part")
    users = [f for f in main if f.slot.function == "user_part"]
    user_ok = any(f.passed == f.checked for f in users) or not deviceos.has_user_part(device.platform.name)
    return "normal" if bootloader_ok and system_ok and user_ok else "safe"


def running_system(device: VirtualDevice) -> int | bool | None:
    """The version of the system part the bootloader starts (False: none valid, so it stays in DFU; None: a
    platform without system parts)."""
    from particle_diag.sim.firmware import flash_target

    slots = deviceos.system_slots(device.platform.name)
    if not slots:
        return None
    flash = flash_target(device).flashes[0]
    versions = []
    for slot in slots:
        assert slot.address is not None
        try:
            start, end = struct.unpack("<II", flash.peek(slot.address, 8))
            if start != slot.address or not start < end <= slot.address + slot.max_size - 4:
                continue
            header = parse_module(flash.peek(start, end - start + 4), verify_crc=True)
        except Exception:
            continue
        if header.function == "system_part" and header.index == slot.index and \
                header.platform_id == device.platform.id:
            versions.append((slot.index, header.version))
    if not versions:
        return False
    return max(v for i, v in versions if i == min(i for i, _ in versions))


def adopt_version(device: VirtualDevice, system_module: int) -> None:
    """Report the Device OS version of the system part that runs (its module version's release)."""
    fw = device.firmware
    if deviceos.release(fw.device_os).system_module == system_module:
        return
    fw.device_os = deviceos.version_of(system_module)
    from particle_diag.catalog import capabilities

    gen = device.platform.generation
    device.behaviour.service.raw_requests = capabilities.has_raw_requests(fw.device_os)
    device.behaviour.service.service_requests = capabilities.has_control_service(gen, fw.device_os)

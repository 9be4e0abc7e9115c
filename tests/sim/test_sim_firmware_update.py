"""The virtual devices' firmware-update requests 250-253 and what they do at boot, over the real pyusb path:
the answers Device OS gives (system/src/control/storage.cpp, system/src/firmware_update.cpp, the HAL's
validateModules), the module applied at the restart, module info changing with it, dependencies checked at boot
(safe mode when they fail, system_part1_loader.c), and DFU mode when no system part is left to start."""

from __future__ import annotations

import os

import pytest

from particle_diag.catalog import reset_reasons
from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.devices.discovery import discover
from particle_diag.devices.modes import reset, wait_for_restart
from particle_diag.devices.session import control_session
from particle_diag.protocol import messages as m
from particle_diag.protocol.module_header import build_module
from particle_diag.sim import deviceos, firmware, flash_image

BORON = 13
BOOTLOADER = 0xF4000


def _bootloader(version: int, deps: tuple = (), platform: int = BORON, start: int = BOOTLOADER) -> bytes:
    return build_module(platform, "bootloader", start, os.urandom(30_000), version=version, index=0, deps=deps)


def _send(client, image: bytes, *, validate_only: bool = False, chunk: int | None = None) -> int:
    """START, DATA in the chunk size the device names, FINISH: the result of FINISH (or the first failure)."""
    reply = client.request(R.START_FIRMWARE_UPDATE, m.encode_request(R.START_FIRMWARE_UPDATE, size=len(image)))
    if reply.result != Result.OK:
        return reply.result
    size = chunk or m.decode_reply(R.START_FIRMWARE_UPDATE, reply.data).chunk_size
    for offset in range(0, len(image), size):
        piece = m.encode_request(R.FIRMWARE_UPDATE_DATA, data=image[offset: offset + size])
        result = client.request(R.FIRMWARE_UPDATE_DATA, piece).result
        if result != Result.OK:
            return result
    finish = m.encode_request(R.FINISH_FIRMWARE_UPDATE, validate_only=validate_only)
    return client.request(R.FINISH_FIRMWARE_UPDATE, finish).result


def _only(vb):
    (record,) = discover(vb.host)
    return record


def _versions(device) -> dict[tuple[str, int], int]:
    return {(x.type, x.index): x.version for x in firmware.modules(device)}


def test_a_bootloader_is_validated_then_applied_at_the_restart(make_bench):
    vb = make_bench("boron/6.1.1")
    device = vb.device()
    record = _only(vb)
    with control_session(record, vb.host) as client:
        start = client.request(R.START_FIRMWARE_UPDATE, m.encode_request(R.START_FIRMWARE_UPDATE, size=100))
        assert start.result == Result.OK
        assert m.decode_reply(R.START_FIRMWARE_UPDATE, start.data).chunk_size == 1024  # storage.cpp
        assert _send(client, _bootloader(3002)) == Result.OK
    assert _versions(device)[("bootloader", 0)] == 3001  # applied by the bootloader at the restart, not before
    back = wait_for_restart(record, vb.host, timeout_s=10)
    assert back.new_mode == "normal" and _versions(device)[("bootloader", 0)] == 3002
    assert device.firmware.reset_reason == reset_reasons.UPDATE
    assert device.request_log.count(R.FIRMWARE_UPDATE_DATA) == 30  # 30 068 bytes in 1024-byte chunks


@pytest.mark.parametrize(("case", "result"), [
    ("crc", Result.OTA_INTEGRITY_CHECK_FAILED),
    ("platform", Result.OTA_INVALID_PLATFORM),
    ("dependency", Result.OTA_DEPENDENCY_CHECK_FAILED),
    ("address", Result.OTA_INVALID_ADDRESS),
    ("not-a-module", Result.OTA_MODULE_NOT_FOUND),
    ("no-such-slot", Result.OTA_UNSUPPORTED_MODULE),
])
def test_device_os_refuses_a_bad_module_and_keeps_what_it_had(make_bench, case, result):
    vb = make_bench("boron/6.1.1")
    device = vb.device()
    good = _bootloader(3002)
    image = {
        "crc": good[:-1] + bytes([good[-1] ^ 1]),
        "platform": _bootloader(3002, platform=12),
        "dependency": _bootloader(3002, deps=(("system_part", 1, 6200),)),
        "address": _bootloader(3002, start=0xB4000),
        "not-a-module": b"\x00" * 4096,
        "no-such-slot": build_module(BORON, "ncp_firmware", 0, os.urandom(1000), version=7),  # no NCP on a Boron
    }[case]
    before = device.dfu_flash(0).peek(0, 0x100000)
    with control_session(_only(vb), vb.host) as client:
        assert _send(client, image) == result
    assert device.attached and device.dfu_flash(0).peek(0, 0x100000) == before


def test_transfer_rules_validate_only_and_cancel(make_bench):
    vb = make_bench("boron/6.1.1")
    device = vb.device()
    image = _bootloader(3002)
    with control_session(_only(vb), vb.host) as client:
        data = m.encode_request(R.FIRMWARE_UPDATE_DATA, data=b"x")
        assert client.request(R.FIRMWARE_UPDATE_DATA, data).result == Result.INVALID_STATE  # nothing started
        finish = m.encode_request(R.FINISH_FIRMWARE_UPDATE)
        assert client.request(R.FINISH_FIRMWARE_UPDATE, finish).result == Result.INVALID_STATE
        binary = m.encode_request(R.START_FIRMWARE_UPDATE, size=10, format=1)  # MINIZ: not over USB
        assert client.request(R.START_FIRMWARE_UPDATE, binary).result == Result.NOT_SUPPORTED
        empty = m.encode_request(R.START_FIRMWARE_UPDATE, size=0)
        assert client.request(R.START_FIRMWARE_UPDATE, empty).result == Result.OTA_INVALID_SIZE
        start = m.encode_request(R.START_FIRMWARE_UPDATE, size=4)
        assert client.request(R.START_FIRMWARE_UPDATE, start).result == Result.OK
        too_much = m.encode_request(R.FIRMWARE_UPDATE_DATA, data=b"12345")
        assert client.request(R.FIRMWARE_UPDATE_DATA, too_much).result == Result.OUT_OF_RANGE
        assert client.request(R.FIRMWARE_UPDATE_DATA, data).result == Result.INVALID_STATE  # dropped with it
        assert _send(client, image, validate_only=True) == Result.OK
        assert client.request(R.START_FIRMWARE_UPDATE, start).result == Result.OK
        assert client.request(R.CANCEL_FIRMWARE_UPDATE).result == Result.OK
        assert client.request(R.FIRMWARE_UPDATE_DATA, data).result == Result.INVALID_STATE
    assert device.attached and _versions(device)[("bootloader", 0)] == 3001  # validate-only applies nothing


def test_a_protected_device_refuses_firmware_updates(make_bench):
    vb = make_bench("boron/6.1.1+protected")
    with control_session(_only(vb), vb.host) as client:
        start = client.request(R.START_FIRMWARE_UPDATE, m.encode_request(R.START_FIRMWARE_UPDATE, size=10))
    assert start.result == Result.PROTECTED


def test_an_ncp_update_is_applied_to_the_ncp_and_module_info_reports_it(make_bench):
    vb = make_bench("argon/6.1.1")
    device = vb.device()
    assert _versions(device)[("ncp_firmware", 0)] == 7
    (ncp,) = [mod for mod in deviceos.module_set("argon", "6.1.1") if mod.slot.function == "ncp_firmware"]
    image = flash_image.module_image(12, deviceos.Module(ncp.slot, 8), 0, "NCP 8")
    record = _only(vb)
    with control_session(record, vb.host) as client:
        assert _send(client, image) == Result.OK
    wait_for_restart(record, vb.host, timeout_s=10)
    assert _versions(device)[("ncp_firmware", 0)] == 8


def test_a_system_part_whose_dependencies_fail_boots_into_safe_mode(make_bench):
    """Written over DFU (no check on the way), a system part needing a newer bootloader makes Device OS run in
    safe mode, and the device reports the new version with its dependency check failing."""
    vb = make_bench("boron/6.1.1:dfu")
    device = vb.device()
    (slot,) = [mod.slot for mod in deviceos.module_set("boron", "6.1.1") if mod.slot.function == "system_part"]
    needy = deviceos.Module(slot, 6102, (ModuleDependency("bootloader", 0, 3002),
                                         ModuleDependency("radio_stack", 0, 202)))
    start, image = flash_image.slot_image(BORON, needy, deviceos.module_set("boron", "6.1.1"), "needs 3002")
    device.dfu_flash(0).poke(start, image)
    back = reset(_only(vb), vb.host, timeout_s=10)
    assert back.new_mode == "safe" and device.mode == "safe"
    assert device.firmware.device_os == "6.1.2"  # the version of the system part that runs
    system = next(x for x in firmware.modules(device) if x.type == "system_part")
    assert system.version == 6102 and system.failed_checks == ["dependencies"]


def test_without_a_valid_system_part_the_bootloader_stays_in_dfu_mode(make_bench):
    vb = make_bench("boron/6.1.1:dfu")
    device = vb.device()
    device.dfu_flash(0).poke(0x30000, b"\xff" * 0x1000)  # the system part's prefix erased
    record = _only(vb)
    with pytest.raises(Exception):  # noqa: B017 - what matters is where the device is afterwards
        reset(record, vb.host, timeout_s=3)
    assert device.mode == "dfu"


def test_timing_model_makes_start_and_data_take_flash_time(make_bench):
    """With the realistic timing model the staging area's erase and each chunk's write take time (bwPollTimeout
    figures of sim/flash.py), so the benchmark's through-Device-OS module costs what it would."""
    from particle_diag.sim.firmware_update import work_s
    from particle_diag.sim.flash import REALISTIC

    vb = make_bench("boron/6.1.1")
    device = vb.device()
    start = m.encode_request(R.START_FIRMWARE_UPDATE, size=40_960)
    data = m.encode_request(R.FIRMWARE_UPDATE_DATA, data=b"\0" * 1024)
    assert work_s(device, R.START_FIRMWARE_UPDATE, start) == 0.0  # the default bench is instant
    device.flash_timing = REALISTIC
    assert work_s(device, R.START_FIRMWARE_UPDATE, start) == pytest.approx(10 * 0.085)
    assert 0.005 < work_s(device, R.FIRMWARE_UPDATE_DATA, data) < 0.02

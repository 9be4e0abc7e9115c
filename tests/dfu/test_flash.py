"""``pdiag flash``: refusals (each with its own reference and exit code), the write itself, backup, factory
slot, and recovery after the cable is pulled mid-write. Real pyusb path into the virtual device."""

from __future__ import annotations

import pytest

from particle_diag.devices.discovery import discover
from particle_diag.devices.flashing import flash_device
from particle_diag.errors import ExitCode
from particle_diag.protocol.dfu import FlashInterruptedError
from particle_diag.protocol.module_header import FirmwareFileError, build_module
from particle_diag.sim.dfu_faults import arm_unplug

USER = 0x000B4000
FORMER_USER_PART = 0x000D4000  # the 128 KB user part of Device OS < 3.1.0 (memory_map.toml)


def test_flash_from_normal_mode_enters_dfu_writes_verifies_and_comes_back(pdiag, binfile, user_part):
    path = binfile(user_part(payload=50_000))
    result = pdiag("--sim", "boron", "--json", "flash", str(path))
    assert result.code == 0, result.err
    data = result.json["data"]
    assert (data["alt"], data["address"], data["length"]) == (0, USER, path.stat().st_size)
    assert data["verified"] is True and data["mode_after"] == "normal"
    assert data["module"]["function"] == "user_part" and data["control_transfers"] > 0
    assert data["bytes_per_second"] > 0 and data["elapsed_s"] > 0


def test_flash_human_output(pdiag, binfile, user_part):
    result = pdiag("--sim", "boron:dfu", "flash", str(binfile(user_part())))
    assert result.code == 0, result.err
    assert "flashed user_part v6" in result.out and "to 0x000B4000 (alt 0)" in result.out
    assert "verified, device back in normal mode" in result.out and "control transfers" in result.out
    assert "verifying" in result.err and "leaving DFU mode" in result.err


@pytest.mark.parametrize(("kind", "spec", "reference", "code"), [
    ("wrong-platform", "boron:dfu", "firmware.platform", ExitCode.USAGE),
    ("truncated", "boron:dfu", "firmware.truncated", ExitCode.USAGE),
    ("corrupt", "boron:dfu", "firmware.crc", ExitCode.USAGE),
    ("not-a-module", "boron:dfu", "firmware.header", ExitCode.USAGE),
    ("read-only-segment", "boron:dfu", "firmware.range", ExitCode.USAGE),  # a user part in the bootloader
    ("outside-memory", "boron:dfu", "firmware.range", ExitCode.USAGE),
    ("protected-dfu", "boron:dfu+protected", "dfu.protected", ExitCode.PROTECTED),
    ("protected-normal", "boron+protected", "dfu.protected", ExitCode.PROTECTED),
])
def test_flash_refusals_are_distinct(pdiag, binfile, user_part, kind, spec, reference, code):
    good = user_part()
    data = {
        "wrong-platform": user_part(platform_id=12),
        "truncated": good[: len(good) // 2],
        "corrupt": good[:1000] + bytes([good[1000] ^ 0x01]) + good[1001:],
        "not-a-module": b"\x00" * 4096,
        "read-only-segment": build_module(13, "user_part", 0xF8000, b"x" * 100),  # bootloader area, 'a'
        "outside-memory": build_module(13, "user_part", 0x100000, b"x" * 100),
    }.get(kind, good)
    result = pdiag("--sim", spec, "--json", "flash", str(binfile(data)))
    assert result.code == code
    error = result.json["error"]
    assert error["reference"] == reference and error["message"] and error["hint"]


def test_refusals_happen_before_the_device_is_touched(make_bench, record_of, user_part):
    vb = make_bench("boron:dfu")
    with pytest.raises(FirmwareFileError):
        flash_device(record_of(vb), vb.host, user_part(platform_id=12))
    assert vb.device()._dfu_target is None or vb.device()._dfu_target.log == []


def test_flash_writes_the_module_invalidates_the_old_user_part_and_backs_up(make_bench, record_of, user_part,
                                                                          tmp_path):
    vb = make_bench("boron:dfu")
    flash = vb.device().dfu.flashes[0]
    flash.poke(USER, b"\x11" * 8192)
    flash.poke(FORMER_USER_PART, b"\x22" * 16)  # an old 128 KB user part's header
    image = user_part(payload=6000)
    backup = tmp_path / "backup.bin"
    result = flash_device(record_of(vb), vb.host, image, backup=backup)
    assert flash.peek(USER, len(image)) == image
    assert flash.peek(FORMER_USER_PART, 16) == b"\xff" * 16
    saved = backup.read_bytes()  # every sector the flash erased: the module's two and the former user part's
    assert saved[:8192] == b"\x11" * 8192 and len(saved) == FORMER_USER_PART + 4096 - USER
    assert saved[FORMER_USER_PART - USER:][:16] == b"\x22" * 16
    assert result.came_back_in == "normal" and vb.device().mode == "normal"


def test_factory_image_goes_to_the_external_flash_slot(make_bench, record_of, user_part):
    vb = make_bench("boron:dfu")
    image = user_part()
    result = flash_device(record_of(vb), vb.host, image, factory=True)
    assert (result.plan.alt, result.plan.address) == (2, 0x80200000)  # bootloader rule: +0x80000000 (§1.2)
    assert vb.device().dfu.flashes[2].peek(0x80200000, len(image)) == image


def test_factory_on_a_platform_without_a_slot_is_unsupported(pdiag, binfile):
    image = build_module(32, "user_part", 0x08500000, b"x" * 200)
    result = pdiag("--sim", "p2:dfu", "--json", "flash", "--factory", str(binfile(image)))
    assert result.code == ExitCode.UNSUPPORTED and result.json["error"]["reference"] == "flash.no-factory"


def test_unplug_mid_write_names_the_address_and_the_next_flash_after_replugging_works(make_bench, record_of,
                                                                                     user_part):
    vb = make_bench("boron:dfu")
    device = vb.device()
    image = user_part(payload=40_000)
    arm_unplug(device, after_blocks=5)
    with pytest.raises(FlashInterruptedError) as info:
        flash_device(record_of(vb), vb.host, image)
    err = info.value
    assert err.exit_code == ExitCode.PROTOCOL and err.reference == "dfu.interrupted"
    assert err.last_written == USER + 5 * 4096 - 1 and "0x000B8FFF" in err.message
    assert "Hold MODE, tap RESET" in err.hint and "blinks yellow" in err.hint and "pdiag flash" in err.hint
    assert discover(vb.host) == []  # the device left the bus
    device.attach("dfu")  # plugged back in, in DFU mode (buttons)
    result = flash_device(record_of(vb), vb.host, image)
    assert device.dfu.flashes[0].peek(USER, len(image)) == image
    assert result.came_back_in == "normal"


def test_cli_reports_an_interrupted_flash_with_exit_7(pdiag, binfile, user_part):
    from particle_diag.sim.spec import FLAGS

    if "unplugwrite" not in FLAGS:
        pytest.skip("needs the +unplugwrite virtual-device flag (sim/spec.py FLAGS; see docs/flashing.md)")
    result = pdiag("--sim", "boron:dfu+unplugwrite", "flash", str(binfile(user_part(payload=40_000))))
    assert result.code == ExitCode.PROTOCOL and "(dfu.interrupted)" in result.err and "0x000B" in result.err


def test_a_softdevice_is_written_without_its_prefix_and_device_os_reads_its_version(make_bench, record_of):
    """The Gen 3 radio stack module carries DROP_MODULE_INFO (device-os build/create_module.py): its data starts
    at 0x1000, and Device OS reads the SoftDevice's version from 0x300C (platform_radio_stack.cpp)."""
    from particle_diag.devices.identify import identify
    from particle_diag.sim import deviceos, flash_image

    vb = make_bench("boron/6.2.0")
    (slot,) = [m.slot for m in deviceos.module_set("boron", "6.2.0") if m.slot.function == "radio_stack"]
    image = flash_image.module_image(13, deviceos.Module(slot, 203), 0x1000, "a newer SoftDevice")
    result = flash_device(record_of(vb), vb.host, image)
    flash = vb.device().dfu_flash(0)
    assert flash.peek(0x1000, len(image) - 24) == image[24:]  # the prefix was dropped
    assert result.came_back_in == "normal" and any("DROP_MODULE_INFO" in n for n in result.to_dict()["notes"])
    modules = identify(record_of(vb), vb.host).modules
    assert [(m.type, m.version, m.valid) for m in modules if m.type == "radio_stack"] == [("radio_stack", 203, True)]

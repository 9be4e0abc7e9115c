"""Flashing safely: a flash interrupted (real SIGINT, raised by the virtual device at a chosen stage) stops at a
safe boundary and says how to recover; re-running the command recovers the device without touching the backup
of the original; ``--restore`` then gives the original flash back byte for byte.  Refusals the device alone can
give put it back in the mode it was found in.  Real pyusb path into the virtual device."""

from __future__ import annotations

import json
import os

import pytest

from particle_diag.devices.backup import record_path
from particle_diag.devices.discovery import discover
from particle_diag.devices.flashing import flash_device, prepare_flash, prepare_restore
from particle_diag.errors import ConsentRequiredError, ExitCode, OperationInterrupted, PdiagError, UsageError
from particle_diag.protocol.module_header import build_module
from particle_diag.sim.dfu_faults import arm_interrupt

USER, FORMER, BOOTLOADER = 0x000B4000, 0x000D4000, 0x000F4000
FLASH_SIZE = 0x100000


def _original(device) -> bytes:
    """Give the virtual Boron a plausible old application (a valid user part: Device OS runs it, so the device
    starts in normal mode) and old bytes over the rest of the user part."""
    flash = device.dfu.flashes[0]
    flash.poke(USER, os.urandom(BOOTLOADER - USER))
    flash.poke(USER, build_module(13, "user_part", USER, os.urandom(30_000), index=2,
                                  deps=(("system_part", 1, 6201),)))
    return flash.peek(0, FLASH_SIZE)


def _only(vb):
    (record,) = discover(vb.host)
    return record


@pytest.mark.parametrize(("stage", "step", "flash_changed"), [
    ("enter", "entering DFU", False),
    ("backup", "backup", False),
    ("erase", "erase", True),
    ("write", "write", True),
    ("verify", "verify", True),
    ("leave", "leaving DFU", True),
])
def test_interrupted_at_each_stage_rerun_recovers_and_restore_gives_the_original_back(
        make_bench, user_part, binfile, tmp_path, stage, step, flash_changed):
    vb = make_bench("boron")
    device = vb.device()
    original = _original(device)
    image = user_part(payload=20_000)
    firmware, backup = binfile(image), tmp_path / "backup.bin"
    record = _only(vb)

    arm_interrupt(device, stage)
    with pytest.raises(OperationInterrupted) as info:
        flash_device(record, vb.host, prepare_flash(record, image, image_path=firmware, backup=backup))
    err = info.value
    assert err.exit_code == ExitCode.INTERRUPTED and err.step == step and err.device_state
    if stage in ("enter", "backup"):
        assert err.recovery == f"pdiag reset {record.device_id}" and "unchanged" in err.device_state
    elif stage == "leave":
        assert err.recovery == "" and "written and verified" in err.device_state
    else:
        assert err.recovery.startswith("pdiag flash ") and f"--backup {backup}" in err.recovery
    flash = device.dfu.flashes[0]
    assert (flash.peek(0, FLASH_SIZE) != original) is flash_changed
    saved_first = backup.read_bytes() if backup.exists() else None

    # the recovery: the same command again (from whatever mode the device is in now)
    again = _only(vb)
    result = flash_device(again, vb.host, prepare_flash(again, image, image_path=firmware, backup=backup))
    assert flash.peek(USER, len(image)) == image and result.came_back_in == "normal"
    if saved_first is not None:  # a re-run never replaces the backup of the original
        assert backup.read_bytes() == saved_first and result.backup_kept
    meta = json.loads(record_path(backup).read_text())
    assert (meta["alt"], meta["address"]) == (0, USER)
    assert meta["address"] + meta["length"] >= FORMER + 0x1000  # covers the former user part's sector too
    assert backup.read_bytes() == original[meta["address"]: meta["address"] + meta["length"]]

    # restore: byte for byte, the whole internal flash is what it was
    restored_on = _only(vb)
    flash_device(restored_on, vb.host, prepare_restore(restored_on, backup, consent=False))
    assert flash.peek(0, FLASH_SIZE) == original
    assert vb.device().mode == "normal"


def test_the_backup_covers_every_sector_a_small_image_erases(make_bench, user_part, binfile, tmp_path):
    vb = make_bench("boron:dfu")
    original = _original(vb.device())
    image = user_part(payload=100)  # 168 bytes: one 4 KB sector erased
    backup = tmp_path / "b.bin"
    record = _only(vb)
    flash_device(record, vb.host, prepare_flash(record, image, image_path=binfile(image), backup=backup))
    data = backup.read_bytes()
    assert len(data) % 4096 == 0 and data[:4096] == original[USER:USER + 4096]


def test_a_backup_shorter_than_its_region_is_refused_on_restore(make_bench, user_part, binfile, tmp_path):
    vb = make_bench("boron:dfu")
    _original(vb.device())
    image = user_part()
    backup = tmp_path / "b.bin"
    record = _only(vb)
    flash_device(record, vb.host, prepare_flash(record, image, image_path=binfile(image), backup=backup))
    backup.write_bytes(backup.read_bytes()[:-4096])
    before = vb.device().dfu.flashes[0].peek(0, FLASH_SIZE)
    again = _only(vb)
    with pytest.raises(UsageError) as info:
        prepare_restore(again, backup, consent=False)
    assert info.value.reference == "flash.backup-short"
    assert vb.device().dfu.flashes[0].peek(0, FLASH_SIZE) == before


def test_restoring_into_a_protected_region_needs_consent(make_bench, tmp_path):
    vb = make_bench("boron:dfu")
    record = _only(vb)
    fake = tmp_path / "boot.bin"
    fake.write_bytes(b"\x00" * 4096)
    import hashlib

    record_path(fake).write_text(json.dumps({
        "format": "pdiag-flash-backup/1", "device_id": record.device_id, "platform": "boron", "alt": 0,
        "address": BOOTLOADER, "length": 4096, "sha256": hashlib.sha256(b"\x00" * 4096).hexdigest()}))
    with pytest.raises(ConsentRequiredError) as info:
        prepare_restore(record, fake, consent=False)
    assert "bootloader" in info.value.message


def test_a_refusal_only_the_device_gives_puts_it_back_in_its_mode(make_bench, user_part, binfile):
    vb = make_bench("boron")
    device = vb.device()
    original = _original(device)
    image = user_part()
    record = _only(vb)
    device.dfu.stall_next_commands = 50  # the bootloader refuses every DfuSe command (no erase happens)
    with pytest.raises(PdiagError) as info:
        flash_device(record, vb.host, prepare_flash(record, image, image_path=binfile(image)))
    assert "put back in normal mode" in info.value.hint
    assert device.mode == "normal" and device.dfu.flashes[0].peek(0, FLASH_SIZE) == original

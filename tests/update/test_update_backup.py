"""``pdiag update --backup DIR``: what each DFU write erases is saved first (devices/backup.py files), the result says
where and how to write it back, and writing the backups back returns the device to what it ran; what goes through
Device OS is said not to be backed up; existing files are never replaced without consent."""

from __future__ import annotations

import json

from particle_diag.devices.backup import load_backup
from particle_diag.devices.bundle import load_bundle
from particle_diag.devices.discovery import discover
from particle_diag.devices.flashing import flash_device, prepare_restore
from particle_diag.devices.update import prepare_update, update_device
from particle_diag.errors import ExitCode
from particle_diag.sim import firmware
from tests.update.conftest import benches


def _versions(device) -> dict[tuple[str, int], int]:
    return {(m.type, m.index): m.version for m in firmware.modules(device)}


def _only(vb):
    (record,) = discover(vb.host)
    return record


def test_cli_json_says_where_each_backup_is_and_how_to_restore_it(pdiag, release, tmp_path):
    bundle = release("boron", "6.2.0", ("bootloader", "system_part", "user_part"))
    folder = tmp_path / "backups"
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle), "--backup", str(folder))
    assert result.code == 0, result.err
    (device,) = result.json["data"]["devices"]
    modules = {m["function"]: m for m in device["modules"]}
    device_id = seen[0].devices[0].device_id
    saved = folder / device_id / "system_part-1.bin"
    assert modules["system_part"]["backup"] == str(saved) and saved.is_file()
    assert modules["system_part"]["restore"] == f"pdiag flash --restore {saved} {device_id}"
    assert modules["bootloader"]["backup"] is None  # through Device OS: said, not pretended
    assert any(n.startswith("not backed up: bootloader 0 v3100") for n in device["notes"])
    backup = load_backup(saved, device_id)  # whole, with its record: the bytes the write erased
    assert backup.platform == "boron" and backup.address == 0x28000 and backup.alt == 0
    json.dumps(result.json)


def test_writing_the_backups_back_returns_the_device_to_what_it_ran(make_bench, release, tmp_path):
    vb = make_bench("boron/6.1.1")
    device = vb.device()
    before = _versions(device)
    flash_before = device.dfu_flash(0).peek(0x28000, 0xD8000 - 0x28000)
    bundle = load_bundle([release("boron", "6.1.2")])
    result = update_device(prepare_update(_only(vb), bundle, backup=tmp_path), vb.host)
    assert result.error is None and _versions(device)[("system_part", 1)] == 6102
    restores = [m for m in result.modules if m.backup]
    assert [m.step.module.function for m in restores] == ["system_part", "user_part"]
    for outcome in restores:
        assert outcome.restore and outcome.restore.startswith(f"pdiag flash --restore {outcome.backup} ")
        flash_device(_only(vb), vb.host, prepare_restore(_only(vb), outcome.backup, consent=True))
    assert _versions(device) == before and device.firmware.device_os == "6.1.1"
    assert device.dfu_flash(0).peek(0x28000, 0xD8000 - 0x28000) == flash_before


def test_an_existing_file_is_not_replaced_without_consent(pdiag, release, tmp_path):
    bundle = release("boron", "6.1.2")
    folder = tmp_path / "backups"
    with benches() as seen:
        first = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle), "--plan")
    device_id = seen[0].devices[0].device_id
    (folder / device_id).mkdir(parents=True)
    mine = folder / device_id / "system_part-1.bin"
    mine.write_bytes(b"my own notes")
    assert first.code == 0
    with benches() as seen:
        refused = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle), "--backup", str(folder))
    assert refused.code == ExitCode.REFUSED and refused.json["error"]["reference"] == "file.exists"
    assert mine.read_bytes() == b"my own notes"
    assert seen[0].devices[0].enumeration == 1 and _versions(seen[0].devices[0])[("system_part", 1)] == 6101
    replaced = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle), "--backup", str(folder), "--yes")
    assert replaced.code == 0, replaced.err
    assert load_backup(mine, device_id).address == 0x30000


def test_plan_with_backup_saves_nothing_and_says_what_could_not_be_saved(pdiag, release, tmp_path):
    bundle = release("boron", "6.2.0", ("bootloader", "system_part", "user_part"))
    result = pdiag("--sim", "boron/6.1.1", "update", str(bundle), "--plan", "--backup", str(tmp_path / "b"))
    assert result.code == 0, result.err
    assert "not backed up: bootloader 0 v3100" in result.out and not (tmp_path / "b").exists()

"""Inside ``pdiag sim run`` (each command a separate process over real libusb/usbfs, no terminal): protected
memory and bad flashes are refused without changing a byte or the device's mode, --backup never replaces the
input or an existing file, and ``flash /dev/zero`` is refused at once."""

from __future__ import annotations

import os
import shlex

import pytest

from particle_diag.protocol.module_header import build_module

pytestmark = pytest.mark.integration
BORON = 13


def _user_part(start: int, size: int) -> bytes:
    return build_module(BORON, "user_part", start, os.urandom(size), deps=(("system_part", 1, 6201),))


def _lines(output: str, prefix: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if line.startswith(prefix) and "=" in line)


def test_bootloader_erase_and_write_are_refused_without_a_byte_changed(sim_run, tmp_path) -> None:
    (tmp_path / "pattern.bin").write_bytes(os.urandom(0x4000))
    (tmp_path / "zero.bin").write_bytes(b"\0" * 0x1000)
    script = f"""cd {shlex.quote(str(tmp_path))}
pdiag dfu write --yes --address 0xF4000 pattern.bin >&2
pdiag dfu read --address 0xF4000 --length 0x4000 before.bin >&2
pdiag dfu erase --address 0xF4000 --length 0x4000 2>erase.err; echo "rc-erase=$?"
pdiag dfu write --address 0xF4000 zero.bin 2>write.err; echo "rc-write=$?"
pdiag dfu read --address 0xF4000 --length 0x4000 after.bin >&2
pdiag --json list > list.json
"""
    result = sim_run("boron:dfu", "sh", "-c", script, timeout=60)
    assert result.returncode == 0, result.output
    codes = _lines(result.stdout, "rc-")
    assert codes == {"rc-erase": "13", "rc-write": "13"}, result.output
    for name in ("erase.err", "write.err"):
        err = (tmp_path / name).read_text()
        assert err.startswith("error: refusing to") and "bootloader" in err and "(safety.consent)" in err
        assert "--yes" in err and "Traceback" not in err
    assert (tmp_path / "after.bin").read_bytes() == (tmp_path / "before.bin").read_bytes()
    assert (tmp_path / "before.bin").read_bytes() == (tmp_path / "pattern.bin").read_bytes()
    assert '"mode": "dfu"' in (tmp_path / "list.json").read_text()


def test_bad_flashes_and_erase_enter_leave_the_device_and_its_flash_as_found(sim_run, tmp_path) -> None:
    (tmp_path / "in_bootloader.bin").write_bytes(_user_part(0xF4000, 2000))
    (tmp_path / "too_big.bin").write_bytes(_user_part(0xB4000, 270 * 1024))
    script = f"""cd {shlex.quote(str(tmp_path))}
pdiag dfu read --enter --address 0xB4000 --length 0x4C000 before.bin >&2
pdiag reset >&2
pdiag flash in_bootloader.bin 2>flash1.err; echo "rc-flash1=$?"
pdiag flash too_big.bin 2>flash2.err; echo "rc-flash2=$?"
pdiag dfu erase --enter --address 0xF4000 --length 0x4000 2>erase.err; echo "rc-erase=$?"
pdiag --json list > list.json
pdiag dfu read --enter --address 0xB4000 --length 0x4C000 after.bin >&2
"""
    result = sim_run("boron", "sh", "-c", script, timeout=90)
    assert result.returncode == 0, result.output
    assert _lines(result.stdout, "rc-") == {"rc-flash1": "2", "rc-flash2": "2", "rc-erase": "13"}, result.output
    for name in ("flash1.err", "flash2.err"):
        err = (tmp_path / name).read_text()
        assert "(firmware.range)" in err and "bootloader" in err and "Traceback" not in err
    assert '"mode": "normal"' in (tmp_path / "list.json").read_text()  # never switched into DFU
    assert (tmp_path / "after.bin").read_bytes() == (tmp_path / "before.bin").read_bytes()


def test_backup_onto_the_input_or_an_existing_file_changes_neither(sim_run, tmp_path) -> None:
    firmware = _user_part(0xB4000, 20_000)
    (tmp_path / "fw.bin").write_bytes(firmware)
    (tmp_path / "old.bin").write_bytes(b"an earlier backup")
    script = f"""cd {shlex.quote(str(tmp_path))}
pdiag flash fw.bin --backup fw.bin 2>input.err; echo "rc-input=$?"
pdiag flash fw.bin --backup ./old.bin 2>existing.err; echo "rc-existing=$?"
pdiag --json list > list.json
"""
    result = sim_run("boron", "sh", "-c", script, timeout=60)
    assert result.returncode == 0, result.output
    assert _lines(result.stdout, "rc-") == {"rc-input": "2", "rc-existing": "13"}, result.output
    assert "(flash.backup-is-input)" in (tmp_path / "input.err").read_text()
    assert "(file.exists)" in (tmp_path / "existing.err").read_text()
    assert (tmp_path / "fw.bin").read_bytes() == firmware
    assert (tmp_path / "old.bin").read_bytes() == b"an earlier backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.err", "fw.bin", "input.err", "list.json",
                                                          "old.bin"]
    assert '"mode": "normal"' in (tmp_path / "list.json").read_text()


def test_flash_dev_zero_is_refused_within_ten_seconds(sim_run) -> None:
    result = sim_run("boron", "pdiag", "flash", "/dev/zero", timeout=30)
    assert result.returncode == 2 and "(file.not-regular)" in result.stderr, result.output
    assert result.seconds < 10

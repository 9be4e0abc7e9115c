"""dfu-util 0.11 as an independent DfuSe host: it must accept the virtual bootloader as a real one."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

pytestmark = [pytest.mark.peer, pytest.mark.integration]

USER_FIRMWARE = 0x000D4000  # in the 'g' (erasable, writable) part of a Gen 3 internal flash


def run_dfu_util(testbed, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dfu-util", *args], env=testbed.client_env(), capture_output=True, text=True,
                          timeout=60)


def test_list_shows_alt_settings_layouts_and_device_id(attach, dfu_util) -> None:
    testbed = attach("argon:dfu")
    argon = testbed.bench.devices[0]
    result = run_dfu_util(testbed, "-l")
    assert result.returncode == 0, result.stderr
    found = re.findall(r'Found DFU: \[2b04:d00c\] .*?path="1-1", alt=(\d+), name="([^"]*)", serial="(\w+)"',
                       result.stdout)
    assert sorted((int(alt), name, serial) for alt, name, serial in found) == [
        (alt, layout, argon.device_id) for alt, layout in enumerate(argon.platform.dfu_alts)
    ]


def test_download_with_leave_lands_in_flash(attach, dfu_util, wait_for, tmp_path) -> None:
    testbed = attach("argon:dfu")
    argon = testbed.bench.devices[0]
    image = os.urandom(10 * 1024 + 123)  # not a multiple of the 4 KB transfer size
    (tmp_path / "fw.bin").write_bytes(image)
    result = run_dfu_util(testbed, "-d", "2b04:d00c", "-a", "0", "-s", f"0x{USER_FIRMWARE:08x}:leave",
                      "-D", str(tmp_path / "fw.bin"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "File downloaded successfully" in result.stdout
    flash = argon.dfu_flash(0)  # test backdoor: the bootloader's flash outlives the DFU session
    assert flash.peek(USER_FIRMWARE, len(image)) == image
    wait_for(lambda: argon.mode == "normal" and argon.attached, 10, "the device leaving DFU mode")


def test_upload_reads_back_what_was_downloaded(attach, dfu_util, tmp_path) -> None:
    testbed = attach("argon:dfu")
    image = os.urandom(8192)
    (tmp_path / "fw.bin").write_bytes(image)
    down = run_dfu_util(testbed, "-a", "0", "-s", f"0x{USER_FIRMWARE:08x}", "-D", str(tmp_path / "fw.bin"))
    assert down.returncode == 0, down.stdout + down.stderr
    up = run_dfu_util(testbed, "-a", "0", "-s", f"0x{USER_FIRMWARE:08x}:{len(image)}",
                      "-U", str(tmp_path / "up.bin"))
    assert up.returncode == 0, up.stdout + up.stderr
    flash = testbed.bench.devices[0].dfu_flash(0)
    log = [f"{e.kind} {e.address and hex(e.address)} {e.length} {e.detail}" for e in flash_log(testbed)]
    assert flash.peek(USER_FIRMWARE, len(image)) == image, "download wrong:\n" + "\n".join(log)
    assert (tmp_path / "up.bin").read_bytes() == image, "upload wrong:\n" + "\n".join(log)


def flash_log(testbed):  # type: ignore[no-untyped-def]
    return testbed.bench.devices[0]._dfu_target.log


def test_dfu_util_inside_sim_run(sim_run, dfu_util) -> None:
    result = sim_run("boron,argon:dfu", "dfu-util", "-l")
    assert result.returncode == 0, result.output
    assert re.search(r"Found DFU: \[2b04:d00c\] .*alt=0, .*serial=\"e00fce68[0-9a-f]{16}\"", result.stdout)
    assert "c00d" not in result.stdout  # the Boron in normal mode is no DFU device

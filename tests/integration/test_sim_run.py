"""``pdiag sim run``: any command sees the virtual bench as real USB hardware (libusb, sysfs, ttyACM)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _devices(stdout: str) -> dict[str, dict]:
    envelope = json.loads(stdout)
    assert envelope["ok"], envelope
    return {d["platform"]: d for d in envelope["data"]["devices"]}


def test_list_finds_the_bench_through_libusb_and_sysfs(sim_run) -> None:
    result = sim_run("boron,argon:dfu", "pdiag", "--json", "list")
    assert result.returncode == 0, result.output
    devices = _devices(result.stdout)
    assert set(devices) == {"boron", "argon"}
    boron, argon = devices["boron"], devices["argon"]
    assert boron["serial_port"].startswith("/dev/ttyACM"), boron  # a tty from sysfs, not a /dev/pts of --sim
    assert boron["usb"]["pid"] == "c00d" and boron["device_os"]  # probed over usbfs control requests
    assert argon["usb"]["pid"] == "d00c" and argon["mode"] == "dfu" and argon["serial_port"] is None
    assert boron["usb"]["address"] != argon["usb"]["address"]


def test_standard_tools_see_the_devices(sim_run) -> None:
    code = ("import serial.tools.list_ports as lp, usb.core\n"
            "print(sorted((p.device, p.vid, p.pid, p.serial_number, p.location) for p in lp.comports()))\n"
            "devices = usb.core.find(find_all=True)\n"
            "print(sorted((d.idVendor, d.idProduct, d.serial_number) for d in devices))\n")
    result = sim_run("boron", sys.executable, "-c", code)
    assert result.returncode == 0, result.output
    ports, usb = result.stdout.splitlines()
    assert "('/dev/ttyACM0', 11012, 49165, 'e00fce68" in ports and "'1-1:1.0')" in ports
    assert "(11012, 49165, 'e00fce68" in usb


def test_serial_ports_from_sysfs_are_those_pyserial_lists(sim_run) -> None:
    """pdiag reads ports from sysfs only (no lstat() of /dev under the preload): same ports, same fields."""
    code = ("import serial.tools.list_ports as lp\n"
            "from particle_diag.transport.serial import PortInfo, sysfs_ports\n"
            "theirs = [PortInfo(p.device, p.vid, p.pid, p.serial_number, p.location, p.product, p.manufacturer)\n"
            "          for p in sorted(lp.comports(), key=lambda p: p.device) if p.vid]\n"
            "print(len(theirs), theirs == sysfs_ports())\n")
    result = sim_run("boron,argon:dfu,electron,p2:listening", sys.executable, "-c", code)
    assert result.returncode == 0, result.output
    assert result.stdout.split() == ["3", "True"], result.output  # the Argon in DFU has no port


def test_usb_devices_from_sysfs_are_those_libusb_lists(sim_run) -> None:
    """pdiag lists USB devices from sysfs (no control transfer, no libusb): the same identities libusb reads."""
    code = ("from particle_diag.catalog.platforms import particle_vids\n"
            "from particle_diag.transport.usb import UsbBus, default_backend\n"
            "vids = particle_vids()\n"
            "ours = sorted(UsbBus().enumerate(vids), key=lambda i: i.path)\n"
            "libusb = sorted(UsbBus(default_backend()).enumerate(vids), key=lambda i: i.path)\n"
            "print(len(ours), ours == libusb, ours[0].serial[:8], ours[0].product)\n")
    result = sim_run("boron,argon:dfu,electron,p2:listening", sys.executable, "-c", code)
    assert result.returncode == 0, result.output
    assert result.stdout.split() == ["4", "True", "e00fce68", "Boron", "CDC", "Mode"], result.output


def test_exit_code_is_the_commands(sim_run) -> None:
    assert sim_run("boron", "sh", "-c", "exit 7").returncode == 7
    assert sim_run("boron", "true").returncode == 0


def test_device_state_carries_across_commands(sim_run) -> None:
    """Each inner command is a new process; the bench (mode, addresses) lives as long as `sim run`."""
    script = "pdiag enter dfu e00f >&2 && pdiag --json list"
    result = sim_run("boron", "sh", "-c", script)
    assert result.returncode == 0, result.output
    boron = _devices(result.stdout)["boron"]
    assert boron["mode"] == "dfu" and boron["usb"]["pid"] == "d00d"
    assert boron["usb"]["address"] > 2  # it left the bus and came back at a new address
    assert boron["serial_port"] is None


def test_unknown_command_is_a_usage_error(sim_run) -> None:
    result = sim_run("boron", "no-such-program-pdiag")
    assert result.returncode == 2
    assert "command not found: no-such-program-pdiag" in result.output


def test_bad_spec_is_a_usage_error(sim_run) -> None:
    result = sim_run("toaster", "true")
    assert result.returncode == 2, result.output


def test_missing_pygobject_says_what_to_install(tmp_path) -> None:
    """Runs everywhere: a stand-in 'gi' module that fails to import, as on a host without PyGObject."""
    (tmp_path / "gi").mkdir()
    (tmp_path / "gi" / "__init__.py").write_text("raise ImportError('simulated: no PyGObject')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("UMOCKDEV_DIR", None)
    result = subprocess.run([sys.executable, "-m", "particle_diag", "--json", "sim", "run", "--", "true"],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 12, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["reference"] == "host.umockdev"
    assert "PyGObject" in error["message"] and "apt-get install umockdev" in error["hint"]


def test_enter_dfu_and_back_seen_by_pdiag_and_dfu_util(sim_run, dfu_util) -> None:
    """Issue 4: `enter dfu`, then `list --json` shows DFU; `enter normal` brings it back; dfu-util sees the
    device only while it is in DFU."""
    script = (
        "set -e\n"
        f"{dfu_util} -l > before.txt 2>&1 || true\n"
        "pdiag enter dfu >&2\n"
        "pdiag list --json > in_dfu.json\n"
        f"{dfu_util} -l > during.txt 2>&1\n"
        "pdiag enter normal >&2\n"
        "pdiag list --json > after.json\n"
        f"{dfu_util} -l > after.txt 2>&1 || true\n"
        "cat before.txt; echo ===; cat in_dfu.json; echo ===; cat during.txt; echo ===; cat after.json; "
        "echo ===; cat after.txt\n"
    )
    result = sim_run("boron", "sh", "-c", f"cd \"$(mktemp -d)\"\n{script}", timeout=90)
    assert result.returncode == 0, result.output
    before, in_dfu, during, after, after_dfu_util = result.stdout.split("===\n")
    assert "Found DFU" not in before
    assert _devices(in_dfu)["boron"]["mode"] == "dfu"
    assert "Found DFU: [2b04:d00d]" in during
    assert _devices(after)["boron"]["mode"] == "normal" and _devices(after)["boron"]["usb"]["pid"] == "c00d"
    assert "Found DFU" not in after_dfu_util


def test_watch_reports_a_mode_change_made_by_another_command(sim_run) -> None:
    """Issue 7: `pdiag watch --jsonl` in one process sees `pdiag enter dfu` run by another."""
    script = (
        "pdiag watch --jsonl --interval 0.2 --count 1 > events.jsonl & watcher=$!\n"
        "sleep 1.5\n"
        "pdiag enter dfu >&2\n"
        "wait $watcher; status=$?\n"
        "cat events.jsonl; exit $status\n"
    )
    result = sim_run("boron", "sh", "-c", f"cd \"$(mktemp -d)\"\n{script}", timeout=90)
    assert result.returncode == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    modes = [e for e in events if e["event"] == "mode"]
    assert modes, result.output
    assert modes[0]["mode"] == "dfu" and modes[0]["device_id"].startswith("e00fce68")


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR short enough for umockdev's device sockets (pytest's own tmp_path may not be, under xdist)."""
    path = Path(tempfile.mkdtemp(prefix="pdiag-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_inner_commands_use_the_shared_bench_whatever_pdiag_sim_says(umockdev_available, short_tmp) -> None:
    tmp_path = short_tmp
    env = {k: v for k, v in os.environ.items() if k != "UMOCKDEV_DIR"}
    env.update(PDIAG_SIM="boron", PDIAG_SIM_TIMING="realistic", TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "particle_diag", "sim", "run", "--bench", "boron", "--", "sh", "-c",
                           "pdiag enter dfu && pdiag --json list"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"mode": "dfu"' in done.stdout  # the second command saw the first one's mode change
    assert "PDIAG_SIM=boron is ignored inside `pdiag sim run`" in done.stderr
    assert not list(tmp_path.glob("umockdev.*")), "the testbed directory is removed"



def test_a_tmpdir_too_long_for_umockdev_sockets_is_one_error_line_with_the_fix(umockdev_available, tmp_path) -> None:
    long_tmp = tmp_path / ("x" * 80)
    long_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "UMOCKDEV_DIR"}
    env["TMPDIR"] = str(long_tmp)
    done = subprocess.run([sys.executable, "-m", "particle_diag", "sim", "run", "--bench", "boron", "--", "true"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 12, done.stderr  # ENVIRONMENT (docs/errors.md host.tmpdir)
    assert "TMPDIR is too long for umockdev" in done.stderr and "host.tmpdir" in done.stderr
    assert "TMPDIR=/tmp" in done.stderr and "Traceback" not in done.stderr
    assert not list(long_tmp.iterdir()), "nothing was created"

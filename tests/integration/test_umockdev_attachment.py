"""The umockdev attachment seen from outside: sysfs, usbfs and the tty, driven by the same device logic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def _sys(testbed, path: str) -> str:
    with open(os.path.join(testbed.root, path.lstrip("/")), encoding="utf-8") as f:
        return f.read()


def test_sysfs_describes_the_device_as_the_kernel_would(attach) -> None:
    testbed = attach("boron")
    boron = testbed.bench.devices[0]
    dev = "sys/bus/usb/devices/1-1"
    assert _sys(testbed, f"{dev}/idVendor") == "2b04\n" and _sys(testbed, f"{dev}/idProduct") == "c00d\n"
    assert _sys(testbed, f"{dev}/serial") == boron.device_id + "\n"
    assert _sys(testbed, f"{dev}/busnum") == "1\n" and _sys(testbed, f"{dev}/devnum") == f"{boron.address}\n"
    assert _sys(testbed, f"{dev}/bNumInterfaces") == " 3\n"
    with open(os.path.join(testbed.root, dev, "descriptors"), "rb") as f:
        assert f.read() == boron.descriptors.raw
    assert _sys(testbed, f"{dev}/1-1:1.2/bInterfaceClass") == "ff\n"
    tty = os.path.join(testbed.root, "sys/class/tty/ttyACM0")
    assert os.path.realpath(os.path.join(tty, "device")).endswith("/1-1/1-1:1.0")
    assert os.readlink(os.path.join(testbed.root, "dev/ttyACM0")) == boron.port.path


def test_identify_over_usbfs(attach, pdiag_in) -> None:
    testbed = attach("boron")
    result = pdiag_in(testbed, "--json", "identify")
    assert result.returncode == 0, result.output
    identity = json.loads(result.stdout)["data"]
    boron = testbed.bench.devices[0]
    assert identity["device_id"] == boron.device_id
    assert identity["device_os"] == boron.firmware.device_os
    assert boron.request_log, "the answers came from the device's control-request service"


def test_identify_over_the_tty_in_listening_mode(attach, pdiag_in) -> None:
    testbed = attach("electron/1.5.2:listening")
    result = pdiag_in(testbed, "--json", "identify")
    assert result.returncode == 0, result.output
    identity = json.loads(result.stdout)["data"]
    electron = testbed.bench.devices[0]
    assert identity["device_id"] == electron.device_id and identity["device_os"] == "1.5.2"
    assert electron.port.opened_bauds, "pdiag talked to the console on /dev/ttyACM0"


@pytest.mark.parametrize("flag", ["mute", "busy"])
def test_unplug_during_a_command_is_a_clear_error(attach, wait_for, flag: str) -> None:
    """mute: a control transfer is in flight when the device goes (its URB completes with -ESHUTDOWN);
    busy: the device keeps answering 'pending', and the next transfer fails with ENODEV."""
    testbed = attach(f"boron+{flag}")
    boron = testbed.bench.devices[0]
    usbfs = testbed.usbfs_of(boron)
    child = subprocess.Popen([sys.executable, "-m", "particle_diag", "--json", "identify"],
                             env=testbed.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        if flag == "mute":
            wait_for(usbfs.in_flight, 10, "a control transfer the device does not answer")
        else:
            wait_for(lambda: usbfs.submitted >= 3, 10, "pdiag polling the busy device")
        boron.detach()  # pulled out of the USB port
        stdout, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 7, stdout + stderr
    error = json.loads(stdout)["error"]
    assert error["reference"] == "device.gone", error
    assert "USB device 1-1" in error["message"], error  # wording depends on the step the unplug hit


def test_magic_baud_on_the_tty_reenumerates_in_dfu_mode(attach, wait_for) -> None:
    """pyserial opens /dev/ttyACM0 at 14400 (TCSETS2 passes through to the pty) and closes it: the device
    leaves the bus and comes back as 2b04:d00d at a new address, without a tty."""
    testbed = attach("boron")
    boron = testbed.bench.devices[0]
    old_node = testbed.devnode_of(boron)
    code = "import serial; serial.Serial('/dev/ttyACM0', 14400).close()"
    result = subprocess.run([sys.executable, "-c", code], env=testbed.client_env(), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    wait_for(lambda: boron.mode == "dfu" and testbed.devnode_of(boron) not in (None, old_node), 10,
             "re-enumeration in DFU mode")
    dev = os.path.join(testbed.root, "sys/bus/usb/devices/1-1")
    with open(os.path.join(dev, "idProduct"), encoding="utf-8") as f:
        assert f.read() == "d00d\n"
    assert not os.path.lexists(os.path.join(testbed.root, "dev/ttyACM0"))
    assert not os.path.exists(os.path.join(testbed.root, old_node.lstrip("/")))


def test_a_running_process_follows_reenumeration(attach, pdiag_in, require_hotplug) -> None:
    """`pdiag enter dfu` waits in the same process for the device to come back: libusb hotplug needs the
    uevents this (preloaded) test process sends."""
    testbed = attach("boron")
    require_hotplug(testbed)
    result = pdiag_in(testbed, "--json", "enter", "dfu")
    assert result.returncode == 0, result.output
    boron = testbed.bench.devices[0]
    assert boron.mode == "dfu"
    listed = pdiag_in(testbed, "--json", "list")
    (device,) = json.loads(listed.stdout)["data"]["devices"]
    assert device["mode"] == "dfu" and device["usb"]["address"] == boron.address

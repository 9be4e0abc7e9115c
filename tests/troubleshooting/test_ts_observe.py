"""troubleshooting/observe.py: device and host facts for the doctor engine."""

from __future__ import annotations

from particle_diag.devices.hostcheck import HostFacts
from particle_diag.rules.engine import evaluate
from particle_diag.troubleshooting.observe import collect, host_facts_from, observe_device, virtual_host_facts

LINUX_NO_RULES = {"host_os": "linux", "libusb_present": True, "udev_rules_installed": False,
                  "modemmanager_running": True, "user_groups": ("users",)}


def test_safe_mode_device_facts(make_bench):
    vb = make_bench("boron:safe")
    from particle_diag.devices.discovery import discover

    obs = observe_device(discover(vb.host)[0], vb.host)
    f = obs.facts
    assert f.platform == "boron" and f.mode == "safe" and f.device_os == "6.2.1" and f.cloud_status == "connected"
    assert f.permission_denied is False and f.device_unresponsive is False and f.device_found is True
    user = next(m for m in f.modules if m.type == "user-part")
    assert user.failed_checks == ("dependencies",)
    # built for the next minor release (6.3.0 = system module 6300) than the 6.2.1 it runs on (6201)
    assert user.dependencies == ({"type": "system-part", "index": 1, "version": 6300},)
    assert f.diagnostics["sys:reset"] == 40


def test_dfu_device_has_no_firmware_facts(make_bench):
    vb = make_bench("argon:dfu")
    inp = collect(vb.host, [], host_facts=virtual_host_facts())
    f = inp.observations[0].facts
    assert f.mode == "dfu" and f.modules is None and f.cloud_status is None


def test_real_host_facts_without_a_device(kb, make_bench):
    vb = make_bench("none")
    inp = collect(vb.host, [], host_facts=LINUX_NO_RULES)
    assert inp.observations[0].record is None and inp.devices_seen == 0
    ids = [f.id for f in evaluate(inp.observations[0].facts, kb)]
    assert ids[0] == "no-device-no-udev"
    assert {"modemmanager-grabs-port", "user-groups", "no-device"} <= set(ids)


def test_an_opened_device_does_not_blame_the_groups(kb, make_bench):
    vb = make_bench("argon+offline")
    inp = collect(vb.host, [], host_facts={**LINUX_NO_RULES, "modemmanager_running": False})
    ids = [f.id for f in evaluate(inp.observations[0].facts, kb)]
    assert ids[0] == "cloud-disconnected" and "user-groups" not in ids


def test_inaccessible_device_gives_the_udev_finding_on_a_real_host(kb, make_bench):
    vb = make_bench("boron+noaccess")
    inp = collect(vb.host, [], host_facts={**LINUX_NO_RULES, "modemmanager_running": False})
    findings = evaluate(inp.observations[0].facts, kb)
    assert findings[0].id == "usb-permission-udev"
    assert "opening the device failed: permission denied" in findings[0].evidence


def test_host_facts_from_hostcheck():
    hf = HostFacts(host_os="linux", libusb_present=True, udev_supported=True, udev_rules_installed=True,
                   udev_rules_outdated=False, modemmanager_running=False, user_groups=("plugdev",),
                   missing_groups=("dialout",))
    assert host_facts_from(hf) == {"host_os": "linux", "libusb_present": True, "udev_rules_installed": True,
                                   "modemmanager_running": False, "user_groups": ("plugdev",)}
    mac = HostFacts("darwin", True, False, None, False, False, ("staff",), ())
    assert host_facts_from(mac)["user_groups"] is None and host_facts_from(mac)["udev_rules_installed"] is None

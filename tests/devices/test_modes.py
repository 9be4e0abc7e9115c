"""Mode control on virtual Gen 2, Gen 3 and Gen 4 devices: every transition, both paths, every failure."""

from __future__ import annotations

import itertools

import pytest

from particle_diag.clock import FakeClock
from particle_diag.devices.batch import run_on_devices
from particle_diag.devices.discovery import discover
from particle_diag.devices.modes import change_mode, reset
from particle_diag.errors import ExitCode, worst_exit_code

MODES = ("normal", "listening", "safe", "dfu")
PLATFORMS = {"gen2": "electron/3.3.1", "gen3": "boron", "gen4": "p2"}


def only(vb):  # type: ignore[no-untyped-def]
    (record,) = discover(vb.host)
    return record


@pytest.fixture
def bench(make_bench):  # type: ignore[no-untyped-def]
    """Host and bench on one FakeClock: reset delays, re-enumeration and the host's timeouts pass in no wall time.
    A change over the serial port (magic baud, the console) is ``wall``: the device's side runs on a pty thread
    that the host's fake waits would outrun."""
    def make(spec: str, wall: bool = False):  # type: ignore[no-untyped-def]
        return make_bench(spec, poll_interval_s=0.02, probe_timeout_s=1.0, **({} if wall else {"clock": FakeClock()}))

    return make


@pytest.mark.parametrize("platform", PLATFORMS.values(), ids=PLATFORMS.keys())
@pytest.mark.parametrize(("start", "target"), [p for p in itertools.product(MODES, MODES) if p[0] != p[1]])
def test_every_transition(bench, platform, start, target):
    vb = bench(f"{platform}:{start}")
    device = vb.device()
    record = only(vb)  # a `:safe` device fails its dependency check, so its safe mode is observable...
    assert record.mode == start
    device.firmware.failed_dependency = False  # ...and is then repaired, so it may leave safe mode
    change = change_mode(record, target, vb.host, timeout_s=10)
    assert change.new_mode == target
    assert device.mode == target  # what the virtual device really is now
    fresh = only(vb)
    if target != "safe":
        assert fresh.mode == target  # and what a new `pdiag list` observes
    else:
        assert change.confirmed_by == "re-enumeration" and fresh.mode == "normal"


@pytest.mark.parametrize(("spec", "target", "expected_path"), [
    ("photon/0.7.0", "dfu", "magic-baud"),
    ("electron/1.5.2", "dfu", "usb-request"),
    ("boron/1.5.2", "listening", "usb-request"),
    ("photon/0.7.0", "listening", "magic-baud"),
    ("photon/0.7.0:listening", "normal", "serial-console"),
])
def test_path_follows_the_firmware(bench, spec, target, expected_path):
    vb = bench(spec, wall=expected_path != "usb-request")
    change = change_mode(only(vb), target, vb.host, timeout_s=10)
    assert (change.path, change.new_mode) == (expected_path, target)


def test_via_serial_forces_the_magic_baud_on_modern_firmware(bench):
    vb = bench("boron/5.9.0", wall=True)
    change = change_mode(only(vb), "listening", vb.host, via="serial", timeout_s=10)
    assert change.path == "magic-baud"
    assert 70 not in vb.device().request_log  # no START_LISTENING request was sent
    change = change_mode(change.record, "dfu", vb.host, via="serial", timeout_s=10)
    assert change.path == "magic-baud" and vb.device().mode == "dfu"


def test_28800_baud_is_gone_from_6_0_0(bench):
    vb = bench("boron/6.2.1")
    with pytest.raises(Exception) as exc:
        change_mode(only(vb), "listening", vb.host, via="serial", timeout_s=5)
    assert exc.value.reference == "mode.unsupported"  # type: ignore[attr-defined]


def test_safe_mode_entered_by_request_is_not_observable_so_normal_says_so(bench):
    vb = bench("argon")
    change = change_mode(only(vb), "safe", vb.host, timeout_s=10)
    assert vb.device().mode == "safe"
    again = change_mode(change.record, "normal", vb.host, timeout_s=10)
    assert again.path == "none" and "pdiag reset" in again.notes[0]
    back = reset(again.record, vb.host, timeout_s=10)
    assert back.new_mode == "normal" and vb.device().mode == "normal"


def test_already_there_does_nothing(bench):
    vb = bench("argon:dfu")
    change = change_mode(only(vb), "dfu", vb.host)
    assert change.path == "none" and change.elapsed_s == 0


@pytest.mark.parametrize(("spec", "target", "reference", "code"), [
    ("boron+noreturn", "dfu", "mode.timeout", ExitCode.TIMEOUT),
    ("boron+wrongmode", "dfu", "mode.wrong", ExitCode.WRONG_MODE),
    ("p2+protected", "dfu", "device.protected", ExitCode.PROTECTED),
    ("boron+nolisten", "listening", "mode.listening-disabled", ExitCode.UNSUPPORTED),
    ("xenon/0.8.0-rc.1", "safe", "mode.unsupported", ExitCode.UNSUPPORTED),  # no requests, no port path
    ("argon+noaccess", "dfu", "host.permission", ExitCode.PERMISSION),
])
def test_failures_have_their_own_errors(bench, spec, target, reference, code):
    vb = bench(spec)
    with pytest.raises(Exception) as exc:
        change_mode(only(vb), target, vb.host, timeout_s=3)
    assert exc.value.reference == reference  # type: ignore[attr-defined]
    assert exc.value.exit_code == code  # type: ignore[attr-defined]
    assert exc.value.hint  # type: ignore[attr-defined]


def test_old_firmware_without_a_serial_port_gets_the_button_hint(bench):
    vb = bench("xenon/0.8.0-rc.1")
    record = only(vb)
    record.serial_port = None
    with pytest.raises(Exception) as exc:
        change_mode(record, "dfu", vb.host, timeout_s=3)
    assert "Hold MODE, tap RESET" in exc.value.hint  # type: ignore[attr-defined]


def test_unplugged_mid_switch(bench):
    vb = bench("boron")
    record = only(vb)
    vb.device().behaviour.vanish_on_request = 50
    with pytest.raises(Exception) as exc:
        change_mode(record, "dfu", vb.host, timeout_s=3)
    assert exc.value.reference == "mode.unplugged"  # type: ignore[attr-defined]
    assert exc.value.exit_code == ExitCode.PROTOCOL  # type: ignore[attr-defined]


def test_reset_from_normal_and_from_dfu(bench):
    vb = bench("boron,argon:dfu")
    changes = [reset(r, vb.host, timeout_s=10) for r in discover(vb.host)]
    assert [c.new_mode for c in changes] == ["normal", "normal"]
    assert [d.enumeration for d in vb.bench.devices] == [2, 2]  # each really left the bus and came back


def test_all_eight_with_two_failing_keeps_every_outcome(bench):
    vb = bench("boron,argon,photon,electron/2.3.1,xenon,p2,boron+noreturn,p2+protected")
    records = discover(vb.host)
    # 20 s of fake time: eight workers advance the one clock together, so each sees it run faster
    outcomes = run_on_devices(records, lambda r: change_mode(r, "dfu", vb.host, timeout_s=20))
    assert len(outcomes) == 8
    failed = {o.record.device_id: o.error.reference for o in outcomes if not o.ok}  # type: ignore[union-attr]
    assert failed == {vb.bench.devices[6].device_id: "mode.timeout", vb.bench.devices[7].device_id: "device.protected"}
    assert all(d.mode == "dfu" for d in vb.bench.devices[:6])
    assert worst_exit_code(o.error.exit_code for o in outcomes if o.error) == ExitCode.PROTECTED


def test_cli_enter_json_lists_every_device_and_exits_with_the_worst_code(pdiag):
    result = pdiag("--sim", "boron,argon:dfu,p2+protected", "--json", "enter", "dfu", "--all", "--timeout", "5")
    assert result.code == ExitCode.PROTECTED
    doc = result.json
    assert doc["ok"] is False and doc["error"]["reference"] == "device.protected"
    devices = doc["data"]["devices"]
    assert [d["ok"] for d in devices] == [True, True, False]
    assert devices[0]["old_mode"] == "normal" and devices[0]["new_mode"] == "dfu" and devices[0]["elapsed_s"] > 0
    assert devices[1]["path"] == "none"

"""Station spec expectations on vitals: min_signal, min_battery, power_source and cloud with a wait-until timeout
(docs/factory.md), against virtual devices through the real control-request path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from particle_diag.catalog.requests import RequestType
from particle_diag.clock import FakeClock
from particle_diag.devices.discovery import discover
from particle_diag.factory.runner import CheckRunner
from particle_diag.factory.spec import SpecError, parse_spec_text


def _spec(tmp_path: Path, text: str) -> str:
    path = tmp_path / "station.toml"
    path.write_text(text)
    return str(path)


def test_min_signal_fails_a_weak_signal_device_and_passes_a_normal_one(pdiag, tmp_path):
    spec = _spec(tmp_path, "[expect]\nmin_signal = 40\n")
    weak = pdiag("--sim", "boron+weaksignal", "check", "--spec", spec, "--jsonl")
    assert weak.code == 9, weak.err
    (record,) = [json.loads(line) for line in weak.out.splitlines()]
    assert record["failed"] == ["min_signal"] and "signal 5.0 % is below 40 %" in record["reason"]
    assert record["vitals"]["signal"]["strength_percent"] == 5.0
    normal = pdiag("--sim", "boron", "check", "--spec", spec, "--jsonl")
    assert normal.code == 0, normal.out + normal.err


def test_battery_power_source_and_cloud(pdiag, tmp_path):
    spec = _spec(tmp_path, '[expect]\nmin_battery = 20\npower_source = ["usb_host", "usb_adapter"]\n'
                           'cloud = "connected"\ncloud_timeout_s = 0.3\n')
    result = pdiag("--sim", "boron,boron+lowbattery,boron+clouderror", "check", "--spec", spec, "--all", "--jsonl")
    assert result.code == 9
    by_verdict = {tuple(r["failed"]): r for r in map(json.loads, result.out.splitlines())}
    assert set(by_verdict) == {(), ("min_battery", "power_source"), ("cloud",)}
    assert "after waiting 0.3 s" in by_verdict[("cloud",)]["reason"]


def test_a_wifi_device_without_a_battery_fails_min_battery_with_the_reason(pdiag, tmp_path):
    spec = _spec(tmp_path, "[expect]\nmin_battery = 20\n")
    result = pdiag("--sim", "argon", "check", "--spec", spec, "--jsonl")
    assert result.code == 9 and "battery disconnected" in json.loads(result.out)["reason"]


def test_cloud_expectation_waits_until_the_device_connects(make_bench):
    vb = make_bench("boron+clouderror", clock=FakeClock())
    device = vb.device()
    reads = []

    def connect_on_third_read(type_id: int) -> None:
        if type_id == RequestType.DIAGNOSTIC_INFO:
            reads.append(type_id)
            if len(reads) == 3:
                device.firmware.cloud = "connected"  # the handshake finally succeeds

    device.request_listeners.append(connect_on_third_read)
    spec = parse_spec_text('[expect]\ncloud = "connected"\ncloud_timeout_s = 60\n')
    report = CheckRunner(spec, vb.host).run(discover(vb.host))
    (result,) = report.devices
    assert result.verdict == "pass", result.reason
    assert len(reads) >= 3 and vb.host.clock.now < 60  # waited, but not the whole timeout


@pytest.mark.parametrize(("text", "message"), [
    ("min_signal = 140", "percentage from 0 to 100"),
    ("min_battery = true", "percentage from 0 to 100"),
    ('power_source = "mains"', "unknown value 'mains'"),
    ("cloud_timeout_s = 30", "only applies with cloud"),
    ('cloud = "online"', "unknown value 'online'"),
])
def test_bad_vitals_expectations_are_one_clear_error(text, message):
    with pytest.raises(SpecError) as caught:
        parse_spec_text(f"[expect]\n{text}\n")
    assert message in caught.value.message

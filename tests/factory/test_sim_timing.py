"""The virtual bench's timing models: knobs set, USB latency, modem power-up before the ICCID is known."""

from __future__ import annotations

import dataclasses
import time

import pytest

from particle_diag.clock import FakeClock
from particle_diag.devices.discovery import discover
from particle_diag.devices.identify import identify
from particle_diag.errors import UsageError
from particle_diag.sim.bench import Bench
from particle_diag.sim.timing import INSTANT, REALISTIC, apply_from_env, apply_timing, model_from_env


def test_realistic_model_sets_the_device_knobs_and_instant_undoes_them() -> None:
    bench = Bench.from_spec("boron,argon")
    apply_timing(bench, REALISTIC)
    for d in bench.devices:
        assert d.behaviour.service.processing_s == REALISTIC.processing_s
        assert (d.behaviour.reset_delay_s, d.behaviour.enumerate_delay_s) == (0.5, 1.5)
        assert d.flash_timing is not None and d.flash_timing.erase_ms_per_4k == 85
    apply_timing(bench.devices[0], INSTANT)
    d = bench.devices[0]
    assert (d.behaviour.service.processing_s, d.behaviour.reset_delay_s, d.flash_timing) == (0.0, 0.0, None)


def test_every_usb_transfer_takes_the_latency(make_bench) -> None:  # type: ignore[no-untyped-def]
    vb = make_bench("argon")
    clock = FakeClock()
    device = vb.device()
    device.clock = clock  # the device's own clock: its waits become countable
    apply_timing(device, dataclasses.replace(INSTANT, transfer_latency_s=0.004))
    discover(vb.host)
    assert clock.sleeps and set(clock.sleeps) == {0.004}
    apply_timing(device, INSTANT)
    count = len(clock.sleeps)
    discover(vb.host)
    assert len(clock.sleeps) == count


def test_cellular_modem_needs_time_before_the_iccid_is_known(make_bench) -> None:  # type: ignore[no-untyped-def]
    vb = make_bench("boron,argon")
    boron, argon = vb.bench.devices
    iccid = boron.firmware.iccid
    apply_timing(vb.bench, dataclasses.replace(INSTANT, modem_power_up_s=0.3))
    records = {r.device_id: r for r in discover(vb.host)}
    assert identify(records[boron.device_id], vb.host).iccid is None  # modem still powering up
    assert argon.firmware.mac is not None  # Wi-Fi devices are not affected
    end = time.monotonic() + 5
    while boron.firmware.iccid is None and time.monotonic() < end:
        time.sleep(0.02)
    assert identify(records[boron.device_id], vb.host).iccid == iccid
    boron.detach()  # a reboot powers the modem down again
    boron.attach("normal")
    assert boron.firmware.iccid is None


def test_model_from_the_environment() -> None:
    assert model_from_env({}) is None
    assert model_from_env({"PDIAG_SIM_TIMING": "Realistic"}) is REALISTIC
    with pytest.raises(UsageError, match="unknown simulation timing model 'slow'"):
        model_from_env({"PDIAG_SIM_TIMING": "slow"})
    bench = Bench.from_spec("boron")
    assert apply_from_env(bench, {"PDIAG_SIM_TIMING": "instant"}) is INSTANT
    assert bench.devices[0].timing_model is INSTANT


def test_cli_check_applies_the_timing_model_from_the_environment(pdiag, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "station.toml"
    spec.write_text('[expect]\nplatform = "argon"\n')
    monkeypatch.setenv("PDIAG_SIM_TIMING", "nonsense")
    result = pdiag("--sim", "argon", "check", "--spec", str(spec))
    assert result.code == 2 and "unknown simulation timing model 'nonsense'" in result.err
    monkeypatch.setenv("PDIAG_SIM_TIMING", "instant")
    assert pdiag("--sim", "argon", "check", "--spec", str(spec)).code == 0

"""``pdiag vitals`` against virtual devices, through the real pyusb control-request path (--sim)."""

from __future__ import annotations

import json

from particle_diag.sim.spec import parse_spec


def _devices(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {d["device_id"]: d for d in result.json["data"]["devices"]}


def test_boron_reports_numeric_signal_and_battery(pdiag):
    result = pdiag("--sim", "boron", "--json", "vitals")
    assert result.code == 0, result.err
    (device,) = result.json["data"]["devices"]
    assert isinstance(device["signal"]["strength_percent"], float)
    assert isinstance(device["battery"]["charge_percent"], float)
    assert 0 <= device["signal"]["strength_percent"] <= 100 and 0 <= device["battery"]["charge_percent"] <= 100
    assert device["signal"]["access_technology"] == "lte_cat_m1"
    assert device["signal"]["strength_measure"] == "RSRP" and device["signal"]["strength_unit"] == "dBm"
    assert device["power_source"] == "usb_host" and device["battery"]["state"] == "charging"
    assert device["cloud"]["status"] == "connected" and device["network"]["status"] == "connected"
    assert device["memory_free"] < device["memory_total"]


def test_each_fault_flag_shows_in_the_vitals(pdiag):
    spec = "boron,boron+weaksignal,boron+nosim,boron+lowbattery,boron+clouderror,argon,photon"
    normal, weak, nosim, low, cloud, argon, photon = (d.device_id for d in parse_spec(spec))
    result = pdiag("--sim", spec, "--json", "vitals", "--all")
    assert result.code == 0, result.err
    devices = _devices(result)
    assert devices[weak]["signal"]["strength_percent"] < 10 < devices[normal]["signal"]["strength_percent"]
    assert devices[weak]["network"]["status"] == "connecting" and devices[weak]["cloud"]["status"] == "disconnected"
    assert devices[nosim]["signal"]["strength_percent"] is None
    assert devices[nosim]["signal"]["access_technology"] == "none"
    assert devices[nosim]["errors"]["net:sigstr"]["name"] == "UNKNOWN"
    assert devices[low]["battery"] == {"charge_percent": 6.0, "state": "discharging"}
    assert devices[low]["power_source"] == "battery"
    assert devices[cloud]["cloud"]["last_error"]["name"] == "AUTHENTICATION_ERROR"
    # An Argon has a charger but no battery on the bench: the state says so, the charge is not reported.
    assert devices[argon]["battery"] == {"charge_percent": None, "state": "disconnected"}
    assert devices[argon]["signal"]["strength_measure"] == "RSSI"
    # A Photon has no power management at all (HAL_PLATFORM_POWER_MANAGEMENT 0): nothing about power.
    assert devices[photon]["battery"] == {"charge_percent": None, "state": None}
    assert devices[photon]["power_source"] is None


def test_nosim_device_has_no_iccid(pdiag):
    result = pdiag("--sim", "boron+nosim", "--json", "identify")
    assert result.json["data"]["iccid"] is None


def test_legacy_trailer_of_old_device_os_is_read(pdiag):
    # Device OS 1.5.2 ends the diagnostics object with "_":"" (system_update.cpp AppendJson::end_list).
    result = pdiag("--sim", "electron/1.5.2", "--json", "vitals")
    assert result.code == 0, result.err
    (device,) = result.json["data"]["devices"]
    assert device["signal"]["strength_measure"] == "RSCP" and "_" not in device["raw"]


def test_a_device_in_dfu_mode_is_reported_not_dropped(pdiag):
    spec = "boron,argon:dfu"
    boron, argon = (d.device_id for d in parse_spec(spec))
    result = pdiag("--sim", spec, "--json", "vitals", "--all")
    assert result.code == 8
    devices = _devices(result)
    assert devices[boron]["ok"] and devices[boron]["signal"]["strength_percent"] is not None
    assert devices[argon]["error"]["reference"] == "device.wrong-mode"
    assert result.json["error"]["reference"] == "device.wrong-mode"


def test_protected_device_is_explained(pdiag):
    result = pdiag("--sim", "p2+protected", "vitals")
    assert result.code == 10 and result.out == ""
    assert "protected" in result.err and "pdiag protection" in result.err


def test_watch_with_json_prints_one_object_per_reading(pdiag):
    result = pdiag("--sim", "boron", "--json", "vitals", "--watch", "0.1", "--count", "3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 3
    for line in lines:
        doc = json.loads(line)
        assert doc["command"] == "vitals" and doc["data"]["devices"][0]["signal"]["strength_percent"] > 0


def test_human_panel_has_bars(pdiag):
    result = pdiag("--sim", "boron+weaksignal", "vitals")
    assert result.code == 0
    signal = next(line for line in result.out.splitlines() if "signal" in line)
    assert "#" in signal and "5.0 %" in signal and "RSRP -124 dBm" in signal
    assert "TIMEOUT (-160): Timeout error" in result.out


def test_count_without_watch_is_a_usage_error(pdiag):
    result = pdiag("--sim", "boron", "vitals", "--count", "2")
    assert result.code == 2 and "--watch" in result.err

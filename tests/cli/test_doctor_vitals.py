"""`pdiag doctor` reasons over the vitals, the cloud error and the server address the virtual device reports
(--sim: the real control-request path), and says when the device contradicts the reported LED."""

from __future__ import annotations


def _first(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.code == 0, result.err
    return result.json["data"]["findings"][0]


def test_blinking_green_with_a_weak_signal_ranks_the_antenna_first(pdiag):
    first = _first(pdiag("--sim", "boron+weaksignal", "--json", "doctor", "--led", "blinking green"))
    assert first["rule_id"] == "weak-signal-antenna"
    assert any("signal strength 5 %" in e for e in first["evidence"])
    facts = pdiag("--sim", "boron+weaksignal", "--json", "doctor").json["data"]["devices"][0]["facts"]
    assert facts["signal_percent"] == 5.0 and facts["network_status"] == "connecting"


def test_a_connected_device_contradicting_the_led_comes_first_and_offers_locate(pdiag):
    first = _first(pdiag("--sim", "boron", "--json", "doctor", "--led", "blinking green"))
    assert first["rule_id"] == "led-contradicts-device"
    assert "pdiag locate" in first["actions"] and "cloud status: connected" in first["evidence"]


def test_orange_blinks_are_checked_against_the_server_address(pdiag):
    first = _first(pdiag("--sim", "electron+wrongserver", "--json", "doctor", "--led", "cyan then 1 orange blink"))
    assert first["rule_id"] == "server-not-particle"
    assert any("192.168.1.50" in e for e in first["evidence"])
    # Gen 3 does not let the address be read: the decryption error alone points at the server key
    first = _first(pdiag("--sim", "argon+wrongserver", "--json", "doctor"))
    assert first["rule_id"] == "cloud-server-key-mismatch"


def test_no_sim_and_low_battery_and_a_refused_key(pdiag):
    assert _first(pdiag("--sim", "boron+nosim", "--json", "doctor"))["rule_id"] == "no-sim"
    assert _first(pdiag("--sim", "boron+lowbattery", "--json", "doctor"))["rule_id"] == "battery-low"
    assert _first(pdiag("--sim", "boron+clouderror", "--json", "doctor"))["rule_id"] == "cloud-device-key-rejected"


def test_a_healthy_device_gets_no_vitals_finding(pdiag):
    findings = pdiag("--sim", "boron", "--json", "doctor").json["data"]["findings"]
    assert [f["rule_id"] for f in findings] == ["cloud-connected"]

"""`pdiag led`, `pdiag sos`, `pdiag doctor` and the non-interactive guard of `pdiag troubleshoot`, through the CLI."""

from __future__ import annotations

import io

import pytest


def assert_one_line_error(result, reference: str) -> None:
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert "Traceback" not in result.err
    assert lines[0].startswith("error: ") and f"({reference})" in lines[0]


# -- pdiag led ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("words", "device", "best"), [
    ("blinking green", "boron", "looking-for-internet"),
    ("fast blinking cyan", None, "connecting-to-cloud"),
    ("breathing magenta", None, "safe-mode"),
    ("SOS then 8 blinks", None, "sos-out-of-heap"),
    ("blinks cyan then 2 orange", None, "cloud-error-orange-2"),
    ("solid white", None, "soft-power-off"),
    ("rainbow", None, "nyan"),
])
def test_led_json_lists_candidates_best_first(pdiag, words, device, best):
    args = ["--json", "led", *words.split()] + (["--platform", device] if device else [])
    result = pdiag(*args)
    assert result.code == 0, result.err
    doc = result.json
    assert doc["command"] == "led" and doc["ok"] is True and doc["error"] is None
    data = doc["data"]
    assert data["description"] == words and data["device"] == device
    cands = data["candidates"]
    assert cands[0]["state_id"] == best
    assert [c["score"] for c in cands] == sorted((c["score"] for c in cands), reverse=True)
    for c in cands:
        assert {"state_id", "title", "meaning", "score", "devices", "steps", "actions"} <= set(c)
        assert c["steps"] and all("text" in s for s in c["steps"])


def test_led_without_a_tty_prints_every_candidate_without_asking(pdiag):
    result = pdiag("led", "blinking", "green", "--platform", "boron")
    assert result.code == 0
    assert "may mean 3 things" in result.out
    assert "1. Looking for Internet (blinking green)" in result.out
    assert "2. White flash then blinking green" in result.out and "3. Power-up sequence" in result.out
    assert "Choose" not in result.out and "{" not in result.out.split("\n")[0]


def test_led_on_a_tty_asks_which_state_when_several_fit(pdiag, monkeypatch):
    import particle_diag.cli.terminal as terminal

    monkeypatch.setattr(terminal, "is_interactive", lambda *a: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("2\n"))
    result = pdiag("led", "blinking green", "--platform", "boron")
    assert result.code == 0
    assert "fits several states. Which one is it?" in result.out
    assert "Choose [1-3, Enter = looking-for-internet]" in result.out
    after = result.out.split("Choose")[1]
    assert "White flash then blinking green" in after and "Looking for Internet" not in after


def test_led_that_matches_nothing_exits_11(pdiag):
    result = pdiag("led", "it", "smells", "of", "toast")
    assert result.code == 11
    assert_one_line_error(result, "led.no-match")
    doc = pdiag("--json", "led", "it smells of toast").json
    assert doc["ok"] is False and doc["data"] is None and doc["error"]["reference"] == "led.no-match"


@pytest.mark.parametrize("words", ["3", "blinking green and purple stripes", "qwerty asdf"])
def test_led_no_match_names_the_nearest_documented_descriptions(pdiag, words):
    result = pdiag("led", words)
    assert result.code == 11 and result.out == ""
    assert_one_line_error(result, "led.no-match")
    assert "Nearest documented descriptions: '" in result.err
    doc = pdiag("--json", "led", words).json
    assert doc["error"]["reference"] == "led.no-match" and len(doc["error"]["suggestions"]) == 3


def test_led_usage_errors(pdiag):
    assert pdiag("led", "   ").code == 2
    result = pdiag("led", "blinking green", "--platform", "toaster")
    assert result.code == 2 and "Known devices" in result.err


# -- pdiag sos ---------------------------------------------------------------------------------------------------


def test_sos_8(pdiag):
    result = pdiag("sos", "8")
    assert result.code == 0
    assert result.out.startswith("SOS 8: Out of heap memory")
    assert "Causes:" in result.out and "What to do:" in result.out and "safe mode" in result.out
    doc = pdiag("--json", "sos", "8", "--platform", "boron").json["data"]
    assert doc["name"] == "Out of heap memory" and doc["device"] == "boron" and doc["causes"] and doc["steps"]
    assert "particle device doctor" not in " ".join(c for s in doc["steps"] for c in s.get("commands", []))


def test_sos_unknown_code_and_not_a_number(pdiag):
    result = pdiag("sos", "99")
    assert result.code == 11 and "1 hard fault" in result.err and "14 heap error" in result.err
    assert_one_line_error(result, "lookup.sos")
    result = pdiag("sos", "eight")
    assert result.code == 2
    assert_one_line_error(result, "usage.sos")


# -- pdiag doctor ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "first", "state_id", "step_words"), [
    ("boron:listening", "listening-mode", "listening-mode", "hold MODE for three seconds"),
    ("argon:dfu", "dfu-mode", "dfu-mode", "blinks yellow"),
    ("boron:safe", "safe-mode-dependency", "safe-mode", "particle update"),
    ("argon+offline", "cloud-disconnected", "cloud-not-connected", "SYSTEM_THREAD(ENABLED);"),
])
def test_doctor_puts_the_matching_finding_first(pdiag, spec, first, state_id, step_words):
    result = pdiag("--sim", spec, "--json", "doctor")
    assert result.code == 0, result.err
    data = result.json["data"]
    findings = data["findings"]
    assert findings[0]["id"] == first and findings[0]["state_id"] == state_id and findings[0]["rank"] == 1
    assert findings[0]["evidence"] and findings[0]["steps"]
    text = " ".join(s["text"] + " " + " ".join(s.get("commands", [])) for s in findings[0]["steps"])
    assert step_words in text
    assert len(data["devices"]) == 1 and data["devices"][0]["findings"][0]["id"] == first
    assert findings[0]["device_id"] == data["devices"][0]["device"]["device_id"]
    human = pdiag("--sim", spec, "doctor")
    assert human.code == 0
    assert f"1. {findings[0]['severity']} {findings[0]['title']}" in human.out


def test_doctor_safe_mode_evidence_names_the_dependency(pdiag):
    data = pdiag("--sim", "boron:safe", "--json", "doctor").json["data"]
    evidence = data["findings"][0]["evidence"]
    # Gen 3 numbers its 256 KB user part 2 (Device OS >= 3.1.0, hal/src/nRF52840/ota_module_bounds.c); the
    # virtual :safe user part was built for the next minor release, 6.3.0 = system module 6300.
    assert any("user-part 2" in e and "depends on system-part 1 version 6300" in e and "6201" in e for e in evidence)
    facts = data["devices"][0]["facts"]
    assert facts["mode"] == "safe" and facts["diagnostics"]["sys:uptime"] == 3600


def test_doctor_inaccessible_and_unresponsive_devices(pdiag):
    data = pdiag("--sim", "boron+noaccess", "--json", "doctor").json["data"]
    assert data["findings"][0]["id"] == "usb-permission-udev"
    result = pdiag("--sim", "boron+busy", "--probe-timeout", "0.2", "--json", "doctor")
    assert result.code == 0
    assert result.json["data"]["findings"][0]["id"] == "device-unresponsive"


def test_doctor_with_a_reported_led(pdiag):
    data = pdiag("--sim", "argon+offline", "--json", "doctor", "--led", "breathing green").json["data"]
    first = data["findings"][0]
    assert first["id"] == "cloud-disconnected"
    assert "the reported LED 'breathing green' matches: Cloud not connected (breathing green)" in first["evidence"]
    result = pdiag("--sim", "argon", "doctor", "--led", "smells of toast")
    assert result.code == 0 and "the LED description was not used" in result.out


def test_doctor_without_a_device_checks_the_host_and_exits_0(pdiag):
    result = pdiag("--sim", "none", "--json", "doctor")
    assert result.code == 0
    data = result.json["data"]
    assert data["devices"] == [] and data["findings"][0]["id"] == "no-device"
    assert data["findings"][0]["device_id"] is None and data["host"]["libusb_present"] is True
    human = pdiag("--sim", "none", "doctor")
    assert human.code == 0 and "No Particle device found" in human.out


def test_doctor_selection_errors(pdiag):
    result = pdiag("--sim", "none", "doctor", "e00f")
    assert result.code == 3
    assert_one_line_error(result, "device.none")
    result = pdiag("--sim", "boron", "doctor", "ffff")
    assert result.code == 3
    assert_one_line_error(result, "device.no-match")
    result = pdiag("--sim", "boron,argon:dfu", "doctor")
    assert result.code == 4
    assert_one_line_error(result, "device.ambiguous")
    data = pdiag("--sim", "boron,argon:dfu", "--json", "doctor", "--all").json["data"]
    assert [d["findings"][0]["id"] for d in data["devices"]] == ["cloud-connected", "dfu-mode"]
    assert len({f["device_id"] for f in data["findings"]}) == 2


# -- pdiag troubleshoot ------------------------------------------------------------------------------------------


def test_troubleshoot_refuses_to_run_without_a_terminal(pdiag):
    result = pdiag("--sim", "boron", "troubleshoot")
    assert result.code == 2
    assert_one_line_error(result, "usage.interactive")
    assert "pdiag led" in result.err and "pdiag doctor" in result.err
    doc = pdiag("--sim", "boron", "--json", "troubleshoot").json
    assert doc["ok"] is False and doc["error"]["reference"] == "usage.interactive"


def test_led_explain_shows_how_the_words_were_read(pdiag):
    result = pdiag("led", "--explain", "kept holding MODE after reset: it blinked magneta, then yellow, "
                   "and now it's flashing green, not white", "--platform", "electron")
    assert result.code == 0, result.err
    out = result.out
    assert "Understood as:" in out
    assert "phase 1 of 3: magenta, blink" in out and "phase 3 of 3: green, blink" in out
    assert "not: white" in out and "button: both" in out and "read 'magneta' as 'magenta'" in out
    assert "1. Firmware reset (Electron" in out


def test_led_json_says_how_the_description_was_understood(pdiag):
    doc = pdiag("--json", "led", "solid green, not blinking or breathing", "--platform", "boron").json
    understood = doc["data"]["understood"]
    assert understood["phases"] == [{"colors": ["green"], "pattern": "solid", "count": None, "either": False,
                                     "together": False, "text": "solid green"}]
    assert understood["negated"] == {"colors": [], "patterns": ["blink", "breathe"]}
    assert doc["data"]["candidates"][0]["state_id"] == "solid-color-frozen"
    doc = pdiag("--json", "led", "blinking green", "--platform", "photon").json
    assert doc["data"]["follow_up"]["about"] == "speed"


def test_led_on_a_tty_asks_the_follow_up_question_first(pdiag, monkeypatch):
    import particle_diag.cli.terminal as terminal

    monkeypatch.setattr(terminal, "is_interactive", lambda *a: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("2\n"))  # the second option: blinking fast
    result = pdiag("led", "blinking green", "--platform", "photon")
    assert result.code == 0, result.err
    assert "How fast was it blinking?" in result.out
    assert "Fast blinking green (no IP address yet)" in result.out.split("How fast was it blinking?")[1]
    assert "fits several states" not in result.out

"""The command line as a user or a factory script meets it: output, JSON contract, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from particle_diag.sim.spec import parse_spec

BENCH = "boron,argon:dfu,electron/1.5.2:listening"


def assert_one_line_error(result, reference: str) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and f"({reference})" in lines[0]
    assert all(line.startswith(("error: ", "hint: ")) for line in lines)


def test_list_shows_the_bench_as_a_table(pdiag):
    result = pdiag("--sim", BENCH, "list")
    assert result.code == 0
    boron, argon, electron = parse_spec(BENCH)
    header = result.out.splitlines()[0]
    for column in ("DEVICE ID", "PLATFORM", "MODE", "DEVICE OS", "PORT", "USB", "STATUS"):
        assert column in header
    rows = {line.split()[0]: line for line in result.out.splitlines()[2:] if line.strip()}
    assert "Boron" in rows[boron.device_id] and "normal" in rows[boron.device_id]
    assert "dfu" in rows[argon.device_id]
    assert "listening" in rows[electron.device_id] and "1.5.2" in rows[electron.device_id]


def test_list_json_contract(pdiag):
    result = pdiag("--sim", BENCH, "--json", "list")
    assert result.code == 0
    doc = result.json
    assert doc["schema"] == "pdiag/1" and doc["command"] == "list" and doc["ok"] is True
    assert doc["error"] is None
    devices = doc["data"]["devices"]
    assert [d["mode"] for d in devices] == ["normal", "dfu", "listening"]
    for d in devices:
        assert set(d) >= {"device_id", "platform", "platform_id", "mode", "status", "device_os",
                          "serial_port", "usb"}
        assert set(d["usb"]) == {"vid", "pid", "bus", "address", "path"}
    assert devices[1]["usb"]["pid"] == "d00c" and devices[1]["platform_id"] == 12
    assert devices[0]["serial_port"].startswith("/dev/")


def test_identify_json_fields_never_include_the_secret(pdiag):
    spec = "electron/1.5.2:listening"
    result = pdiag("--sim", spec, "--json", "identify")
    assert result.code == 0
    data = result.json["data"]
    for key in ("device_id", "platform", "mode", "device_os", "serial_number", "iccid", "imei", "mac",
                "modules", "cloud_status"):
        assert key in data
    assert data["platform"] == "electron" and data["mac"] is None and data["iccid"].startswith("8901")
    assert "SIMSECRET" not in result.out and "secret" not in result.out.lower()


def test_identify_wifi_device_over_control_requests(pdiag):
    result = pdiag("--sim", "argon", "--json", "identify")
    data = result.json["data"]
    assert data["mac"].count(":") == 5 and data["iccid"] is None and data["imei"] is None
    assert data["cloud_status"] == "connected" and data["source"] == ["usb"]
    assert {m["type"] for m in data["modules"]} >= {"bootloader", "system_part", "user_part"}


def test_identify_legacy_firmware_over_the_serial_console(pdiag):
    result = pdiag("--sim", "photon/0.7.0:listening", "--json", "identify")
    data = result.json["data"]
    assert data["device_os"] == "0.7.0" and data["source"] == ["serial"] and data["mac"].count(":") == 5


@pytest.mark.parametrize(
    ("args", "code", "reference"),
    [
        (["--sim", "boron:sleepy", "list"], 2, "usage.sim-spec"),
        (["--sim", "none", "identify"], 3, "device.none"),
        (["--sim", "boron", "identify", "ffff"], 3, "device.no-match"),
        (["--sim", "boron,argon", "identify"], 4, "device.ambiguous"),
        (["--sim", "argon+noaccess", "identify"], 5, "host.permission"),
        (["--sim", "boron+busy", "--probe-timeout", "0.3", "identify"], 6, "device.busy"),
        (["--sim", "boron+vanish", "identify"], 7, "device.gone"),
        (["--sim", "electron/1.0.1:listening+garbled", "identify"], 7, "serial.garbled"),
    ],
)
def test_errors_have_one_line_a_hint_and_their_exit_code(pdiag, args, code, reference):
    result = pdiag(*args)
    assert result.code == code
    assert_one_line_error(result, reference)
    as_json = pdiag("--json", *args)
    assert as_json.code == code
    doc = as_json.json
    assert doc["ok"] is False and doc["error"]["reference"] == reference and doc["error"]["hint"]


def test_unknown_option_is_a_usage_error(pdiag):
    result = pdiag("list", "--colour")
    assert result.code == 2
    assert_one_line_error(result, "usage.invalid")


def test_ambiguous_selection_lists_candidates(pdiag):
    result = pdiag("--sim", "boron,argon", "--json", "identify")
    assert "e00fce68" in result.json["error"]["hint"] and result.json["error"]["hint"].count("(") == 2


def test_no_devices_list_says_so(pdiag):
    result = pdiag("--sim", "none", "list")
    assert result.code == 0 and "No Particle devices found" in result.out
    assert pdiag("--sim", "none", "--json", "list").json["data"] == {"devices": []}


def test_trace_goes_to_stderr_in_hex(pdiag):
    result = pdiag("--sim", "boron", "--json", "--trace", "list")
    json.loads(result.out)  # stdout stays one JSON object
    assert "trace: usb 1-1 IN  c0 01" in result.err  # INIT of GET_DEVICE_MODE


def test_environment_variables_set_global_options(pdiag, monkeypatch):
    monkeypatch.setenv("PDIAG_SIM", "boron")
    monkeypatch.setenv("PDIAG_JSON", "1")
    result = pdiag("list")
    assert result.json["data"]["devices"][0]["platform"] == "boron"


def test_console_script_and_module_entry_points():
    env = dict(os.environ, PDIAG_SIM="argon:dfu")
    pdiag_bin = os.path.join(os.path.dirname(sys.executable), "pdiag")
    for cmd in ([pdiag_bin, "--json", "list"], [sys.executable, "-m", "particle_diag", "--json", "list"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["data"]["devices"][0]["mode"] == "dfu"
    version = subprocess.run([pdiag_bin, "--version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.startswith("pdiag ")


def test_packaged_udev_rules_match_the_repository_copy():
    from importlib import resources
    from pathlib import Path

    packaged = resources.files("particle_diag.udev").joinpath("50-particle.rules").read_bytes()
    repo = (Path(__file__).parents[2] / "udev" / "50-particle.rules").read_bytes()
    assert packaged == repo
    text = repo.decode()
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in text and 'TAG+="uaccess"' in text and 'GROUP="plugdev"' in text
    modes = [line.split('MODE="')[1][:4] for line in text.splitlines() if 'MODE="' in line]
    assert modes and all(int(m, 8) & 0o007 == 0 for m in modes)  # nothing for "other" users


def test_global_flags_may_follow_the_command(pdiag):
    result = pdiag("--sim", "argon:dfu", "list", "--json")
    assert result.code == 0 and result.json["data"]["devices"][0]["mode"] == "dfu"


def test_flags_after_double_dash_are_left_to_the_other_program():
    from particle_diag.cli.main import hoist_global_flags

    assert hoist_global_flags(["sim", "run", "--", "pdiag", "list", "--json"]) == [
        "sim", "run", "--", "pdiag", "list", "--json"]
    assert hoist_global_flags(["list", "--json", "-v"]) == ["--json", "-v", "list"]


def test_verbose_says_what_happens_on_stderr_only(pdiag):
    result = pdiag("--sim", "boron", "-v", "--json", "list")
    json.loads(result.out)
    assert "found 1 Particle USB device(s)" in result.err and "probing e00fce68" in result.err

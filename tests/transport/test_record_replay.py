"""`pdiag --record FILE` on the virtual bench, then `--sim replay:FILE`: the same answers, and no secret on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from particle_diag.sim.bench import Bench
from particle_diag.transport.recording import FORMAT


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def secret_of(spec: str) -> str:
    """The device secret the virtual device of ``spec`` holds (the bench derives it from the spec)."""
    bench = Bench.from_spec(spec)
    secret = bench.devices[0].firmware.secret
    assert secret
    return secret


def assert_no_secret(path: Path, secret: str) -> None:
    text = path.read_text()
    for form in (secret, secret.lower(), secret.encode().hex(), secret.encode("utf-16-le").hex()):
        assert form not in text, f"the recording holds the device secret ({form})"


def record_and_replay(pdiag: Any, tmp_path: Path, spec: str, *command: str) -> tuple[dict, dict, Path]:
    """Run ``command`` on the virtual bench ``spec`` recording it, then on its replay; both data parts."""
    file = tmp_path / "r.jsonl"
    recorded = pdiag("--sim", spec, "--record", str(file), "--json", *command)
    assert recorded.code == 0, recorded.out + recorded.err
    replayed = pdiag("--sim", f"replay:{file}", "--json", *command)
    assert replayed.code == 0, replayed.out + replayed.err
    assert "warning" not in replayed.err
    return recorded.json["data"], replayed.json["data"], file


def same_except_port(a: Any, b: Any) -> None:
    """Equal data, but a serial port path is the pty of the run (the replay has its own ptys) and a measured
    duration is that run's."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            if key == "serial_port" and a[key] is not None:
                assert b[key] and b[key].startswith("/dev/pts/")
            elif key == "elapsed_s":
                assert isinstance(b[key], float)
            else:
                same_except_port(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same_except_port(x, y)
    else:
        assert a == b


def test_identify_boron_replays_to_the_same_data_and_the_file_holds_no_secret(pdiag, tmp_path):
    recorded, replayed, file = record_and_replay(pdiag, tmp_path, "boron", "identify")
    same_except_port(recorded, replayed)
    assert replayed["device_id"] == recorded["device_id"] and replayed["modules"]
    assert_no_secret(file, secret_of("boron"))
    rs = records(file)
    header = rs[0]
    assert header["type"] == "header" and header["format"] == FORMAT
    assert header["argv"][-1] == "identify" and header["host"]["os"] and header["time"].endswith("Z")
    assert rs[-1] == {**rs[-1], "type": "end", "status": "ok", "records": len(rs)}
    device = next(r for r in rs if r["type"] == "device")
    assert device["vid_pid"] == "2b04:c00d" and device["path"] == "1-1" and device["configurations"]
    controls = [r for r in rs if r["type"] == "control"]
    # identity with each transfer once the serial number string was read; setup packets as sent
    assert controls[-1]["serial"] == recorded["device_id"]
    vendor = [r for r in controls if r["bmRequestType"] == 0xC0]
    assert vendor and all(r["wLength"] > 0 and "dur_ms" in r for r in vendor)


def test_the_listening_console_replays_and_its_device_secret_is_masked(pdiag, tmp_path):
    # Device OS 0.8.0 on Gen 3: no USB control requests yet, so identify asks the console (`v`, `i`, `s`);
    # its `i` reply carries the device secret.
    spec = "boron/0.8.0:listening"
    recorded, replayed, file = record_and_replay(pdiag, tmp_path, spec, "identify")
    same_except_port(recorded, replayed)
    assert replayed["source"] == recorded["source"] and replayed["modules"] and replayed["iccid"]
    assert_no_secret(file, secret_of(spec))
    replies = "".join(r["text"] for r in records(file) if r["type"] == "serial" and r["dir"] == "in")
    assert "Device Secret: *" in replies  # the key stays, so a reader sees that a secret was sent
    sent = [r["text"] for r in records(file) if r["type"] == "serial" and r["dir"] == "out"]
    assert sent == ["v", "i", "s"]


def test_old_firmware_console_identify_replays(pdiag, tmp_path):
    recorded, replayed, _ = record_and_replay(pdiag, tmp_path, "photon/0.7.0:listening", "identify")
    same_except_port(recorded, replayed)


def test_list_of_three_devices_in_three_modes_replays(pdiag, tmp_path):
    recorded, replayed, file = record_and_replay(pdiag, tmp_path, "boron,argon:dfu,electron/1.5.2:listening", "list")
    same_except_port(recorded, replayed)
    assert len([r for r in records(file) if r["type"] == "device"]) == 3


def test_a_busy_device_replays_its_timeouts(pdiag, tmp_path):
    recorded, replayed, _ = record_and_replay(pdiag, tmp_path, "boron+busy,argon", "--probe-timeout", "0.3", "list")
    same_except_port(recorded, replayed)


def test_dfu_info_replays(pdiag, tmp_path):
    recorded, replayed, file = record_and_replay(pdiag, tmp_path, "argon:dfu", "dfu", "info")
    same_except_port(recorded, replayed)
    # the DfuSe layout strings came from the recorded string descriptors
    assert any(r["type"] == "control" and r["wValue"] >> 8 == 3 for r in records(file))


def test_a_mode_change_replays_through_the_recorded_bus(pdiag, tmp_path):
    file = tmp_path / "r.jsonl"
    recorded = pdiag("--sim", "boron", "--record", str(file), "--json", "enter", "dfu")
    assert recorded.code == 0, recorded.out
    replayed = pdiag("--sim", f"replay:{file}", "--json", "enter", "dfu")
    assert replayed.code == 0, replayed.out + replayed.err
    same_except_port(recorded.json["data"], replayed.json["data"])
    # the device left and came back as another USB device (the DFU PID): both were recorded
    assert {r["vid_pid"] for r in records(file) if r["type"] == "device"} == {"2b04:c00d", "2b04:d00d"}


def test_a_command_the_recording_does_not_hold_fails_with_a_typed_error(pdiag, tmp_path):
    file = tmp_path / "r.jsonl"
    assert pdiag("--sim", "boron", "--record", str(file), "list").code == 0
    started = time.monotonic()
    result = pdiag("--sim", f"replay:{file}", "--json", "identify")
    assert result.code == 7
    assert result.json["error"]["reference"] == "replay.mismatch"
    assert "the recording has nothing more" in result.json["error"]["message"]
    assert time.monotonic() - started < 5  # an answer, not a wait for a timeout


def test_a_serial_request_the_recording_does_not_hold_fails_at_once(pdiag, tmp_path):
    file = tmp_path / "r.jsonl"
    assert pdiag("--sim", "photon/0.7.0:listening", "--record", str(file), "identify").code == 0
    lines = [json.loads(x) for x in file.read_text().splitlines()]
    # the field report lacks the `s` exchange: the replay must say so instead of waiting 20 s for a reply
    kept = [r for r in lines if not (r["type"] == "serial" and r["dir"] == "out" and r["text"] == "s")]
    file.write_text("".join(json.dumps(r) + "\n" for r in kept))
    started = time.monotonic()
    result = pdiag("--sim", f"replay:{file}", "--json", "identify")
    assert result.code == 7, result.out
    assert result.json["error"]["reference"] == "replay.mismatch"
    assert "b's'" in result.json["error"]["message"]
    assert time.monotonic() - started < 5


def test_an_existing_file_is_kept_unless_yes(pdiag, tmp_path):
    file = tmp_path / "r.jsonl"
    file.write_text("my notes\n")
    refused = pdiag("--sim", "boron", "--record", str(file), "--json", "list")
    assert refused.code == 13
    assert refused.json["error"]["reference"] == "file.exists"
    assert file.read_text() == "my notes\n"
    assert not list(tmp_path.glob(".r.jsonl.*"))  # refused before anything was written
    assert pdiag("--sim", "boron", "--record", str(file), "--yes", "list").code == 0
    assert records(file)[0]["type"] == "header"


def test_the_record_file_may_come_from_the_environment(pdiag, tmp_path, monkeypatch):
    file = tmp_path / "env.jsonl"
    monkeypatch.setenv("PDIAG_RECORD", str(file))
    assert pdiag("--sim", "boron", "list").code == 0
    assert records(file)[-1]["type"] == "end"


@pytest.mark.parametrize("content, why", [
    ("", "header"),
    ('{"type": "header", "format": "pdiag-recording/1"}\nnot json\n', "line 2 is not JSON"),
    ('{"type": "something else"}\n', "header"),
])
def test_a_file_that_is_not_a_recording_is_a_usage_error(pdiag, tmp_path, content, why):
    file = tmp_path / "bad.jsonl"
    file.write_text(content)
    result = pdiag("--sim", f"replay:{file}", "--json", "list")
    assert result.code == 2
    assert result.json["error"]["reference"] == "usage.replay-file"
    assert why in result.json["error"]["message"]


def test_a_missing_replay_file_is_a_usage_error(pdiag, tmp_path):
    result = pdiag("--sim", f"replay:{tmp_path / 'nope.jsonl'}", "--json", "list")
    assert result.code == 2 and "cannot replay" in result.json["error"]["message"]


def test_ctrl_c_leaves_a_complete_recording(tmp_path):
    """SIGINT while a device never answers: FILE appears whole, ending with an `interrupted` record."""
    file = tmp_path / "r.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("PDIAG_SIM", None)
    proc = subprocess.Popen([sys.executable, "-m", "particle_diag", "--sim", "boron+busy", "--record", str(file),
                             "--request-timeout", "60", "identify"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        # wait (bounded) until the busy device is being asked: control records reach the temporary file
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            parts = list(tmp_path.glob(".r.jsonl.*"))
            if parts and '"bRequest":2' in parts[0].read_text():
                break
            time.sleep(0.05)
        assert not file.exists()  # never visible half-written
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    rs = records(file)
    assert rs[0]["type"] == "header" and rs[-1]["type"] == "end" and rs[-1]["status"] == "interrupted"
    assert not list(tmp_path.glob(".r.jsonl.*"))


def test_a_record_file_that_cannot_be_written_is_a_usage_error(pdiag, tmp_path):
    for target, why in ((tmp_path / "missing" / "r.jsonl", "not a directory"), (tmp_path, "it is a directory")):
        result = pdiag("--sim", "boron", "--record", str(target), "--json", "list")
        assert result.code == 2, result.out
        assert result.json["error"]["reference"] == "file.output" and why in result.json["error"]["message"]


def test_the_recording_gets_the_permissions_of_any_file_the_user_writes(pdiag, tmp_path):
    file = tmp_path / "r.jsonl"
    old = os.umask(0o022)
    try:
        assert pdiag("--sim", "boron", "--record", str(file), "list").code == 0
    finally:
        os.umask(old)
    assert file.stat().st_mode & 0o777 == 0o644

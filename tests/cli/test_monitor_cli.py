"""`pdiag monitor` through the CLI on virtual devices: exit codes, JSON Lines, the envelope, filters, files."""

from __future__ import annotations

import json

import pytest


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_until_a_line_matches_exits_0(pdiag):
    result = pdiag("--sim", "boron", "monitor", "--until", "INFO", "--duration", "5")
    assert result.code == 0, result.err
    assert "[app] INFO: boot: Device OS" in result.out and "-- connected: following" in result.out


def test_until_nothing_matches_exits_16_after_the_duration(pdiag):
    result = pdiag("--sim", "boron", "monitor", "--until", "never printed", "--duration", "1")
    assert result.code == 16
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert lines[0].startswith("error: no line matched 'never printed' within 1 s") and "(monitor.not-seen)" in lines[0]
    assert lines[1].startswith("hint: ") and "Traceback" not in result.err
    doc = pdiag("--json", "--sim", "boron", "monitor", "--until", "never printed", "--duration", "0.5").json
    assert doc["ok"] is False and doc["error"]["reference"] == "monitor.not-seen"


def test_jsonl_tags_every_record_with_its_device(pdiag):
    result = pdiag("--sim", "boron,argon", "monitor", "--all", "--jsonl", "--duration", "1.5")
    assert result.code == 0, result.err
    records = _jsonl(result.out)
    lines = [r for r in records if "event" not in r]
    assert {r["device_id"] for r in lines} == {"e00fce6808c51724bcd0b3be", "e00fce68f1ce604187f02db0"}
    for r in lines:
        assert {"device_id", "port", "host_time", "uptime_ms", "level", "category", "message", "raw"} <= set(r)
        assert r["host_time"].endswith("Z")
    assert any(r["level"] == "INFO" and r["category"] == "app" and isinstance(r["uptime_ms"], int) for r in lines)
    assert [r["event"] for r in records if "event" in r] == ["connected", "connected"]


def test_json_envelope_holds_the_records(pdiag):
    doc = pdiag("--json", "--sim", "boron", "monitor", "--duration", "0.8").json
    assert doc["command"] == "monitor" and doc["ok"] is True
    assert doc["data"]["reason"] == "duration" and doc["data"]["lines"] == len(
        [r for r in doc["data"]["records"] if "event" not in r])


def test_level_and_category_filters(pdiag):
    result = pdiag("--sim", "boron+offline", "monitor", "--jsonl", "--duration", "1.5", "--level", "error")
    lines = [r for r in _jsonl(result.out) if "event" not in r]
    assert lines and all(r["level"] in ("ERROR", "PANIC") for r in lines)
    result = pdiag("--sim", "boron", "monitor", "--jsonl", "--duration", "1", "--category", "system")
    lines = [r for r in _jsonl(result.out) if "event" not in r]
    assert lines and all(r["category"] == "system" or r["category"].startswith("system.") for r in lines)


def test_timestamps_utc(pdiag):
    result = pdiag("--sim", "boron", "monitor", "--duration", "0.8", "--utc")
    first = result.out.splitlines()[0]
    assert first[:4].isdigit() and "T" in first.split()[0] and first.split()[0].endswith("Z")


def test_dir_writes_one_file_per_device(pdiag, tmp_path):
    result = pdiag("--sim", "boron,argon", "monitor", "--all", "--duration", "1", "--dir", str(tmp_path / "logs"))
    assert result.code == 0, result.err
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == ["e00fce6808c51724bcd0b3be.log", "e00fce68f1ce604187f02db0.log"]
    first = (tmp_path / "logs" / names[0]).read_text()
    pdiag("--sim", "boron,argon", "monitor", "--all", "--duration", "0.5", "--dir", str(tmp_path / "logs"))
    assert (tmp_path / "logs" / names[0]).read_text().startswith(first)  # appended, not overwritten


def test_enable_adds_and_removes_a_log_handler_where_the_firmware_can(pdiag):
    result = pdiag("--sim", "boron+logconfig", "monitor", "--jsonl", "--enable", "info", "--duration", "0.5")
    events = [r for r in _jsonl(result.out) if r.get("event") == "log-handler"]
    assert events and events[0]["added"] is True
    result = pdiag("--sim", "boron", "monitor", "--jsonl", "--enable", "info", "--duration", "0.5")
    events = [r for r in _jsonl(result.out) if r.get("event") == "log-handler"]
    assert events[0]["added"] is False and "does not add a log handler over USB" in events[0]["message"]


@pytest.mark.parametrize(("args", "reference"), [
    (["--until", "(unclosed"], "usage.monitor"),
    (["--level", "loud"], "usage.monitor"),
    (["--enable", "panic"], "usage.monitor"),
])
def test_bad_options_are_one_line_usage_errors(pdiag, args, reference):
    result = pdiag("--sim", "boron", "monitor", *args, "--duration", "0.2")
    assert result.code == 2 and result.out == ""
    assert f"({reference})" in result.err.splitlines()[0] and "Traceback" not in result.err


def test_dir_that_is_a_file_is_refused_before_any_device_is_touched(pdiag, tmp_path):
    (tmp_path / "f").write_text("x")
    result = pdiag("--sim", "boron", "monitor", "--duration", "0.2", "--dir", str(tmp_path / "f"))
    assert result.code == 2 and "is not a directory" in result.err


def test_ctrl_c_ends_the_monitor_cleanly_with_its_files_flushed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PDIAG_")}
    proc = subprocess.Popen([sys.executable, "-m", "particle_diag", "--sim", "boron", "monitor", "--jsonl",
                             "--dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    seen = [proc.stdout.readline() for _ in range(4)]  # wait for output, not for the clock
    assert all(line.strip() for line in seen)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    (log,) = tmp_path.iterdir()
    assert log.read_text().count("\n") >= 3

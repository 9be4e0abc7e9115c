"""Device OS log lines: real captures first (tests/fixtures/captures/logs, see INDEX.toml), then the formats the
Device OS source prints (wiring/src/spark_wiring_logging.cpp) and hostile input."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from particle_diag.protocol.logline import LineSplitter, at_least, in_category, parse_log_line

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
LOGS = [c for c in tomllib.loads((CAPTURES / "INDEX.toml").read_text())["capture"] if c["kind"] == "log"]


def _lines(entry) -> list[str]:
    text = (CAPTURES / entry["file"]).read_text(encoding="utf-8")
    return [line for line in text.splitlines()[1:] if line.strip()]


@pytest.mark.parametrize("entry", LOGS, ids=[e["file"] for e in LOGS])
def test_real_log_captures_read_as_a_person_reads_them(entry):
    expect = entry["expect"]
    records = [parse_log_line(line) for line in _lines(entry)]
    assert len(records) == expect["line_count"]
    logs = [r for r in records if r.is_log]
    want_logs = expect.get("log_lines") or [expect["first"], expect["last"]]
    got = logs if "log_lines" in expect else [logs[0], logs[-1]]
    assert [(r.uptime_ms, r.category, r.level, r.message) for r in got] == [
        (w["timestamp_ms"], w["category"], w["level"], w["message"]) for w in want_logs]
    if "unprefixed_lines" in expect:
        assert [r.raw for r in records if not r.is_log] == expect["unprefixed_lines"]
    if "categories" in expect:
        assert sorted({r.category for r in logs}) == expect["categories"]


def test_source_info_function_and_attributes_as_device_os_prints_them():
    r = parse_log_line("0000001234 [app] app.cpp:42, loop(): ERROR: publish failed [code = -160, details = timeout]")
    assert (r.uptime_ms, r.category, r.file, r.line, r.function, r.level) == (1234, "app", "app.cpp", 42, "loop",
                                                                            "ERROR")
    assert (r.message, r.code, r.details) == ("publish failed", -160, "timeout")
    r = parse_log_line("0000001000 [system] WARN: Cloud: disconnected [code = -220]")
    assert (r.message, r.code) == ("Cloud: disconnected", -220)


def test_json_log_handler_lines():
    r = parse_log_line('{"l":"w","m":"low battery","c":"app.power","t":99,"code":-1}\r\n')
    assert (r.level, r.message, r.category, r.uptime_ms, r.code, r.format) == ("WARN", "low battery", "app.power",
                                                                             99, -1, "json")
    assert parse_log_line('{"l":"x"}').level is None  # not a log object: a plain line


def test_filters_follow_device_os_levels_and_dotted_categories():
    assert at_least("ERROR", "WARN") and not at_least("INFO", "WARN") and at_least(None, "ERROR")
    assert in_category("app.ab1805", "app") and not in_category("application", "app") and not in_category(None, "app")


def test_lines_split_on_crlf_across_reads():
    splitter = LineSplitter()
    assert splitter.feed(b"0000000001 [app] INFO: a\r") == ["0000000001 [app] INFO: a"]
    assert splitter.feed(b"\n0000000002 [app] IN") == []
    assert splitter.feed(b"FO: b\r\n") == ["0000000002 [app] INFO: b"]
    assert splitter.feed(b"half") == [] and splitter.flush() == ["half"]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_record_never_an_error(text):
    record = parse_log_line(text)
    assert record.raw == text.rstrip("\r\n")


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_any_bytes_split_into_lines_without_loss(chunks):
    splitter = LineSplitter()
    lines = [line for chunk in chunks for line in splitter.feed(chunk)] + splitter.flush()
    joined = b"".join(chunks).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    assert [line for line in lines] == [s.decode("utf-8", errors="replace") for s in joined.split(b"\n") if s]

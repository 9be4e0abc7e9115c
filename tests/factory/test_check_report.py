"""JUnit XML and JSON Lines from a report: well-formed, one suite per device, errors vs failures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from particle_diag.errors import DeviceTimeoutError
from particle_diag.factory.expectations import ExpectationResult
from particle_diag.factory.report import jsonl_line, junit_xml
from particle_diag.factory.runner import CheckReport, DeviceResult, StepResult


def _report() -> CheckReport:
    ok = DeviceResult("aaa", "aaa", "boron", "1-1", "/dev/ttyACM0", "line <1> & co")
    ok.steps = [StepResult(1, "identify", "identify", True, 1, 0.25, implicit=True)]
    ok.expectations = [ExpectationResult("mode", True, ["normal"], "normal", "mode: normal"),
                       ExpectationResult("mac_oui", True, ["e0:4f:43"], None, "mac_oui: not applicable",
                                         skipped=True)]
    ok.elapsed_s = 0.25
    bad = DeviceResult("bbb", "bbb", "boron", "1-2", None, "line <1> & co")
    bad.steps = [StepResult(1, "enter listening", "enter", False, 2, 4.0,
                            error=DeviceTimeoutError("did not come back \"in time\" <sic>")),
                 StepResult(2, "identify", "identify", False, 0, 0.0, implicit=True, reached=False)]
    bad.error = bad.steps[0].error
    bad.elapsed_s = 4.0
    failing = DeviceResult("ccc", "ccc", "boron", "1-3", None, "line <1> & co")
    failing.steps = [StepResult(1, "identify", "identify", True, 1, 0.5, implicit=True)]
    failing.expectations = [ExpectationResult("min_device_os", False, "4.0.0", "3.3.0",
                                              "min_device_os: Device OS 3.3.0 is older than 4.0.0")]
    return CheckReport("line <1> & co", "station.toml", [ok, bad, failing], 4.5)


def test_junit_is_well_formed_with_errors_failures_and_skips() -> None:
    text = junit_xml(_report(), timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), hostname="station-7")
    root = ET.fromstring(text)
    assert root.get("name") == "line <1> & co"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("7", "1", "1", "2")
    ok, bad, failing = root.findall("testsuite")
    assert ok.get("hostname") == "station-7" and ok.get("timestamp") == "2026-01-02T03:04:05+00:00"
    assert ok.find("testcase[@name='step 1: identify']").get("time") == "0.250"  # type: ignore[union-attr]
    assert ok.find("testcase[@name='mac_oui']/skipped") is not None
    error = bad.find("testcase[@name='step 1: enter listening']/error")
    assert error is not None and error.get("type") == "device.timeout"
    assert error.get("message") == 'did not come back "in time" <sic>'
    skipped = bad.find("testcase[@name='step 2: identify']/skipped")
    assert skipped is not None and "not reached" in skipped.get("message", "")
    failure = failing.find("testcase[@name='min_device_os']/failure")
    assert failure is not None and failure.get("type") == "min_device_os"
    assert failure.text == "expected: 4.0.0\nactual: 3.3.0"


def test_jsonl_line_is_one_line_of_json() -> None:
    report = _report()
    lines = [jsonl_line(d) for d in report.devices]
    assert all("\n" not in line for line in lines)
    records = [json.loads(line) for line in lines]
    assert [r["verdict"] for r in records] == ["pass", "error", "fail"]
    assert records[1]["exit_code"] == 6 and records[1]["error"]["reference"] == "device.timeout"
    assert records[2]["failed"] == ["min_device_os"]
    assert report.exit_code == 6

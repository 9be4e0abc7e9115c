"""`pdiag check` end to end through the CLI against virtual devices (the issue's done-criterion)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SPEC = """
[station]
name = "line 1"

[expect]
platform = ["boron", "bsom"]
min_device_os = "4.0.0"
mode = "normal"
"""
FLEET = ",".join(["boron"] * 14 + ["boron/3.3.0"] * 2)


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(SPEC)
    return path


def _junit(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    return root


def test_two_of_sixteen_fail_an_expectation(pdiag, spec_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junit = tmp_path / "report.xml"
    result = pdiag("--sim", FLEET, "check", "--spec", str(spec_file), "--all", "--jsonl", "--junit", str(junit))
    assert result.code == 9, result.err

    records = [json.loads(line) for line in result.out.splitlines()]
    assert len(records) == 16
    assert len({r["device_id"] for r in records}) == 16
    failed = [r for r in records if r["verdict"] == "fail"]
    assert len(failed) == 2
    assert all(r["failed"] == ["min_device_os"] and r["identity"]["device_os"] == "3.3.0" for r in failed)
    assert all(r["verdict"] == "pass" and r["exit_code"] == 0 for r in records if r not in failed)

    root = _junit(junit)
    suites = root.findall("testsuite")
    assert len(suites) == 16
    assert root.get("failures") == "2" and root.get("errors") == "0"
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == 2
    for f in failures:
        assert f.get("message", "").startswith("min_device_os: Device OS 3.3.0 is older than 4.0.0")
    failing_devices = {s.find("./properties/property[@name='device_id']").get("value")  # type: ignore[union-attr]
                       for s in suites if s.get("failures") != "0"}
    assert failing_devices == {r["device_id"] for r in failed}
    for suite in suites:
        assert float(suite.get("time", "x")) >= 0
        assert {tc.get("name") for tc in suite.findall("testcase")} == {
            "step 1: identify", "platform", "min_device_os", "mode"}


def test_json_envelope_has_every_record(pdiag, spec_file: Path) -> None:  # type: ignore[no-untyped-def]
    result = pdiag("--sim", FLEET, "--json", "check", "--spec", str(spec_file), "--all")
    assert result.code == 9
    env = result.json
    assert env["schema"] == "pdiag/1" and env["command"] == "check" and env["ok"] is False
    assert env["error"]["reference"] == "check.failed"
    assert env["data"]["summary"] == {"devices": 16, "passed": 14, "failed": 2, "errors": 0,
                                      "elapsed_s": env["data"]["summary"]["elapsed_s"], "exit_code": 9}
    assert len(env["data"]["devices"]) == 16


def test_all_pass_exits_0_with_a_summary(pdiag, spec_file: Path) -> None:  # type: ignore[no-untyped-def]
    result = pdiag("--sim", "boron,bsom,boron", "check", "--spec", str(spec_file), "--all")
    assert result.code == 0, result.err
    assert "3 devices: 3 passed, 0 failed, 0 could not be checked" in result.out
    assert result.out.count("PASS") == 3


def test_a_device_pdiag_cannot_open_outranks_failed_expectations(pdiag, spec_file: Path) -> None:  # type: ignore[no-untyped-def]
    result = pdiag("--sim", "boron,boron/3.3.0,boron+noaccess", "--json", "check", "--spec", str(spec_file), "--all")
    assert result.code == 5  # could not check one device: the run's verdict is incomplete, not "rejected"
    verdicts = sorted(d["verdict"] for d in result.json["data"]["devices"])
    assert verdicts == ["error", "fail", "pass"]
    assert result.json["error"]["reference"] == "host.permission"


def test_steps_change_modes_and_come_back(pdiag, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "steps.toml"
    spec.write_text(SPEC + """
[[step]]
action = "enter"
mode = "listening"
[[step]]
action = "identify"
require = ["iccid"]
[[step]]
action = "enter"
mode = "normal"
""")
    result = pdiag("--sim", "boron,boron:dfu", "--json", "check", "--spec", str(spec), "--all")
    assert result.code == 0, result.out
    for device in result.json["data"]["devices"]:
        assert [s["step"] for s in device["steps"]] == ["enter listening", "identify", "enter normal", "identify"]
        assert device["steps"][1]["ok"] and device["mode"] == "normal"
        assert device["identity"]["iccid"]


def test_selectors_and_json_jsonl_conflict(pdiag, spec_file: Path) -> None:  # type: ignore[no-untyped-def]
    assert pdiag("--sim", "boron,boron", "check", "--spec", str(spec_file)).code == 4  # which one?
    result = pdiag("--sim", "boron", "check", "--spec", str(spec_file), "--json", "--jsonl")
    assert result.code == 2 and "--json or --jsonl" in result.json["error"]["message"]

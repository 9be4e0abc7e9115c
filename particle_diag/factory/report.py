"""Machine-readable reports of a check: JUnit XML (for CI systems) and JSON records.

JUnit layout: one ``<testsuite>`` per device, one ``<testcase>`` per step (with its time) and per expectation.
A failed expectation is a ``<failure>`` whose message starts with the expectation's name; a device pdiag could
not talk to is an ``<error>`` on the step that failed, and what came after it is ``<skipped>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from particle_diag.errors import ExitCode
from particle_diag.factory.runner import CheckReport, DeviceResult


def jsonl_line(result: DeviceResult) -> str:
    """One device's record as one line of JSON Lines."""
    return json.dumps(result.to_dict(), separators=(",", ":"), default=str)


def junit_xml(report: CheckReport, *, timestamp: datetime | None = None, hostname: str | None = None) -> str:
    root = ET.Element("testsuites", name=report.station)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for device in report.devices:
        suite = _suite(device, timestamp, hostname)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(report.elapsed_s))
    if timestamp is not None:
        root.set("timestamp", timestamp.isoformat(timespec="seconds"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(device: DeviceResult, timestamp: datetime | None, hostname: str | None) -> ET.Element:
    name = f"{device.key} ({device.platform or 'unknown platform'})"
    suite = ET.Element("testsuite", name=name)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    props = ET.SubElement(suite, "properties")
    for key, value in (("device_id", device.device_id), ("platform", device.platform), ("usb_path", device.usb_path),
                       ("serial_port", device.serial_port), ("verdict", device.verdict),
                       ("exit_code", str(device.exit_code))):
        if value is not None:
            ET.SubElement(props, "property", name=key, value=str(value))

    def case(case_name: str, seconds: float) -> ET.Element:
        counts["tests"] += 1
        return ET.SubElement(suite, "testcase", classname=device.key, name=case_name, time=_seconds(seconds))

    stopped: str | None = None
    for step in device.steps:
        tc = case(f"step {step.index}: {step.label}", step.elapsed_s)
        if not step.reached:
            counts["skipped"] += 1
            ET.SubElement(tc, "skipped", message=f"not reached: {stopped or 'an earlier step failed'}")
        elif step.error is not None:
            stopped = step.error.message
            _problem(tc, step.error.exit_code == ExitCode.CHECK_FAILED, step.error.message, step.error.reference,
                     _detail(step.error.as_dict(), step.notes), counts)
        elif step.notes:  # what a passing step did (an update: each module written or skipped)
            ET.SubElement(tc, "system-out").text = "\n".join(step.notes)
    if device.expectations:
        for exp in device.expectations:
            tc = case(exp.name, 0.0)
            if exp.skipped:
                counts["skipped"] += 1
                ET.SubElement(tc, "skipped", message=exp.message)
            elif not exp.ok:
                _problem(tc, True, exp.message, exp.name,
                         f"expected: {_text(exp.expected)}\nactual: {_text(exp.actual)}", counts)
    elif device.error is not None and not any(s.error is not None for s in device.steps):
        tc = case("check", device.elapsed_s)  # failed before its first step (inaccessible, unresponsive)
        _problem(tc, device.error.exit_code == ExitCode.CHECK_FAILED, device.error.message,
                 device.error.reference, _detail(device.error.as_dict(), []), counts)
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", _seconds(device.elapsed_s))
    if timestamp is not None:
        suite.set("timestamp", timestamp.isoformat(timespec="seconds"))
    if hostname:
        suite.set("hostname", hostname)
    return suite


def _problem(tc: ET.Element, failure: bool, message: str, kind: str, text: str, counts: dict[str, int]) -> None:
    counts["failures" if failure else "errors"] += 1
    el = ET.SubElement(tc, "failure" if failure else "error", message=message, type=kind)
    el.text = text


def _detail(error: dict[str, str], notes: list[str]) -> str:
    lines = [f"{error['reference']}: {error['message']}"]
    if error.get("hint"):
        lines.append(f"hint: {error['hint']}")
    lines += notes
    return "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "(none)" if value is None else str(value)


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def report_error(report: CheckReport) -> dict[str, str] | None:
    """The JSON envelope's error for a check: the worst device pdiag could not check, else the failed count."""
    if report.ok:
        return None
    s = report.summary()
    errors = [d for d in report.devices if d.verdict == "error"]
    if errors:
        worst = max(errors, key=lambda d: d.exit_code)
        assert worst.error is not None
        return {"reference": worst.error.reference,
                "message": f"{s['errors']} of {s['devices']} devices could not be checked "
                           f"({s['failed']} failed): {worst.key}: {worst.error.message}",
                "hint": worst.error.hint}
    return {"reference": "check.failed", "message": f"{s['failed']} of {s['devices']} devices failed the check",
            "hint": "Each device's record says which expectations failed (data.devices[].failed)."}

"""Judging one device against the station's ``[expect]`` table: pure functions over what identify read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from particle_diag import semver
from particle_diag.devices.identify import Identity
from particle_diag.devices.record import DeviceRecord
from particle_diag.factory.spec import VITALS_KEYS, Expectations
from particle_diag.protocol.vitals import Vitals


@dataclass
class ExpectationResult:
    name: str  # the [expect] key, e.g. "min_device_os"
    ok: bool
    expected: Any
    actual: Any
    message: str  # one line naming the expectation, e.g. "min_device_os: Device OS 3.3.0 is older than 4.0.0"
    skipped: bool = False  # does not apply to this device (ICCID on a Wi-Fi device)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "skipped": self.skipped, "expected": self.expected,
                "actual": self.actual, "message": self.message}


def evaluate(expect: Expectations, identity: Identity, record: DeviceRecord,
             vitals: Vitals | None = None) -> list[ExpectationResult]:
    """One result per expectation set in the spec, in the spec's documented order; the vitals expectations
    (min_signal, min_battery, power_source, cloud) are judged on ``vitals`` (None: they could not be read)."""
    out = []
    for name in expect.names():
        if name in VITALS_KEYS:
            out.append(_vitals_check(name, expect, record, vitals))
        else:
            out.append(_CHECKS[name](expect, identity, record))
    return out


def _networked(record: DeviceRecord) -> bool | None:
    p = record.platform
    return None if p is None else p.has("cellular") or p.has("wifi")


def _vitals_check(name: str, e: Expectations, record: DeviceRecord, v: Vitals | None) -> ExpectationResult:
    wanted: Any = getattr(e, name)
    shown = list(wanted) if isinstance(wanted, tuple) else wanted
    if name == "min_signal" and _networked(record) is False:
        return _skip(name, shown, "no Wi-Fi or cellular radio")
    if v is None:
        return _result(name, False, shown, None, "vitals could not be read (see the step errors)", "")
    if name == "min_signal":
        actual = v.signal.strength_percent
        return _result(name, actual is not None and actual >= wanted, wanted, actual,
                       f"signal {actual} % is below {wanted:g} %" if actual is not None else
                       "the device reports no signal strength (no network, no SIM?)", f"signal {actual} %")
    if name == "min_battery":
        actual = v.battery.charge_percent
        return _result(name, actual is not None and actual >= wanted, wanted, actual,
                       f"battery {actual} % is below {wanted:g} %" if actual is not None else
                       f"the device reports no battery charge (battery {v.battery.state or 'unknown'})",
                       f"battery {actual} %")
    if name == "power_source":
        actual = v.power_source
        return _result(name, actual in wanted, shown, actual,
                       f"power source is {actual or 'unknown'}, expected {_one_of(wanted)}", f"{actual}")
    actual = v.cloud.status  # "cloud": the runner waited up to cloud_timeout_s for it
    waited = f" after waiting {e.cloud_timeout_s:g} s" if e.cloud_timeout_s else ""
    return _result(name, actual in wanted, shown, actual,
                   f"cloud is {actual or 'unknown'}{waited}, expected {_one_of(wanted)}", f"{actual}")


def _result(name: str, ok: bool, expected: Any, actual: Any, failure: str, success: str) -> ExpectationResult:
    return ExpectationResult(name, ok, expected, actual, f"{name}: {success if ok else failure}")


def _skip(name: str, expected: Any, why: str) -> ExpectationResult:
    return ExpectationResult(name, True, expected, None, f"{name}: not applicable ({why})", skipped=True)


def _one_of(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else "one of " + ", ".join(values)


def _platform(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual = ident.platform
    return _result("platform", actual in e.platform, list(e.platform), actual,
                   f"platform is {actual or 'unknown'}, expected {_one_of(e.platform)}", f"{actual}")


def _min_device_os(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual, minimum = ident.device_os, e.min_device_os
    assert minimum is not None
    if actual is None:
        return _result("min_device_os", False, minimum, None,
                       f"Device OS version unknown (device in {ident.mode} mode), need {minimum} or newer", "")
    ok = _at_least(actual, minimum)
    return _result("min_device_os", ok, minimum, actual, f"Device OS {actual} is older than {minimum}",
                   f"Device OS {actual} >= {minimum}")


def _device_os(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual, wanted = ident.device_os, e.device_os
    assert wanted is not None
    ok = actual is not None and _same_version(actual, wanted)
    return _result("device_os", ok, wanted, actual, f"Device OS is {actual or 'unknown'}, expected exactly {wanted}",
                   f"Device OS {actual}")


def _mode(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual = record.mode
    return _result("mode", actual in e.mode, list(e.mode), actual,
                   f"device is in {actual} mode, expected {_one_of(e.mode)}", f"{actual}")


def _modules_valid(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    wanted = e.modules_valid
    if ident.modules is None:
        return _result("modules_valid", False, wanted, None,
                       f"module list unreadable (device in {ident.mode} mode)", "")
    failed = [f"{m.type} {m.index} ({', '.join(m.failed_checks)})" for m in ident.modules if not m.valid]
    valid = not failed
    if wanted:
        return _result("modules_valid", valid, True, valid, "invalid modules: " + "; ".join(failed),
                       f"{len(ident.modules)} modules valid")
    return _result("modules_valid", not valid, False, valid, "every module is valid, expected a failing one",
                   "invalid modules: " + "; ".join(failed))


def _cellular(record: DeviceRecord, ident: Identity) -> bool | None:
    if record.platform is not None:
        return record.platform.has("cellular")
    return None if ident.platform is None else False


def _iccid(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    if _cellular(record, ident) is False:
        return _skip("iccid", e.iccid, "not a cellular device")
    present = bool(ident.iccid)
    if e.iccid:
        return _result("iccid", present, True, ident.iccid, "no ICCID could be read (SIM missing or modem off?)",
                       f"ICCID {ident.iccid}")
    return _result("iccid", not present, False, ident.iccid, f"an ICCID was read ({ident.iccid}), expected none",
                   "no ICCID")


def _iccid_pattern(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    pattern = e.iccid_pattern
    assert pattern is not None
    if _cellular(record, ident) is False:
        return _skip("iccid_pattern", pattern, "not a cellular device")
    if not ident.iccid:
        return _result("iccid_pattern", False, pattern, None, f"no ICCID to match against {pattern!r}", "")
    ok = re.fullmatch(pattern, ident.iccid) is not None
    return _result("iccid_pattern", ok, pattern, ident.iccid, f"ICCID {ident.iccid} does not match {pattern!r}",
                   f"ICCID {ident.iccid} matches")


def _mac_oui(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    shown = [":".join(o[i : i + 2] for i in (0, 2, 4)) for o in e.mac_oui]
    if record.platform is not None and not record.platform.has("wifi"):
        return _skip("mac_oui", shown, "not a Wi-Fi device")
    if not ident.mac:
        return _result("mac_oui", False, shown, None, "no Wi-Fi MAC address could be read", "")
    digits = re.sub(r"[^0-9a-fA-F]", "", ident.mac).lower()
    ok = digits[:6] in e.mac_oui
    return _result("mac_oui", ok, shown, ident.mac, f"MAC {ident.mac} is not from OUI {_one_of(tuple(shown))}",
                   f"MAC {ident.mac}")


def _cloud_status(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual = ident.cloud_status
    return _result("cloud_status", actual in e.cloud_status, list(e.cloud_status), actual,
                   f"cloud is {actual or 'unknown'}, expected {_one_of(e.cloud_status)}", f"{actual}")


def _protected(e: Expectations, ident: Identity, record: DeviceRecord) -> ExpectationResult:
    actual = record.mode == "protected" or record.status == "protected"
    wanted = e.protected
    text = "Device Protection is on" if actual else "Device Protection is off"
    return _result("protected", actual == wanted, wanted, actual, f"{text}, expected {'on' if wanted else 'off'}",
                   text)


def _at_least(version: str, minimum: str) -> bool:
    try:
        return semver.at_least(version, minimum)
    except ValueError:
        return False


def _same_version(a: str, b: str) -> bool:
    try:
        return semver.parse(a) == semver.parse(b)
    except ValueError:
        return a.strip() == b.strip()


_CHECKS = {
    "platform": _platform, "min_device_os": _min_device_os, "device_os": _device_os, "mode": _mode,
    "modules_valid": _modules_valid, "iccid": _iccid, "iccid_pattern": _iccid_pattern, "mac_oui": _mac_oui,
    "cloud_status": _cloud_status, "protected": _protected,
}

"""Choosing devices: by device ID prefix, serial port path, USB path (``1-3``) or bus:address (``001:005``)."""

from __future__ import annotations

import os

from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import AmbiguousSelectionError, NoDeviceError, UsageError


def _port_matches(record: DeviceRecord, selector: str) -> bool:
    if not record.serial_port:
        return False
    if record.serial_port == selector:
        return True
    try:
        return os.path.realpath(selector) == os.path.realpath(record.serial_port)
    except OSError:
        return False


def _usb_matches(record: DeviceRecord, selector: str) -> bool:
    if record.usb is None:
        return False
    if selector == record.usb.path:
        return True
    if ":" in selector:
        bus, _, address = selector.partition(":")
        if bus.isdigit() and address.isdigit():
            return (int(bus), int(address)) == (record.usb.bus, record.usb.address)
    return False


def matches(record: DeviceRecord, selector: str) -> bool:
    s = selector.strip()
    if s.startswith("/") or s.upper().startswith("COM"):
        return _port_matches(record, s)
    if _usb_matches(record, s):
        return True
    return bool(record.device_id) and record.device_id.startswith(s.lower())  # type: ignore[union-attr]


def _validate(selector: str) -> None:
    if not selector.strip():
        raise UsageError("an empty device selector was given",
                         "Name a device by ID prefix, serial port (/dev/ttyACM0) or USB path (1-3).",
                         reference="usage.selector")


def select(records: list[DeviceRecord], selectors: list[str], *, all_devices: bool = False) -> list[DeviceRecord]:
    """The records the user means; errors say what was found instead."""
    for s in selectors:
        _validate(s)
    if not records:
        raise NoDeviceError("no Particle device found")
    if all_devices:
        if selectors:
            raise UsageError("give device selectors or --all, not both", reference="usage.selector")
        return list(records)
    if not selectors:
        if len(records) == 1:
            return list(records)
        raise AmbiguousSelectionError(
            f"{len(records)} devices are attached; say which one",
            [r.label for r in records],
            "Name one by device ID prefix, serial port or USB path, or pass --all. Candidates: "
            + "; ".join(r.label for r in records),
        )
    chosen: list[DeviceRecord] = []
    for s in selectors:
        found = [r for r in records if matches(r, s)]
        if not found:
            raise NoDeviceError(
                f"no attached device matches '{s}'",
                "Attached: " + "; ".join(r.label for r in records),
                reference="device.no-match",
            )
        if len(found) > 1:
            raise AmbiguousSelectionError(
                f"'{s}' matches {len(found)} devices",
                [r.label for r in found],
                "Give a longer device ID prefix. Candidates: " + "; ".join(r.label for r in found),
            )
        if found[0] not in chosen:
            chosen.append(found[0])
    return chosen

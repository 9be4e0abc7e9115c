"""``vitals``: what a device reports about its signal, battery, power, memory, network and cloud (request 100).

``read_vitals`` reads one device (holding its lock); ``read_all`` reads many in parallel, keeping every device's
outcome; ``watch`` repeats that every ``interval_s`` until ``count`` samples or a stop (Ctrl-C: a normal end).
Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.clock import StopRequested
from particle_diag.devices.batch import Outcome, run_on_devices
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.errors import ProtectedDeviceError, UnsupportedError
from particle_diag.protocol import messages
from particle_diag.protocol.vitals import Vitals, decode


@dataclass
class DeviceVitals:
    device_id: str | None
    platform: str | None
    mode: str
    device_os: str | None
    vitals: Vitals
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "platform": self.platform, "mode": self.mode,
                "device_os": self.device_os, **self.vitals.to_dict(), "notes": list(self.notes)}


def require_firmware(record: DeviceRecord, what: str) -> None:
    """Refuse, before opening it, a device whose running firmware cannot answer ``what`` over USB."""
    p = record.platform
    if record.mode == "edl":
        raise UnsupportedError(f"{record.label}: {what} needs Device OS running; in Qualcomm EDL mode only the "
                               "SoC's boot ROM answers", "Restart the Tachyon normally (leave EDL mode) first.",
                               reference="device.wrong-mode")
    if record.mode == "dfu":
        raise UnsupportedError(f"{record.label}: {what} needs Device OS running; in DFU mode only the bootloader "
                               "runs", "Leave DFU mode first: `pdiag reset`.", reference="device.wrong-mode")
    if record.mode == "protected" or record.status == "protected":
        raise ProtectedDeviceError(f"{record.label}: {what} is not readable: the device is protected")
    if record.status in ("inaccessible", "unresponsive") and record.problem is not None:
        raise record.problem
    if p is None or record.usb is None or not capabilities.has_control_service(p.generation,
                                                                                record.device_os or "0.0.0"):
        raise UnsupportedError(f"{record.label}: {what} needs USB control requests, which this device or its "
                               "Device OS does not offer", reference="device.request-unsupported")


def read_vitals(record: DeviceRecord, host: Host) -> DeviceVitals:
    require_firmware(record, "vitals")
    with control_session(record, host) as client:
        info = messages.decode_reply(R.DIAGNOSTIC_INFO, client.call(R.DIAGNOSTIC_INFO))
    vitals = decode(info)
    notes = [f"{name} did not report: {code.meaning} ({code.name})" for name, code in vitals.errors.items()]
    return DeviceVitals(record.device_id, record.platform.name if record.platform else None, record.mode,
                        record.device_os, vitals, notes)


def read_all(records: list[DeviceRecord], host: Host) -> list[Outcome]:
    return run_on_devices(records, lambda r: read_vitals(r, host), host.clock)


def watch(records: list[DeviceRecord], host: Host, interval_s: float, on_sample: Callable[[list[Outcome]], None],
          count: int | None = None) -> int:
    """Sample every ``interval_s`` (the host's clock) until ``count`` samples or a stop; returns the number
    taken.  A device that fails one sample is reported in it and asked again at the next."""
    taken = 0
    try:
        while count is None or taken < count:
            started = host.clock.monotonic()
            on_sample(read_all(records, host))
            taken += 1
            if count is not None and taken >= count:
                break
            host.clock.sleep(max(0.0, interval_s - (host.clock.monotonic() - started)))
    except StopRequested:
        pass  # Ctrl-C ends a watch: what was shown stands
    return taken

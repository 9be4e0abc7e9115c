"""One physical Particle device as pdiag sees it: its identity on USB and serial, platform, mode and status.

The device ID is the USB serial number (lower case); old firmware wraps it (see :func:`device_id_from_serial`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from particle_diag.catalog.platforms import Platform
from particle_diag.errors import PdiagError
from particle_diag.transport.usb import UsbIdentity

MODES = ("normal", "listening", "dfu", "safe", "protected", "edl", "unknown")
STATUSES = ("normal", "listening", "dfu", "protected", "edl", "inaccessible", "unresponsive", "unknown-pid", "in-use")
_DEVICE_ID = re.compile(r"[0-9a-fA-F]{24}")


@dataclass
class DeviceRecord:
    device_id: str | None
    platform: Platform | None
    mode: str
    status: str
    device_os: str | None = None
    serial_port: str | None = None
    usb: UsbIdentity | None = None
    problem: PdiagError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """What names the device in a list of results: its ID, else its USB port path, else its serial port."""
        return self.device_id or (self.usb.path if self.usb else self.serial_port) or "?"

    @property
    def label(self) -> str:
        name = self.platform.display if self.platform else "unknown platform"
        where = self.usb.path if self.usb else self.serial_port
        return f"{self.device_id or '?'} ({name}, {self.mode}, {where})"

    def to_dict(self) -> dict[str, object]:
        return {
            "device_id": self.device_id,
            "platform": self.platform.name if self.platform else None,
            "platform_id": self.platform.id if self.platform else None,
            "mode": self.mode,
            "status": self.status,
            "device_os": self.device_os,
            "serial_port": self.serial_port,
            "usb": None if self.usb is None else {
                "vid": f"{self.usb.vid:04x}", "pid": f"{self.usb.pid:04x}", "bus": self.usb.bus,
                "address": self.usb.address, "path": self.usb.path,
            },
            "problem": self.problem.as_dict() if self.problem else None,
            "notes": list(self.notes),
        }


def device_id_from_serial(serial: str | None) -> str | None:
    """The device ID is the USB serial number; tolerate old firmware that wraps it
    (particle-cli ``src/lib/device-specs.js`` deviceIdFromSerialNumber, https://github.com/particle-iot/particle-cli)."""
    if not serial:
        return None
    text = "".join(ch for ch in serial if ch.isprintable()).strip()
    if _DEVICE_ID.fullmatch(text):
        return text.lower()
    m = _DEVICE_ID.search(text)
    return m.group(0).lower() if m else None

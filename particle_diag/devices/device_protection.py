"""``protection``: a device's Device Protection state (off / on / service mode) and what each allows over USB.

Where it is read: in normal mode request 76 GET_PROTECTED_STATE (Device OS 6.x; allowed while protected:
``state`` protected, ``overridden`` service mode; device-os system/src/control/config.cpp getProtectedState); in
DFU mode the bootloader's string 0xFA ``sm=o|s|p`` (6.1.2+), else the all-``b`` memory layouts
(devices/probe.py).  Device Protection exists from Device OS 6.0 and only on platforms with the feature
(catalog platforms.toml ``protection``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from particle_diag import semver
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.errors import UnsupportedError
from particle_diag.protocol import messages

PROTECTION_SINCE = "6.0.0"  # Device Protection arrived with Device OS 6.0 (request 76: device-os
# system/src/system_control_internal.cpp, services/src/security_mode.cpp)

# What each state allows over USB (device-os system_control_internal.cpp protected-device filter: only the
# device ID, APP_CUSTOM and the protection requests; DFU: every segment erase-only, bootloader usbd_dfu_mal.h;
# the listening console is off; particle-cli `device-protection disable` puts it in service mode).
MEANING = {
    "off": "Device Protection is off: pdiag can read and change everything over USB and DFU.",
    "on": "Device Protection is on: over USB the device answers only its ID and protection state; in DFU mode its "
          "memory can be erased but not read or written; the listening-mode console is off. To diagnose or flash "
          "it, put it in service mode with `particle device-protection disable` (signed by the Particle cloud: an "
          "account with access to the device's product).",
    "service_mode": "Service mode: Device Protection is on but lifted for now (particle-cli `device-protection "
                    "disable`): pdiag can read and flash the device as if it were off. `particle device-protection "
                    "enable` ends service mode; when Device OS ends it on its own is not verified here.",
    "not_supported": "This device cannot have Device Protection (its platform lacks it, or Device OS is older "
                     "than 6.0): nothing is restricted.",
}
_DFU_STATES = {"open": "off", "protected": "on", "service": "service_mode"}


@dataclass
class Protection:
    state: str  # a MEANING key
    source: str  # "request 76", "dfu string 0xFA", "dfu layouts", "platform"

    @property
    def meaning(self) -> str:
        return MEANING[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {"protection": self.state, "meaning": self.meaning, "source": self.source}


def protection(record: DeviceRecord, host: Host) -> Protection:
    p = record.platform
    if p is None:
        raise UnsupportedError(f"{record.label}: an unknown platform", reference="device.unsupported")
    if not p.has("protection"):
        return Protection("not_supported", "platform")
    if record.status in ("inaccessible", "unresponsive") and record.problem is not None:
        raise record.problem
    if record.mode == "dfu":
        from particle_diag.devices.probe import dfu_protection_state

        state, source = dfu_protection_state(record, host)
        return Protection(_DFU_STATES.get(state or "open", "off"), source)
    version = record.device_os or "0.0.0"
    if record.mode != "protected" and not semver.at_least(version, PROTECTION_SINCE):
        return Protection("not_supported", "device os")
    with control_session(record, host) as client:
        reply = messages.decode_reply(R.GET_PROTECTED_STATE, client.call(R.GET_PROTECTED_STATE))
    state = "off" if not reply.protected else "service_mode" if reply.overridden else "on"
    return Protection(state, "request 76")

"""``setup-done``: the Gen 3 "setup done" flag, read (request 74) and set or cleared (request 73).

On Gen 3 devices before Device OS 4.0 the flag is a DCT byte (0x01 done, 0xff cleared) that decides whether the
device leaves listening mode at boot; Particle's manufacturing guide sets it in production, particle-cli as
``particle usb setup-done [--reset]``.  Device OS 4.0 stopped using it: request 74 always answers done and
request 73 accepts done=true and refuses false (device-os system/src/control/config.cpp; facts and versions in
catalog/data/capabilities.toml [setup_done]).  Other platforms have no such flag (both requests answer
NOT_SUPPORTED).

Consent: writing the flag needs no --yes.  It is one byte the option itself names (``--set``/``--clear``; without
one the command only reads), it is undone by the other option, and it is what the flag exists for; a clear
warns that the device will then stop in listening mode at its next boot, and says how to undo it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.devices.vitals import require_firmware
from particle_diag.errors import UnsupportedError
from particle_diag.protocol import messages


@dataclass
class SetupDone:
    done: bool | None  # None: the platform has no flag
    flag: str | None  # "dct": a real flag; "always": ignored by this Device OS (always done); None: no flag
    changed: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"setup_done": self.done, "flag": self.flag, "changed": self.changed, "notes": list(self.notes)}


def _flag(record: DeviceRecord) -> str | None:
    assert record.platform is not None
    return capabilities.setup_done_flag(record.platform.generation, record.device_os or "0.0.0")


def setup_done(record: DeviceRecord, host: Host, *, set_to: bool | None = None) -> SetupDone:
    """Read the flag; with ``set_to`` write it first.  Refused before the device is written to where the flag
    cannot take the value (no flag on the platform; clearing on Device OS >= 4.0)."""
    require_firmware(record, "the setup-done flag")
    flag = _flag(record)
    if set_to is not None and flag is None:
        raise UnsupportedError(f"{record.label} has no setup-done flag: only Gen 3 devices use one",
                               "Nothing was changed.", reference="device.request-unsupported")
    if set_to is False and flag == "always":
        raise UnsupportedError(f"{record.label} runs Device OS {record.device_os}, which ignores the setup-done "
                               "flag: it cannot be cleared", "Nothing was changed. Device OS 4.0 and later always "
                               "treat setup as done.", reference="device.request-unsupported")
    notes: list[str] = []
    with control_session(record, host) as client:
        if set_to is not None:
            client.call(R.SET_DEVICE_SETUP_DONE, messages.encode_request(R.SET_DEVICE_SETUP_DONE, done=set_to))
        done = None if flag is None else messages.decode_reply(
            R.IS_DEVICE_SETUP_DONE, client.call(R.IS_DEVICE_SETUP_DONE)).done
    if flag == "always":
        notes.append(f"Device OS {record.device_os} no longer uses the flag: it always reports setup done")
    elif flag is None:
        notes.append("this platform has no setup-done flag (only Gen 3 devices on Device OS < 4.0 use one)")
    elif set_to is False:
        notes.append("at its next start the device stays in listening mode until the flag is set again: "
                     "`pdiag setup-done --set`")
    return SetupDone(done, flag, changed=set_to is not None and flag == "dct", notes=notes)

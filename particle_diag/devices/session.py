"""Opening a discovered device for control requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.errors import NoDeviceError, PermissionDeniedError
from particle_diag.protocol.control import ControlClient
from particle_diag.transport.usb import UsbDevice


@contextmanager
def open_usb(record: DeviceRecord, host: Host) -> Iterator[UsbDevice]:
    if record.usb is None:
        raise NoDeviceError(f"{record.label} is not reachable over USB")
    if record.status == "inaccessible" and isinstance(record.problem, PermissionDeniedError):
        raise record.problem
    quirks = record.platform.quirks if record.platform else frozenset()
    dev = host.usb.open(record.usb, out_needs_data_stage="control_out_needs_data_stage" in quirks)
    try:
        yield dev
    finally:
        dev.close()


@contextmanager
def control_session(record: DeviceRecord, host: Host, request_timeout_s: float | None = None,
                    reset_stale: bool = True) -> Iterator[ControlClient]:
    with open_usb(record, host) as dev:
        client = ControlClient(dev, clock=host.clock,
                               request_timeout_s=request_timeout_s or host.request_timeout_s)
        if reset_stale:
            client.open()
        yield client

"""Opening a discovered device for control requests, holding its lock (devices.lock) while it is open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from particle_diag.devices.host import Host
from particle_diag.devices.lock import device_lock
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import NoDeviceError, PermissionDeniedError
from particle_diag.protocol.control import ControlClient
from particle_diag.transport.usb import UsbDevice


@contextmanager
def open_usb(record: DeviceRecord, host: Host, *, shared: bool = False) -> Iterator[UsbDevice]:
    """Open the device, holding its lock: exclusive (a command), or ``shared`` (a listing's probe)."""
    if record.usb is None:
        raise NoDeviceError(f"{record.label} is not reachable over USB")
    if record.status == "inaccessible" and isinstance(record.problem, PermissionDeniedError):
        raise record.problem
    quirks = record.platform.quirks if record.platform else frozenset()
    with device_lock(record, host, shared=shared):
        dev = host.usb.open(record.usb, out_needs_data_stage="control_out_needs_data_stage" in quirks)
        try:
            yield dev
        finally:
            dev.close()


@contextmanager
def control_session(record: DeviceRecord, host: Host, request_timeout_s: float | None = None,
                    *, probe: bool = False) -> Iterator[ControlClient]:
    """A control-request client on the device.

    A command (``probe=False``) holds the device's lock exclusively, so no other pdiag process can have a
    request in flight on it: RESET(0) on open then only frees the request slots (the device has four) that a
    killed process left behind.  A listing's ``probe`` shares the lock with other listings, so it never sends
    RESET(0): that would cancel their requests ("request cancelled by the device")."""
    with open_usb(record, host, shared=probe) as dev:
        client = ControlClient(dev, clock=host.clock,
                               request_timeout_s=request_timeout_s or host.request_timeout_s)
        if not probe:
            client.open()
        yield client

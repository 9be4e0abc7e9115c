"""The one interface between the protocol layer and the transport: control transfers on endpoint 0.

The transport implements it over pyusb (``particle_diag.transport.usb``); protocol code only sees this
Protocol, so it can be driven by any implementation.  Implementations translate their failures into
``particle_diag.errors``: DeviceTimeoutError (no answer within ``timeout_ms``), TransferStallError (EPIPE),
DeviceGoneError (unplugged), PermissionDeniedError (EACCES).
"""

from __future__ import annotations

from typing import Protocol


class ControlTransfers(Protocol):
    def control_in(
        self, request_type: int, request: int, value: int, index: int, length: int, timeout_ms: int
    ) -> bytes:
        """Perform an IN control transfer and return the bytes the device sent (may be shorter than length)."""
        ...

    def control_out(
        self, request_type: int, request: int, value: int, index: int, data: bytes, timeout_ms: int
    ) -> int:
        """Perform an OUT control transfer and return the number of bytes sent."""
        ...

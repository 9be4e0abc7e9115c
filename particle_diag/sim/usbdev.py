"""What a virtual USB device answers on endpoint 0: the contract between device logic and its attachments.

Device logic (the Particle control-request service, the DFU/DfuSe target, descriptors) implements
``ControlHandler``.  Attachments (the pyusb backend in ``sim.pyusb_backend`` and the umockdev usbdevfs
handler) turn real pyusb / libusb traffic into calls on it, so no protocol behaviour is written twice.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from particle_diag.catalog import usb as usb_spec


class Stall(Exception):
    """The device stalls the control pipe: the host sees EPIPE ("Pipe error")."""


class NoReply(Exception):
    """The device never answers: the host's transfer times out."""


class Unplugged(Exception):
    """The device is no longer on the bus: the host sees ENODEV ("No such device")."""


class SetupPacket(NamedTuple):
    request_type: int
    request: int
    value: int
    index: int
    length: int

    @property
    def is_in(self) -> bool:
        return bool(self.request_type & usb_spec.DIR_IN)

    @property
    def kind(self) -> int:
        """0 standard, 1 class, 2 vendor (bits 6..5 of bmRequestType)."""
        return (self.request_type & usb_spec.TYPE_MASK) >> usb_spec.TYPE_SHIFT


class ControlHandler(Protocol):
    def handle_in(self, setup: SetupPacket) -> bytes:
        """Answer an IN transfer with at most ``setup.length`` bytes, or raise Stall / NoReply / Unplugged."""
        ...

    def handle_out(self, setup: SetupPacket, data: bytes) -> None:
        """Accept an OUT transfer's data stage, or raise Stall / NoReply / Unplugged."""
        ...

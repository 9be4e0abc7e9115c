"""Opening a device in DFU mode: the USB handle, its DfuSe memory maps (one per alt setting) and a DfuClient.

The alt settings and their layout strings come from the device itself (parse, never hard-code: older B5-SoM
and Tracker bootloaders described their external flash with other sectors, device-os CHANGELOG #2321); wTransferSize
from its DFU functional descriptor, as particle-usb ``src/dfu.js`` ``setAltSetting`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from particle_diag.clock import SYSTEM_CLOCK, Clock, StopRequested
from particle_diag.devices.host import Host
from particle_diag.devices.protection import NoSuchAltError, require_consent
from particle_diag.devices.record import DeviceRecord
from particle_diag.devices.session import open_usb
from particle_diag.errors import OperationInterrupted, ProtectedDeviceError, UsageError
from particle_diag.protocol.dfu import DfuClient, TransferProgress
from particle_diag.protocol.memory_layout import MemoryLayout, parse_layout
from particle_diag.transport.usb import UsbDevice

PROTECTED_HINT = (
    "Device Protection refuses DFU reads, writes and erases; `pdiag protection` explains what it allows. Put the "
    "device in service mode (`particle device-protection disable`), then try again."
)


class NotInDfuModeError(UsageError):
    """The operation needs DFU mode and the user did not ask pdiag to switch."""

    reference = "dfu.not-in-dfu"


@dataclass
class DfuSession:
    record: DeviceRecord
    dev: UsbDevice
    client: DfuClient
    layouts: list[MemoryLayout]
    clock: Clock = SYSTEM_CLOCK
    alt: int = 0

    def select(self, alt: int) -> MemoryLayout:
        """SET_INTERFACE to ``alt`` (interface 0, as particle-usb ``setAltSetting``) and return its memory map."""
        if not 0 <= alt < len(self.layouts):
            maps = "; ".join(f"alt {i}: {layout.name} {layout.describe_span()}" for i, layout in
                             enumerate(self.layouts))
            raise NoSuchAltError(f"{self.record.label} has no DFU alt setting {alt}", f"Its memories: {maps}.")
        self.dev.set_alt(alt)
        self.alt = alt
        return self.layouts[alt]

    @property
    def control_transfers(self) -> int:
        return self.client.stats.control_transfers


def require_dfu(record: DeviceRecord) -> None:
    """Refuse devices that are not in DFU mode, or whose Device Protection would refuse everything."""
    if record.mode != "dfu":
        raise NotInDfuModeError(
            f"{record.label} is in {record.mode} mode, not DFU mode",
            "Add --enter to let pdiag switch it (or run `pdiag enter dfu` first).",
        )
    if record.status == "protected":
        raise ProtectedDeviceError(f"{record.label}: Device Protection is on", PROTECTED_HINT,
                                   reference="dfu.protected")


def dfu_client(dev: UsbDevice, host: Host) -> DfuClient:
    """The DfuSe client for an opened DFU-mode device."""
    # wTransferSize from the functional descriptor; particle-usb's 1024 when a device has none (src/dfu.js)
    return DfuClient(dev, clock=host.clock, transfer_size=dev.dfu_transfer_size(),
                     timeout_ms=int(host.request_timeout_s * 1000))


@contextmanager
def dfu_session(record: DeviceRecord, host: Host) -> Iterator[DfuSession]:
    require_dfu(record)
    with open_usb(record, host) as dev:
        layouts = [parse_layout(text) for text in dev.interface_strings() if text]
        yield DfuSession(record, dev, dfu_client(dev, host), layouts, host.clock)


# -- memory operations (``pdiag dfu read|write|erase``) -------------------------------------------------------
@dataclass(frozen=True)
class TransferReport:
    """What one DFU memory operation did, for the summary line and the JSON ``data``."""

    operation: str  # read | write | erase
    device_id: str | None
    alt: int
    address: int
    length: int
    elapsed_s: float
    control_transfers: int

    @property
    def bytes_per_second(self) -> float:
        return self.length / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {"device_id": self.device_id, "alt": self.alt, "address": self.address, "length": self.length,
                "bytes_per_second": round(self.bytes_per_second), "elapsed_s": round(self.elapsed_s, 3),
                "control_transfers": self.control_transfers}


def read_memory(session: DfuSession, alt: int, address: int, length: int,
                progress: TransferProgress | None = None) -> tuple[bytes, TransferReport]:
    layout = session.select(alt)
    layout.check_access(address, length, "read")
    start, before = session.clock.monotonic(), session.control_transfers
    data = session.client.read(layout, address, length, progress)
    return data, _report(session, "read", alt, address, len(data), start, before)


def write_memory(session: DfuSession, alt: int, address: int, data: bytes, progress: TransferProgress | None = None,
                 *, verify: bool = False, consent: bool = False, rerun: str = "") -> TransferReport:
    """Erase the sectors the data touches, write it, optionally read it back (particle-usb ``Dfu.doDownload``).

    ConsentRequiredError unless the sectors hold plain user data or ``consent`` (devices/protection.py).
    A stop (Ctrl-C) between two blocks raises OperationInterrupted naming ``rerun``, the command that writes
    it again from the start."""
    layout = session.select(alt)
    layout.check_access(address, len(data), "write")
    require_consent(session.record.platform, alt, address, len(data), consent=consent, verb="write", layout=layout)
    start, before = session.clock.monotonic(), session.control_transfers
    try:
        session.client.write(layout, address, data, progress, verify=verify)
    except StopRequested:
        raise _stopped(session, f"writing {len(data)} bytes at 0x{address:08X} (alt {alt})", rerun) from None
    return _report(session, "write", alt, address, len(data), start, before)


def _stopped(session: DfuSession, step: str, rerun: str) -> OperationInterrupted:
    who = session.record.device_id or session.record.label
    return OperationInterrupted(f"{step} of {who}",
                                "in DFU mode; the range is partly done: its sectors may be erased or half written",
                                rerun, hint=None if rerun else "Run the same command again; it starts from the "
                                "beginning.")


def erase_memory(session: DfuSession, alt: int, address: int, length: int, *,
                 consent: bool = False, rerun: str = "") -> TransferReport:
    """ERASE_PAGE every sector the range touches: whole sectors, so possibly more than ``length`` bytes.

    ConsentRequiredError unless the sectors hold plain user data or ``consent`` (devices/protection.py)."""
    layout = session.select(alt)
    layout.check_access(address, length, "erase")
    require_consent(session.record.platform, alt, address, length, consent=consent, verb="erase", layout=layout)
    start, before = session.clock.monotonic(), session.control_transfers
    try:
        sectors = session.client.erase(layout, address, length)
    except StopRequested:
        raise _stopped(session, f"erasing 0x{address:08X}+{length} (alt {alt})", rerun) from None
    erased = sum(layout.segment_at(s).sector_size for s in sectors)  # type: ignore[union-attr]
    return _report(session, "erase", alt, sectors[0] if sectors else address, erased, start, before)


def sector_span(layout: MemoryLayout, address: int, length: int) -> tuple[int, int]:
    """(start, length) of the whole sectors that a write of ``[address, address + length)`` erases."""
    sectors = layout.sectors_in(address, length)
    if not sectors:
        return address, 0
    last = layout.segment_at(sectors[-1])
    assert last is not None
    return sectors[0], sectors[-1] + last.sector_size - sectors[0]


def _report(session: DfuSession, operation: str, alt: int, address: int, length: int, start: float,
            before: int) -> TransferReport:
    return TransferReport(operation, session.record.device_id, alt, address, length,
                          session.clock.monotonic() - start, session.control_transfers - before)

"""DFU 1.1 + DfuSe client for Particle bootloaders, driven only through ``ControlTransfers`` and a ``Clock``.

Facts: the numbers in catalog/dfu.py (DFU 1.1, ST AN3156); the procedures of particle-usb ``src/dfu.js``
(``Dfu.doDownload``, ``doUpload``, ``leave``), https://github.com/particle-iot/particle-usb, and dfu-util
``src/dfuse.c`` (``dfuse_dnload_element``, ``dfuse_do_upload``, ``:leave``),
https://sourceforge.net/p/dfu-util/dfu-util/ci/master/tree/src/dfuse.c; the device side in device-os
``bootloader/src/nRF52840/usbd_dfu.cpp``, https://github.com/particle-iot/device-os.

Fewer control transfers than dfu-util / particle-usb, which set the address pointer before every chunk and
always use block 2 (``Dfu.doDownload``, ``dfuse_dnload_element``): this writer erases only the sectors it
touches, sets the address pointer once per contiguous run and then sends blocks 2, 3, 4... whose target is
``(block - 2) * transfer_size + pointer``.
``DfuClient.stats`` counts every control transfer so the saving can be measured.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag.catalog import timeouts
from particle_diag.catalog.dfu import DfuRequest, DfuseCommand, DfuState, DfuStatusCode
from particle_diag.catalog.usb import CLASS_IN_INTERFACE, CLASS_OUT_INTERFACE
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.errors import (
    DeviceGoneError,
    DeviceTimeoutError,
    ProtectedDeviceError,
    ProtocolError,
    TransferStallError,
    UnsupportedError,
)
from particle_diag.protocol.memory_layout import MemoryLayout
from particle_diag.protocol.transfer import ControlTransfers

# Called with (bytes done, bytes in all) as a DFU read or write goes on.
TransferProgress = Callable[[int, int], None]

DEFAULT_TRANSFER_SIZE = 4096  # wTransferSize of every Particle bootloader (usbd_dfu.h USBD_DFU_XFER_SIZE)
MAX_BLOCK = 0xFFFF  # wValue is 16 bits: past it the writer re-sets the address pointer


# --------------------------------------------------------------------------------------------------
class DfuStatusError(ProtocolError):
    """The device reported an error status; ``status`` is the DfuStatusCode."""

    reference = "dfu.status"
    default_hint = (
        "Put the device in DFU mode again (hold MODE, tap RESET, release MODE when it blinks yellow)."
    )

    def __init__(self, message: str, status: DfuStatusCode, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class DfuProtectedError(ProtectedDeviceError):
    """errVENDOR: the bootloader refuses reads/writes/erases of a protected device (usbd_dfu.cpp)."""

    reference = "dfu.protected"

    def __init__(self, message: str, status: DfuStatusCode = DfuStatusCode.errVENDOR) -> None:
        super().__init__(message)
        self.status = status


class DfuStateError(ProtocolError):
    """The device is in a DFU state the operation cannot continue from."""

    reference = "dfu.state"


class DfuCommandError(ProtocolError):
    """A DfuSe special command kept being stalled."""

    reference = "dfu.command"


class DfuVerifyError(ProtocolError):
    reference = "dfu.verify"
    default_hint = "Write the image again; if it keeps failing the flash may be worn or the image too large."


class FlashInterruptedError(ProtocolError):
    """The device vanished mid-write; ``last_written`` is the last address confirmed written (or None)."""

    reference = "dfu.interrupted"
    default_hint = (
        "Put the device back in DFU mode with its buttons: hold MODE (SETUP on older boards), tap RESET, "
        "release MODE when the LED blinks yellow. Then write the same image again from the start."
    )

    def __init__(self, message: str, last_written: int | None) -> None:
        super().__init__(message)
        self.last_written = last_written


# --------------------------------------------------------------------------------------------------
def poll_pause_s(status: DfuStatus) -> float:
    """The device's bwPollTimeout, capped at ``timeouts.DFU_POLL_CAP_S`` (a 24-bit field: up to 4.6 hours; a
    device asking for minutes is faulty, and the whole wait stays bounded by ``busy_timeout_s``)."""
    return min(status.poll_timeout_ms / 1000, timeouts.DFU_POLL_CAP_S)


@dataclass(frozen=True)
class DfuStatus:
    status: DfuStatusCode
    poll_timeout_ms: int
    state: DfuState
    string_index: int

    @classmethod
    def decode(cls, raw: bytes) -> DfuStatus:
        """GETSTATUS reply: bStatus, 24-bit LE bwPollTimeout, bState, iString (DFU 1.1 section 6.1.2)."""
        if len(raw) != 6:  # particle-usb refuses any other length too (_getStatus in src/dfu.js)
            raise ProtocolError(f"GETSTATUS answered {len(raw)} bytes instead of 6: {raw.hex()}", reference="dfu.reply")
        try:
            return cls(DfuStatusCode(raw[0]), int.from_bytes(raw[1:4], "little"), DfuState(raw[4]), raw[5])
        except ValueError:
            raise ProtocolError(f"GETSTATUS answered an unknown status/state: {raw[:6].hex()}",
                                reference="dfu.reply") from None

    def describe(self) -> str:
        return f"{self.status.name} in {self.state.label}"


@dataclass
class TransferStats:
    control_in: int = 0
    control_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    by_request: Counter[str] = field(default_factory=Counter)

    @property
    def control_transfers(self) -> int:
        return self.control_in + self.control_out

    def reset(self) -> None:
        self.control_in = self.control_out = self.bytes_in = self.bytes_out = 0
        self.by_request.clear()


@dataclass(frozen=True)
class WriteResult:
    address: int
    length: int
    blocks: int
    erased: tuple[int, ...]
    address_pointer_sets: int


_IDLE_STATES = (DfuState.DFU_IDLE, DfuState.DFU_DNLOAD_IDLE)
_BUSY_STATES = (DfuState.DFU_DNBUSY, DfuState.DFU_DNLOAD_SYNC)
_MANIFEST_STATES = (DfuState.DFU_MANIFEST_SYNC, DfuState.DFU_MANIFEST, DfuState.DFU_MANIFEST_WAIT_RESET)
_GONE = (DeviceGoneError, DeviceTimeoutError)


class DfuClient:
    """One claimed DFU interface (the caller has selected the alt setting whose layout it passes in)."""

    def __init__(
        self,
        transfers: ControlTransfers,
        *,
        clock: Clock = SYSTEM_CLOCK,
        interface: int = 0,
        transfer_size: int = DEFAULT_TRANSFER_SIZE,
        timeout_ms: int = timeouts.TRANSFER_MS,
        busy_timeout_s: float = timeouts.DFU_BUSY_S,
        max_polls: int = timeouts.DFU_MAX_POLLS,
        command_retries: int = 3,
    ) -> None:
        if not 0 < transfer_size <= 0xFFFF:
            raise ValueError(f"transfer size {transfer_size} out of range")
        self._usb = transfers
        self._clock = clock
        self.interface = interface
        self.transfer_size = transfer_size
        self.timeout_ms = timeout_ms
        self.busy_timeout_s = busy_timeout_s
        self.max_polls = max_polls
        self.command_retries = command_retries
        self.stats = TransferStats()
        self._commands: bytes | None = None

    # -- raw requests ------------------------------------------------------------------------------
    def _in(self, request: DfuRequest, value: int, length: int) -> bytes:
        self.stats.control_in += 1
        self.stats.by_request[request.name] += 1
        data = bytes(
            self._usb.control_in(CLASS_IN_INTERFACE, request, value, self.interface, length, self.timeout_ms)
        )
        self.stats.bytes_in += len(data)
        return data

    def _out(self, request: DfuRequest, value: int, data: bytes = b"") -> None:
        self.stats.control_out += 1
        self.stats.by_request[request.name] += 1
        self._usb.control_out(CLASS_OUT_INTERFACE, request, value, self.interface, data, self.timeout_ms)
        self.stats.bytes_out += len(data)

    def get_status(self) -> DfuStatus:
        return DfuStatus.decode(self._in(DfuRequest.GETSTATUS, 0, 6))

    def clear_status(self) -> None:
        self._out(DfuRequest.CLRSTATUS, 0)

    def abort(self) -> None:
        self._out(DfuRequest.ABORT, 0)

    def ensure_idle(self, attempts: int = 4) -> DfuStatus:
        """Bring the device to dfuIDLE or dfuDNLOAD-IDLE (DFU 1.1 appendix A, the state transition diagram).

        dfuERROR -> CLRSTATUS; dfuDNBUSY -> wait bwPollTimeout; anything else -> ABORT. CLRSTATUS outside
        dfuERROR is an undefined transition that the Particle bootloader stalls (usbd_dfu.cpp), so it is
        never sent blind.
        """
        status = self.get_status()
        for _ in range(attempts):
            if status.state in _IDLE_STATES and status.status == DfuStatusCode.OK:
                return status
            try:
                if status.state == DfuState.DFU_ERROR:
                    self.clear_status()
                elif status.state in _BUSY_STATES:
                    self._clock.sleep(poll_pause_s(status))
                else:
                    self.abort()
            except TransferStallError:
                pass  # an undefined transition: the device is now in dfuERROR, which the next round clears
            status = self.get_status()
        if status.state in _IDLE_STATES and status.status == DfuStatusCode.OK:
            return status
        raise DfuStateError(f"the device stays in {status.describe()} and does not return to dfuIDLE")

    # -- DfuSe special commands (catalog/dfu.py DfuseCommand) ---------------------------------------
    def get_commands(self) -> bytes:
        """The DfuSe commands the bootloader supports: UPLOAD block 0 (Gen 3 answers ``00 21 41 FA FB``)."""
        if self._commands is None:
            self.ensure_idle()
            self._commands = self._in(DfuRequest.UPLOAD, 0, 32)
            # Particle returns to dfuIDLE after block 0 (usbd_dfu.cpp); ST bootloaders stay in dfuUPLOAD-IDLE.
            if self.get_status().state != DfuState.DFU_IDLE:
                self.abort()
        return self._commands

    def set_address(self, address: int) -> None:
        self._special(
            bytes([DfuseCommand.SET_ADDRESS]) + struct.pack("<I", address), f"SET_ADDRESS 0x{address:08X}"
        )

    def erase_page(self, address: int) -> None:
        self._special(
            bytes([DfuseCommand.ERASE_PAGE]) + struct.pack("<I", address), f"ERASE_PAGE 0x{address:08X}"
        )

    def enter_safe_mode(self) -> None:
        """0xFA: the device reboots into safe mode (breathing magenta). Its disappearing is success (usbd_dfu.cpp)."""
        self._require_command(DfuseCommand.ENTER_SAFE_MODE, "entering safe mode from DFU")
        self._send_command(bytes([DfuseCommand.ENTER_SAFE_MODE]), "ENTER_SAFE_MODE")
        self._finish_reset("ENTER_SAFE_MODE")

    def clear_protection_override(self) -> None:
        """0xFB: re-enable Device Protection without leaving DFU (usbd_dfu.cpp)."""
        self._require_command(DfuseCommand.CLEAR_PROTECTION_OVERRIDE, "clearing the protection override")
        self._special(bytes([DfuseCommand.CLEAR_PROTECTION_OVERRIDE]), "CLEAR_PROTECTION_OVERRIDE")

    def _require_command(self, command: DfuseCommand, what: str) -> None:
        if command not in self.get_commands():
            raise UnsupportedError(f"this bootloader does not support {what} (DfuSe command 0x{command:02X})")

    def _special(self, payload: bytes, what: str) -> DfuStatus:
        self._send_command(payload, what)
        return self._wait_download(what)

    def _send_command(self, payload: bytes, what: str) -> None:
        """DNLOAD block 0, retried a bounded number of times when the device stalls it."""
        for attempt in range(self.command_retries + 1):
            try:
                self._out(DfuRequest.DNLOAD, 0, payload)
                return
            except TransferStallError as exc:
                if attempt == self.command_retries:
                    raise DfuCommandError(
                        f"the device stalled {what} {attempt + 1} times",
                        "Reset the device into DFU mode and retry.",
                    ) from exc
                self._recover_after_stall()

    def _recover_after_stall(self) -> None:
        # A stalled request leaves a DFU device in dfuERROR (DFU 1.1 §6.1.2; usbd_dfu.cpp setError).
        status = self.get_status()
        if status.state == DfuState.DFU_ERROR:
            self.clear_status()
        elif status.state not in _IDLE_STATES:
            self.abort()

    # -- waiting -----------------------------------------------------------------------------------
    def _wait_download(self, what: str, address: int | None = None) -> DfuStatus:
        """Poll GETSTATUS after a DNLOAD, sleeping bwPollTimeout while dfuDNBUSY (DFU 1.1 section 6.1.2), until
        dfuDNLOAD-IDLE.

        The first GETSTATUS after a DNLOAD answers dfuDNBUSY and starts the operation; the next one reports
        its outcome (usbd_dfu.cpp handleDfuGetStatus / inDone).
        """
        status = self._poll_while_busy(what)
        if status.state == DfuState.DFU_ERROR or status.status != DfuStatusCode.OK:
            self._raise_status(status, what, address)
        if status.state != DfuState.DFU_DNLOAD_IDLE:
            raise DfuStateError(f"{what}: the device went to {status.state.label} instead of dfuDNLOAD-IDLE")
        return status

    def _poll_while_busy(self, what: str) -> DfuStatus:
        deadline = self._clock.monotonic() + self.busy_timeout_s
        for _ in range(self.max_polls):
            status = self.get_status()
            if status.state not in _BUSY_STATES:
                return status
            if self._clock.monotonic() > deadline:
                break
            self._clock.sleep(poll_pause_s(status))
        raise DeviceTimeoutError(
            f"{what}: the device stayed busy for more than {self.busy_timeout_s:g} s", reference="dfu.busy"
        )

    def _explain_stall(self, what: str, address: int | None = None) -> None:
        """After a stalled request: raise the device's error status if it has one."""
        status = self.get_status()
        if status.state == DfuState.DFU_ERROR or status.status != DfuStatusCode.OK:
            self._raise_status(status, what, address)

    def _raise_status(self, status: DfuStatus, what: str, address: int | None = None) -> None:
        """Clear the error (so the device stays usable) and raise a typed error naming the status."""
        try:
            if status.state == DfuState.DFU_ERROR:
                self.clear_status()
        except (TransferStallError, DeviceGoneError, DeviceTimeoutError):
            pass
        where = f" at 0x{address:08X}" if address is not None else ""
        message = f"{what}{where} failed: the device reported {status.status.name} ({status.status.meaning})"
        if status.status == DfuStatusCode.errVENDOR:
            raise DfuProtectedError(message)
        raise DfuStatusError(message, status.status)

    # -- data --------------------------------------------------------------------------------------
    def download_block(self, block: int, data: bytes) -> DfuStatus:
        """One data DNLOAD (block >= 2) and its GETSTATUS polling. Low level: ``write`` is what
        callers want.
        """
        if block < 2 or block > MAX_BLOCK:
            raise ValueError(f"data block number {block} out of range 2..{MAX_BLOCK}")
        self._download_raw(block, data, f"DNLOAD block {block}")
        return self._wait_download(f"writing block {block}")

    def _download_raw(self, block: int, data: bytes, what: str) -> None:
        try:
            self._out(DfuRequest.DNLOAD, block, data)
        except TransferStallError:
            self._explain_stall(what)
            raise

    def read(
        self, layout: MemoryLayout, address: int, length: int, progress: TransferProgress | None = None
    ) -> bytes:
        """UPLOAD ``length`` bytes from ``address`` (``Dfu.doUpload``). A short block ends the upload early."""
        layout.check_range(address, length, "read")
        self.ensure_idle()
        out = bytearray()
        while len(out) < length:
            chunk = self._upload_run(address + len(out), length - len(out), out, length, progress)
            if not chunk:
                break
        self.abort()  # back to dfuIDLE (``Dfu.doUpload``); harmless after a short block already did it
        return bytes(out)

    def _upload_run(
        self, pointer: int, remaining: int, out: bytearray, total: int, progress: TransferProgress | None
    ) -> bool:
        """One address-pointer run of UPLOAD blocks 2, 3, ...; False when the device sent a short block."""
        self.set_address(pointer)
        self.abort()  # SET_ADDRESS leaves dfuDNLOAD-IDLE; UPLOAD needs dfuIDLE (``Dfu.doUpload``)
        block, offset = 2, 0
        while offset < remaining and block <= MAX_BLOCK:
            want = min(self.transfer_size, remaining - offset)
            data = self._upload_block(block, want, pointer + offset)
            out += data
            offset += len(data)
            if progress:
                progress(len(out), total)
            if len(data) < want:
                return False
            block += 1
        return True

    def _upload_block(self, block: int, length: int, address: int) -> bytes:
        try:
            data = self._in(DfuRequest.UPLOAD, block, length)
        except TransferStallError:
            self._explain_stall("reading", address)
            raise
        if not data:
            # Protected Gen 3 answers a zero-length block and goes to dfuERROR/errVENDOR (usbd_dfu.cpp).
            status = self.get_status()
            if status.state == DfuState.DFU_ERROR:
                self._raise_status(status, "reading", address)
        return data

    def erase(self, layout: MemoryLayout, address: int, length: int) -> list[int]:
        """ERASE_PAGE every sector touched by the range; returns the sector addresses."""
        layout.check_range(address, length, "erase")
        self.ensure_idle()
        sectors = layout.sectors_in(address, length)
        for sector in sectors:
            self.erase_page(sector)
        return sectors

    def write(
        self,
        layout: MemoryLayout,
        address: int,
        data: bytes,
        progress: TransferProgress | None = None,
        *,
        erase: bool = True,
        verify: bool = False,
    ) -> WriteResult:
        """Write ``data`` at ``address`` (``Dfu.doDownload``, with one SET_ADDRESS per run instead of per block).

        Erases each touched sector of an erasable segment first (DCT ``e`` segments are written without erase,
        as particle-usb does). FlashInterruptedError names the last address confirmed written if the device
        disappears.
        """
        layout.check_range(address, len(data), "write")
        self.ensure_idle()
        erased: list[int] = []
        try:
            if erase:
                erased = self._erase_touched(layout, address, len(data))
            blocks, pointer_sets = self._write_runs(address, data, progress)
        except _Interrupted as stop:
            raise stop.error(address, len(data)) from stop.cause
        if verify:
            self._verify(layout, address, data)
        return WriteResult(address, len(data), blocks, tuple(erased), pointer_sets)

    def _erase_touched(self, layout: MemoryLayout, address: int, length: int) -> list[int]:
        erased: list[int] = []
        for sector in layout.sectors_in(address, length):
            segment = layout.segment_at(sector)
            if segment is None or not segment.erasable:
                continue
            try:
                self.erase_page(sector)
            except _GONE as exc:
                raise _Interrupted(None, f"erasing sector 0x{sector:08X}", exc) from exc
            erased.append(sector)
        return erased

    def _write_runs(self, address: int, data: bytes, progress: TransferProgress | None) -> tuple[int, int]:
        size, offset, blocks, pointer_sets = self.transfer_size, 0, 0, 0
        last_written: int | None = None
        while offset < len(data):
            pointer = address + offset
            try:
                self.set_address(pointer)
            except _GONE as exc:
                raise _Interrupted(
                    last_written, f"setting the address pointer to 0x{pointer:08X}", exc
                ) from exc
            pointer_sets += 1
            block = 2
            while offset < len(data) and block <= MAX_BLOCK:
                chunk = data[offset : offset + size]
                target = pointer + (block - 2) * size  # DfuSe addressing (``Dfu.doUpload``)
                try:
                    self._download_raw(block, chunk, f"writing 0x{target:08X}")
                    self._wait_download("writing", target)
                except _GONE as exc:
                    raise _Interrupted(last_written, f"writing 0x{target:08X}", exc) from exc
                offset += len(chunk)
                blocks += 1
                block += 1
                last_written = target + len(chunk) - 1
                if progress:
                    progress(offset, len(data))
        return blocks, pointer_sets

    def _verify(self, layout: MemoryLayout, address: int, data: bytes) -> None:
        back = self.read(layout, address, len(data))
        if back == data:
            return
        first = next(
            (i for i, (a, b) in enumerate(zip(back, data, strict=False)) if a != b), min(len(back), len(data))
        )
        raise DfuVerifyError(
            f"verification failed: the flash differs from the image at 0x{address + first:08X}"
        )

    # -- leaving -----------------------------------------------------------------------------------
    def leave(self, address: int | None = None) -> DfuState | None:
        """Leave DFU: zero-length DNLOAD block 2 (``Dfu.leave``); ``address`` sets the pointer first (dfu-util).

        Success is dfuMANIFEST (Gen 3 / rtl872x), dfuDNLOAD-IDLE (Gen 2 reports it "to please dfu-util"),
        or the device vanishing once the request was accepted (a GETSTATUS racing the reset, particle-cli
        #68/#498).
        Returns the state seen, or None when the device was already gone.
        """
        self.ensure_idle()
        if address is not None:
            self.set_address(address)
        self._out(DfuRequest.DNLOAD, 2, b"")
        return self._finish_reset("leaving DFU")

    def _finish_reset(self, what: str) -> DfuState | None:
        """Poll after a request that resets the device: manifest, Gen 2's dfuDNLOAD-IDLE, or vanishing."""
        try:
            for _ in range(self.max_polls):
                status = self.get_status()
                if status.state == DfuState.DFU_ERROR or status.status != DfuStatusCode.OK:
                    self._raise_status(status, what)
                if status.state in _BUSY_STATES or status.state == DfuState.DFU_MANIFEST_SYNC:
                    self._clock.sleep(poll_pause_s(status))
                    continue
                if status.state in (*_MANIFEST_STATES, DfuState.DFU_DNLOAD_IDLE):
                    return status.state
                raise DfuStateError(f"{what}: the device went to {status.state.label}")
        except (*_GONE, TransferStallError):
            return None  # the request was accepted and the device reset under us: that is the goal
        raise DfuStateError(f"{what}: the device never reached dfuMANIFEST")


class _Interrupted(Exception):
    """Internal: carries the progress of a write that the device's disappearance cut short."""

    def __init__(self, last_written: int | None, doing: str, cause: BaseException) -> None:
        super().__init__(doing)
        self.last_written, self.doing, self.cause = last_written, doing, cause

    def error(self, address: int, length: int) -> FlashInterruptedError:
        if self.last_written is None:
            done = f"nothing of 0x{address:08X}-0x{address + length - 1:08X} was written"
        else:
            count = self.last_written - address + 1
            done = f"the last byte written was 0x{self.last_written:08X} ({count} of {length} bytes)"
        return FlashInterruptedError(f"the device disappeared while {self.doing}: {done}", self.last_written)

"""The device side of DFU 1.1 / DfuSe as a Particle bootloader implements it: a ``ControlHandler`` for the DFU
class requests (bmRequestType 0x21 / 0xA1, wIndex 0). Standard requests (descriptors, SET_INTERFACE) belong
to the descriptor code, which calls ``select_alt`` when the host picks an alt setting.

Behaviour follows device-os ``bootloader/src/nRF52840/usbd_dfu.cpp`` (https://github.com/particle-iot/device-os) and
what particle-usb ``src/dfu.js`` expects of it (https://github.com/particle-iot/particle-usb):

* DNLOAD (wLength > 0) in dfuIDLE/dfuDNLOAD-IDLE -> dfuDNLOAD-SYNC. The FIRST GETSTATUS then answers
  dfuDNBUSY with bwPollTimeout and the operation runs once that reply is out; the next GETSTATUS reports
  dfuDNLOAD-IDLE or dfuERROR. dfu-util 0.11 insists on this dfuDNBUSY ("Wrong state after command") — PoC
  finding.
* UPLOAD block 0 answers the DfuSe command list and stays in dfuIDLE; blocks >= 2 read ``(block - 2) *
  transfer_size + pointer`` (DfuSe addressing) and go to dfuUPLOAD-IDLE; a short block ends the upload
  (dfuIDLE).
* Zero-length DNLOAD -> dfuMANIFEST-SYNC -> GETSTATUS answers dfuMANIFEST -> the device resets
  (``on_leave``). Gen 2 answers dfuDNLOAD-IDLE instead "to please dfu-util" (``gen2_leave_quirk``; particle-usb
  ``Dfu.leave``).
* 0xFA -> dfuMANIFEST-SYNC after the DNBUSY poll, then dfuMANIFEST and a reset into safe mode
  (``on_safe_mode``).
* Protected devices: data reads/writes/erases end in dfuERROR/errVENDOR (uploads answer zero bytes); only
  0xFA/0xFB work (usbd_dfu.cpp).
* A request with no transition defined in the current state stalls and enters dfuERROR/errUNKNOWN; CLRSTATUS
  outside dfuERROR is one of them.
* Status codes for refused flash accesses: errADDRESS outside the map, errTARGET for a segment without the
  right (DfuSe convention). The nRF52840 bootloader itself reports errUNKNOWN for both:
  ``mal_errors_unknown``.
"""

from __future__ import annotations

import signal
import struct
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from particle_diag.catalog.dfu import DfuRequest, DfuseCommand, DfuState, DfuStatusCode
from particle_diag.protocol.memory_layout import MemoryLayout, parse_layout, protected_form
from particle_diag.sim.flash import FlashAccessError, FlashTiming, VirtualFlash
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall, Unplugged

GEN3_COMMANDS = bytes([0x00, 0x21, 0x41, 0xFA, 0xFB])  # GET_COMMANDS of usbd_dfu.cpp
GEN2_COMMANDS = bytes([0x00, 0x21, 0x41, 0x92])  # ST DfuSe default set; UNVERIFIED for the Gen 2 bootloader
CLASS_OUT, CLASS_IN = 0x21, 0xA1
PROTECTED_ALLOWED = (DfuseCommand.ENTER_SAFE_MODE, DfuseCommand.CLEAR_PROTECTION_OVERRIDE)


@dataclass(frozen=True)
class LogEntry:
    """One thing the target did: kind is SET_ADDRESS, ERASE, WRITE, UPLOAD, COMMAND, LEAVE or ERROR."""

    kind: str
    address: int | None = None
    length: int = 0
    alt: int = 0
    detail: str = ""


class _DfuError(Exception):
    def __init__(self, status: DfuStatusCode, stall: bool = True) -> None:
        super().__init__(status.name)
        self.status, self.stall = status, stall


class DfuTarget:
    """A DfuSe bootloader: one VirtualFlash per alt setting. Implements ``sim.usbdev.ControlHandler``."""

    def __init__(
        self,
        layouts: Sequence[str | MemoryLayout],
        *,
        transfer_size: int = 4096,
        interface: int = 0,
        commands: bytes = GEN3_COMMANDS,
        gen2_leave_quirk: bool = False,
        protected: bool = False,
        timing: FlashTiming | None = None,
        mal_errors_unknown: bool = False,
        on_leave: Callable[[], None] | None = None,
        on_safe_mode: Callable[[], None] | None = None,
    ) -> None:
        parsed = [parse_layout(x) if isinstance(x, str) else x for x in layouts]
        self.flashes = [VirtualFlash(layout, timing) for layout in parsed]
        self.layout_strings = [x if isinstance(x, str) else "" for x in layouts]
        self.transfer_size = transfer_size
        self.interface = interface
        self.commands = commands
        self.gen2_leave_quirk = gen2_leave_quirk
        self.protected = protected
        self.protection_override_cleared = False
        self.mal_errors_unknown = mal_errors_unknown
        self.on_leave = on_leave
        self.on_safe_mode = on_safe_mode
        self.alt = 0
        self.state = DfuState.DFU_IDLE
        self.status = DfuStatusCode.OK
        self.poll_timeout_ms = 0
        self.long_poll_ms: int | None = None  # +longpoll: the bwPollTimeout every busy state asks for
        self.address_pointer = 0
        self.log: list[LogEntry] = []
        self.blocks_written = 0
        self.gone = False  # reset/unplugged: every later transfer fails as on a vanished device
        self.requests: Counter[str] = Counter()  # DFU class requests received, by name (benchmarks count them)
        # fault switches
        self.unplug_after_blocks: int | None = None  # one-shot: the cable is pulled before this data block
        self.on_unplug: Callable[[], None] | None = None  # e.g. VirtualDevice.detach: the device leaves the bus
        self.stall_next_commands = 0
        self.never_reply = False
        self.interrupt_at: str | None = None  # one-shot: SIGINT to the host at this stage (INTERRUPT_FLAGS)
        self._wrote = False
        self._pending: tuple[int, bytes] | None = None  # (block, data) of the DNLOAD awaiting GETSTATUS
        self._after_reply: Callable[[], None] | None = None
        self._manifest_action: Callable[[], None] | None = (
            None  # set by 0xFA: reset into safe mode, not leave
        )

    # -- public helpers ----------------------------------------------------------------------------
    def interface_strings(self) -> list[str]:
        """The alt settings' iInterface strings as reported (all-``b`` when protected, usbd_dfu_mal.h)."""
        return [protected_form(s) if self.protected and s else s for s in self.layout_strings]

    def select_alt(self, alt: int) -> None:
        if not 0 <= alt < len(self.flashes):
            raise Stall()
        self.alt = alt

    @property
    def flash(self) -> VirtualFlash:
        return self.flashes[self.alt]

    def set_timing(self, timing: FlashTiming) -> None:
        """Switch every alt's flash to ``timing`` (bwPollTimeout figures, sim.flash)."""
        for flash in self.flashes:
            flash.timing = timing

    @property
    def control_transfers(self) -> int:
        return sum(self.requests.values())

    def power_on(self) -> None:
        """The bootloader starts again (a new DFU session): protocol state resets, flash contents persist."""
        self.gone = False
        self.alt = 0
        self.state = DfuState.DFU_IDLE
        self.status = DfuStatusCode.OK
        self.poll_timeout_ms = 0
        self.address_pointer = 0
        self._pending = None
        self._after_reply = None
        self._manifest_action = None
        self._wrote = False

    # -- ControlHandler ----------------------------------------------------------------------------
    def handle_in(self, setup: SetupPacket) -> bytes:
        self._count(setup)
        self._precheck(setup, CLASS_IN)
        try:
            if setup.request == DfuRequest.GETSTATUS:
                reply = self._getstatus()
            elif setup.request == DfuRequest.GETSTATE:
                reply = self._getstate()
            elif setup.request == DfuRequest.UPLOAD:
                reply = self._upload(setup.value, setup.length)
            else:
                raise _DfuError(DfuStatusCode.errSTALLEDPKT)
        except _DfuError as err:
            self._fail(err.status)
            if err.stall:
                raise Stall() from None
            return b""
        self._run_after_reply()
        return reply[: setup.length]

    def handle_out(self, setup: SetupPacket, data: bytes) -> None:
        self._count(setup)
        self._precheck(setup, CLASS_OUT)
        try:
            if setup.request == DfuRequest.DNLOAD:
                self._dnload(setup.value, bytes(data))
            elif setup.request == DfuRequest.CLRSTATUS:
                self._clrstatus()
            elif setup.request == DfuRequest.ABORT:
                self._abort()
            elif setup.request == DfuRequest.DETACH:
                self._abort()  # usbd_dfu.cpp treats DETACH like ABORT (plus a bus re-attach we do not model)
            else:
                raise _DfuError(DfuStatusCode.errSTALLEDPKT)
        except _DfuError as err:
            self._fail(err.status)
            raise Stall() from None

    def _count(self, setup: SetupPacket) -> None:
        try:
            self.requests[DfuRequest(setup.request).name] += 1
        except ValueError:
            self.requests[f"0x{setup.request:02x}"] += 1

    def _precheck(self, setup: SetupPacket, request_type: int) -> None:
        if self.gone:
            raise Unplugged()
        if self.never_reply:
            raise NoReply()
        if setup.request_type != request_type or setup.index != self.interface:
            raise Stall()

    # -- requests ----------------------------------------------------------------------------------
    def _getstatus(self) -> bytes:
        if self.state == DfuState.DFU_DNLOAD_SYNC:
            self._start_pending()
        elif self.state == DfuState.DFU_MANIFEST_SYNC:
            self._manifest()
        return self._status_bytes()

    def _getstate(self) -> bytes:
        if self.state in (DfuState.DFU_DNBUSY, DfuState.DFU_MANIFEST, DfuState.DFU_MANIFEST_WAIT_RESET):
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        return bytes([self.state])

    def _status_bytes(self) -> bytes:
        timeout = self.poll_timeout_ms.to_bytes(3, "little")
        return bytes([self.status]) + timeout + bytes([self.state, 0])

    def _clrstatus(self) -> None:
        if self.state != DfuState.DFU_ERROR:
            raise _DfuError(DfuStatusCode.errUNKNOWN)  # undefined transition: stall + dfuERROR
        self.state, self.status, self.poll_timeout_ms = DfuState.DFU_IDLE, DfuStatusCode.OK, 0

    def _abort(self) -> None:
        allowed = (
            DfuState.DFU_IDLE,
            DfuState.DFU_DNLOAD_SYNC,
            DfuState.DFU_DNLOAD_IDLE,
            DfuState.DFU_MANIFEST_SYNC,
            DfuState.DFU_UPLOAD_IDLE,
        )
        if self.state not in allowed:
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        self.state, self.status, self.poll_timeout_ms = DfuState.DFU_IDLE, DfuStatusCode.OK, 0
        self._pending = None

    def _dnload(self, block: int, data: bytes) -> None:
        if self.state not in (DfuState.DFU_IDLE, DfuState.DFU_DNLOAD_IDLE):
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        if len(data) > self.transfer_size:
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        if not data:
            self.state = DfuState.DFU_MANIFEST_SYNC  # leave request (particle-usb ``Dfu.leave``)
            self.log.append(LogEntry("LEAVE", self.address_pointer, alt=self.alt))
            self._stage_reached("leave")
            return
        if block == 0 and self.stall_next_commands > 0:
            self.stall_next_commands -= 1
            raise _DfuError(DfuStatusCode.errSTALLEDPKT)
        if (
            block >= 2
            and self.unplug_after_blocks is not None
            and self.blocks_written >= self.unplug_after_blocks
        ):
            self.gone, self.unplug_after_blocks = True, None  # one-shot: a re-plugged device works again
            if self.on_unplug is not None:
                self.on_unplug()
            raise Unplugged()
        self._pending = (block, data)
        self.state = DfuState.DFU_DNLOAD_SYNC

    def _start_pending(self) -> None:
        """First GETSTATUS after a DNLOAD: answer dfuDNBUSY (errVENDOR if protected), then do the work."""
        assert self._pending is not None
        block, data = self._pending
        self._pending = None
        if self.protected and not (block == 0 and data[0] in PROTECTED_ALLOWED):
            self._fail(DfuStatusCode.errVENDOR)
            return
        self.state, self.status = DfuState.DFU_DNBUSY, DfuStatusCode.OK
        self.poll_timeout_ms = self._busy_ms(block, data)
        self._after_reply = lambda: self._execute(block, data)

    def _busy_ms(self, block: int, data: bytes) -> int:
        if self.long_poll_ms is not None:
            return self.long_poll_ms
        if block == 0 and data[0] == DfuseCommand.ERASE_PAGE and len(data) == 5:
            return self.flash.erase_ms(struct.unpack_from("<I", data, 1)[0])
        if block >= 2:
            return self.flash.write_ms(len(data))
        return self.flash.command_ms()

    def _run_after_reply(self) -> None:
        action, self._after_reply = self._after_reply, None
        if action is not None:
            action()

    def _execute(self, block: int, data: bytes) -> None:
        """The work a DNLOAD asked for, run once the dfuDNBUSY reply is out (usbd_dfu.cpp inDone)."""
        try:
            if block == 0:
                self._command(data)
            elif block >= 2:
                self._write_block(block, data)
            else:
                raise _DfuError(DfuStatusCode.errTARGET)
        except _DfuError as err:
            self._fail(err.status)
        except FlashAccessError as exc:
            self._fail(self._flash_status(exc), detail=str(exc))

    def _command(self, data: bytes) -> None:
        command = data[0]
        self.log.append(LogEntry("COMMAND", alt=self.alt, detail=data.hex()))
        if command not in self.commands:
            raise _DfuError(DfuStatusCode.errSTALLEDPKT)  # unsupported command (usbd_dfu.cpp)
        if command == DfuseCommand.SET_ADDRESS:
            self.address_pointer = self._command_address(data)
            self.log.append(LogEntry("SET_ADDRESS", self.address_pointer, alt=self.alt))
        elif command == DfuseCommand.ERASE_PAGE:
            if len(data) == 1:
                raise _DfuError(DfuStatusCode.errTARGET)  # mass erase: unsupported on Particle (usbd_dfu.cpp)
            sector = self.flash.erase_sector(self._command_address(data))
            self.log.append(LogEntry("ERASE", sector, alt=self.alt))
            self._stage_reached("erase")
        elif command == DfuseCommand.READ_UNPROTECT:
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        elif command == DfuseCommand.ENTER_SAFE_MODE:
            self.state = DfuState.DFU_MANIFEST_SYNC
            self._manifest_action = self.on_safe_mode
            return
        elif command == DfuseCommand.CLEAR_PROTECTION_OVERRIDE:
            self.protection_override_cleared = True
        self.state, self.status = DfuState.DFU_DNLOAD_IDLE, DfuStatusCode.OK

    def _command_address(self, data: bytes) -> int:
        if len(data) != 5:
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        return struct.unpack_from("<I", data, 1)[0]

    def _write_block(self, block: int, data: bytes) -> None:
        address = (block - 2) * self.transfer_size + self.address_pointer  # DfuSe addressing
        self.flash.write(address, data)
        self.blocks_written += 1
        self.log.append(LogEntry("WRITE", address, len(data), alt=self.alt))
        self._wrote = True
        if self.blocks_written == 3:
            self._stage_reached("write")
        self.state, self.status = DfuState.DFU_DNLOAD_IDLE, DfuStatusCode.OK

    def _upload(self, block: int, length: int) -> bytes:
        if self.state not in (DfuState.DFU_IDLE, DfuState.DFU_UPLOAD_IDLE):
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        if block == 0:
            self.state = DfuState.DFU_IDLE  # Particle answers the command list and stays idle (usbd_dfu.cpp)
            return self.commands
        if block == 1 or length > self.transfer_size:
            raise _DfuError(DfuStatusCode.errUNKNOWN)
        if self.protected:
            raise _DfuError(DfuStatusCode.errVENDOR, stall=False)  # zero-length reply + dfuERROR
        address = (block - 2) * self.transfer_size + self.address_pointer  # DfuSe addressing
        try:
            data = self.flash.read(address, length)
        except FlashAccessError as exc:
            raise _DfuError(self._flash_status(exc)) from exc
        self.log.append(LogEntry("UPLOAD", address, len(data), alt=self.alt))
        self._stage_reached("verify" if self._wrote else "backup")
        # A short block ends the upload: back to dfuIDLE (DFU 1.1 §6.2).
        self.state = DfuState.DFU_UPLOAD_IDLE if len(data) == length else DfuState.DFU_IDLE
        return data

    def _stage_reached(self, stage: str) -> None:
        """Fault ``+int<stage>``: the user presses Ctrl-C while the host is at this stage of a flash.  The
        virtual device runs inside the host process, so raising SIGINT here reaches the host's handler exactly
        as a terminal's Ctrl-C would, at a deterministic point."""
        if self.interrupt_at == stage:
            self.interrupt_at = None  # one-shot: the re-run is not interrupted
            signal.raise_signal(signal.SIGINT)

    # -- manifestation / reset ---------------------------------------------------------------------
    def _manifest(self) -> None:
        """GETSTATUS in dfuMANIFEST-SYNC: answer dfuMANIFEST (Gen 2: dfuDNLOAD-IDLE), then reset."""
        action = self._manifest_action if self._manifest_action is not None else self.on_leave
        leaving = self._manifest_action is None
        self._manifest_action = None
        self.status = DfuStatusCode.OK
        self.state = (
            DfuState.DFU_DNLOAD_IDLE if (leaving and self.gen2_leave_quirk) else DfuState.DFU_MANIFEST
        )
        self._after_reply = lambda: self._reset(action)

    def _reset(self, action: Callable[[], None] | None) -> None:
        self.gone = True
        if action is not None:
            action()

    # -- errors ------------------------------------------------------------------------------------
    def _flash_status(self, exc: FlashAccessError) -> DfuStatusCode:
        if self.mal_errors_unknown:
            return DfuStatusCode.errUNKNOWN
        return DfuStatusCode.errADDRESS if exc.kind == "address" else DfuStatusCode.errTARGET

    def _fail(self, status: DfuStatusCode, detail: str = "") -> None:
        self.state, self.status, self.poll_timeout_ms = DfuState.DFU_ERROR, status, 0
        self._pending = None
        self.log.append(LogEntry("ERROR", alt=self.alt, detail=f"{status.name} {detail}".strip()))

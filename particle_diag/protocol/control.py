"""Particle's USB control-request service, host side.

Sources: particle-usb ``src/usb-protocol.js`` and ``src/device-base.js`` (the host's flow),
https://github.com/particle-iot/particle-usb; device-os ``system/src/usb_control_request_channel.cpp`` (the
device's side, raw 'P' requests in processVendorRequest), https://github.com/particle-iot/device-os.

Flow per request: INIT(type, payload size) -> [CHECK until ready] -> SEND chunks -> CHECK on the polling
schedule until the result -> RECV the reply in chunks.  RESET(id) after a timeout or error frees the
device's slot (it has only four); RESET(0) on open clears what an earlier process left behind.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass

from particle_diag.catalog import timeouts
from particle_diag.catalog.requests import ServiceRequest, ServiceStatus
from particle_diag.catalog.results import Result, result_name
from particle_diag.catalog.usb import VENDOR_IN, VENDOR_OUT
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.errors import (
    DeviceTimeoutError,
    PdiagError,
    ProtectedDeviceError,
    ProtocolError,
    UnsupportedError,
)
from particle_diag.protocol.transfer import ControlTransfers

SERVICE_REPLY_LENGTH = 64  # the device refuses IN buffers shorter than 64 bytes
MAX_CHUNK = 4096  # largest control data stage the host uses (particle-usb MAX_CONTROL_TRANSFER_DATA_SIZE)
MAX_ACTIVE_REQUESTS = 4  # USB_REQUEST_MAX_ACTIVE_COUNT on the device
POLL_SCHEDULE_S = timeouts.REQUEST_POLL_SCHEDULE_S


@dataclass(frozen=True)
class ServiceReply:
    status: int
    request_id: int | None = None
    size: int | None = None
    result: int | None = None

    @property
    def status_name(self) -> str:
        try:
            return ServiceStatus(self.status).name
        except ValueError:
            return f"status {self.status}"


# The optional fields of a service reply, in wire order: (flag bit, name, struct format).
_REPLY_FIELDS = ((0x02, "request_id", "<H"), (0x04, "size", "<I"), (0x08, "result", "<i"))
_FLAG_STATUS = 0x01


def parse_service_reply(data: bytes) -> ServiceReply:
    """u32 flags, u16 status, then u16 id / u32 size / i32 result, each only when its flag bit is set."""
    data = bytes(data)
    if len(data) < 6:
        raise ProtocolError(f"service reply too short ({len(data)} bytes): {data[:64].hex()}")
    flags, status = struct.unpack_from("<IH", data, 0)
    if not flags & _FLAG_STATUS:
        # particle-usb rejects such a reply ("Service reply is missing mandatory status field", parseReply in
        # src/usb-protocol.js, https://github.com/particle-iot/particle-usb/blob/master/src/usb-protocol.js)
        raise ProtocolError(f"service reply without its status flag (flags 0x{flags:08x}): {data[:64].hex()}")
    offset = 6
    fields: dict[str, int] = {}
    for bit, name, fmt in _REPLY_FIELDS:
        if flags & bit:
            width = struct.calcsize(fmt)
            if offset + width > len(data):
                raise ProtocolError(f"service reply truncated at {name}: {data[:64].hex()}")
            (fields[name],) = struct.unpack_from(fmt, data, offset)
            offset += width
    return ServiceReply(status, **fields)


def encode_service_reply(reply: ServiceReply) -> bytes:
    """The device's side of ``parse_service_reply`` (the virtual devices answer with it)."""
    flags, tail = _FLAG_STATUS, b""
    for bit, name, fmt in _REPLY_FIELDS:
        value = getattr(reply, name)
        if value is not None:
            flags |= bit
            tail += struct.pack(fmt, value)
    return struct.pack("<IH", flags, reply.status) + tail


@dataclass(frozen=True)
class Reply:
    result: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.result == Result.OK


class RequestFailed(ProtocolError):
    """The device ran the request and returned a non-zero result code (exit code 7, like any protocol error)."""

    reference = "device.request-failed"

    def __init__(self, type_id: int, result: int) -> None:
        super().__init__(f"control request {type_id} failed: {result_name(result)}")
        self.type_id = type_id
        self.result = result


class ControlClient:
    """Runs control requests on one device.  Thread-safe: at most four requests are in flight."""

    def __init__(self, transfers: ControlTransfers, *, clock: Clock = SYSTEM_CLOCK,
                 transfer_timeout_ms: int = timeouts.TRANSFER_MS,
                 request_timeout_s: float = timeouts.REQUEST_S) -> None:
        self._t = transfers
        self._clock = clock
        self.transfer_timeout_ms = transfer_timeout_ms
        self.request_timeout_s = request_timeout_s
        self._slots = threading.BoundedSemaphore(MAX_ACTIVE_REQUESTS)
        self._io = threading.Lock()  # one control transfer at a time on endpoint 0

    # -- low level -------------------------------------------------------------------------------------------
    def _in(self, request: int, value: int, index: int, length: int) -> bytes:
        with self._io:
            return self._t.control_in(VENDOR_IN, request, value, index, length, self.transfer_timeout_ms)

    def _out(self, request: int, value: int, index: int, data: bytes) -> None:
        with self._io:
            self._t.control_out(VENDOR_OUT, request, value, index, data, self.transfer_timeout_ms)

    def _service(self, request: int, value: int, index: int) -> ServiceReply:
        return parse_service_reply(self._in(request, value, index, SERVICE_REPLY_LENGTH))

    # -- public ----------------------------------------------------------------------------------------------
    def open(self) -> None:
        """RESET(0): cancel requests a previous process left on the device; its answer does not matter."""
        try:
            self._service(ServiceRequest.RESET, 0, 0)
        except PdiagError:  # a stall, or a device too busy or mute to answer: nothing to free then
            pass

    def raw_in(self, index: int, length: int = 64) -> bytes:
        """A raw 'P' request answered in the USB interrupt (20 device ID, 30 Device OS version)."""
        return self._in(ServiceRequest.RAW, 0, index, length).split(b"\x00", 1)[0]

    def raw_out(self, index: int) -> None:
        self._out(ServiceRequest.RAW, 0, index, b"")

    def request(self, type_id: int, payload: bytes = b"", timeout_s: float | None = None) -> Reply:
        """Run one request and return its result and reply bytes (result may be non-zero)."""
        if len(payload) > 0xFFFF:
            raise ProtocolError(f"request payload too large ({len(payload)} bytes, the limit is 65535)")
        timeout = self.request_timeout_s if timeout_s is None else timeout_s
        deadline = self._clock.monotonic() + timeout
        if not self._slots.acquire(timeout=max(0.0, timeout)):
            raise DeviceTimeoutError(f"control request {type_id}: no free request slot within {timeout:g} s")
        request_id: int | None = None
        try:
            request_id = self._start(type_id, payload, deadline)
            reply = self._wait_result(type_id, request_id, deadline)
            data = self._receive(request_id, reply.size or 0)
            request_id = None  # completed: the device freed it
            return Reply(reply.result or 0, data)
        finally:
            if request_id is not None:
                self._cancel(request_id)
            self._slots.release()

    def call(self, type_id: int, payload: bytes = b"", timeout_s: float | None = None) -> bytes:
        """Like ``request`` but a non-zero result raises a typed error (-1801 protected, -120 unsupported)."""
        reply = self.request(type_id, payload, timeout_s)
        if reply.result == Result.PROTECTED:
            raise ProtectedDeviceError(f"control request {type_id} refused: the device is protected")
        if reply.result == Result.NOT_SUPPORTED:
            raise UnsupportedError(f"control request {type_id} is not supported by this Device OS version",
                                   reference="device.request-unsupported")
        if reply.result != Result.OK:
            raise RequestFailed(type_id, reply.result)
        return reply.data

    # -- the flow -------------------------------------------------------------------------------------------
    def _start(self, type_id: int, payload: bytes, deadline: float) -> int:
        delays = iter(POLL_SCHEDULE_S)
        while True:
            init = self._service(ServiceRequest.INIT, len(payload), type_id)
            if init.status == ServiceStatus.BUSY:  # all four slots taken (another process?): wait and retry
                self._pause(type_id, delays, deadline)
                continue
            if init.status == ServiceStatus.NO_MEMORY:
                raise ProtocolError(f"control request {type_id}: the device has no memory for it")
            if init.status not in (ServiceStatus.OK, ServiceStatus.PENDING) or init.request_id is None:
                raise ProtocolError(f"control request {type_id}: INIT answered {init.status_name}")
            request_id = init.request_id
            break
        try:
            if init.status == ServiceStatus.PENDING:  # buffer allocated asynchronously: CHECK until ready for SEND
                if not payload:
                    raise ProtocolError(f"control request {type_id}: PENDING without a payload")
                self._wait_ready(type_id, request_id, deadline)
            for offset in range(0, len(payload), MAX_CHUNK):
                self._out(ServiceRequest.SEND, 0, request_id, payload[offset : offset + MAX_CHUNK])
        except BaseException:
            self._cancel(request_id)
            raise
        return request_id

    def _wait_ready(self, type_id: int, request_id: int, deadline: float) -> None:
        delays = iter(POLL_SCHEDULE_S)
        while True:
            check = self._service(ServiceRequest.CHECK, 0, request_id)
            if check.status == ServiceStatus.OK:
                return
            if check.status == ServiceStatus.NO_MEMORY:
                raise ProtocolError(f"control request {type_id}: the device could not allocate its payload")
            if check.status != ServiceStatus.PENDING:
                raise ProtocolError(f"control request {type_id}: CHECK answered {check.status_name}")
            self._pause(type_id, delays, deadline)

    def _wait_result(self, type_id: int, request_id: int, deadline: float) -> ServiceReply:
        delays = iter(POLL_SCHEDULE_S)
        while True:
            check = self._service(ServiceRequest.CHECK, 0, request_id)
            if check.status == ServiceStatus.OK and check.result is not None:
                return check
            if check.status == ServiceStatus.NOT_FOUND:
                raise ProtocolError(f"control request {type_id} was cancelled by the device")
            if check.status not in (ServiceStatus.OK, ServiceStatus.PENDING):
                raise ProtocolError(f"control request {type_id}: CHECK answered {check.status_name}")
            self._pause(type_id, delays, deadline)

    def _receive(self, request_id: int, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            want = min(MAX_CHUNK, size - len(data))
            chunk = self._in(ServiceRequest.RECV, 0, request_id, want)
            if len(chunk) != want:
                raise ProtocolError(f"reply chunk of {len(chunk)} bytes where {want} were due")
            data += chunk
        return bytes(data)

    def _pause(self, type_id: int, delays: object, deadline: float) -> None:
        delay = next(delays, POLL_SCHEDULE_S[-1])  # type: ignore[call-overload]
        now = self._clock.monotonic()
        if now >= deadline:
            raise DeviceTimeoutError(
                f"control request {type_id} did not complete in time",
                "The device's application may be blocking the system thread (a long loop without "
                "Particle.process()); reset it or enter safe mode.",
                reference="device.request-timeout",
            )
        self._clock.sleep(min(delay, deadline - now))

    def _cancel(self, request_id: int) -> None:
        try:
            self._service(ServiceRequest.RESET, 0, request_id)
        except PdiagError:
            pass  # the device may be gone; nothing more to free

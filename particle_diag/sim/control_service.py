"""Device side of Particle's USB control-request service.

Models device-os ``system/src/usb_control_request_channel.cpp``
(https://github.com/particle-iot/device-os): INIT/CHECK/SEND/RECV/RESET on bRequest 1..5 and the raw 'P' (0x50)
requests answered synchronously.  The firmware behind it is a ``RequestHandler``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag.catalog.requests import ServiceRequest, ServiceStatus
from particle_diag.clock import Clock
from particle_diag.protocol.control import (
    MAX_ACTIVE_REQUESTS,
    SERVICE_REPLY_LENGTH,
    ServiceReply,
    encode_service_reply,
)
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall

POOLED_PAYLOAD = 64  # payloads up to this size get a pooled buffer at INIT time

# (result, reply payload)
RequestHandler = Callable[[int, bytes], tuple[int, bytes]]


def service_reply(status: int, request_id: int | None = None, size: int | None = None,
                  result: int | None = None) -> bytes:
    return encode_service_reply(ServiceReply(status, request_id, size, result))


@dataclass
class _Request:
    type_id: int
    size: int
    payload: bytearray = field(default_factory=bytearray)
    alloc_pending: bool = False
    queued_at: float | None = None
    work_s: float = 0.0
    result: int | None = None
    reply: bytes = b""
    sent: int = 0


@dataclass
class ServiceBehaviour:
    """Fault and timing switches of the firmware behind the service."""

    processing_s: float = 0.0  # how long the system thread takes to run a handler
    alloc_s: float = 0.0  # how long an asynchronous (>64 byte) buffer allocation takes
    busy: bool = False  # the application blocks the system thread: handlers never complete
    mute_after_init: bool = False  # the device stops answering in the middle of a request
    raw_requests: bool = True  # raw 'P' requests exist (Device OS >= 0.6.0)
    service_requests: bool = True  # the control-request service exists (Gen 3 >= 0.9.0, Gen 2 >= 1.5.0)
    # Extra time the system thread spends on one request, by (type, payload): e.g. erasing a staging area
    work_s: Callable[[int, bytes], float] | None = None


class ControlService:
    def __init__(self, handler: RequestHandler, clock: Clock, behaviour: ServiceBehaviour,
                 raw: Callable[[int], bytes | None], raw_out: Callable[[int], None]) -> None:
        self._handler = handler
        self._clock = clock
        self.behaviour = behaviour
        self._raw = raw
        self._raw_out = raw_out
        self._requests: dict[int, _Request] = {}
        self._next_id = 1
        self.log: list[tuple[str, int, int]] = []  # (service, request id or type, status)

    # -- entry points from the device's endpoint 0 ---------------------------------------------------------
    def handle_in(self, setup: SetupPacket) -> bytes:
        if setup.request == ServiceRequest.RAW:
            return self._raw_in(setup)
        in_services = (ServiceRequest.INIT, ServiceRequest.CHECK, ServiceRequest.RECV, ServiceRequest.RESET)
        if not self.behaviour.service_requests or setup.request not in in_services:
            raise Stall()
        if setup.request == ServiceRequest.RECV:
            return self._recv(setup.index, setup.length)
        if setup.length < SERVICE_REPLY_LENGTH:
            raise Stall()
        if setup.request == ServiceRequest.INIT:
            return self._init(setup.index, setup.value)
        if self.behaviour.mute_after_init:
            raise NoReply()
        if setup.request == ServiceRequest.CHECK:
            return self._check(setup.index)
        return self._reset(setup.index)

    def handle_out(self, setup: SetupPacket, data: bytes) -> None:
        if setup.request == ServiceRequest.RAW:
            self._raw_out(setup.index)
            return
        if not self.behaviour.service_requests or setup.request != ServiceRequest.SEND:
            raise Stall()
        if self.behaviour.mute_after_init:
            raise NoReply()
        req = self._requests.get(setup.index)
        if req is None or req.alloc_pending or len(req.payload) + len(data) > req.size:
            raise Stall()
        req.payload += data
        if len(req.payload) == req.size:
            self._queue(req)

    def cancel_all(self) -> None:
        """A USB bus reset or a device reset drops every request (ABORTED)."""
        self._requests.clear()

    @property
    def active(self) -> int:
        return len(self._requests)

    # -- services ---------------------------------------------------------------------------------------
    def _raw_in(self, setup: SetupPacket) -> bytes:
        if not self.behaviour.raw_requests:
            raise Stall()
        answer = self._raw(setup.index)
        if answer is None:
            raise Stall()
        return answer[: setup.length]

    def _init(self, type_id: int, size: int) -> bytes:
        if len(self._requests) >= MAX_ACTIVE_REQUESTS:
            self.log.append(("INIT", type_id, ServiceStatus.BUSY))
            return service_reply(ServiceStatus.BUSY)
        request_id = self._next_id
        self._next_id = self._next_id % 0xFFFF + 1  # 16-bit counter, 0 is invalid
        req = _Request(type_id=type_id, size=size)
        self._requests[request_id] = req
        if size == 0:
            self._queue(req)
            status = ServiceStatus.OK
        elif size <= POOLED_PAYLOAD:
            status = ServiceStatus.OK
        else:
            req.alloc_pending = True
            req.queued_at = self._clock.monotonic()
            status = ServiceStatus.PENDING
        self.log.append(("INIT", type_id, status))
        return service_reply(status, request_id)

    def _queue(self, req: _Request) -> None:
        req.alloc_pending = False
        req.queued_at = self._clock.monotonic()
        req.result = None
        work = self.behaviour.work_s
        req.work_s = work(req.type_id, bytes(req.payload)) if work is not None else 0.0

    def _check(self, request_id: int) -> bytes:
        req = self._requests.get(request_id)
        if req is None:
            return service_reply(ServiceStatus.NOT_FOUND)
        now = self._clock.monotonic()
        started = now if req.queued_at is None else req.queued_at
        if req.alloc_pending:
            if now - started < self.behaviour.alloc_s:
                return service_reply(ServiceStatus.PENDING)
            req.alloc_pending = False
            return service_reply(ServiceStatus.OK)  # ready for SEND
        if len(req.payload) < req.size:
            return service_reply(ServiceStatus.OK)  # still waiting for the payload
        if req.result is None:
            if self.behaviour.busy or now - started < self.behaviour.processing_s + req.work_s:
                return service_reply(ServiceStatus.PENDING)
            req.result, req.reply = self._handler(req.type_id, bytes(req.payload))
        if not req.reply:
            del self._requests[request_id]
            return service_reply(ServiceStatus.OK, result=req.result)
        return service_reply(ServiceStatus.OK, size=len(req.reply), result=req.result)

    def _recv(self, request_id: int, length: int) -> bytes:
        req = self._requests.get(request_id)
        if req is None or req.result is None or length == 0 or req.sent + length > len(req.reply):
            raise Stall()
        chunk = req.reply[req.sent : req.sent + length]
        req.sent += length
        if req.sent == len(req.reply):
            del self._requests[request_id]
        return chunk

    def _reset(self, request_id: int) -> bytes:
        if request_id == 0:
            self._requests.clear()
        else:
            self._requests.pop(request_id, None)
        return service_reply(ServiceStatus.OK)

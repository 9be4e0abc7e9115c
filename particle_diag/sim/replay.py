"""``--sim replay:FILE``: the devices of a ``pdiag --record`` session, answering from the recording.

One replayed device per recorded device (a device that re-enumerates, e.g. into DFU mode, was recorded as a
new one and is replayed as one).  pdiag reaches them the way it reaches the other virtual devices: a pyusb
backend (descriptors and strings from the recording, control transfers answered from it) and a real pty per
recorded serial port.

Matching, per device and in order (discovery probes devices in parallel, so there is no global order):
- the next recorded transfer with the same setup packet (and, for OUT, the same data) answers;
- recorded repeats of the previous request that the command did not make this time are skipped (it polled
  CHECK or GET_STATUS fewer times), and a request repeated more often than recorded gets the previous answer
  again (it polled more often);
- standard GET_DESCRIPTOR requests are static: any recorded identical one answers;
- anything else raises ``ReplayMismatchError`` at once (never a hang), and is remembered in ``problems``.
Bus listings and port listings advance one recorded listing per call and repeat the last one after that: a
wait for a device to leave and come back sees the recorded sequence, however fast it polls.
"""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import usb.backend
import usb.core

from particle_diag.catalog import usb as usb_spec
from particle_diag.catalog.usb import StandardRequest
from particle_diag.errors import ReplayMismatchError, UsageError
from particle_diag.sim.pty_port import PtyPort
from particle_diag.sim.pyusb_backend import _DEVICE_FIELDS, _parse_configuration
from particle_diag.transport import tap
from particle_diag.transport.recording import FORMAT, mask_secrets
from particle_diag.transport.serial import PortInfo, PortLister


@dataclass
class RecordedDevice:
    name: str
    path: str
    bus: int
    address: int
    port_numbers: tuple[int, ...]
    speed: int | None
    vid_pid: str
    device_descriptor: bytes
    configurations: list[bytes]
    controls: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # open / claim / altsetting


@dataclass
class Recording:
    header: dict[str, Any]
    devices: dict[str, RecordedDevice]
    buses: list[list[str]]
    port_lists: list[list[dict[str, Any]]]
    serial: dict[str, list[dict[str, Any]]]  # recorded port path -> its serial records in order


def _bad(path: str, why: str) -> UsageError:
    return UsageError(f"cannot replay {path}: {why}",
                      "Give a file written by `pdiag --record FILE` (docs/record-replay.md).",
                      reference="usage.replay-file")


def load(path: str) -> Recording:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise _bad(path, exc.strerror or str(exc)) from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _bad(path, f"line {number} is not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "type" not in record:
            raise _bad(path, f"line {number} is not a record")
        records.append(record)
    if not records or records[0].get("type") != "header" or records[0].get("format") != FORMAT:
        raise _bad(path, f"it does not start with a {FORMAT} header record")
    recording = Recording(records[0], {}, [], [], {})
    try:
        for r in records[1:]:
            _add(recording, r)
    except (KeyError, ValueError, TypeError) as exc:
        raise _bad(path, f"a {r.get('type')} record is malformed ({exc})") from None
    return recording


def _add(recording: Recording, r: dict[str, Any]) -> None:
    kind = r["type"]
    if kind == "device":
        recording.devices[r["dev"]] = RecordedDevice(
            r["dev"], r["path"], int(r["bus"]), int(r["address"]), tuple(r["port_numbers"]), r.get("speed"),
            r["vid_pid"], bytes.fromhex(r["device_descriptor"]), [bytes.fromhex(c) for c in r["configurations"]])
    elif kind == "bus":
        recording.buses.append(list(r["devices"]))
    elif kind == "ports":
        recording.port_lists.append(list(r["ports"]))
    elif kind == "control":
        recording.devices[r["dev"]].controls.append(r)
    elif kind in ("open", "claim", "altsetting"):
        recording.devices[r["dev"]].events.setdefault(kind, []).append(r)
    elif kind in ("serial", "serial_open", "serial_close", "serial_pulse"):
        recording.serial.setdefault(r["port"], []).append(r)
    # header/end and record types of later formats carry nothing to answer with


def _usb_error(error: dict[str, Any]) -> usb.core.USBError:
    if error.get("timeout"):
        return usb.core.USBTimeoutError(error.get("text") or "Operation timed out", error.get("code"),
                                        error.get("errno"))
    return usb.core.USBError(error.get("text") or "USB error", error.get("code"), error.get("errno"))


def _describe(rtype: int, request: int, value: int, index: int, length: int, data: bytes | None) -> str:
    direction = "IN " if rtype & usb_spec.DIR_IN else "OUT"
    tail = f"len={length}" if rtype & usb_spec.DIR_IN else f"data={(data or b'').hex(' ') or '-'}"
    return f"{direction} {rtype:02x} {request:02x} v={value:04x} i={index:04x} {tail}"


def _key(r: dict[str, Any]) -> tuple[Any, ...]:
    out = None if r["bmRequestType"] & usb_spec.DIR_IN else r["data"]
    return (r["bmRequestType"], r["bRequest"], r["wValue"], r["wIndex"], r["wLength"], out)


class ReplayDevice:
    """One recorded device: answers its own transfers from its own records."""

    timing_model = None  # the factory's timing option leaves replayed devices alone

    def __init__(self, recorded: RecordedDevice, problems: list[str]) -> None:
        self.recorded = recorded
        self._problems = problems
        self._lock = threading.Lock()
        self._cursor = 0
        self._last: dict[str, Any] | None = None
        self._event_cursor: dict[str, int] = {}

    @property
    def label(self) -> str:
        r = self.recorded
        return f"replayed device {r.name} ({r.vid_pid} at {r.path})"

    def control(self, rtype: int, request: int, value: int, index: int, length: int,
                out: bytes | None) -> dict[str, Any]:
        key = (rtype, request, value, index, length, None if out is None else mask_secrets(out).hex())
        q = self.recorded.controls
        with self._lock:
            j = self._cursor
            while self._last is not None and j < len(q) and _key(q[j]) == _key(self._last) and _key(q[j]) != key:
                j += 1  # recorded polls this run did not make
            if j < len(q) and _key(q[j]) == key:
                self._cursor, self._last = j + 1, q[j]
                return q[j]
            if self._last is not None and _key(self._last) == key:
                return self._last  # polled more often than recorded
            if rtype == usb_spec.STANDARD_IN and request == StandardRequest.GET_DESCRIPTOR:
                same = next((r for r in q if _key(r) == key), None)
                if same is not None:
                    return same
            nxt = q[self._cursor] if self._cursor < len(q) else None
        asked = _describe(rtype, request, value, index, length, out)
        if nxt is None:
            recorded = "nothing more for it"
        else:
            recorded = _describe(nxt["bmRequestType"], nxt["bRequest"], nxt["wValue"], nxt["wIndex"],
                                 nxt["wLength"], bytes.fromhex(nxt["data"]))
            recorded = f"{recorded} next"
        message = f"{self.label} was asked {asked}; the recording has {recorded}"
        self._problems.append(message)
        raise ReplayMismatchError(message)

    def event(self, kind: str) -> dict[str, Any] | None:
        """The next recorded open / claim / altsetting of this device (None once they run out: it succeeds)."""
        events = self.recorded.events.get(kind, [])
        with self._lock:
            i = self._event_cursor.get(kind, 0)
            if i >= len(events):
                return None
            self._event_cursor[kind] = i + 1
            return events[i]


class ReplayPort:
    """A recorded serial port as a pty: each write the recording holds gets the bytes the device sent back."""

    def __init__(self, recorded_path: str, records: list[dict[str, Any]], problems: list[str]) -> None:
        self.recorded_path = recorded_path
        self._data = [r for r in records if r["type"] == "serial"]
        self._problems = problems
        self._lock = threading.Lock()
        self._cursor = 0
        self._pending = b""
        self.pty = PtyPort(self._on_data, lambda baud: None)  # magic-baud pulses: the recorded buses follow
        self.path = self.pty.path

    def _next_out(self) -> int | None:
        return next((j for j in range(self._cursor, len(self._data)) if self._data[j]["dir"] == "out"), None)

    def check_write(self, data: bytes) -> None:
        """Called before pdiag writes: a write the recording lacks fails at once instead of waiting for a
        reply that would never come."""
        with self._lock:
            j = self._next_out()
            sent = self._pending + mask_secrets(data)
            expected = bytes.fromhex(self._data[j]["data"]) if j is not None else None
        if expected is not None and (expected.startswith(sent) or sent.startswith(expected)):
            return
        recorded = f"{expected!r} next" if expected is not None else "nothing more for it"
        message = f"replayed serial port {self.recorded_path} was sent {data!r}; the recording has {recorded}"
        self._problems.append(message)
        raise ReplayMismatchError(message)

    def _on_data(self, data: bytes) -> bytes:
        reply = b""
        with self._lock:
            self._pending += mask_secrets(data)
            while self._pending:
                j = self._next_out()
                if j is None:
                    self._pending = b""
                    break
                expected = bytes.fromhex(self._data[j]["data"])
                if not self._pending.startswith(expected):
                    if not expected.startswith(self._pending):
                        self._pending = b""  # check_write already reported it
                    break
                self._pending = self._pending[len(expected):]
                k = j + 1
                while k < len(self._data) and self._data[k]["dir"] == "in":
                    reply += bytes.fromhex(self._data[k]["data"])
                    k += 1
                self._cursor = k
        return reply

    def close(self) -> None:
        self.pty.close()


class ReplayBench:
    """The replayed devices and ports, and the recorded bus and port listings in order."""

    def __init__(self, recording: Recording, source: str) -> None:
        self.recording = recording
        self.source = source
        self.problems: list[str] = []
        self.devices = [ReplayDevice(d, self.problems) for d in recording.devices.values()]
        self._by_name = {d.recorded.name: d for d in self.devices}
        self._lock = threading.Lock()
        self._bus = 0
        self._port_list = 0
        self.ports: dict[str, ReplayPort] = {}
        self._by_pty: dict[str, ReplayPort] = {}

    def start(self) -> ReplayBench:
        for recorded_path, records in self.recording.serial.items():
            port = ReplayPort(recorded_path, records, self.problems)
            self.ports[recorded_path] = port
            self._by_pty[port.path] = port
        tap.install(self)
        return self

    def close(self) -> None:
        tap.remove(self)
        for port in self.ports.values():
            port.close()

    # -- listings -------------------------------------------------------------------------------------------
    def bus(self) -> list[ReplayDevice]:
        with self._lock:
            buses = self.recording.buses
            if not buses:
                return []
            names = buses[min(self._bus, len(buses) - 1)]
            self._bus += 1
        return [self._by_name[n] for n in names if n in self._by_name]

    def port_list(self) -> list[PortInfo]:
        with self._lock:
            lists = self.recording.port_lists
            if not lists:
                return []
            listed = lists[min(self._port_list, len(lists) - 1)]
            self._port_list += 1
        out = []
        for p in listed:
            port = self.ports.get(p["device"])
            if port is None:
                port = self._add_port(p["device"])
            out.append(PortInfo(port.path, p.get("vid"), p.get("pid"), p.get("serial_number"), p.get("location"),
                                p.get("product"), p.get("manufacturer")))
        return out

    def _add_port(self, recorded_path: str) -> ReplayPort:
        """A port that was listed but never opened while recording: it exists, and has nothing to say."""
        with self._lock:
            if recorded_path not in self.ports:
                port = ReplayPort(recorded_path, [], self.problems)
                self.ports[recorded_path] = port
                self._by_pty[port.path] = port
            return self.ports[recorded_path]

    # -- transport.tap: refuse a serial write the recording does not hold -----------------------------------
    def serial_write(self, port: str, data: bytes) -> None:
        replayed = self._by_pty.get(port)
        if replayed is not None:
            replayed.check_write(data)

    def serial_open(self, port: str, baud: int, error: Exception | None) -> None:
        pass

    def serial_read(self, port: str, data: bytes) -> None:
        pass

    def serial_close(self, port: str) -> None:
        pass

    def serial_pulse(self, port: str, baud: int, error: Exception | None) -> None:
        pass


class _DevId:
    def __init__(self, device: ReplayDevice) -> None:
        self.device = device


class _Handle:
    def __init__(self, device: ReplayDevice) -> None:
        self.device = device


class ReplayBackend(usb.backend.IBackend):
    """The pyusb backend of a replay: pdiag's transport code runs unchanged on top of it."""

    def __init__(self, bench: ReplayBench) -> None:
        self.bench = bench

    def enumerate_devices(self) -> Any:
        return [_DevId(d) for d in self.bench.bus()]

    def get_device_descriptor(self, dev: _DevId) -> SimpleNamespace:
        r = dev.device.recorded
        fields = dict(zip(_DEVICE_FIELDS, struct.unpack("<BBHBBBBHHHBBBB", r.device_descriptor), strict=True))
        ports = r.port_numbers
        return SimpleNamespace(**fields, bus=r.bus, address=r.address, port_number=ports[-1] if ports else None,
                               port_numbers=ports, speed=r.speed)

    def get_configuration_descriptor(self, dev: _DevId, config: int) -> SimpleNamespace:
        configurations = dev.device.recorded.configurations
        if config >= len(configurations):
            raise IndexError(f"configuration {config} was not recorded")
        return _parse_configuration(configurations[config])

    def get_interface_descriptor(self, dev: _DevId, intf: int, alt: int, config: int) -> SimpleNamespace:
        cfg = self.get_configuration_descriptor(dev, config)
        numbers = sorted({i.bInterfaceNumber for i in cfg.interfaces})
        if intf >= len(numbers):
            raise IndexError(f"interface {intf}")
        matches = [i for i in cfg.interfaces if i.bInterfaceNumber == numbers[intf]]
        if alt >= len(matches):
            raise IndexError(f"alternate setting {alt}")
        return matches[alt]

    def get_endpoint_descriptor(self, dev: _DevId, ep: int, intf: int, alt: int, config: int) -> SimpleNamespace:
        return self.get_interface_descriptor(dev, intf, alt, config).endpoints[ep]

    def open_device(self, dev: _DevId) -> _Handle:
        self._replay_event(dev.device, "open")
        return _Handle(dev.device)

    def close_device(self, dev_handle: _Handle) -> None:
        pass

    def get_configuration(self, dev_handle: _Handle) -> int:
        return 1

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        pass

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._replay_event(dev_handle.device, "claim")

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._replay_event(dev_handle.device, "altsetting")

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int, wValue: int,
                      wIndex: int, data: Any, timeout: int) -> int:
        is_in = bool(bmRequestType & usb_spec.DIR_IN)
        record = dev_handle.device.control(bmRequestType, bRequest, wValue, wIndex, len(data),
                                           None if is_in else bytes(data))
        if "error" in record:
            raise _usb_error(record["error"])
        if not is_in:
            return len(data)
        answer = bytes.fromhex(record["data"])[: len(data)]
        data[: len(answer)] = type(data)(data.typecode, answer)  # pyusb hands us a pre-sized array
        return len(answer)

    @staticmethod
    def _replay_event(device: ReplayDevice, kind: str) -> None:
        record = device.event(kind)
        if record is not None and "error" in record:
            raise _usb_error(record["error"])


def start_replay(path: str) -> tuple[ReplayBench, ReplayBackend, PortLister]:
    bench = ReplayBench(load(path), path).start()
    return bench, ReplayBackend(bench), bench.port_list

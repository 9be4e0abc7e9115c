"""``pdiag --record FILE``: a session recording as JSON Lines (format: docs/record-replay.md).

What is recorded, where pdiag meets the device I/O libraries, so a recording shows what the devices did:
- USB, by wrapping the pyusb backend (libusb, or the virtual bench's): every bus listing, every Particle
  device's descriptors when it first appears, every control transfer (setup packet, data, result, timing),
  open and alt-setting failures;
- serial, through ``transport.tap``: port listings, openings, writes, reads, closes and magic-baud pulses.

Secrets are masked (``mask_secrets``) before anything reaches the file.  The records go to a temporary
file beside FILE, flushed after every record; when the session ends (also on Ctrl-C) FILE is written from it
atomically (``particle_diag.files``), so FILE is never half-written; a killed process leaves only the
temporary file.
"""

from __future__ import annotations

import json
import os
import platform
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import usb.backend
import usb.core

from particle_diag.catalog import usb as usb_spec
from particle_diag.catalog.usb import DescriptorType, StandardRequest
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.files import OutputPathError, check_output, write_atomic
from particle_diag.transport import redact, tap
from particle_diag.transport.serial import PortInfo, PortLister

FORMAT = "pdiag-recording/1"

def mask_secrets(data: bytes) -> bytes:
    """Every byte recorded passes here: secret values masked with ``*`` of the same length (so recorded chunk
    boundaries and reply lengths hold for the replay), and remembered for the process's other redaction."""
    if data:
        redact.learn(data.decode("latin-1"))
    return redact.redact_bytes(data)


def device_descriptor_bytes(desc: Any) -> bytes:
    """The 18-byte device descriptor from pyusb's field object."""
    return struct.pack(
        "<BBHBBBBHHHBBBB", desc.bLength, desc.bDescriptorType, desc.bcdUSB, desc.bDeviceClass,
        desc.bDeviceSubClass, desc.bDeviceProtocol, desc.bMaxPacketSize0, desc.idVendor, desc.idProduct,
        desc.bcdDevice, desc.iManufacturer, desc.iProduct, desc.iSerialNumber, desc.bNumConfigurations,
    )


def configuration_bytes(backend: Any, dev: Any, index: int) -> bytes:
    """A configuration descriptor re-serialised from the backend's parsed objects (libusb keeps them cached:
    no request reaches the device): configuration, its extra descriptors, then each interface alt setting
    with its class-specific descriptors and endpoints, in wire order."""
    cfg = backend.get_configuration_descriptor(dev, index)
    out = struct.pack("<BBHBBBBB", cfg.bLength, cfg.bDescriptorType, cfg.wTotalLength, cfg.bNumInterfaces,
                      cfg.bConfigurationValue, cfg.iConfiguration, cfg.bmAttributes, cfg.bMaxPower)
    out += bytes(cfg.extra_descriptors or b"")
    for intf in range(cfg.bNumInterfaces):
        alt = 0
        while True:
            try:
                i = backend.get_interface_descriptor(dev, intf, alt, index)
            except IndexError:
                break
            out += struct.pack("<BBBBBBBBB", i.bLength, i.bDescriptorType, i.bInterfaceNumber,
                               i.bAlternateSetting, i.bNumEndpoints, i.bInterfaceClass, i.bInterfaceSubClass,
                               i.bInterfaceProtocol, i.iInterface)
            out += bytes(i.extra_descriptors or b"")
            for e in range(i.bNumEndpoints):
                ep = backend.get_endpoint_descriptor(dev, e, intf, alt, index)
                out += struct.pack("<BBBBHB", ep.bLength, ep.bDescriptorType, ep.bEndpointAddress,
                                   ep.bmAttributes, ep.wMaxPacketSize, ep.bInterval)
                if ep.bLength >= 9:  # audio-class endpoints carry two more bytes
                    out += bytes([getattr(ep, "bRefresh", 0), getattr(ep, "bSynchAddress", 0)])
                out += bytes(ep.extra_descriptors or b"")
            alt += 1
    return out


def usb_error_fields(exc: usb.core.USBError) -> dict[str, Any]:
    """What the replay needs to raise the same error: errno, libusb's code, the text, timeout or not."""
    return {"errno": exc.errno, "code": exc.backend_error_code, "text": exc.strerror,
            "timeout": isinstance(exc, usb.core.USBTimeoutError)}


class Recorder:
    """Writes one session's records; thread-safe (discovery probes devices in parallel)."""

    def __init__(self, path: str, *, overwrite: bool, argv: list[str], version: str, vids: frozenset[int],
                 sim: str | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        # One pre-flight for every file pdiag writes (particle_diag/files.py): an existing FILE is refused
        # without consent (exit 13), an unwritable one is a usage error, before any device is touched.
        self.path = check_output(Path(path), overwrite=overwrite, what="recording")
        self._overwrite = overwrite
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        except OSError as exc:
            raise OutputPathError(f"cannot write the recording {self.path}: {exc.strerror}") from None
        self._file: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
        self._clock = clock
        self._t0 = clock.monotonic()
        self._lock = threading.Lock()
        self._vids = vids
        self._devices: dict[tuple[Any, ...], str] = {}  # (bus, address, ports, vid, pid) -> "d1"
        self._serial_of: dict[str, str] = {}  # device id -> its serial number string, once read
        self._serial_index: dict[str, int] = {}  # device id -> iSerialNumber
        self._pending_reads: dict[str, list[tuple[float, bytes]]] = {}
        self.records = 0
        self._emit({"type": "header", "format": FORMAT, "pdiag": version, "argv": argv,
                    "host": {"os": platform.system(), "release": platform.release(), "machine": platform.machine(),
                             "python": platform.python_version()},
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sim": sim})
        tap.install(self)

    # -- writing ---------------------------------------------------------------------------------------------
    def _t(self) -> float:
        return round((self._clock.monotonic() - self._t0) * 1000, 3)

    def _emit(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            if self._file is None:
                return
            self._file.write(line)
            self._file.flush()  # a Ctrl-C or a crash loses at most the record being written
            self.records += 1

    def close(self, status: str = "ok") -> None:
        """End the session: the last record, then FILE appears complete under its name."""
        tap.remove(self)
        for port in list(self._pending_reads):
            self._flush_reads(port)
        self._emit({"type": "end", "t_ms": self._t(), "status": status, "records": self.records + 1})
        with self._lock:
            f, self._file = self._file, None
        if f is None:
            return
        f.close()
        # The records were streamed to the temporary file (a killed process leaves only that); FILE itself is
        # written the way every pdiag output file is: atomically, never through a symlink, never over a file
        # that appeared meanwhile unless consented to.
        write_atomic(self.path, Path(self._tmp).read_bytes(), overwrite=self._overwrite, what="recording")
        os.unlink(self._tmp)

    # -- USB ---------------------------------------------------------------------------------------------------
    def wrap_backend(self, backend: Any) -> RecordingBackend:
        return RecordingBackend(backend, self)

    def usb_device(self, backend: Any, dev: Any) -> str | None:
        """The recording's name for a listed device (``d1``...), recording its descriptors the first time;
        None for a device of another vendor (never recorded)."""
        desc = backend.get_device_descriptor(dev)
        if desc.idVendor not in self._vids:
            return None
        ports = tuple(desc.port_numbers or ())
        key = (desc.bus, desc.address, ports, desc.idVendor, desc.idProduct)
        with self._lock:
            name = self._devices.get(key)
            if name is not None:
                return name
            name = f"d{len(self._devices) + 1}"
            self._devices[key] = name
        configurations = []
        for index in range(desc.bNumConfigurations):
            try:
                configurations.append(configuration_bytes(backend, dev, index).hex())
            except (usb.core.USBError, IndexError):
                break  # the device left while it was being listed: its control records will say so
        path = f"{desc.bus}-" + ".".join(str(p) for p in ports) if ports else f"{desc.bus}"
        self._serial_index[name] = desc.iSerialNumber
        self._emit({"type": "device", "dev": name, "t_ms": self._t(), "path": path, "bus": desc.bus,
                    "address": desc.address, "port_numbers": list(ports), "speed": desc.speed,
                    "vid_pid": f"{desc.idVendor:04x}:{desc.idProduct:04x}",
                    "device_descriptor": device_descriptor_bytes(desc).hex(), "configurations": configurations})
        return name

    def usb_bus(self, names: list[str]) -> None:
        self._emit({"type": "bus", "t_ms": self._t(), "devices": names})

    def usb_event(self, kind: str, dev: str, **fields: Any) -> None:
        self._emit({"type": kind, "t_ms": self._t(), "dev": dev, **fields})

    def usb_control(self, dev: str, setup: tuple[int, int, int, int, int], data: bytes, t_ms: float,
                    error: usb.core.USBError | None) -> None:
        request_type, request, value, index, length = setup
        if (error is None and request_type == usb_spec.STANDARD_IN and request == StandardRequest.GET_DESCRIPTOR
                and value == usb_spec.descriptor_value(DescriptorType.STRING, self._serial_index.get(dev, -1))
                and len(data) > 2):
            self._serial_of[dev] = data[2:data[0]].decode("utf-16-le", errors="replace")
        record: dict[str, Any] = {
            "type": "control", "t_ms": t_ms, "dur_ms": round(self._t() - t_ms, 3), "dev": dev,
            "serial": self._serial_of.get(dev), "bmRequestType": request_type, "bRequest": request,
            "wValue": value, "wIndex": index, "wLength": length, "data": mask_secrets(data).hex(),
        }
        if error is not None:
            record["error"] = usb_error_fields(error)
        self._emit(record)

    def now(self) -> float:
        return self._t()

    # -- serial ports ----------------------------------------------------------------------------------------
    def wrap_lister(self, lister: PortLister) -> PortLister:
        def listed() -> list[PortInfo]:
            ports = lister()
            self._emit({"type": "ports", "t_ms": self._t(), "ports": [
                {"device": p.device, "vid": p.vid, "pid": p.pid, "serial_number": p.serial_number,
                 "location": p.location, "product": p.product, "manufacturer": p.manufacturer}
                for p in ports if p.vid in self._vids]})
            return ports

        return listed

    def serial_open(self, port: str, baud: int, error: Exception | None) -> None:
        record: dict[str, Any] = {"type": "serial_open", "t_ms": self._t(), "port": port, "baud": baud}
        if error is not None:
            record["error"] = {"errno": getattr(error, "errno", None), "text": str(error)}
        self._emit(record)

    def serial_write(self, port: str, data: bytes) -> None:
        self._flush_reads(port)
        clean = mask_secrets(data)
        self._emit({"type": "serial", "t_ms": self._t(), "port": port, "dir": "out", "data": clean.hex(),
                    "text": clean.decode("utf-8", errors="replace")})

    def serial_read(self, port: str, data: bytes) -> None:
        # Held until the exchange ends: a secret may be split across two reads, and is only recognised whole.
        with self._lock:
            self._pending_reads.setdefault(port, []).append((self._t(), data))

    def serial_close(self, port: str) -> None:
        self._flush_reads(port)
        self._emit({"type": "serial_close", "t_ms": self._t(), "port": port})

    def serial_pulse(self, port: str, baud: int, error: Exception | None) -> None:
        record: dict[str, Any] = {"type": "serial_pulse", "t_ms": self._t(), "port": port, "baud": baud}
        if error is not None:
            record["error"] = {"errno": getattr(error, "errno", None), "text": str(error)}
        self._emit(record)

    def _flush_reads(self, port: str) -> None:
        with self._lock:
            chunks = self._pending_reads.pop(port, [])
        if not chunks:
            return
        clean = mask_secrets(b"".join(c for _, c in chunks))  # same length: chunk offsets still hold
        offset = 0
        for t_ms, chunk in chunks:
            part = clean[offset:offset + len(chunk)]
            offset += len(chunk)
            self._emit({"type": "serial", "t_ms": t_ms, "port": port, "dir": "in", "data": part.hex(),
                        "text": part.decode("utf-8", errors="replace")})


class _Dev:
    """A listed device: the backend's own object plus its name in the recording (None: not recorded)."""

    def __init__(self, inner: Any, name: str | None) -> None:
        self.inner = inner
        self.name = name


class _Handle:
    def __init__(self, inner: Any, name: str | None) -> None:
        self.inner = inner
        self.name = name


class RecordingBackend(usb.backend.IBackend):
    """A pyusb backend that forwards every call to the real one and records what Particle devices did."""

    def __init__(self, inner: Any, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    def enumerate_devices(self) -> Any:
        out = []
        names = []
        for dev in self.inner.enumerate_devices():
            name = self.recorder.usb_device(self.inner, dev)
            out.append(_Dev(dev, name))
            if name is not None:
                names.append(name)
        self.recorder.usb_bus(names)
        return out

    def get_device_descriptor(self, dev: _Dev) -> Any:
        return self.inner.get_device_descriptor(dev.inner)

    def get_configuration_descriptor(self, dev: _Dev, config: int) -> Any:
        return self.inner.get_configuration_descriptor(dev.inner, config)

    def get_interface_descriptor(self, dev: _Dev, intf: int, alt: int, config: int) -> Any:
        return self.inner.get_interface_descriptor(dev.inner, intf, alt, config)

    def get_endpoint_descriptor(self, dev: _Dev, ep: int, intf: int, alt: int, config: int) -> Any:
        return self.inner.get_endpoint_descriptor(dev.inner, ep, intf, alt, config)

    def open_device(self, dev: _Dev) -> _Handle:
        return _Handle(self._call(dev.name, "open", {}, self.inner.open_device, dev.inner), dev.name)

    def close_device(self, dev_handle: _Handle) -> None:
        self.inner.close_device(dev_handle.inner)

    def get_configuration(self, dev_handle: _Handle) -> int:
        return int(self.inner.get_configuration(dev_handle.inner))

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self.inner.set_configuration(dev_handle.inner, config_value)

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._call(dev_handle.name, "claim", {"interface": intf}, self.inner.claim_interface, dev_handle.inner,
                   intf)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        self.inner.release_interface(dev_handle.inner, intf)

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._call(dev_handle.name, "altsetting", {"interface": intf, "alt": altsetting},
                   self.inner.set_interface_altsetting, dev_handle.inner, intf, altsetting)

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return bool(self.inner.is_kernel_driver_active(dev_handle.inner, intf))

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        self.inner.detach_kernel_driver(dev_handle.inner, intf)

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        self.inner.attach_kernel_driver(dev_handle.inner, intf)

    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int, wValue: int,
                      wIndex: int, data: Any, timeout: int) -> int:
        if dev_handle.name is None:
            return int(self.inner.ctrl_transfer(dev_handle.inner, bmRequestType, bRequest, wValue, wIndex, data,
                                                timeout))
        started = self.recorder.now()
        setup = (bmRequestType, bRequest, wValue, wIndex, len(data))
        try:
            n = int(self.inner.ctrl_transfer(dev_handle.inner, bmRequestType, bRequest, wValue, wIndex, data,
                                             timeout))
        except usb.core.USBError as exc:
            sent = bytes(data) if not bmRequestType & usb_spec.DIR_IN else b""
            self.recorder.usb_control(dev_handle.name, setup, sent, started, exc)
            raise
        payload = bytes(data[:n]) if bmRequestType & usb_spec.DIR_IN else bytes(data)
        self.recorder.usb_control(dev_handle.name, setup, payload, started, None)
        return n

    def _call(self, name: str | None, kind: str, fields: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
        try:
            result = fn(*args)
        except usb.core.USBError as exc:
            if name is not None:
                self.recorder.usb_event(kind, name, **fields, error=usb_error_fields(exc))
            raise
        if name is not None:
            self.recorder.usb_event(kind, name, **fields)
        return result


def status_of(exc_type: type[BaseException] | None) -> str:
    """The ``end`` record's status for the exception a session ended with (none: ok)."""
    if exc_type is None:
        return "ok"
    from particle_diag.clock import StopRequested
    from particle_diag.errors import OperationInterrupted

    if issubclass(exc_type, (KeyboardInterrupt, StopRequested, OperationInterrupted)) or exc_type.__name__ == "Abort":
        return "interrupted"
    return "error"


def current_status() -> str:
    return status_of(sys.exc_info()[0])

"""USB CDC serial ports through pyserial: listing, the listening-mode console, and magic-baud pulses.

Safety rule: the console never opens a port at 14400 or 28800 baud, because on a Particle device those
speeds are commands (DFU and listening mode, reference §3.2).  Only ``pulse_magic_baud`` uses them, and
only when the user asked for a mode change.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass

import serial
import serial.tools.list_ports

from particle_diag.catalog import timeouts
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.errors import (
    DeviceGoneError,
    DeviceTimeoutError,
    PdiagError,
    PermissionDeniedError,
    ProtocolError,
    UsageError,
)
from particle_diag.transport import tap
from particle_diag.transport.redact import LineRedactor

CONSOLE_BAUD = 9600  # the device ignores the host baud except the magic values (reference §3.1)
MAGIC_BAUDS = frozenset({14400, 28800})

Trace = Callable[[str], None]


@dataclass(frozen=True)
class PortInfo:
    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    location: str | None  # e.g. "1-3:1.0" on Linux: USB path + interface
    product: str | None = None
    manufacturer: str | None = None

    @property
    def usb_path(self) -> str | None:
        return self.location.split(":", 1)[0] if self.location else None


PortLister = Callable[[], list[PortInfo]]


def system_ports() -> list[PortInfo]:
    return [
        PortInfo(p.device, p.vid, p.pid, p.serial_number, p.location, p.product, p.manufacturer)
        for p in serial.tools.list_ports.comports()
    ]


def _translate(exc: Exception, path: str) -> PdiagError:
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in str(exc):
        return PermissionDeniedError(
            f"permission denied opening {path}",
            "Add yourself to the dialout group (sudo usermod -aG dialout $USER, then log in again) "
            "or install udev/50-particle.rules.",
            reference="host.serial-permission",
        )
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO):
        return DeviceGoneError(f"serial port {path} disappeared")
    return ProtocolError(f"serial port {path}: {exc}")


class SerialConsole:
    """A short conversation with the listening-mode console: write a command byte, read the reply."""

    def __init__(self, path: str, *, clock: Clock = SYSTEM_CLOCK, trace: Trace | None = None,
                 baud: int = CONSOLE_BAUD) -> None:
        if baud in MAGIC_BAUDS:
            raise UsageError(f"refusing to open {path} at {baud} baud: that speed changes the device's mode",
                             "Use `pdiag enter dfu|listening` to change modes.", reference="usage.magic-baud")
        self.path = path
        self._clock = clock
        self._trace = trace
        try:
            self._port = serial.Serial(path, baud, timeout=timeouts.SERIAL_READ_POLL_S,
                                       write_timeout=timeouts.SERIAL_WRITE_S)
        except (serial.SerialException, OSError) as exc:
            for t in tap.taps():
                t.serial_open(path, baud, exc)
            raise _translate(exc, path) from exc
        for t in tap.taps():
            t.serial_open(path, baud, None)

    def command(self, key: str, is_complete: Callable[[str], bool], timeout_s: float, *, quiet_s: float,
                stalled_s: float) -> str:
        """Send ``key`` and collect text until ``is_complete`` says so and ``quiet_s`` passed without more, or
        until text stops arriving for ``stalled_s`` (a garbled reply: the caller's parser rejects it);
        DeviceTimeoutError when nothing came.  The caller owns the timing (catalog.timeouts)."""
        self._port.reset_input_buffer()
        self._write(key.encode())
        received = bytearray()
        deadline = self._clock.monotonic() + timeout_s
        last_data = self._clock.monotonic()
        # The `i` reply can carry the device secret: the trace shows whole lines only, redacted, so a secret
        # split across two reads is never written half-visible.
        traced = LineRedactor()
        while True:
            chunk = self._read()
            now = self._clock.monotonic()
            if chunk:
                received += chunk
                last_data = now
                self._trace_text(traced.feed(bytes(chunk).decode("utf-8", errors="replace")))
            text = received.decode("utf-8", errors="replace")
            if is_complete(text) and now - last_data >= quiet_s:
                self._trace_text(traced.flush())
                return text
            if received and (now - last_data >= stalled_s or now >= deadline):
                self._trace_text(traced.flush())
                return text
            if now >= deadline:
                raise DeviceTimeoutError(
                    f"no complete reply to '{key}' on {self.path} within {timeout_s:g} s",
                    "The device may not be in listening mode (blinking dark blue): run "
                    "`pdiag enter listening` first.",
                    reference="serial.timeout",
                )
            if not chunk:
                self._clock.sleep(timeouts.SERIAL_IDLE_S)

    def _trace_text(self, text: str) -> None:
        if self._trace and text:
            self._trace(f"serial {self.path} <- {text!r}")

    def send(self, key: str) -> None:
        """Send a command that has no reply (e.g. 'x' leaves listening mode)."""
        self._write(key.encode())

    def _write(self, data: bytes) -> None:
        if self._trace:
            self._trace(f"serial {self.path} -> {data!r}")
        for t in tap.taps():
            t.serial_write(self.path, data)
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc

    def _read(self) -> bytes:
        try:
            data = bytes(self._port.read(4096))
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc
        if data:
            for t in tap.taps():
                t.serial_read(self.path, data)
        return data

    def close(self) -> None:
        for t in tap.taps():
            t.serial_close(self.path)
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass  # the device may have reset already

    def __enter__(self) -> SerialConsole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialStream:
    """A port followed as a stream (``pdiag monitor``): read what the device prints, write what the user sends.

    Opened at the console baud, never a magic one; ``read`` returns b"" after ``read_timeout_s`` without data
    and raises DeviceGoneError once the port has gone (the device reset or was unplugged).
    """

    def __init__(self, path: str, *, read_timeout_s: float, trace: Trace | None = None) -> None:
        self.path = path
        self._trace = trace
        try:
            self._port = serial.Serial(path, CONSOLE_BAUD, timeout=read_timeout_s,
                                       write_timeout=timeouts.SERIAL_WRITE_S)
        except (serial.SerialException, OSError) as exc:
            for t in tap.taps():
                t.serial_open(path, CONSOLE_BAUD, exc)
            raise _translate(exc, path) from exc
        for t in tap.taps():
            t.serial_open(path, CONSOLE_BAUD, None)

    def read(self) -> bytes:
        try:
            data = bytes(self._port.read(4096))
        except (serial.SerialException, OSError, TypeError) as exc:
            # pyserial raises SerialException("device reports readiness to read but returned no data (device
            # disconnected or multiple access on port?)") both when a USB CDC port goes away and when another
            # program read the bytes first; only a port whose device node is gone has really gone.  OSError EIO
            # comes from a pty whose other side closed; TypeError from a port closed under the reader.
            if isinstance(exc, serial.SerialException) and not isinstance(exc, serial.SerialTimeoutException) \
                    and os.path.exists(self.path) and "multiple access" in str(exc):
                return b""
            raise DeviceGoneError(f"serial port {self.path} disappeared") from exc
        if data:
            if self._trace:
                self._trace(f"serial {self.path} <- {data!r}")
            for t in tap.taps():
                t.serial_read(self.path, data)
        return data

    def write(self, data: bytes) -> None:
        if self._trace:
            self._trace(f"serial {self.path} -> {data!r}")
        for t in tap.taps():
            t.serial_write(self.path, data)
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc

    def close(self) -> None:
        for t in tap.taps():
            t.serial_close(self.path)
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass


def pulse_magic_baud(path: str, baud: int, trace: Trace | None = None) -> None:
    """Open the CDC port at a magic baud rate and close it: the device changes mode (reference §3.2).

    Like Particle's own serial_switcher, re-open at 9600 afterwards is unnecessary here: the device resets
    and the port disappears.
    """
    if baud not in MAGIC_BAUDS:
        raise UsageError(f"{baud} is not a Particle mode-change baud rate", reference="usage.magic-baud")
    if trace:
        trace(f"serial {path} open at {baud} baud and close")
    try:
        port = serial.Serial(path, baud)
        port.close()
    except (serial.SerialException, OSError) as exc:
        for t in tap.taps():
            t.serial_pulse(path, baud, exc)
        raise _translate(exc, path) from exc
    for t in tap.taps():
        t.serial_pulse(path, baud, None)

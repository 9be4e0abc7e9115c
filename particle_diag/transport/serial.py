"""USB CDC serial ports through pyserial: listing, the listening-mode console, and magic-baud pulses.

pyserial is imported where a port is opened (``import serial`` in each function): on Linux listing reads sysfs.

Safety rule: the console never opens a port at 14400 or 28800 baud, because on a Particle device those
speeds are commands (DFU and listening mode: device-os ``system/src/system_update.cpp``
system_lineCodingBitRateHandler, https://github.com/particle-iot/device-os).  Only ``pulse_magic_baud`` uses them, and
only when the user asked for a mode change.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass

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

CONSOLE_BAUD = 9600  # the device ignores the host baud except the magic values (as particle-cli src/cmd/serial.js)
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


SYS_TTY = "/sys/class/tty"
USB_TTY_PREFIXES = ("ttyACM", "ttyUSB")  # cdc_acm (every Particle device) and usb-serial drivers


def system_ports() -> list[PortInfo]:
    """The USB serial ports of this computer: from sysfs on Linux, else pyserial's list_ports."""
    if os.path.isdir(SYS_TTY):
        return sysfs_ports(SYS_TTY)
    import serial.tools.list_ports

    return [
        PortInfo(p.device, p.vid, p.pid, p.serial_number, p.location, p.product, p.manufacturer)
        for p in serial.tools.list_ports.comports()
    ]


def sysfs_ports(class_dir: str = SYS_TTY) -> list[PortInfo]:
    """USB serial ports as pyserial's list_ports_linux describes them (same location rule), read from sysfs
    only: nothing under /dev is stat()ed.

    pyserial globs /dev and lstat()s each node.  Under libumockdev-preload (``pdiag sim run``) an lstat() of
    a /dev symlink (a ttyACM, which umockdev makes a link to a pty) classifies it after releasing the
    preload's path lock, reading the link through a buffer shared by all threads: when another thread of the
    process opens a path meanwhile, readlink() fails and the preload aborts the process
    (``is_emulated_device: Assertion `res > 0' failed``; libumockdev-preload.c STAT_ADJUST_MODE and
    is_emulated_device, umockdev 0.17.16 to 0.19.7, https://github.com/martinpitt/umockdev).  pdiag probes
    devices from several threads, so it must not lstat() /dev at all.  Fewer system calls, too.
    """
    try:
        names = sorted(n for n in os.listdir(class_dir) if n.startswith(USB_TTY_PREFIXES))
    except OSError:
        return []
    ports = []
    for name in names:
        port = _sysfs_port(class_dir, name)
        if port is not None:
            ports.append(port)
    return ports


def _sysfs_port(class_dir: str, name: str) -> PortInfo | None:
    device_path = os.path.realpath(os.path.join(class_dir, name, "device"))
    try:
        subsystem = os.path.basename(os.readlink(os.path.join(device_path, "subsystem")))
    except OSError:
        return None  # gone meanwhile, or not a device with a bus
    if subsystem == "usb-serial":
        interface = os.path.dirname(device_path)
    elif subsystem == "usb":
        interface = device_path
    else:
        return None
    usb_device = os.path.dirname(interface)
    node = f"/dev/{name}"
    if not os.access(node, os.F_OK):  # sysfs can be a moment ahead of the node (or behind it on removal)
        return None

    def attribute(directory: str, attr: str) -> str | None:
        try:
            with open(os.path.join(directory, attr), encoding="utf-8", errors="replace") as f:
                return f.readline().strip()
        except OSError:
            return None

    try:
        vid, pid = int(attribute(usb_device, "idVendor") or "", 16), int(attribute(usb_device, "idProduct") or "", 16)
    except ValueError:
        return None  # the device left while it was read
    try:
        interfaces = int(attribute(usb_device, "bNumInterfaces") or "1")
    except ValueError:
        interfaces = 1
    # pyserial's rule: the interface (1-3:1.0) for a multi-interface device such as a CDC ACM, else the device.
    location = os.path.basename(interface if interfaces > 1 else usb_device)
    return PortInfo(node, vid, pid, attribute(usb_device, "serial"), location, attribute(usb_device, "product"),
                    attribute(usb_device, "manufacturer"))


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
        import serial  # pyserial only where a port is opened: listing ports reads sysfs

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
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc

    def _read(self) -> bytes:
        import serial

        try:
            data = bytes(self._port.read(4096))
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc
        if data:
            for t in tap.taps():
                t.serial_read(self.path, data)
        return data

    def close(self) -> None:
        import serial

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
        import serial

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
        import serial

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
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise _translate(exc, self.path) from exc

    def close(self) -> None:
        import serial

        for t in tap.taps():
            t.serial_close(self.path)
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass


def pulse_magic_baud(path: str, baud: int, trace: Trace | None = None) -> None:
    """Open the CDC port at a magic baud rate and close it: the device changes mode (system_update.cpp).

    Like Particle's own serial_switcher, re-open at 9600 afterwards is unnecessary here: the device resets
    and the port disappears.
    """
    if baud not in MAGIC_BAUDS:
        raise UsageError(f"{baud} is not a Particle mode-change baud rate", reference="usage.magic-baud")
    if trace:
        trace(f"serial {path} open at {baud} baud and close")
    import serial

    try:
        port = serial.Serial(path, baud)
        port.close()
    except (serial.SerialException, OSError) as exc:
        for t in tap.taps():
            t.serial_pulse(path, baud, exc)
        raise _translate(exc, path) from exc
    for t in tap.taps():
        t.serial_pulse(path, baud, None)

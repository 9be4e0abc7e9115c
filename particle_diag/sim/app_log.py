"""What a virtual device prints on its USB serial port in normal and safe mode: a typical application's log.

Real devices print their log only when the application has a ``SerialLogHandler``, and a byte printed while no
host has the port open is lost (USB CDC).  Particle's examples start with ``waitFor(Serial.isConnected,
10000)`` so the first lines are not lost, and log the reset reason at boot; the virtual application does the
same: it waits up to 10 s for a host to open the port, prints a boot line with the reset reason, then the
system's connection log and a line every ``period_s``, as long as the device stays in a mode with a log.

Line text is taken from real captures (tests/fixtures/captures/logs/, sources in their header lines): the
Boron connection sequence from boron-periodic-wake-ab1805.txt, the Wi-Fi start from argon-device-doctor-wifi.txt,
the NCP error from boron-ncp-no-response.txt; the line format is Device OS's StreamLogHandler
(wiring/src/spark_wiring_logging.cpp).  What the application itself says (the boot line, "publish counter",
the echo of what the host sends) is this virtual application's, not Device OS's.

Flags: ``+offline`` prints the cloud connection failing over and over; ``+panic`` makes the application crash
(a hard fault) after ``panic_after_s``: the log stops mid-stream and the device restarts with reset reason
PANIC (130).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from particle_diag.catalog import reset_reasons, timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice


# The connection sequence of a cellular device (boron-periodic-wake-ab1805.txt) and of a Wi-Fi device
# (argon-device-doctor-wifi.txt), as (milliseconds after boot, category, level, message).
CELLULAR_BOOT = (
    (135, "system.nm", "INFO", "State changed: DISABLED -> IFACE_DOWN"),
    (136, "system.nm", "INFO", "State changed: IFACE_DOWN -> IFACE_REQUEST_UP"),
    (137, "system.nm", "INFO", "State changed: IFACE_REQUEST_UP -> IFACE_UP"),
    (1516, "ncp.client", "INFO", "Using internal SIM card"),
    (2606, "gsm0710muxer", "INFO", "Starting GSM07.10 muxer"),
    (5150, "system.nm", "INFO", "State changed: IFACE_UP -> IFACE_LINK_UP"),
    (5152, "system.nm", "INFO", "State changed: IFACE_LINK_UP -> IP_CONFIGURED"),
    (5153, "system", "INFO", "Cloud: connecting"),
)
WIFI_BOOT = (
    (229, "system.nm", "INFO", "State changed: DISABLED -> IFACE_DOWN"),
    (1190, "system.nm", "INFO", "State changed: IFACE_DOWN -> IFACE_REQUEST_UP"),
    (1196, "net.ifapi", "INFO", "Netif wl3 state UP"),
    (1198, "system.nm", "INFO", "State changed: IFACE_REQUEST_UP -> IFACE_UP"),
    (2153, "system", "INFO", "Cloud: connecting"),
)
CLOUD_UP = (
    (155, "system", "INFO", "Cloud socket connected"),
    (155, "comm.protocol.handshake", "INFO", "Establish secure connection"),
    (364, "comm.protocol.handshake", "INFO", "Skipping HELLO message"),
    (925, "system", "INFO", "Cloud connected"),
)
CLOUD_DOWN = (  # +offline: the connection attempt fails and is retried
    (2000, "system", "INFO", "Cloud: disconnecting"),
    (2001, "system", "INFO", "Cloud: disconnected"),
)
NCP_DOWN = (2000, "hal", "ERROR", "No response from NCP")


def log_line(uptime_ms: int, category: str, level: str, message: str) -> bytes:
    """StreamLogHandler's format: ``%010u [category] LEVEL: message`` and CRLF."""
    return f"{uptime_ms:010d} [{category}] {level}: {message}\r\n".encode()


class VirtualApp:
    """The application log of one boot of a virtual device; ``stop`` ends it (reset, mode change, unplug)."""

    def __init__(self, device: VirtualDevice, write: Callable[[bytes], None], has_host: Callable[[], bool],
                 *, period_s: float, panic_after_s: float | None = None, boot: bool = True) -> None:
        self.device = device
        self._write = write
        self._has_host = has_host
        self.period_s = period_s
        self.panic_after_s = panic_after_s
        self.boot = boot  # False: the device left listening mode without restarting (no boot lines)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"app {device.device_id[:8]}", daemon=True)
        self._started = device.clock.monotonic()
        self.received: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def echo(self, data: bytes) -> None:
        """The application reads lines the host sends and logs them (for ``pdiag monitor --send``)."""
        for line in data.decode("utf-8", errors="replace").splitlines():
            if line.strip():
                self.received.append(line)
                self._say("app", "INFO", f"received: {line.strip()}")

    # -- the application ------------------------------------------------------------------------------------
    def _uptime_ms(self) -> int:
        return int((self.device.clock.monotonic() - self._started) * 1000)

    def _say(self, category: str, level: str, message: str, uptime_ms: int | None = None) -> None:
        if self._has_host():  # nobody listening: the bytes are lost, as on USB CDC
            self._write(log_line(self._uptime_ms() if uptime_ms is None else uptime_ms, category, level, message))

    def _sleep(self, seconds: float) -> bool:
        """Sleep on the device clock in small steps; False once stopped."""
        end = self.device.clock.monotonic() + seconds
        while not self._stop.is_set():
            left = end - self.device.clock.monotonic()
            if left <= 0:
                return True
            self._stop.wait(min(left, 0.05))
        return False

    def _run(self) -> None:
        waited = 0.0
        while not self._has_host() and waited < timeouts.APP_WAIT_FOR_HOST_S:  # waitFor(Serial.isConnected, 10000)
            if not self._sleep(0.05):
                return
            waited += 0.05
        cellular = self.device.platform.has("cellular")
        offline = self.device.firmware.cloud != "connected"
        if self.boot:
            reason = self.device.firmware.reset_reason
            self._say("app", "INFO", f"boot: Device OS {self.device.firmware.device_os}, reset reason "
                                     f"{reason} ({reset_reasons.name(reason)})")
            for at_ms, category, level, message in (CELLULAR_BOOT if cellular else WIFI_BOOT):
                self._say(category, level, message, max(at_ms, self._uptime_ms()))
        counter = 0
        while self._sleep(self.period_s):
            if self.panic_after_s is not None and self.device.clock.monotonic() - self._started >= self.panic_after_s:
                self.device.panic()
                return
            if offline:
                if cellular:
                    self._say(*NCP_DOWN[1:])
                for _, category, level, message in CLOUD_DOWN:
                    self._say(category, level, message)
                self._say("system", "INFO", "Cloud: connecting")
                continue
            if counter == 0:
                for _, category, level, message in CLOUD_UP:
                    self._say(category, level, message)
            counter += 1
            self._say("app", "INFO", f"publish counter={counter}")


def log_handler_request(device: VirtualDevice, type_id: int, payload: bytes) -> tuple[int, bytes]:
    """Requests 1100-1102.  Current Device OS answers NOT_SUPPORTED (device-os system_control.h no longer lists
    them); a device with ``+logconfig`` accepts them, as particle-usb's deprecated addLogHandler expects."""
    from particle_diag.errors import ProtocolError
    from particle_diag.protocol import logconfig

    if not device.log_handler_requests:
        return Result.NOT_SUPPORTED, b""
    try:
        if type_id == R.ADD_LOG_HANDLER:
            request = logconfig.decode_add(payload)
            if not request.id or request.stream_type != logconfig.USB_SERIAL_STREAM:
                return Result.INVALID_ARGUMENT, b""
            device.log_handlers[request.id] = request.level
        elif type_id == R.REMOVE_LOG_HANDLER:
            device.log_handlers.pop(logconfig.decode_remove(payload), None)
        else:
            return Result.NOT_SUPPORTED, b""
    except ProtocolError:
        return Result.INVALID_ARGUMENT, b""
    return Result.OK, b""

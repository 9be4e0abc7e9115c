"""Follow the USB serial output of devices across resets, mode changes, DFU and re-plugging.

A monitor follows a *device* (its device ID, falling back to its USB path), not a port: when the port goes
away it says so, looks for the same device on the bus again, and goes on reading from whatever port it comes
back with.  Each device has one reader thread; everything it sees goes through one queue to the caller's
``sink`` in the order it arrived, so output from several devices is never interleaved mid-line.

It is a passive observer: it holds no device lock while it reads (another pdiag may reset or flash the device
meanwhile, which is the point of watching); the few control requests it sends (why the device restarted, its
mode, ``enable_level``) go through a probe session: the lock shared with listings, no RESET(0), so it cancels
nobody's request and a command that wants the device waits for it at most a probe's time.  In listening mode Device
OS prints no log lines (spark_wiring_logging.cpp skips a handler on Serial while listening) and the port is
the setup console, so the monitor lets go of it until the device leaves listening mode: holding it would steal
another pdiag's console replies.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from particle_diag.catalog import reset_reasons, timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import DeviceGoneError, PdiagError, UsageError
from particle_diag.protocol.logline import LineSplitter, LogRecord, parse_log_line

READABLE_MODES = ("normal", "safe")  # modes whose serial port carries the application's output
HANDLER_ID = "pdiag-monitor"


@dataclass(frozen=True)
class LineSeen:
    """One line a device printed."""

    device_id: str
    label: str
    port: str
    host_time: float  # seconds since the epoch, when pdiag read it
    record: LogRecord


@dataclass(frozen=True)
class MonitorEvent:
    """Something that happened to a followed device: connected, disconnected, back, mode, reset, log-handler."""

    device_id: str
    label: str
    event: str
    host_time: float
    message: str
    port: str | None = None
    mode: str | None = None
    after_s: float | None = None  # for "back": how long the device was away
    details: dict[str, object] = field(default_factory=dict)


Item = LineSeen | MonitorEvent


@dataclass(frozen=True)
class MonitorResult:
    reason: str  # "matched" (--until), "duration", "stopped" (Ctrl-C / stop event), "gone" (nothing to follow)
    lines: int
    events: int
    matched: LineSeen | None = None


def short_labels(device_ids: list[str]) -> dict[str, str]:
    """The shortest prefix of each device ID, 6 characters at least, that tells the followed devices apart."""
    labels = {}
    for device_id in device_ids:
        n = 6
        while n < len(device_id) and any(o != device_id and o.startswith(device_id[:n]) for o in device_ids):
            n += 1
        labels[device_id] = device_id[:n]
    return labels


class LogDirectory:
    """``--dir``: one file per device ID, appended to (never truncated), never through a planted symlink."""

    def __init__(self, directory: Path) -> None:
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory} is not a directory", "Give --dir a directory (it is created if missing).",
                             reference="usage.monitor-dir")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create {directory}: {exc.strerror}", reference="usage.monitor-dir") from exc
        self.directory = directory
        self._files: dict[str, int] = {}

    def path_for(self, device_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-zA-Z._-]+", device_id):
            raise UsageError(f"cannot name a log file after '{device_id}'", reference="usage.monitor-dir")
        return self.directory / f"{device_id}.log"

    def write(self, device_id: str, text: str) -> None:
        import os

        fd = self._files.get(device_id)
        if fd is None:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            try:
                fd = os.open(self.path_for(device_id), flags, 0o644)
            except OSError as exc:
                raise UsageError(f"cannot write {self.path_for(device_id)}: {exc.strerror}",
                                 "A symlink or a file you may not write is in the way.",
                                 reference="usage.monitor-dir") from exc
            self._files[device_id] = fd
        os.write(fd, (text + "\n").encode("utf-8", errors="replace"))

    def close(self) -> None:
        import os

        for fd in self._files.values():
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self._files.clear()


class _Follower(threading.Thread):
    """Reads one device; puts LineSeen and MonitorEvent items on the monitor's queue."""

    def __init__(self, monitor: Monitor, record: DeviceRecord, label: str) -> None:
        super().__init__(name=f"monitor {label}", daemon=True)
        self.m = monitor
        self.record = record
        self.device_id = record.key
        self.label = label
        self.sent = False
        self.handler_added = False

    # -- helpers --------------------------------------------------------------------------------------------
    def _event(self, event: str, message: str, **kw: object) -> None:
        self.m.put(MonitorEvent(self.device_id, self.label, event, self.m.wall(), message, **kw))  # type: ignore[arg-type]

    def _stopping(self) -> bool:
        return self.m.stop.is_set() or self.m.halted.is_set()

    # -- the loop -------------------------------------------------------------------------------------------
    def run(self) -> None:
        away_since: float | None = None
        last_mode: str | None = None
        first = True
        while not self._stopping():
            rec = self.record
            if rec.mode in READABLE_MODES and rec.serial_port:
                stream = self._open(rec.serial_port)
                if stream is not None:
                    if first:
                        self._event("connected", f"following {rec.serial_port} ({rec.mode} mode)",
                                    port=rec.serial_port, mode=rec.mode)
                    else:
                        away = None if away_since is None else self.m.host.clock.monotonic() - away_since
                        self._back(rec, away)
                    first = False
                    away_since = None
                    self._read(stream, rec.serial_port)
                    if self._stopping():
                        return
                    if self.record is not rec:  # still on the bus, in a mode without a log (listening)
                        continue
                    away_since = self.m.host.clock.monotonic()
                    last_mode = None
                    self._event("disconnected", f"{rec.serial_port} went away (reset, mode change or unplugged)",
                                port=rec.serial_port)
            elif rec.mode != last_mode:
                last_mode = rec.mode
                why = {"listening": "listening mode: Device OS prints no log lines; the port is left to the setup "
                                    "console until the device leaves it",
                       "dfu": "DFU mode: no serial port until the device leaves it"}.get(
                    rec.mode, f"{rec.mode} mode: no serial port to read")
                self._event("mode", why, mode=rec.mode)
                first = False
            self._wait_for_change()

    def _open(self, path: str):  # type: ignore[no-untyped-def]
        from particle_diag.transport.serial import SerialStream

        deadline = self.m.host.clock.monotonic() + timeouts.MONITOR_OPEN_RETRY_S
        while not self._stopping():
            try:
                stream = SerialStream(path, read_timeout_s=timeouts.MONITOR_READ_S, trace=self.m.host.trace)
            except PdiagError as exc:
                if self.m.host.clock.monotonic() >= deadline:
                    self._event("error", f"cannot open {path}: {exc.message}", port=path)
                    return None
                self.m.host.clock.sleep(timeouts.MONITOR_REPLUG_POLL_S)
                continue
            if self.m.send is not None and not self.sent:
                try:
                    stream.write(self.m.send.encode() + b"\r\n")
                    self.sent = True
                except PdiagError as exc:
                    self._event("error", f"could not send to {path}: {exc.message}", port=path)
            return stream
        return None

    def _read(self, stream, path: str) -> None:  # type: ignore[no-untyped-def]
        splitter = LineSplitter()
        clock = self.m.host.clock
        quiet_since = clock.monotonic()
        try:
            while not self._stopping():
                try:
                    data = stream.read()
                except DeviceGoneError:
                    break
                now = clock.monotonic()
                if data:
                    quiet_since = now
                elif now - quiet_since >= timeouts.MONITOR_MODE_CHECK_S:
                    # A silent port may mean the device entered listening mode without restarting (a USB request
                    # or the MODE button): then the port is the setup console and must be let go.
                    quiet_since = now
                    found = self.m.find(self.record)
                    if found is not None and found.mode not in READABLE_MODES:
                        self.record = found
                        break
                for line in splitter.feed(data):
                    self.m.put(LineSeen(self.device_id, self.label, path, self.m.wall(), parse_log_line(line)))
            for line in splitter.flush():
                self.m.put(LineSeen(self.device_id, self.label, path, self.m.wall(), parse_log_line(line)))
        finally:
            stream.close()

    def _wait_for_change(self) -> None:
        """Poll the bus until the device is there again in another state (or its port changed)."""
        try:
            self._poll_until_changed()
        finally:
            self.m.host.done_waiting(self.device_id)

    def _poll_until_changed(self) -> None:
        host = self.m.host
        before: tuple[str | None, str | None] = (self.record.mode, self.record.serial_port)
        held_since: float | None = None
        started = host.clock.monotonic()
        found: DeviceRecord | None = self.record
        while not self._stopping():
            # What a person waits for (the CLI's progress line; no limit: the monitor follows until it ends).
            what = (f"{self.record.label} to leave {found.mode} mode" if found is not None and found.mode in
                    ("listening", "dfu") else f"{self.record.label} to come back")
            host.waiting(self.device_id, what, host.clock.monotonic() - started, None)
            host.clock.sleep(timeouts.MONITOR_REPLUG_POLL_S)
            found = self.m.find(self.record)
            settled = found is None or found.mode in ("listening", "dfu") or (
                found.mode in READABLE_MODES and found.serial_port is not None)
            if not settled:
                # Back on the bus but not readable yet: its CDC port is not there yet (udev creates
                # /dev/ttyACMn a moment after the USB device), or its mode could not be read (another pdiag
                # holds it, e.g. the `pdiag reset` that restarted it, or it is still starting).  Wait; if that
                # lasts, follow its port anyway (the silent-port check finds a listening device later).
                now = host.clock.monotonic()
                held_since = now if held_since is None else held_since
                if now - held_since < timeouts.MONITOR_OPEN_RETRY_S:
                    continue
                if found is not None and found.serial_port:
                    found.mode = "normal"
            if found is None:
                if before != (None, None):
                    before = (None, None)
                continue
            if (found.mode, found.serial_port) != before or (found.mode in READABLE_MODES and found.serial_port):
                self.record = found
                return

    def _back(self, rec: DeviceRecord, away_s: float | None) -> None:
        took = f" after {away_s:.1f} s" if away_s is not None else ""
        details: dict[str, object] = {}
        reason = self.m.read_reset_reason(rec)
        if reason is not None:
            details = {"reset_reason": reason, "reset_reason_name": reset_reasons.name(reason),
                       "reset_reason_meaning": reset_reasons.meaning(reason)}
            if reason == reset_reasons.PANIC:
                details["sos"] = ("count the red blinks after the SOS and run `pdiag sos N`; the code itself is "
                                  "not readable over USB")
        self._event("back", f"back on {rec.serial_port} in {rec.mode} mode{took}", port=rec.serial_port,
                    mode=rec.mode, after_s=None if away_s is None else round(away_s, 3), details=details)
        if self.handler_added:
            self.m.add_log_handler(self, rec)


class Monitor:
    def __init__(self, host: Host, records: list[DeviceRecord], *, send: str | None = None,
                 enable_level: str | None = None, stop: threading.Event | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        if not records:
            raise UsageError("no device to monitor", reference="usage.monitor")
        self.host = host
        self.send = send
        self.enable_level = enable_level
        self.stop = stop or threading.Event()  # the caller's: Ctrl-C, a station's stop
        self.halted = threading.Event()  # this run's end (the caller's event may be shared: never set here)
        self.wall = wall
        self._queue: queue.Queue[Item] = queue.Queue()
        ids = [r.key for r in records]
        labels = short_labels(ids)
        self.followers = [_Follower(self, r, labels[i]) for r, i in zip(records, ids, strict=True)]

    def put(self, item: Item) -> None:
        self._queue.put(item)

    def find(self, record: DeviceRecord) -> DeviceRecord | None:
        """The device on the bus now (same ID, else same USB path), its mode read without disturbing anyone:
        no RESET(0), which would cancel another pdiag's request in flight."""
        from particle_diag.devices.probe import probe_mode

        try:
            records = discover(self.host, probe=False)
        except PdiagError:
            return None
        same = [r for r in records if record.device_id and r.device_id == record.device_id]
        if not same and record.usb is not None:
            same = [r for r in records if r.usb is not None and r.usb.path == record.usb.path]
        if not same:
            return None
        found = same[0]
        if found.status == "normal" and found.usb is not None:
            probe_mode(found, self.host)
        return found

    # -- control requests (best effort: a monitor never fails because a device is busy) ------------------------
    def read_reset_reason(self, rec: DeviceRecord) -> int | None:
        from particle_diag.catalog import capabilities
        from particle_diag.devices.session import control_session
        from particle_diag.protocol import messages

        p = rec.platform
        if p is None or rec.usb is None or not capabilities.has_control_service(p.generation, rec.device_os or "0"):
            return None
        try:
            with control_session(rec, self.host, probe=True) as client:
                info = messages.decode_reply(R.DIAGNOSTIC_INFO, client.call(R.DIAGNOSTIC_INFO))
        except PdiagError:
            return None
        value = info.values.get("sys:reset")
        return int(value) if isinstance(value, int | float) else None

    def add_log_handler(self, follower: _Follower, rec: DeviceRecord) -> None:
        from particle_diag.devices.session import control_session
        from particle_diag.protocol import logconfig

        assert self.enable_level is not None
        request = logconfig.AddLogHandler(HANDLER_ID, logconfig.LEVELS[self.enable_level])
        version = rec.device_os or "unknown"
        try:
            with control_session(rec, self.host, probe=True) as client:
                client.call(R.ADD_LOG_HANDLER, logconfig.encode_add(request))
        except PdiagError as exc:
            follower._event("log-handler", f"Device OS {version} does not add a log handler over USB "
                                           f"({exc.message}); add `SerialLogHandler logHandler(LOG_LEVEL_"
                                           f"{self.enable_level.upper()});` to the application instead",
                            details={"added": False, "reference": exc.reference})
            return
        follower.handler_added = True
        follower._event("log-handler", f"added a USB serial log handler at level {self.enable_level} "
                                       f"(removed when the monitor stops)", details={"added": True})

    def remove_log_handlers(self) -> None:
        from particle_diag.devices.session import control_session
        from particle_diag.protocol import logconfig

        for f in self.followers:
            if not f.handler_added:
                continue
            try:
                found = self.find(f.record)
                if found is not None and found.usb is not None:
                    with control_session(found, self.host, probe=True) as client:
                        client.call(R.REMOVE_LOG_HANDLER, logconfig.encode_remove(HANDLER_ID))
            except PdiagError:
                pass  # a log handler lives in RAM: the next reset removes it anyway

    # -- running --------------------------------------------------------------------------------------------
    def run(self, sink: Callable[[Item], None], *, duration_s: float | None = None,
            until: re.Pattern[str] | None = None) -> MonitorResult:
        """Follow until ``until`` matches a line, ``duration_s`` passes or ``stop`` is set."""
        if self.enable_level is not None:
            for f in self.followers:
                if f.record.mode in READABLE_MODES and f.record.usb is not None:
                    self.add_log_handler(f, f.record)
        for f in self.followers:
            f.start()
        clock = self.host.clock
        deadline = None if duration_s is None else clock.monotonic() + duration_s
        lines = events = 0
        reason = "stopped"
        matched: LineSeen | None = None
        try:
            while True:
                if self.stop.is_set():
                    break
                if deadline is not None and clock.monotonic() >= deadline:
                    reason = "duration"
                    break
                try:
                    item = self._queue.get(timeout=timeouts.MONITOR_READ_S)
                except queue.Empty:
                    continue
                sink(item)
                if isinstance(item, LineSeen):
                    lines += 1
                    if until is not None and until.search(item.record.raw):
                        reason, matched = "matched", item
                        break
                else:
                    events += 1
        finally:
            self.halted.set()
            for f in self.followers:
                f.join(timeout=timeouts.THREAD_STOP_S)
            while True:  # what the readers saw before they stopped is still the user's
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if reason != "matched":
                    sink(item)
                    if isinstance(item, LineSeen):
                        lines += 1
                    else:
                        events += 1
            if self.enable_level is not None:
                self.remove_log_handlers()
        return MonitorResult(reason, lines, events, matched)

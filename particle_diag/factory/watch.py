"""``watch``: devices arriving, leaving and changing mode, by polling the bus at an interval.

Each poll lists the bus and probes the devices' modes (in parallel).  Probes do not reset the device's
control-request service, so a watcher never cancels a request another pdiag process is running, and devices
marked busy (being checked) are not probed at all.  A device that vanishes and comes back within
``settle_s`` (a mode change re-enumerates it) is a ``mode`` event, not ``removed`` + ``added``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from particle_diag.catalog import timeouts
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord

EVENTS = ("added", "removed", "mode")
DEFAULT_INTERVAL_S = timeouts.WATCH_INTERVAL_S
DEFAULT_SETTLE_S = timeouts.WATCH_SETTLE_S


@dataclass
class WatchEvent:
    event: str  # "added" | "removed" | "mode"
    device_id: str | None
    mode: str
    platform: str | None
    time: str  # ISO 8601, UTC
    elapsed_s: float  # since the watch started (host clock)
    previous_mode: str | None = None
    usb_path: str | None = None
    status: str | None = None
    record: DeviceRecord | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "device_id": self.device_id, "mode": self.mode, "platform": self.platform,
                "time": self.time, "elapsed_s": round(self.elapsed_s, 3), "previous_mode": self.previous_mode,
                "usb_path": self.usb_path, "status": self.status}


@dataclass
class _Known:
    record: DeviceRecord
    missing_since: float | None = None
    unknown_since: float | None = None  # seen answering nothing: a mode "unknown" must persist to count


def record_key(record: DeviceRecord) -> str:
    if record.device_id:
        return record.device_id
    return f"usb:{record.usb.path}" if record.usb else f"port:{record.serial_port}"


def probe_quietly(record: DeviceRecord, host: Host) -> None:
    """Like discovery's probe, but without RESET(0) on open: other processes' requests are left alone."""
    from particle_diag.devices.probe import probe_mode

    probe_mode(record, host)


def list_devices(host: Host, busy: frozenset[str] = frozenset()) -> list[DeviceRecord]:
    """Discovery with quiet probes; devices whose key is in ``busy`` are listed but not opened."""
    records = discover(host, probe=False)
    todo = [r for r in records if r.status == "normal" and r.usb is not None and record_key(r) not in busy]
    if todo:
        with ThreadPoolExecutor(max_workers=min(16, len(todo))) as pool:
            list(pool.map(lambda r: probe_quietly(r, host), todo))
    for r in records:
        if r.mode == "dfu" and r.usb is not None and r.status == "dfu" and record_key(r) not in busy:
            from particle_diag.devices.probe import probe_dfu_protection

            probe_dfu_protection(r, host)
    return records


class Watcher:
    def __init__(self, host: Host, *, settle_s: float = DEFAULT_SETTLE_S,
                 now: Callable[[], datetime] | None = None,
                 lister: Callable[[Host, frozenset[str]], list[DeviceRecord]] = list_devices) -> None:
        self.host = host
        self.settle_s = settle_s
        self._unreadable_since: dict[str, float] = {}
        self._now = now or (lambda: datetime.now(UTC))
        self._list = lister
        self._known: dict[str, _Known] = {}
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self.started = host.clock.monotonic()
        self.polls = 0

    # -- devices under check are not probed: their mode is whatever the check makes it --------------------
    def mark_busy(self, key: str) -> None:
        with self._lock:
            self._busy.add(key)

    def mark_idle(self, key: str) -> None:
        with self._lock:
            self._busy.discard(key)

    def devices(self) -> list[DeviceRecord]:
        """The devices currently known (for a live table), in bus order."""
        with self._lock:
            return [k.record for k in self._known.values() if k.missing_since is None]

    def is_busy(self, key: str) -> bool:
        with self._lock:
            return key in self._busy

    def _still_appearing(self, record: DeviceRecord, key: str, t: float) -> bool:
        """A device whose identity cannot be read yet is usually one caught mid-enumeration (its node is there,
        its strings not yet): give it ``settle_s`` before it counts as a device of its own."""
        unreadable = record.device_id is None and record.problem is not None and record.status != "inaccessible"
        if not unreadable:
            self._unreadable_since.pop(key, None)
            return False
        first = self._unreadable_since.setdefault(key, t)
        return t - first < self.settle_s

    def poll(self, *, report_present: bool = True) -> list[WatchEvent]:
        """Look at the bus once and return what changed since the last poll."""
        with self._lock:
            busy = frozenset(self._busy)
        records = self._list(self.host, busy)
        t = self.host.clock.monotonic()
        events: list[WatchEvent] = []
        seen: set[str] = set()
        with self._lock:
            for r in records:
                key = record_key(r)
                if key in seen:
                    continue
                if self._still_appearing(r, key, t):
                    continue
                seen.add(key)
                known = self._known.get(key)
                if known is None:
                    self._known[key] = _Known(r)
                    if report_present:
                        events.append(self._event("added", r, t))
                    continue
                known.missing_since = None
                if key in busy and r.mode == "unknown":
                    r.mode, r.status = known.record.mode, known.record.status  # not probed: keep what we knew
                old = known.record.mode
                if r.mode != old and r.mode == "unknown":
                    known.unknown_since = t if known.unknown_since is None else known.unknown_since
                    if t - known.unknown_since < self.settle_s:
                        continue  # still booting, or one slow answer: not a mode yet
                known.unknown_since = None
                known.record = r
                if r.mode != old:
                    events.append(self._event("mode", r, t, previous=old))
            for key, known in list(self._known.items()):
                if key in seen:
                    continue
                known.missing_since = t if known.missing_since is None else known.missing_since
                if t - known.missing_since >= self.settle_s:
                    del self._known[key]
                    events.append(self._event("removed", known.record, t))
        self.polls += 1
        return events

    def run(self, *, interval_s: float = DEFAULT_INTERVAL_S, duration_s: float | None = None,
            count: int | None = None, initial: bool = False,
            stop: threading.Event | None = None) -> Iterator[WatchEvent]:
        """Poll until ``duration_s`` has passed, ``count`` events were yielded or ``stop`` is set.

        Devices present at the first poll are ``added`` events only with ``initial``.
        """
        clock = self.host.clock
        self.started = clock.monotonic()
        emitted = 0
        first = True
        while True:
            for event in self.poll(report_present=initial or not first):
                yield event
                emitted += 1
                if count is not None and emitted >= count:
                    return
            first = False
            if stop is not None and stop.is_set():
                return
            left = None if duration_s is None else duration_s - (clock.monotonic() - self.started)
            if left is not None and left <= 0:
                return
            clock.sleep(interval_s if left is None else min(interval_s, left))

    def _event(self, kind: str, r: DeviceRecord, t: float, previous: str | None = None) -> WatchEvent:
        return WatchEvent(kind, r.device_id, r.mode, r.platform.name if r.platform else None,
                          self._now().isoformat(timespec="milliseconds"), t - self.started, previous,
                          r.usb.path if r.usb else None, r.status, r)


class WatchChecks:
    """``watch --check``: each device that arrives is checked against the station spec in the background (the
    watcher does not probe a device while it is checked); ``on_event`` gets a ``checked`` event per device."""

    def __init__(self, station: Any, host: Host, watcher: Watcher,
                 on_event: Callable[[dict[str, Any]], None]) -> None:
        from particle_diag.factory.runner import CheckRunner

        self.watcher = watcher
        self.on_event = on_event
        self.runner = CheckRunner(station, host)
        self.pool = ThreadPoolExecutor(max_workers=station.parallel or 32, thread_name_prefix="pdiag-watch-check")
        self.results: list[Any] = []
        self._lock = threading.Lock()

    def submit(self, record: DeviceRecord) -> None:
        key = record_key(record)
        if self.watcher.is_busy(key):
            return
        self.watcher.mark_busy(key)
        self.pool.submit(self._run, record, key)

    def _run(self, record: DeviceRecord, key: str) -> None:
        try:
            result = self.runner.check_one(record)
        finally:
            self.watcher.mark_idle(key)
        with self._lock:
            self.results.append(result)
        self.on_event({"event": "checked", "device_id": result.device_id, "mode": result.mode,
                       "platform": result.platform, "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                       "verdict": result.verdict, "exit_code": result.exit_code, "reason": result.reason or None,
                       "record": result.to_dict()})

    def finish(self) -> None:
        self.pool.shutdown(wait=True)

    def exit_code(self) -> int:
        from particle_diag.factory.runner import overall_exit_code

        with self._lock:
            return overall_exit_code(self.results)

    def error(self) -> dict[str, str] | None:
        """The JSON envelope's error when a device failed its check."""
        if self.exit_code() == 0:
            return None
        return {"reference": "check.failed", "message": "a device failed its check",
                "hint": "See data.events[] with event 'checked'."}

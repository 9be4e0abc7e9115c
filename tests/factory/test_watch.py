"""`watch`: devices arriving, leaving and changing mode, seen by polling a virtual bench in-process."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from particle_diag.clock import FakeClock
from particle_diag.factory.watch import Watcher, WatchEvent


class TickClock(FakeClock):
    """Fake time for the watcher's logic, plus a real millisecond pause so the bench's timers can fire."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        time.sleep(0.002)


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.005)


def _now() -> datetime:
    return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_watch_sees_mode_changes_and_removal(make_bench) -> None:  # type: ignore[no-untyped-def]
    vb = make_bench("boron,argon", clock=TickClock())
    boron, argon = vb.bench.devices
    watcher = Watcher(vb.host, settle_s=2.0, now=_now)
    events: list[WatchEvent] = []
    stop = threading.Event()
    thread = threading.Thread(target=lambda: events.extend(watcher.run(interval_s=0.1, stop=stop)), daemon=True)
    thread.start()
    try:
        _wait_for(lambda: watcher.polls >= 1)
        assert events == []  # devices already attached are not news (without initial=True)
        assert {r.device_id for r in watcher.devices()} == {boron.device_id, argon.device_id}

        boron.reset_into("dfu", 0)  # re-enumerates with the DFU PID: one "mode" event, not removed + added
        _wait_for(lambda: any(e.event == "mode" for e in events))
        argon.enter_listening()
        _wait_for(lambda: sum(e.event == "mode" for e in events) >= 2)
        argon.detach()
        _wait_for(lambda: any(e.event == "removed" for e in events))
        argon.attach("normal")
        _wait_for(lambda: any(e.event == "added" for e in events))
    finally:
        stop.set()
        thread.join(5)
    got = [(e.event, e.device_id, e.mode, e.previous_mode) for e in events]
    assert got == [("mode", boron.device_id, "dfu", "normal"), ("mode", argon.device_id, "listening", "normal"),
                   ("removed", argon.device_id, "listening", None), ("added", argon.device_id, "normal", None)]
    record = events[0].to_dict()
    assert set(record) >= {"event", "device_id", "mode", "platform", "time"}
    assert record["platform"] == "boron" and record["time"] == "2026-01-02T03:04:05.000+00:00"


def test_watch_stops_after_count_and_duration(make_bench) -> None:  # type: ignore[no-untyped-def]
    clock = TickClock()
    vb = make_bench("boron,argon,p2", clock=clock)
    events = list(Watcher(vb.host, now=_now).run(interval_s=1.0, count=2, initial=True))
    assert [e.event for e in events] == ["added", "added"]
    start = clock.now
    assert list(Watcher(vb.host).run(interval_s=1.0, duration_s=5.0)) == []
    assert clock.now - start == 5.0


def test_watch_jsonl_through_the_cli(pdiag) -> None:  # type: ignore[no-untyped-def]
    result = pdiag("--sim", "boron,argon:dfu", "watch", "--jsonl", "--initial", "--count", "2")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [(e["event"], e["platform"], e["mode"]) for e in lines] == [("added", "boron", "normal"),
                                                                       ("added", "argon", "dfu")]
    result = pdiag("--sim", "boron", "watch", "--duration", "0.2", "--interval", "0.1")
    assert result.code == 0 and result.out == ""


def test_watch_checks_each_new_device(pdiag, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "station.toml"
    spec.write_text('[expect]\nmin_device_os = "4.0.0"\n')
    result = pdiag("--sim", "boron,boron/3.3.0", "watch", "--jsonl", "--initial", "--count", "2", "--check",
                   str(spec))
    assert result.code == 9, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    checked = {e["device_id"]: e["verdict"] for e in lines if e["event"] == "checked"}
    assert sorted(checked.values()) == ["fail", "pass"]
    result = pdiag("--sim", "boron", "watch", "--initial", "--count", "1", "--check", str(spec))
    assert result.code == 0 and "added" in result.out and "PASS" in result.out


def test_a_device_caught_mid_enumeration_is_not_a_new_device() -> None:
    """Between leaving and re-joining the bus a device's node can exist before its strings can be read; that
    half-enumerated sight must not count as a device of its own (it did, as an "added" event, in CI loops)."""
    from particle_diag.catalog.platforms import by_name
    from particle_diag.devices.host import Host
    from particle_diag.devices.record import DeviceRecord
    from particle_diag.errors import ProtocolError
    from particle_diag.transport.usb import UsbIdentity

    boron = by_name("boron")
    normal = DeviceRecord("e00fce68aaaabbbbccccdddd", boron, "normal", "normal",
                          usb=UsbIdentity(0x2B04, 0xC00D, 1, 2, "1-1", "e00fce68aaaabbbbccccdddd", None, None))
    half = DeviceRecord(None, boron, "dfu", "unresponsive", problem=ProtocolError("strings not readable"),
                        usb=UsbIdentity(0x2B04, 0xD00D, 1, 3, "1-1", None, None, None, ProtocolError("x")))
    in_dfu = DeviceRecord("e00fce68aaaabbbbccccdddd", boron, "dfu", "dfu",
                          usb=UsbIdentity(0x2B04, 0xD00D, 1, 3, "1-1", "e00fce68aaaabbbbccccdddd", None, None))
    sights = iter([[normal], [half], [half], [in_dfu]])
    clock = FakeClock()
    watcher = Watcher(Host(clock=clock), settle_s=2.0, now=_now, lister=lambda host, busy: next(sights))
    events = watcher.poll(report_present=False)  # the device was there from the start: not news
    for _ in range(3):
        clock.sleep(0.5)
        events += watcher.poll()
    assert [(e.event, e.mode) for e in events] == [("mode", "dfu")]

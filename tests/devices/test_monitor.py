"""`pdiag monitor`'s engine on virtual devices: real ptys read through pyserial, the device followed across a
reset, DFU, listening mode and a re-plug; --send, --dir, --until and a panic restart."""

from __future__ import annotations

import re
import threading
import time

import pytest

from particle_diag.catalog import reset_reasons
from particle_diag.devices.discovery import discover
from particle_diag.devices.monitor import LineSeen, LogDirectory, Monitor, MonitorEvent, short_labels


class Run:
    """A monitor on its own thread; the test drives the devices and waits for what the monitor saw."""

    def __init__(self, vb, records=None, **kw) -> None:  # type: ignore[no-untyped-def]
        self.items: list = []
        self._lock = threading.Lock()
        self.monitor = Monitor(vb.host, records or discover(vb.host), **kw)
        self.result = None
        self._kw = {}

    def start(self, **run_kw):  # type: ignore[no-untyped-def]
        def sink(item):  # type: ignore[no-untyped-def]
            with self._lock:
                self.items.append(item)

        def go() -> None:
            self.result = self.monitor.run(sink, **run_kw)

        self.thread = threading.Thread(target=go, daemon=True)
        self.thread.start()
        return self

    def events(self, name: str | None = None) -> list[MonitorEvent]:
        with self._lock:
            return [i for i in self.items if isinstance(i, MonitorEvent) and (name is None or i.event == name)]

    def lines(self, device_id: str | None = None) -> list[LineSeen]:
        with self._lock:
            return [i for i in self.items if isinstance(i, LineSeen) and device_id in (None, i.device_id)]

    def wait(self, condition, timeout: float = 10.0, what: str = "condition"):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}: {[getattr(i, 'event', None) for i in self.items]}")

    def stop(self):  # type: ignore[no-untyped-def]
        self.monitor.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()
        return self.result


@pytest.fixture
def bench(make_bench):  # type: ignore[no-untyped-def]
    return lambda spec: make_bench(spec, poll_interval_s=0.02, probe_timeout_s=1.0)


def test_log_lines_are_parsed_and_tagged_with_the_device(bench):
    vb = bench("boron,argon")
    run = Run(vb).start()
    boron, argon = vb.bench.devices
    for device in (boron, argon):
        run.wait(lambda d=device: any(x.record.message.startswith("publish counter") for x in run.lines(d.device_id)),
                 what=f"log lines of {device.device_id}")
    result = run.stop()
    assert result.reason == "stopped"
    boot = next(x for x in run.lines(boron.device_id) if "boot:" in x.record.message)
    assert boot.record.level == "INFO" and boot.record.category == "app"
    assert f"reset reason {reset_reasons.POWER_DOWN} (POWER_DOWN)" in boot.record.message
    assert any(x.record.category == "system.nm" for x in run.lines(boron.device_id))
    assert {e.device_id for e in run.events("connected")} == {boron.device_id, argon.device_id}


def test_a_reset_is_followed_with_its_reason_and_the_log_goes_on(bench):
    vb = bench("boron")
    device = vb.device()
    run = Run(vb).start()
    run.wait(lambda: run.lines(), what="first lines")
    device.reset_into("normal")
    back = run.wait(lambda: run.events("back"), what="back")[0]
    assert [e.event for e in run.events() if e.event != "mode"][:3] == ["connected", "disconnected", "back"]
    assert back.mode == "normal" and back.after_s is not None and back.after_s >= 0
    assert back.details["reset_reason"] == reset_reasons.USER and back.details["reset_reason_name"] == "USER"
    after = run.wait(lambda: [x for x in run.lines() if x.host_time >= back.host_time and "counter" in x.record.raw],
                     what="lines after the reset")
    assert after
    run.stop()


def test_dfu_and_back_is_followed(bench):
    vb = bench("argon")
    device = vb.device()
    run = Run(vb).start()
    run.wait(lambda: run.lines(), what="first lines")
    device.reset_into("dfu")
    mode = run.wait(lambda: run.events("mode"), what="the DFU mode event")[0]
    assert mode.mode == "dfu" and "DFU mode" in mode.message
    device.reset_into("normal")
    back = run.wait(lambda: run.events("back"), what="back from DFU")[0]
    assert back.details["reset_reason"] == reset_reasons.DFU_MODE
    run.stop()


def test_a_replug_on_a_new_port_is_followed(bench):
    vb = bench("boron")
    device = vb.device()
    run = Run(vb).start()
    run.wait(lambda: run.events("connected"), what="connected")
    device.detach()
    run.wait(lambda: run.events("disconnected"), what="disconnected")
    device.attach("normal")
    back = run.wait(lambda: run.events("back"), what="back")[0]
    assert back.port == device.port.path  # the port of the new attachment (a pty may reuse its number)
    run.wait(lambda: [x for x in run.lines() if x.port == back.port], what="lines from the new port")
    run.stop()


def test_listening_mode_lets_go_of_the_port_until_it_ends(bench):
    vb = bench("boron")
    device = vb.device()
    run = Run(vb).start()
    run.wait(lambda: run.lines(), what="first lines")
    device.enter_listening()
    event = run.wait(lambda: run.events("mode"), timeout=15, what="listening detected")[0]
    assert event.mode == "listening"
    run.wait(lambda: not device.port.has_host(), what="the port let go")
    device.exit_listening()
    run.wait(lambda: run.events("back"), timeout=15, what="back in normal mode")
    run.stop()


def test_send_reaches_the_device_and_until_stops_at_the_echo(bench):
    vb = bench("boron")
    run = Run(vb, send="hello device").start(until=re.compile(r"received: hello device"), duration_s=10)
    run.thread.join(timeout=15)
    assert run.result.reason == "matched" and run.result.matched.record.message == "received: hello device"
    assert vb.device().app is not None and "hello device" in vb.device().app.received


def test_duration_ends_a_run_whose_pattern_never_matches(bench):
    vb = bench("boron")
    run = Run(vb).start(until=re.compile("never printed"), duration_s=1.0)
    run.thread.join(timeout=10)
    assert run.result.reason == "duration" and run.result.matched is None and run.result.lines > 0


def test_a_panic_restart_is_named_with_the_sos_hint(bench):
    vb = bench("boron+panic")
    run = Run(vb).start()
    back = run.wait(lambda: run.events("back"), timeout=15, what="the restart after the panic")[0]
    assert back.details["reset_reason"] == reset_reasons.PANIC
    assert "pdiag sos" in back.details["sos"]
    run.stop()


def test_dir_keeps_one_appended_file_per_device(bench, tmp_path):
    vb = bench("boron,argon")
    boron, argon = vb.bench.devices
    logs = LogDirectory(tmp_path / "logs")
    (tmp_path / "logs" / f"{argon.device_id}.log").write_text("earlier run\n")
    run = Run(vb).start()
    run.wait(lambda: len({x.device_id for x in run.lines() if "counter" in x.record.raw}) == 2, what="both devices")
    run.stop()
    for item in run.items:
        logs.write(item.device_id, item.record.raw if isinstance(item, LineSeen) else f"# {item.event}")
    logs.close()
    argon_text = (tmp_path / "logs" / f"{argon.device_id}.log").read_text()
    assert argon_text.startswith("earlier run\n") and "publish counter" in argon_text
    assert "# connected" in (tmp_path / "logs" / f"{boron.device_id}.log").read_text()
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == sorted(
        [f"{boron.device_id}.log", f"{argon.device_id}.log"])


def test_dir_never_writes_through_a_planted_symlink(tmp_path):
    from particle_diag.errors import UsageError

    target = tmp_path / "victim"
    target.write_text("keep me\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "e00fce68aaaaaaaaaaaaaaaa.log").symlink_to(target)
    logs = LogDirectory(tmp_path / "logs")
    with pytest.raises(UsageError):
        logs.write("e00fce68aaaaaaaaaaaaaaaa", "line")
    assert target.read_text() == "keep me\n"


def test_labels_are_the_shortest_prefixes_that_tell_devices_apart():
    labels = short_labels(["e00fce6808c51724bcd0b3be", "e00fce68f1ce604187f02db0", "3c0021000a47343338333633"])
    assert labels == {"e00fce6808c51724bcd0b3be": "e00fce680", "e00fce68f1ce604187f02db0": "e00fce68f",
                      "3c0021000a47343338333633": "3c0021"}


def test_enable_adds_a_handler_for_the_run_and_removes_it_after(bench):
    vb = bench("boron+logconfig")
    device = vb.device()
    run = Run(vb, enable_level="warn").start()
    event = run.wait(lambda: run.events("log-handler"), what="the handler added")[0]
    assert event.details["added"] is True and device.log_handlers == {"pdiag-monitor": 40}
    run.stop()
    assert device.log_handlers == {}

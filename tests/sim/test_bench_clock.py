"""The virtual bench keeps time with the clock it is given: on a FakeClock its devices' reset delays, re-plugs and
modem power-up pass inside the host's waits, in order, and no test waits wall time for them."""

from __future__ import annotations

import time

from particle_diag.clock import FakeClock, StoppableClock, call_later
from particle_diag.sim.bench import Bench
from particle_diag.sim.timing import REALISTIC, apply_timing


def test_fake_clock_timers_fire_in_order_inside_the_sleep_that_passes_them() -> None:
    clock = FakeClock()
    fired: list[tuple[str, float]] = []
    call_later(clock, 2.0, lambda: fired.append(("b", clock.monotonic())))
    call_later(clock, 0.5, lambda: fired.append(("a", clock.monotonic())))
    cancel = call_later(clock, 1.0, lambda: fired.append(("cancelled", clock.monotonic())))
    cancel()
    clock.sleep(1.0)
    assert fired == [("a", 0.5)] and clock.monotonic() == 1.0
    clock.sleep(5.0)
    assert fired == [("a", 0.5), ("b", 2.0)] and clock.monotonic() == 6.0


def test_a_timer_may_schedule_the_next_one() -> None:
    clock = FakeClock()
    seen: list[float] = []

    def tick() -> None:
        seen.append(clock.monotonic())
        if len(seen) < 3:
            call_later(clock, 1.0, tick)

    call_later(clock, 1.0, tick)
    clock.sleep(10.0)
    assert seen == [1.0, 2.0, 3.0]


def test_a_stoppable_clock_schedules_on_its_base() -> None:
    base = FakeClock()
    fired: list[float] = []
    call_later(StoppableClock(base), 3.0, lambda: fired.append(base.monotonic()))
    base.sleep(3.0)
    assert fired == [3.0]


def test_a_device_reset_takes_its_delay_of_bench_time_and_no_wall_time() -> None:
    clock = FakeClock()
    with Bench.from_spec("boron+slowreset", clock) as bench:  # 5 s from the request to leaving the bus
        device = bench.devices[0]
        started = time.monotonic()
        device.reset_into("dfu")
        clock.sleep(4.9)
        assert device.attached and device.mode == "normal"
        clock.sleep(0.2)
        assert device.attached and device.mode == "dfu" and device.enumeration == 2
        assert time.monotonic() - started < 1.0


def test_the_realistic_modem_powers_up_on_bench_time() -> None:
    clock = FakeClock()
    with Bench.from_spec("boron", clock) as bench:
        device = bench.devices[0]
        iccid = device.firmware.iccid
        apply_timing(bench, REALISTIC)
        assert device.firmware.iccid is None  # just plugged in: the modem is still powering up
        clock.sleep(REALISTIC.modem_power_up_s + 0.1)
        assert device.firmware.iccid == iccid


def test_closing_the_bench_waits_for_a_device_action_already_running_and_drops_the_rest() -> None:
    # `pdiag sim run` removes its umockdev testbed right after the bench closes; a device re-joining the bus on a
    # timer thread at that moment wrote into the directory being removed and umockdev aborted the process.
    import threading


    bench = Bench.from_spec("boron")  # the system clock: timers run on their own threads, as in sim run
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def slow_rejoin() -> None:
        started.set()
        release.wait(5)
        done.append("rejoined")

    bench._schedule(0.0, slow_rejoin)
    bench._schedule(0.2, lambda: done.append("late"))
    assert started.wait(5)
    closer = threading.Thread(target=bench.close)
    closer.start()
    closer.join(0.1)
    assert closer.is_alive(), "close() returned while a device action was still running"
    release.set()
    closer.join(5)
    assert not closer.is_alive() and done == ["rejoined"]
    time.sleep(0.3)  # the cancelled timer's due time passes on the wall clock (the system clock's own timer)
    assert done == ["rejoined"]


def test_a_closed_status_file_writes_nothing_more(tmp_path) -> None:
    from particle_diag.sim.status import StatusFile

    bench = Bench.from_spec("boron")
    path = tmp_path / "status.json"
    status = StatusFile(bench, str(path))
    assert path.exists()
    status.close()
    path.unlink()
    bench.start()  # the device joins the bus: its event would have rewritten the file
    bench.close()
    assert list(tmp_path.iterdir()) == []

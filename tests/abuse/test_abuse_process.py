"""Abuse tier, processes: every sim fault x every device command, Ctrl-C at each step, two processes at once.

Each case runs the real CLI in this process against a ``--sim`` bench (the real pyusb and pyserial code paths)
and asserts what a user checks: the exit code, exactly one error line naming its reference with a hint under
it, no traceback, and the virtual device's real mode afterwards.  Ctrl-C is delivered as a real SIGINT at a
known step: when the virtual device runs a given control request, or leaves the bus after a mode request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from particle_diag.cli.interrupt import current_stop
from particle_diag.sim.bench import Bench

BORON = "e00fce6808c51724bcd0b3be"  # the first virtual Boron's deterministic ID (sim/spec.py)
ARGON = "e00fce68f1ce604187f02db0"
# Short enough that a busy or mute device costs little; long enough that a healthy virtual device answers its
# probe on a loaded machine (at 0.3 s, with four test workers on two cores, a probe of the +vanish device timed
# out before it reached the request that unplugs it, and the case ended in mode.timeout).
FAST = ["--probe-timeout", "1"]
MODE_TIMEOUT = ["--timeout", "1"]


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if line.startswith(("error:", "FAIL", "INTERRUPTED"))]


def assert_one_error(result: Any, reference: str) -> None:
    text = result.out + result.err
    assert "Traceback" not in text
    errors = error_lines(text)
    assert len(errors) == 1, text
    assert f"({reference})" in errors[0], text
    after = text.splitlines()[text.splitlines().index(errors[0]) + 1:]
    assert any(line.strip().startswith("hint:") and len(line.strip()) > 10 for line in after), text


# -- every fault x every device command --------------------------------------------------------------------
# (flag, command) -> (exit code, reference or None, the device's mode afterwards).  What a command cannot do
# to a device in that state it refuses with the fault's own reference; the device is left in its mode.
COMMANDS = {"list": ["list"], "identify": ["identify"], "enter-dfu": ["enter", "dfu", *MODE_TIMEOUT],
            "enter-listening": ["enter", "listening", *MODE_TIMEOUT], "enter-safe": ["enter", "safe", *MODE_TIMEOUT],
            "enter-normal": ["enter", "normal", *MODE_TIMEOUT], "reset": ["reset", *MODE_TIMEOUT],
            "dfu-info": ["dfu", "info"]}
OK = (0, None)
EXPECTED: dict[str, dict[str, tuple[int, str | None, str]]] = {
    "": {"list": (*OK, "normal"), "identify": (*OK, "normal"), "enter-dfu": (*OK, "dfu"),
         "enter-listening": (*OK, "listening"), "enter-safe": (*OK, "safe"), "enter-normal": (*OK, "normal"),
         "reset": (*OK, "normal"), "dfu-info": (2, "dfu.not-in-dfu", "normal")},
    "busy": {"list": (*OK, "normal"), "identify": (6, "device.busy", "normal"), "enter-dfu": (*OK, "dfu"),
             "enter-listening": (6, "device.busy", "normal"), "enter-safe": (6, "device.busy", "normal"),
             "enter-normal": (6, "device.busy", "normal"), "reset": (*OK, "normal"),
             "dfu-info": (2, "dfu.not-in-dfu", "normal")},
    "mute": {"list": (*OK, "normal"), "identify": (6, "device.mute", "normal"), "enter-dfu": (*OK, "dfu"),
             "enter-listening": (6, "device.mute", "normal"), "enter-safe": (6, "device.mute", "normal"),
             "enter-normal": (6, "device.mute", "normal"), "reset": (*OK, "normal"),
             "dfu-info": (2, "dfu.not-in-dfu", "normal")},
    "vanish": {"list": (*OK, "normal"), "identify": (7, "device.gone", "normal"),
               "enter-dfu": (7, "device.gone", "normal"), "enter-listening": (7, "device.gone", "normal"),
               "enter-safe": (7, "device.gone", "normal"), "enter-normal": (7, "device.gone", "normal"),
               "reset": (7, "device.gone", "normal"), "dfu-info": (2, "dfu.not-in-dfu", "normal")},
    "noreturn": {"identify": (*OK, "normal"), "enter-dfu": (6, "mode.timeout", "normal"),
                 "enter-listening": (*OK, "listening"), "enter-safe": (6, "mode.timeout", "normal"),
                 "reset": (6, "mode.timeout", "normal")},
    "wrongmode": {"enter-dfu": (15, "mode.wrong", "normal"), "enter-listening": (*OK, "listening"),
                  "reset": (*OK, "normal")},
    "nolisten": {"enter-listening": (8, "mode.listening-disabled", "normal"), "enter-dfu": (*OK, "dfu"),
                 "enter-safe": (*OK, "safe")},
    "noaccess": {"list": (*OK, "normal"), "identify": (5, "host.permission", "normal"),
                 "enter-dfu": (5, "host.permission", "normal"), "enter-listening": (5, "host.permission", "normal"),
                 "enter-safe": (5, "host.permission", "normal"), "enter-normal": (5, "host.permission", "normal"),
                 "reset": (5, "host.permission", "normal")},
    "protected": {"list": (*OK, "normal"), "identify": (*OK, "normal"),
                  "enter-dfu": (10, "device.protected", "normal"),
                  "enter-listening": (10, "device.protected", "normal"),
                  "enter-safe": (10, "device.protected", "normal"), "reset": (10, "device.protected", "normal")},
    "unknownpid": {"list": (*OK, "normal"), "identify": (*OK, "normal"), "enter-dfu": (*OK, "dfu"),
                   "enter-listening": (8, "device.unknown-pid", "normal"),
                   "enter-safe": (8, "device.unknown-pid", "normal"),
                   "enter-normal": (8, "device.unknown-pid", "normal"),
                   "reset": (8, "device.unknown-pid", "normal")},
    "faildep": {"enter-dfu": (*OK, "dfu"), "enter-normal": (15, "mode.wrong", "safe"), "reset": (*OK, "safe")},
}
FAULT_CASES = [(flag, command, *expected) for flag, table in EXPECTED.items() for command, expected in table.items()]


@pytest.mark.parametrize(("flag", "command", "code", "reference", "mode_after"), FAULT_CASES,
                         ids=[f"{c[0] or 'healthy'}-{c[1]}" for c in FAULT_CASES])
def test_fault_x_command(pdiag, benches, flag, command, code, reference, mode_after):
    spec = "boron" + (f"+{flag}" if flag else "")
    result = pdiag("--sim", spec, *FAST, *COMMANDS[command])
    assert result.code == code, result.out + result.err
    if reference is None:
        assert not error_lines(result.out + result.err) and "Traceback" not in result.err
    else:
        assert_one_error(result, reference)
    assert benches[-1].devices[0].mode == mode_after


# Devices in DFU mode: another program holding the interface, a bootloader asking for very long waits.
DFU_CASES = [
    ("argon:dfu+claimed", ["dfu", "read", "{tmp}/out.bin", "--address", "0xB4000", "--length", "16"], 14,
     "device.in-use-other", "dfu"),
    ("argon:dfu+claimed", ["dfu", "erase", "--address", "0xB4000", "--length", "16"], 14, "device.in-use-other",
     "dfu"),
    ("argon:dfu+claimed", ["enter", "normal"], 14, "device.in-use-other", "dfu"),
    ("argon:dfu+claimed", ["reset"], 14, "device.in-use-other", "dfu"),
    ("argon:dfu+claimed", ["list"], 0, None, "dfu"),
    ("argon:dfu+longpoll", ["dfu", "erase", "--address", "0xB4000", "--length", "16"], 0, None, "dfu"),
    ("argon:dfu+longpoll", ["enter", "normal"], 0, None, "normal"),
    ("argon:dfu+protected", ["dfu", "read", "{tmp}/out.bin", "--address", "0xB4000", "--length", "16"], 10,
     "dfu.protected", "dfu"),
    # left DFU and never came back: off the bus, its last mode still dfu
    ("argon:dfu+noreturn", ["enter", "normal", "--timeout", "1"], 6, "mode.timeout", "dfu"),
    # back in normal mode whatever was asked; listening is then asked for again, without a reset
    ("argon:dfu+wrongmode", ["enter", "listening", "--timeout", "3"], 0, None, "listening"),
]


@pytest.mark.parametrize(("spec", "args", "code", "reference", "mode_after"), DFU_CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1][:2])}" for c in DFU_CASES])
def test_dfu_faults(pdiag, benches, tmp_path, spec, args, code, reference, mode_after):
    started = time.monotonic()
    result = pdiag("--sim", spec, *FAST, *[a.format(tmp=tmp_path) for a in args])
    assert result.code == code, result.out + result.err
    if reference is None:
        assert not error_lines(result.out + result.err)
    else:
        assert_one_error(result, reference)
    assert benches[-1].devices[0].mode == mode_after
    if "longpoll" in spec:  # the device asked for 200 s per request: capped (timeouts.DFU_POLL_CAP_S)
        assert time.monotonic() - started < 10


# -- Ctrl-C at each step ---------------------------------------------------------------------------------------
GET_DEVICE_MODE = 72  # the listing's probe: before pdiag sends anything that changes the device


def press_ctrl_c_when(benches_hook: list[Callable[[Any], None]], *, request: int | None = None,
                      event: str | None = None, times: list[float] | None = None) -> None:
    """Deliver SIGINT to this process the first time a virtual device runs ``request`` or has ``event``."""
    fired: list[bool] = []

    def fire() -> None:
        if not fired:
            fired.append(True)
            if times is not None:
                times.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
            # A person's Ctrl-C lands while the device handles the request: hold the device's reply until pdiag's
            # handler has run (on the main thread, soon after), as it would have long before a real device replies.
            # Without this, on a loaded machine the whole command could finish first and rightly exit 0.
            current_stop().wait(5)

    def on_bench(bench: Any) -> None:
        for device in bench.devices:
            if request is not None:
                device.request_listeners.append(lambda type_id: type_id == request and fire())
            if event is not None:
                device.listeners.append(lambda kind, _device: kind == event and fire())

    benches_hook.append(on_bench)


INTERRUPTIONS = [
    # (spec, command, when, device state words, recovery command, mode afterwards)
    ("boron", ["enter", "dfu"], {"request": GET_DEVICE_MODE}, "normal mode, unchanged", "", "normal"),
    ("boron", ["enter", "safe"], {"request": GET_DEVICE_MODE}, "normal mode, unchanged", "", "normal"),
    ("boron", ["reset"], {"request": GET_DEVICE_MODE}, "normal mode, unchanged", "", "normal"),
    ("boron+noreturn", ["enter", "dfu"], {"event": "remove"}, "switching from normal to dfu mode",
     f"pdiag enter normal {BORON}", None),
    ("boron+noreturn", ["enter", "safe"], {"event": "remove"}, "switching from normal to safe mode",
     f"pdiag enter normal {BORON}", None),
    ("boron+noreturn", ["reset"], {"event": "remove"}, "restarting", f"pdiag reset {BORON}", None),
    ("boron:listening+noreturn", ["enter", "dfu"], {"event": "remove"}, "switching from listening to dfu mode",
     f"pdiag enter listening {BORON}", None),
    ("argon:dfu+noreturn", ["enter", "normal"], {"event": "remove"}, "switching from dfu to normal mode",
     f"pdiag enter dfu {ARGON}", None),
    ("argon:dfu+noreturn", ["enter", "listening"], {"event": "remove"}, "switching from dfu to listening mode",
     f"pdiag enter dfu {ARGON}", None),
    ("boron+slowreset", ["enter", "dfu"], {"request": 50}, "switching from normal to dfu mode",
     f"pdiag enter normal {BORON}", "normal"),
]


@pytest.mark.parametrize(("spec", "command", "when", "state", "recovery", "mode_after"), INTERRUPTIONS,
                         ids=[f"{c[0]}-{'-'.join(c[1])}-{next(iter(c[2].values()))}" for c in INTERRUPTIONS])
def test_ctrl_c_names_the_step_the_state_and_the_recovery(pdiag, benches, spec, command, when, state, recovery,
                                                         mode_after):
    press_ctrl_c_when(Bench.observers, **when)
    result = pdiag("--sim", spec, *FAST, *command)
    assert result.code == 130, result.out + result.err
    assert "Traceback" not in result.err
    lines = [line.strip() for line in result.err.splitlines() if line.strip()]
    interrupted = [i for i, line in enumerate(lines) if line.startswith(("error:", "INTERRUPTED"))]
    assert len(interrupted) == 1 and "(interrupted)" in lines[interrupted[0]], result.err
    device_line, hint_line = lines[interrupted[0] + 1], lines[interrupted[0] + 2]
    assert device_line.startswith("device:") and state in device_line, result.err
    assert hint_line.startswith("hint:")
    assert (f"`{recovery}`" in hint_line) if recovery else "Nothing needs recovering" in hint_line
    if mode_after is not None:
        assert benches[-1].devices[0].mode == mode_after


def test_ctrl_c_with_json_prints_one_envelope_saying_the_same(pdiag, benches):
    press_ctrl_c_when(Bench.observers, event="remove")
    result = pdiag("--sim", "boron+noreturn", "--json", *FAST, "enter", "dfu")
    assert result.code == 130
    envelope = json.loads(result.out)  # exactly one JSON document on stdout
    error = envelope["error"]
    assert envelope["ok"] is False and error["reference"] == "interrupted"
    assert error["recovery"] == f"pdiag enter normal {BORON}"
    assert "dfu" in error["step"] and "switching from normal to dfu" in error["device_state"]


@pytest.mark.parametrize("target", ["dfu", "safe", "listening"])
def test_ctrl_c_on_all_reports_every_device_within_2_s(pdiag, benches, target):
    times: list[float] = []
    press_ctrl_c_when(Bench.observers, request={"dfu": 50, "safe": 60, "listening": 70}[target],
                      times=times)
    result = pdiag("--sim", "boron+noreturn,argon+noreturn,p2+noreturn", "--json", *FAST, "enter", target, "--all")
    returned = time.monotonic()
    assert result.code == 130
    devices = json.loads(result.out)["data"]["devices"]
    assert len(devices) == 3 and all(d["error"] or d["ok"] for d in devices)
    assert any(d["error"] and d["error"]["reference"] == "interrupted" for d in devices)
    # ~0.1 s on an idle machine (STOP_GRACE_S caps it at 1.2 s plus closing the bench); the bound is loose
    # because test suites share this machine's two cores, and still far from the 60 s of a wait that ignores it
    assert returned - times[0] < 5.0


def test_ctrl_c_during_watch_keeps_every_event(pdiag, benches):
    press_ctrl_c_when(Bench.observers, request=GET_DEVICE_MODE)
    result = pdiag("--sim", "boron,argon", "--json", "watch", "--initial", "--interval", "0.05")
    assert result.code == 0
    events = json.loads(result.out)["data"]["events"]
    assert {e["device_id"] for e in events} == {BORON, ARGON}


# -- two processes at once ---------------------------------------------------------------------------------
HOLDER = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\\nuse\\npdiag flash firmware.bin\\n".encode())
    print("held", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def other_process() -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Another process holding a virtual device's lock (as a second pdiag would), until the test ends."""
    procs: list[subprocess.Popen[str]] = []

    def hold(device_id: str) -> subprocess.Popen[str]:
        # an in-process --sim bench belongs to this process: its lock key carries this pid (devices/lock.py)
        path = os.path.join(os.environ["PDIAG_LOCK_DIR"], f"sim-{os.getpid()}-{device_id}.lock")
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return proc

    yield hold
    for proc in procs:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
        proc.wait(timeout=10)


LOCKED = [
    ("boron", ["identify"], "normal"),
    ("boron", ["enter", "dfu"], "normal"),
    ("boron", ["enter", "listening"], "normal"),
    ("boron", ["enter", "safe"], "normal"),
    ("boron:listening", ["enter", "normal"], "listening"),
    ("boron", ["reset"], "normal"),
    ("boron", ["--wait-lock", "0.2", "reset"], "normal"),
    ("boron:dfu", ["dfu", "info"], "dfu"),
    ("boron:dfu", ["enter", "normal"], "dfu"),
    ("boron:dfu", ["dfu", "erase", "--address", "0xB4000", "--length", "16"], "dfu"),
]


@pytest.mark.parametrize(("spec", "args", "mode_after"), LOCKED, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in LOCKED])
def test_a_device_in_use_by_another_process_is_refused(pdiag, benches, other_process, spec, args, mode_after):
    holder = other_process(BORON)
    result = pdiag("--sim", spec, *FAST, *args)
    assert result.code == 14, result.out + result.err
    assert_one_error(result, "device.in-use")
    assert f"in use by pid {holder.pid} (pdiag flash firmware.bin)" in result.out + result.err
    assert benches[-1].devices[0].mode == mode_after
    assert benches[-1].devices[0].request_log == []  # not one request reached the device


def test_list_shows_a_device_in_use_without_opening_it(pdiag, benches, other_process):
    holder = other_process(BORON)
    result = pdiag("--sim", "boron,argon", "--json", *FAST, "list")
    assert result.code == 0
    by_id = {d["device_id"]: d for d in result.json["data"]["devices"]}
    assert by_id[BORON]["status"] == "in-use" and str(holder.pid) in by_id[BORON]["problem"]["message"]
    assert by_id[ARGON]["status"] == "normal"
    assert benches[-1].devices[0].request_log == []


def test_wait_lock_waits_for_the_other_process(pdiag, benches, other_process):
    holder = other_process(BORON)
    # the other process finishes while this one waits (a real process: its end cannot be an injected clock)
    threading_timer = __import__("threading").Timer(0.3, lambda: holder.stdin.close())  # type: ignore[union-attr]
    threading_timer.start()
    result = pdiag("--sim", "boron", *FAST, "enter", "dfu", "--wait-lock")
    threading_timer.join()
    assert result.code == 0, result.out + result.err
    assert benches[-1].devices[0].mode == "dfu"


def test_wait_lock_says_what_it_waits_for(pdiag, benches, other_process):
    holder = other_process(BORON)
    timer = __import__("threading").Timer(1.4, lambda: holder.stdin.close())  # type: ignore[union-attr]
    timer.start()
    result = pdiag("-v", "--sim", "boron", *FAST, "--wait-lock", "20", "enter", "dfu")
    timer.join()
    assert result.code == 0, result.out + result.err
    # listed while held: its mode could not be read ("unknown")
    assert (f"waiting for {BORON} (Boron, unknown, 1-1), in use by pid {holder.pid} (pdiag flash firmware.bin): "
            "1 s of 20 s") in result.err


def test_no_process_cancels_another_ones_request(make_bench):
    """A listing's probe shares the lock and sends no RESET(0): a request in flight survives it."""
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.session import control_session

    vb = make_bench("boron")
    device = vb.device()
    device.behaviour.service.processing_s = 0.2  # the first request is still running when the listing probes
    (record,) = discover(vb.host)
    with control_session(record, vb.host, probe=True) as client:
        import threading

        answers: list[Any] = []
        worker = threading.Thread(target=lambda: answers.append(client.request(72)))
        worker.start()
        discover(vb.host)  # another listing in the middle of it
        worker.join()
    assert answers and answers[0].result == 0  # not "cancelled by the device"


# -- Ctrl-C inside a raw DFU write or erase: the injected clock stops at its Nth wait ------------------------
class StopAfter:
    """A fake clock (no wall time) whose stop event is set at its ``n``-th sleep: Ctrl-C between two blocks."""

    def __init__(self, n: int) -> None:
        import threading

        from particle_diag.clock import FakeClock

        self.fake, self.n, self.stop = FakeClock(), n, threading.Event()

    def monotonic(self) -> float:
        return self.fake.monotonic()

    def sleep(self, seconds: float) -> None:
        self.fake.sleep(seconds)
        if len(self.fake.sleeps) >= self.n:
            self.stop.set()


@pytest.mark.parametrize("operation", ["write", "erase"])
@pytest.mark.parametrize("after", [1, 3])
def test_ctrl_c_between_dfu_blocks_says_what_is_half_done(make_bench, operation, after):
    from particle_diag.clock import StoppableClock
    from particle_diag.devices.dfu_session import dfu_session, erase_memory, write_memory
    from particle_diag.devices.discovery import discover
    from particle_diag.errors import OperationInterrupted

    base = StopAfter(after)
    vb = make_bench("argon:dfu+slowflash", clock=StoppableClock(base, base.stop))  # bwPollTimeout > 0: waits
    (record,) = discover(vb.host)
    with dfu_session(record, vb.host) as session, pytest.raises(OperationInterrupted) as caught:
        if operation == "write":
            write_memory(session, 0, 0xB4000, bytes(4096 * 4), rerun="pdiag dfu write image.bin --address 0xB4000")
        else:
            erase_memory(session, 0, 0xB4000, 4096 * 4, rerun="pdiag dfu erase --address 0xB4000 --length 0x4000")
    error = caught.value
    assert error.exit_code == 130 and "0x000B4000" in error.step
    assert "partly done" in error.device_state and error.recovery.startswith(f"pdiag dfu {operation}")
    assert vb.device().mode == "dfu"  # still in DFU mode, ready for the re-run

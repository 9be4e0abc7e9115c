"""Shared fixtures: a virtual bench behind the real pyusb and pyserial code, and the CLI run in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from particle_diag.clock import SYSTEM_CLOCK
from particle_diag.devices.host import Host
from particle_diag.knowledge import Knowledge, load
from particle_diag.sim.attach import port_lister
from particle_diag.sim.bench import Bench
from particle_diag.sim.pyusb_backend import BenchBackend
from particle_diag.transport.usb import UsbBus


@pytest.fixture(scope="session", autouse=True)
def private_lock_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Device locks of this test session in a directory of its own: other test sessions on this machine use the
    same virtual device IDs (inside `pdiag sim run` they are locked like real devices) and must not contend."""
    import os

    path = tmp_path_factory.mktemp("locks")
    path.chmod(0o700)
    previous = os.environ.get("PDIAG_LOCK_DIR")
    os.environ["PDIAG_LOCK_DIR"] = str(path)
    yield
    if previous is None:
        os.environ.pop("PDIAG_LOCK_DIR", None)
    else:
        os.environ["PDIAG_LOCK_DIR"] = previous


@dataclass
class VirtualBench:
    bench: Bench
    host: Host

    def device(self, prefix: str = "") -> Any:
        return self.bench.device(prefix) if prefix else self.bench.devices[0]


@pytest.fixture
def make_bench() -> Iterator[Callable[..., VirtualBench]]:
    """Start a virtual bench from a --sim spec; the host reaches it through pyusb and pyserial.  A ``clock`` is
    shared by the host and the bench: on a FakeClock the devices' reset delays and timers pass inside the host's
    waits, in no wall time."""
    started: list[Bench] = []

    def make(spec: str, **host_options: Any) -> VirtualBench:
        clock = host_options.get("clock")
        bench = Bench.from_spec(spec, SYSTEM_CLOCK if clock is None else clock).start()
        started.append(bench)
        host = Host(UsbBus(BenchBackend(bench)), port_lister(bench), simulated=True, **host_options)
        return VirtualBench(bench, host)

    yield make
    for bench in started:
        bench.close()


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The knowledge base as pdiag ships it."""
    return load()


@pytest.fixture
def benches(monkeypatch: pytest.MonkeyPatch) -> list[Bench]:
    """Every virtual bench started during the test (the in-process CLI starts its own from --sim), to look at its
    devices afterwards.  ``Bench.observers`` is the test's own list: callbacks a test adds go away with it."""
    started: list[Bench] = []
    monkeypatch.setattr(Bench, "observers", [started.append])
    return started


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


@pytest.fixture
def script() -> Callable[[str], Any]:
    """``script("gen_root_help")``: a script of scripts/ loaded as a module (a generator's ``render()`` is the text
    it writes: tests compare the committed file with it)."""
    import importlib.util
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "scripts"

    def load(name: str) -> Any:
        spec = importlib.util.spec_from_file_location(name, scripts / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def pdiag(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run `pdiag ARGS` in this process (as the console script does) and capture what it prints."""
    from particle_diag.cli.main import main

    for name in ("PDIAG_SIM", "PDIAG_JSON", "PDIAG_TRACE", "PDIAG_VERBOSE", "PDIAG_REQUEST_TIMEOUT",
                 "PDIAG_MODE_TIMEOUT", "PDIAG_PROBE_TIMEOUT", "PDIAG_SIM_TIMING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# -- which tiers ran ------------------------------------------------------------------------------------------
# ./scripts/test ends by saying which tiers ran and which were skipped, and why (docs/testing.md).  A test's tier
# is its most specific marker; unmarked tests are the unit tier.
TIERS = (("peer", "dfu-util peer"), ("integration", "umockdev integration"), ("abuse", "abuse"),
         ("fuzz", "fuzz"), ("", "unit"))
_tier_results: dict[str, dict[str, int]] = {}
_tier_skips: dict[str, dict[str, int]] = {}


def _tier(keywords: Any) -> str:
    return next(name for marker, name in TIERS if not marker or marker in keywords)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (./scripts/test): twice the usable cores, at least 2 and at most 8, or $PDIAG_TEST_WORKERS.  Most
    of a test's wall time is waiting (a pty's reply, a device re-joining the bus, a subprocess starting), not CPU."""
    configured = os.environ.get("PDIAG_TEST_WORKERS")
    if configured:
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(2, min(8, 2 * cores))


# Lines a test adds to the run's summary (the LED corpus accuracy) travel as user properties of its report, the one
# channel pytest-xdist carries from a worker to the process that prints.
LED_REPORT_PROPERTY = "led_corpus_report"
_led_report: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _led_report.extend(str(value) for name, value in report.user_properties
                       if name == LED_REPORT_PROPERTY and report.when == "call")
    if report.when != "call" and not (report.skipped or report.failed):
        return
    tier = _tier(report.keywords)
    counts = _tier_results.setdefault(tier, {"passed": 0, "failed": 0, "skipped": 0})
    if report.skipped:
        counts["skipped"] += 1
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        _tier_skips.setdefault(tier, {}).setdefault(reason, 0)
        _tier_skips[tier][reason] += 1
    elif report.failed:
        counts["failed"] += 1
    elif report.when == "call":
        counts["passed"] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _led_report:
        terminalreporter.section("LED description corpus")
        for line in _led_report:
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own summary line, so that it is the last thing ./scripts/test prints."""
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None or not _tier_results:
        return
    write = terminalreporter.write_line
    terminalreporter.section("test tiers")
    for _, name in reversed(TIERS):
        counts = _tier_results.get(name)
        if not counts:
            write(f"{name:22s} not run: no test of this tier was selected or collected")
            continue
        ran = counts["passed"] + counts["failed"]
        verdict = "ran" if ran else "SKIPPED"
        write(f"{name:22s} {verdict}: {counts['passed']} passed, {counts['failed']} failed, "
              f"{counts['skipped']} skipped")
        for reason, n in sorted(_tier_skips.get(name, {}).items(), key=lambda kv: -kv[1])[:3]:
            write(f"{'':22s}   skipped {n}: {reason}")

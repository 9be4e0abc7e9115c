"""Integration tier: pdiag and real peers run as subprocesses against a umockdev testbed (Linux).

Two ways in:
* ``sim_run(...)`` runs ``pdiag sim run --bench SPEC -- COMMAND`` end to end (the testbed lives in that pdiag
  process, which re-executes itself under libumockdev-preload);
* the ``attach`` fixture owns a testbed in this process (``UmockdevBench``), so a test can reach into the
  device logic (unplug a device, read its flash) while a subprocess uses it.  Processes that are already
  running only see devices come and go through uevents, which this process can send only when it is itself
  preloaded: ``scripts/test`` runs pytest under ``umockdev-wrapper`` (particle_diag/sim/umockdev.py,
  caveat 1: umockdev's uevent sender needs the preload in the owning process).

Where umockdev or PyGObject is missing the tests skip with the reason; with PDIAG_REQUIRE_UMOCKDEV=1 (CI)
they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from particle_diag.errors import EnvironmentMissingError

REQUIRED = os.environ.get("PDIAG_REQUIRE_UMOCKDEV", "") not in ("", "0")
PDIAG = [sys.executable, "-m", "particle_diag"]


def unavailable(reason: str) -> None:
    """Skip, or fail where the environment promised the tier (CI sets PDIAG_REQUIRE_UMOCKDEV=1)."""
    if REQUIRED:
        pytest.fail(f"PDIAG_REQUIRE_UMOCKDEV=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def require_umockdev() -> None:
    from particle_diag.sim.umockdev import load_umockdev

    try:
        load_umockdev()
    except EnvironmentMissingError as exc:
        unavailable(f"umockdev tier unavailable: {exc.message}")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed")
    assert path is not None
    return path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(args: list[str], env: dict[str, str] | None = None, timeout: float = 30) -> Result:
    started = time.monotonic()
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - started)


def sim_run(spec: str, *command: str, timeout: float = 30) -> Result:
    """``pdiag sim run --bench SPEC -- COMMAND`` from a clean environment (no testbed in this process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("UMOCKDEV_DIR", "PDIAG_SIM")}
    return run([*PDIAG, "sim", "run", "--bench", spec, "--", *command], env, timeout)


def wait_for(condition: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> object:
    """Poll with a deadline (no fixed sleeps): returns the first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def umockdev_available() -> None:
    require_umockdev()


@pytest.fixture(name="sim_run")
def sim_run_fixture() -> Callable[..., Result]:
    require_umockdev()
    return sim_run


@pytest.fixture(name="pdiag_in")
def pdiag_in_fixture() -> Callable[..., Result]:
    return pdiag_in


@pytest.fixture(name="wait_for")
def wait_for_fixture() -> Callable[..., object]:
    return wait_for


@pytest.fixture(name="require_hotplug")
def require_hotplug_fixture() -> Callable[[object], None]:
    return require_hotplug


@pytest.fixture(name="dfu_util")
def dfu_util_fixture() -> str:
    return require_tool("dfu-util")


@pytest.fixture
def attach() -> Iterator[Callable[..., object]]:
    """``attach(spec)`` -> a started UmockdevBench owned by this process; closed after the test."""
    require_umockdev()
    if os.environ.get("UMOCKDEV_DIR"):
        pytest.fail("another umockdev testbed is still alive in this process (UMOCKDEV_DIR is set)")
    from particle_diag.sim.umockdev import UmockdevBench

    made: list[UmockdevBench] = []

    def start(spec: str) -> UmockdevBench:
        testbed = UmockdevBench.start(spec)
        made.append(testbed)
        return testbed

    yield start
    for testbed in made:
        testbed.close()  # deterministic teardown: the Testbed's finalizer unsets UMOCKDEV_DIR (caveat 2)


def pdiag_in(testbed: object, *args: str, timeout: float = 30) -> Result:
    """Run pdiag (no --sim) as a subprocess that sees ``testbed``."""
    env = testbed.client_env()  # type: ignore[attr-defined]
    env.pop("PDIAG_SIM", None)
    return run([*PDIAG, *args], env, timeout)


def require_hotplug(testbed: object) -> None:
    if not testbed.hotplug:  # type: ignore[attr-defined]
        unavailable("this test process is not preloaded with libumockdev-preload, so running programs cannot "
                    "see devices come and go; run it through scripts/test (umockdev-wrapper)")

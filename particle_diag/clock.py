"""Injectable time source, so code that waits runs instantly in tests; and the stop request (Ctrl-C).

Every wait in pdiag sleeps through the clock it was given.  A ``StoppableClock`` ends such a wait as soon as
its stop event is set (the CLI sets it on SIGINT/SIGTERM) by raising ``StopRequested``; ``checkpoint(clock)``
marks a safe boundary between two steps.  So library code becomes interruptible without knowing about signals,
and worker threads notice the same event.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class StopRequested(BaseException):
    """The stop event was set: raised at a safe boundary (a wait, or a ``checkpoint``).

    A BaseException on purpose: the ``except PdiagError`` / ``except Exception`` handlers that turn a device's
    failure into a status must not swallow the user's request to stop.  The layer that knows the step and the
    device's state turns it into ``errors.OperationInterrupted``.
    """

    def __init__(self, step: str = "a wait") -> None:
        super().__init__(step)
        self.step = step


class SystemClock:
    """Wall-clock time: what the CLI uses."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock whose sleep only advances its own counter: waiting loops run in zero wall time."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


class StoppableClock:
    """``base``'s time, with waits that end (``StopRequested``) once ``stop`` is set."""

    def __init__(self, base: Clock | None = None, stop: threading.Event | None = None) -> None:
        self.base = base if base is not None else SYSTEM_CLOCK
        self.stop = stop if stop is not None else threading.Event()

    def monotonic(self) -> float:
        return self.base.monotonic()

    def sleep(self, seconds: float) -> None:
        self.check()
        if isinstance(self.base, SystemClock):
            # Event.wait returns as soon as the event is set: a Ctrl-C ends a 60 s wait at once.
            if seconds > 0 and self.stop.wait(seconds):
                raise StopRequested()
            return
        self.base.sleep(seconds)
        self.check()

    def check(self, step: str = "a wait") -> None:
        if self.stop.is_set():
            raise StopRequested(step)


def checkpoint(clock: Clock, step: str = "a wait") -> None:
    """A safe boundary: stop here (``StopRequested``) if a stop was requested; any clock may be passed."""
    check = getattr(clock, "check", None)
    if check is not None:
        check(step)


def stop_event(clock: Clock) -> threading.Event | None:
    """The stop event behind ``clock``, if it has one (worker pools watch it)."""
    return getattr(clock, "stop", None)


SYSTEM_CLOCK = SystemClock()

"""Injectable time source, so code that waits runs instantly in tests; and the stop request (Ctrl-C).

Every wait in pdiag sleeps through the clock it was given.  A ``StoppableClock`` ends such a wait as soon as
its stop event is set (the CLI sets it on SIGINT/SIGTERM) by raising ``StopRequested``; ``checkpoint(clock)``
marks a safe boundary between two steps.  So library code becomes interruptible without knowing about signals,
and worker threads notice the same event.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol

Cancel = Callable[[], None]


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


def call_later(clock: Clock, delay_s: float, action: Callable[[], None]) -> Cancel:
    """Run ``action`` once ``delay_s`` of ``clock``'s time has passed; returns a function that cancels it.

    On a clock with timers of its own (``FakeClock``) the action runs inside the ``sleep`` that reaches its time,
    so a virtual device's reset delays and timers take no wall time in tests; on any other clock it runs on a
    timer thread after that much wall time."""
    own = getattr(clock, "call_later", None)
    if own is not None:
        return own(delay_s, action)  # type: ignore[no-any-return]
    base = getattr(clock, "base", None)
    if base is not None:
        return call_later(base, delay_s, action)
    timer = threading.Timer(max(0.0, delay_s), action)
    timer.daemon = True
    timer.start()
    return timer.cancel


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
    """A clock whose sleep only advances its own counter: waiting loops run in zero wall time.

    Timers (``call_later``) fire, in time order, inside the ``sleep`` that passes their time, on the sleeping
    thread: a host that waits for a virtual device to come back drives the device's reset timers itself.
    Several threads may sleep at once (each advances the same time)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._cancelled: set[int] = set()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (firing the timers due meanwhile) without counting it as a sleep."""
        with self._lock:
            target = self.now + max(0.0, seconds)
        while True:
            with self._lock:
                while self._timers and self._timers[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._timers)[1])
                if not self._timers or self._timers[0][0] > target:
                    self.now = max(self.now, target)
                    return
                due, _, action = heapq.heappop(self._timers)
                self.now = max(self.now, due)
            action()  # outside the lock: the action may schedule more timers

    def call_later(self, delay_s: float, action: Callable[[], None]) -> Cancel:
        with self._lock:
            key = next(self._order)
            heapq.heappush(self._timers, (self.now + max(0.0, delay_s), key, action))

        def cancel() -> None:
            with self._lock:
                self._cancelled.add(key)

        return cancel


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

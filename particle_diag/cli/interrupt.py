"""SIGINT and SIGTERM: the first one asks the running operation to stop at its next safe boundary.

The handler only sets the stop event that the host's ``StoppableClock`` watches, so a wait ends at once and the
library reports where it stopped (``OperationInterrupted``: step, device state, recovery command).  Code that
never waits through the clock (a blocking prompt, a long computation) is interrupted the old way after
``timeouts.STOP_FORCE_S``: a watchdog raises KeyboardInterrupt in the main thread; a second signal does so at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from particle_diag.catalog import timeouts

_current: threading.Event | None = None


def current_stop() -> threading.Event:
    """The stop event of the running command (a fresh one outside ``handle_signals``)."""
    return _current if _current is not None else threading.Event()


@contextlib.contextmanager
def handle_signals() -> Iterator[threading.Event]:
    """Install the handlers for one CLI run (main thread only) and restore the previous ones afterwards."""
    global _current
    stop = threading.Event()
    previous: dict[int, Any] = {}
    watchdog: list[threading.Timer] = []

    def on_signal(signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        import _thread

        timer = threading.Timer(timeouts.STOP_FORCE_S, lambda: _thread.interrupt_main(signal.SIGINT))
        timer.daemon = True
        watchdog.append(timer)
        timer.start()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    _current = stop
    try:
        yield stop
    finally:
        _current = None
        for timer in watchdog:
            timer.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

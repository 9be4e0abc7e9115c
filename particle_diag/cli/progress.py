"""Progress of waits over a second, on stderr: one live line on a terminal, plain lines with ``-v``.

The library reports each poll of a wait through ``Host.waiting(key, what, elapsed_s, timeout_s)``; this module
turns those reports into what a person sees.  Nothing is printed in ``--json`` mode or when stderr is not a
terminal (without ``-v``), and nothing for waits that end within a second.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from particle_diag.catalog.timeouts import PROGRESS_LOG_EVERY_S as LOG_EVERY_S
from particle_diag.catalog.timeouts import PROGRESS_SHOW_AFTER_S as SHOW_AFTER_S


class ProgressLine:
    """The waits in progress, as one line rewritten in place (``\\r``) on a terminal."""

    def __init__(self, stream: TextIO | None = None, live: bool = True, log: bool = False,
                 width: Callable[[], int] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = live
        self.log = log
        self._width = width or (lambda: _terminal_width(self.stream))
        self._lock = threading.Lock()
        self._waits: dict[str, tuple[str, float, float | None]] = {}
        self._logged: dict[str, float] = {}
        self._shown = False

    def update(self, key: str, what: str, elapsed_s: float, timeout_s: float | None) -> None:
        """One poll of a wait; ``timeout_s`` None: a wait without a limit (``pdiag monitor``)."""
        if elapsed_s < SHOW_AFTER_S:
            return
        with self._lock:
            self._waits[key] = (what, elapsed_s, timeout_s)
            if self.log and elapsed_s - self._logged.get(key, -LOG_EVERY_S) >= LOG_EVERY_S:
                self._logged[key] = elapsed_s
                self._clear()
                limit = f" of {timeout_s:g} s" if timeout_s is not None else ""
                self.stream.write(f"waiting for {what}: {elapsed_s:.0f} s{limit}\n")
            if self.live:
                self._draw()
            self.stream.flush()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """For other output to the same terminal (``pdiag monitor``'s lines): the line is taken away first and
        drawn again after it."""
        with self._lock:
            if self.live:
                self._clear()
                self.stream.flush()
            yield
            if self.live and self._waits:
                self._draw()
                self.stream.flush()

    def done(self, key: str) -> None:
        with self._lock:
            if self._waits.pop(key, None) is not None and self.live:
                self._clear() if not self._waits else self._draw()
                self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self._waits.clear()
            if self.live:
                self._clear()
                self.stream.flush()

    def _draw(self) -> None:
        if not self._waits:
            return
        what, elapsed, timeout = max(self._waits.values(), key=lambda w: w[1])
        others = len(self._waits) - 1
        more = f" (and {others} more device{'s' if others > 1 else ''})" if others else ""
        limit = f" of {timeout:g} s" if timeout is not None else ""
        self.stream.write("\r\x1b[K" + fit_line(f"waiting for {what}", f"{more} … {elapsed:.1f} s{limit}",
                                                  self._width() - 1))
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self._shown = False


def fit_line(what: str, rest: str, width: int) -> str:
    """``what + rest`` in ``width`` columns: a line that wrapped could not be rewritten in place.  The details in
    parentheses go first ("(Boron, normal, 1-1)"), then the end of ``what`` (the final result line says it all)."""
    if len(what) + len(rest) > width:
        what = re.sub(r" \([^()]*\)", "", what)
    if len(what) + len(rest) > width:
        what = what[: max(width - len(rest) - 1, 0)] + "…"
    return (what + rest)[: max(width, 0)]


def _terminal_width(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to (stderr may be a terminal while stdout is piped)."""
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        import shutil

        return shutil.get_terminal_size().columns


def for_terminal(json: bool, verbose: int, stream: TextIO | None = None) -> ProgressLine | None:
    """The reporter this invocation wants, or None (``--json``, or stderr not a terminal without ``-v``)."""
    stream = stream or sys.stderr
    if json:
        return None
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    live = tty and not verbose
    if not live and not verbose:
        return None
    return ProgressLine(stream, live=live, log=bool(verbose))

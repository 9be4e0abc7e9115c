"""Run pdiag under a pseudo-terminal (stdlib only): send keystrokes, wait for text on the screen."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path

ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|[78()][A-Za-z0-9]?)")
ROOT = Path(__file__).resolve().parents[1]
# answer_until_exit: the least time between two answers, so that a prompt the program redraws before it has read
# the previous answer is not answered twice.
ANSWER_GAP_S = 0.1


def plain(text: str) -> str:
    """The screen text without colour and cursor escapes (carriage returns kept as line breaks)."""
    return ANSI.sub("", text).replace("\r\n", "\n")


class PtyProcess:
    """``columns``: the terminal's own size (TIOCSWINSZ, as a terminal window sets it; no COLUMNS variable)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: str | None = None,
                 columns: int | None = None) -> None:
        self.master, slave = os.openpty()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PDIAG_")}
        environment.pop("NO_COLOR", None)
        environment.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50"})
        if columns is not None:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
            del environment["COLUMNS"], environment["LINES"]
        environment.update(env or {})
        self.proc = subprocess.Popen([sys.executable, "-m", "particle_diag", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=environment, cwd=cwd or str(ROOT), close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.raw = ""
        self.seen = 0  # `expect` searches only output after the previous match

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.raw += data.decode("utf-8", "replace")
        return True

    @property
    def screen(self) -> str:
        return plain(self.raw)

    def expect(self, pattern: str, timeout: float = 10.0) -> str:
        """Wait until ``pattern`` (a regex) appears after the last match; return the text up to it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen
            m = rx.search(text, self.seen)
            if m:
                chunk = text[self.seen:m.end()]
                self.seen = m.end()
                return chunk
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{text[-3000:]}")
            if not self._read(min(left, 0.5)) and self.proc.poll() is not None and not self._read(0.05):
                raise AssertionError(f"pdiag exited while waiting for {pattern!r}; screen:\n{text[-3000:]}")

    def answer_until_exit(self, replies: Sequence[tuple[str, str]], timeout: float = 60.0) -> int:
        """Answer every prompt on the last line of the screen (first regex that matches -> its keys) until pdiag
        exits; returns the exit code."""
        rules = [(re.compile(pattern), keys) for pattern, keys in replies]
        deadline = time.monotonic() + timeout
        answered, last = len(self.raw), -ANSWER_GAP_S
        while self.proc.poll() is None and time.monotonic() < deadline:
            tail = plain(self.raw[answered:]).rstrip("\n").rsplit("\n", 1)[-1].rsplit("\r", 1)[-1]
            keys = next((k for rx, k in rules if tail and rx.search(tail)), None)
            if keys is None:
                self._read(0.2)  # returns as soon as output arrives
                continue
            wait = last + ANSWER_GAP_S - time.monotonic()
            if wait > 0:  # a prompt redrawn (an animation frame) right after an answer is the same prompt
                self._read(wait)
                continue
            self.send(keys)
            answered, last = len(self.raw), time.monotonic()
        return self.wait(timeout=max(deadline - time.monotonic(), 1.0))

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            raise AssertionError(f"pdiag did not exit; screen:\n{self.screen[-3000:]}")
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)

"""Draw a status LED animation in the terminal, live, until the person answers.

Frames come from :func:`particle_diag.rules.animation.frames` (Device OS timings and colours); each one is drawn
as a truecolor "●" with the exact RGB (a dark LED is a dim "○").  Time comes from an injectable clock and keys
from an injectable key source, so tests run the animation instantly and check every frame drawn.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from particle_diag.catalog import timeouts
from particle_diag.clock import Clock
from particle_diag.knowledge.model import Knowledge, Signature
from particle_diag.rules.animation import Frame, cycle_ms, frames

LIT, DARK = "●", "○"


class KeySource(Protocol):
    def read_key(self, timeout_s: float) -> str | None:
        """One key pressed within ``timeout_s`` seconds, or None."""


def led_glyph(rgb: tuple[int, int, int] | None, color: bool = True) -> str:
    """One LED frame: the exact RGB as a truecolor foreground ("●"), or a dim "○" when dark."""
    if rgb is None:
        return f"\x1b[2m{DARK}\x1b[0m" if color else DARK
    if not color:
        return LIT
    r, g, b = rgb
    return f"\x1b[38;2;{r};{g};{b}m{LIT}\x1b[0m"


@dataclass
class Drawn:
    """A frame as it was drawn: when (ms since the animation started) and which colour."""

    t_ms: int
    rgb: tuple[int, int, int] | None


@dataclass
class LedPlayer:
    kb: Knowledge
    out: TextIO
    clock: Clock
    keys: KeySource
    color: bool = True
    step_ms: int = timeouts.LED_FRAME_MS
    drawn: list[Drawn] = field(default_factory=list)

    def timeline_frames(self, signature: Signature) -> list[Frame]:
        """One full cycle of the signature, sampled every ``step_ms`` (the animation loops over it)."""
        return frames(signature, max(cycle_ms(signature, self.kb), self.step_ms), self.step_ms, self.kb)

    def frame_text(self, frame: Frame, label: str, question: str) -> str:
        return f"\r   {led_glyph(frame.rgb, self.color)}   {label}  —  {question} \x1b[K"

    def play(self, signature: Signature, label: str, question: str = "Does it look like this? [y/n]",
             accept: tuple[str, ...] = ("y", "n")) -> str:
        """Animate until one of ``accept`` is pressed; returns that key (lower case)."""
        cycle = self.timeline_frames(signature)
        total = cycle_ms(signature, self.kb)
        self.drawn = []
        start = self.clock.monotonic()
        last_slot = -1
        try:
            while True:
                t_ms = round((self.clock.monotonic() - start) * 1000)
                slot = t_ms // self.step_ms
                if slot != last_slot:
                    frame = cycle[(slot * self.step_ms % total) // self.step_ms % len(cycle)] if total else cycle[0]
                    self.drawn.append(Drawn(slot * self.step_ms, frame.rgb))
                    self.out.write(self.frame_text(frame, label, question))
                    self.out.flush()
                    last_slot = slot
                wait_ms = (slot + 1) * self.step_ms - t_ms
                key = self.keys.read_key(max(wait_ms, 1) / 1000)
                if key is not None and key.lower() in accept:
                    return key.lower()
        finally:
            self.out.write("\n")
            self.out.flush()


class TerminalKeys:
    """Single key presses from a terminal in cbreak mode (no Enter needed, no echo) while it is open."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.fd = (stream or sys.stdin).fileno()

    def read_key(self, timeout_s: float) -> str | None:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:
            raise EOFError
        if data == b"\x03":
            raise KeyboardInterrupt
        return data.decode("utf-8", "replace")


@contextmanager
def cbreak(stream: TextIO | None = None) -> Iterator[None]:
    """Single-key input without echo on a terminal, restored afterwards."""
    import termios
    import tty

    fd = (stream or sys.stdin).fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)

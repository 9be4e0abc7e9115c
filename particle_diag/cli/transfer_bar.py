"""The progress of a DFU transfer (``pdiag dfu read|write``, ``pdiag flash``) on stderr: a bar on a terminal,
a plain line every 10 % otherwise, nothing with --json (unless -v)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState

PLAIN_STEPS = 10  # progress lines when stderr is not a terminal: one every 10 %


class TransferBar:
    """A rich progress bar when stderr is a terminal, else a plain line every 10 % on stderr (none in --json
    mode unless -v). ``stage`` prints what is happening between the bars (entering DFU, verifying...).

    The bar is shown only while bytes move: a stage ends it, so that the progress line of a wait (the device
    entering or leaving DFU mode) has the terminal's last line to itself."""

    def __init__(self, state: AppState, verb: str, address: int, total: int) -> None:
        self.state, self.verb, self.address, self.total = state, verb, address, total
        self.plain = not sys.stderr.isatty()
        self.quiet = state.json and not state.verbose
        self._bar = None
        self._task = None
        self._next_step = 1

    def __enter__(self) -> TransferBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _shown(self) -> Any:
        if self._bar is None:
            from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn, TransferSpeedColumn
            from rich.progress import Progress as RichProgress

            from particle_diag.cli.output import console

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                     TransferSpeedColumn(), TimeRemainingColumn(), console=console(stderr=True),
                                     transient=True)
            self._bar.start()
            self._task = self._bar.add_task(f"{self.verb} 0x{self.address:08X}", total=self.total)
        return self._bar

    def update(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if not self.plain:
            self._shown().update(self._task, completed=done, total=total)
            return
        if not total or done * PLAIN_STEPS < self._next_step * total:
            return
        # One line per call at most, for the highest 10% step reached (a big jump prints once, not ten times).
        self._next_step = done * PLAIN_STEPS // total + 1
        print(f"{self.verb} 0x{self.address:08X}: {done}/{total} bytes ({done * 100 // total}%)", file=sys.stderr,
              flush=True)

    def stage(self, text: str) -> None:
        if self.quiet:
            return
        self._stop()
        if not self.plain:
            from particle_diag.cli.output import console

            console(stderr=True).print(f"[dim]{text}[/]")
        else:
            print(text, file=sys.stderr, flush=True)

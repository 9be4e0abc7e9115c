"""The live tables of ``pdiag check`` and ``pdiag watch`` (rich), fitted to the terminal as ``pdiag list`` is:
a table too wide leaves out redundant, then optional columns (cli/layout.py), and no cell is ever cut with
"…" (a device ID too long for its column folds onto the next line, complete)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from particle_diag.cli.layout import Column, essential, fit, plain_terminal


def live_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]],
               styles: Sequence[Sequence[str]], width: int) -> Any:
    """A rich Table of plain-text ``rows`` (one rich style per cell, "" for none) at most ``width`` wide."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    shown = fit(columns, rows, width) or essential(columns)
    table = Table(title=title, show_edge=False, pad_edge=False, header_style="bold", title_justify="left",
                  box=box.ASCII if plain_terminal() else box.HEAVY_HEAD)
    for i in shown:
        table.add_column(columns[i].header, no_wrap=not columns[i].wraps, overflow="fold")
    for row, row_styles in zip(rows, styles, strict=True):
        table.add_row(*(Text(row[i], style=row_styles[i]) for i in shown))
    return table


def live_terminal(out: Any) -> bool:
    """A live table redrawn in place: a terminal that can move the cursor (not TERM=dumb)."""
    return bool(out.is_terminal) and not plain_terminal()


class LiveDisplay:
    """What ``pdiag check`` and ``pdiag watch`` show as they go, in one of four forms: a table redrawn in place on
    a terminal (``render``), one plain line per event otherwise, JSON Lines with ``--jsonl`` (``machine`` "jsonl"),
    nothing until the final envelope with ``--json`` ("json").  Subclasses keep their rows and draw the table."""

    refresh_per_second = 4

    def __init__(self, machine: str | None) -> None:
        import threading

        from particle_diag.cli.output import console

        self.machine = machine
        self.out = console()
        self.lock = threading.Lock()
        self.live: Any = None
        self.interactive = machine is None and live_terminal(self.out)

    def __enter__(self) -> LiveDisplay:
        if self.interactive:
            from rich.live import Live

            self.live = Live(get_renderable=self.render, console=self.out, refresh_per_second=self.refresh_per_second,
                             transient=False)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.stop()

    def render(self) -> Any:
        raise NotImplementedError

    def emit(self, record: dict[str, Any], line: str) -> None:
        """One event: its JSON record with --jsonl, its ``line`` (rich markup) when plain; the live table and
        --json show it otherwise."""
        if self.machine == "jsonl":
            from particle_diag.cli.output import print_json_line

            print_json_line(record)
        elif self.machine is None and not self.interactive:
            self.out.print(line, highlight=False)

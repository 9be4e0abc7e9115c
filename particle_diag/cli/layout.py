"""Fit a table to the terminal without cutting the values a person must read or copy.

Device IDs, serial ports and USB paths are never truncated: a table that does not fit first loses the
columns that only repeat another one, then becomes one block per record (``KEY  value`` lines).  Piped
output and ``TERM=dumb`` get plain ASCII; everything is complete.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

WRAP_MIN = 12  # a column of free text (wraps=True) needs at least this much, however long its text


@dataclass(frozen=True)
class Column:
    header: str
    redundant: bool = False  # may be left out when narrow: says nothing another column does not
    optional: int = 0  # > 0: may be left out when narrow, after the redundant ones (1 first, then 2, ...)
    wraps: bool = False  # free text that may wrap inside its cell (a live table's DETAIL)


def plain_terminal() -> bool:
    """``TERM=dumb`` (or unset on a TTY): no box-drawing characters, no colours."""
    return os.environ.get("TERM", "") in ("dumb", "")


def _width(cells: Sequence[str]) -> int:
    return max((len(c) for c in cells), default=0)


def table_width(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> int:
    widths = [max(len(c.header), _width([r[i] for r in rows])) for i, c in enumerate(columns)]
    widths = [min(w, max(len(c.header), WRAP_MIN)) if c.wraps else w for w, c in zip(widths, columns, strict=True)]
    return sum(widths) + 3 * (len(widths) - 1)  # " │ " between cells, no outer edge


def fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """The indices of the columns to show in a table ``width`` wide, or None for one block per record.

    Columns are left out one by one, redundant ones first, then optional ones by rank; the others never."""
    keep = list(range(len(columns)))
    droppable = sorted((i for i in keep if columns[i].redundant or columns[i].optional),
                       key=lambda i: (not columns[i].redundant, columns[i].optional, i))
    candidates = [keep]
    for i in droppable:
        candidates.append([k for k in candidates[-1] if k != i])
    for candidate in candidates:
        if table_width([columns[i] for i in candidate], [[r[i] for i in candidate] for r in rows]) <= width:
            return candidate
    return None


def essential(columns: Sequence[Column]) -> list[int]:
    """The columns a table always shows (neither redundant nor optional)."""
    return [i for i, c in enumerate(columns) if not c.redundant and not c.optional]


def blocks(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[str]:
    """One record per block: ``HEADER  value`` lines, a blank line between records."""
    label = max(len(c.header) for c in columns)
    lines: list[str] = []
    for n, row in enumerate(rows):
        if n:
            lines.append("")
        lines.extend(f"{c.header.ljust(label)}  {cell}" for c, cell in zip(columns, row, strict=True))
    return lines


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]], ascii_only: bool,
          styles: Sequence[Sequence[str]] | None = None, header_style: str = "") -> list[str]:
    """The lines of a table: header, rule, rows; cells padded to the widest, `` │ `` between them.

    ``styles`` holds an escape sequence per cell ("" for none) and ``header_style`` one for the header; each
    is reset after its cell, so the widths count only the visible text.
    """
    widths = [max(len(c.header), _width([r[i] for r in rows])) for i, c in enumerate(columns)]
    bar, cross, rule = (" | ", "-+-", "-") if ascii_only else (" │ ", "─┼─", "─")

    def line(cells: Sequence[str], cell_styles: Sequence[str]) -> str:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells)]
        return bar.join(f"{st}{text}\x1b[0m" if st else text for text, st in zip(padded, cell_styles, strict=True))

    out = [line([c.header for c in columns], [header_style] * len(columns)), cross.join(rule * w for w in widths)]
    out += [line(row, styles[n] if styles else [""] * len(row)) for n, row in enumerate(rows)]
    return [o.rstrip() for o in out]

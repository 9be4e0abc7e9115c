"""The two renderers: rich text for people (stdout, errors on stderr) and the JSON envelope for machines.

JSON contract (docs/json.md): one object on stdout, nothing else there:
``{"schema": "pdiag/1", "command": ..., "ok": bool, "data": {...}, "error": null | {reference, message, hint}}``

Everything printed here passes through ``transport.redact`` (the device secret never reaches a screen, a pipe
or a file) and JSON is always strict JSON: ``NaN``/``Infinity`` (a device may send them as diagnostics) become
``null``, because most JSON readers reject them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from particle_diag.transport.redact import json_dumps as dumps
from particle_diag.transport.redact import redact

SCHEMA = "pdiag/1"


def envelope(command: str, data: Any, error: dict[str, str] | None = None, ok: bool | None = None) -> dict:
    return {"schema": SCHEMA, "command": command, "ok": error is None if ok is None else ok,
            "data": data, "error": error}


def print_json(obj: dict) -> None:
    sys.stdout.write(dumps(obj, indent=2) + "\n")
    sys.stdout.flush()


def print_json_line(obj: Any) -> None:
    """One JSON Lines record (``--jsonl``), flushed at once so a reader sees each event as it happens."""
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def silence_stdout() -> None:
    """After a broken pipe (``pdiag ... | head -1``): point stdout at /dev/null so that the interpreter's final
    flush does not fail again (Python docs, "Note on SIGPIPE" in the signal module)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; a reader that stopped reading is not an error: main() ends quietly with 0.
            raise BrokenPipeError

        def _render_buffer(self, buffer):  # type: ignore[no-untyped-def, override]
            # Every line rich writes, tables included, passes here: the last place to keep the secret out.
            return redact(super()._render_buffer(buffer))

    out = _Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        # Piped or captured output: never truncate cells to an assumed 80-column terminal.
        out = _Console(stderr=stderr, highlight=False, soft_wrap=True, width=400, no_color=True)
    return out


def hanging(out, lead: str, body: str) -> None:  # type: ignore[no-untyped-def]
    """``lead`` then ``body`` (both rich markup), on a terminal wrapped at word boundaries to its width with the
    lines after the first under the body ("  3. " steps, "hint: "); elsewhere one line, complete."""
    from rich.text import Text

    first, text = Text.from_markup(lead), Text.from_markup(body)
    width = out.width - first.cell_len
    if not out.is_terminal or width < 20:
        out.print(first + text)
        return
    pad = Text(" " * first.cell_len)
    for n, line in enumerate(text.wrap(out, width)):  # only a word longer than a whole line is cut
        line.rstrip()
        out.print(Text.assemble(first if n == 0 else pad, line), soft_wrap=True)


def print_error(message: str, hint: str | None, reference: str) -> None:
    """One line for the problem, one for what to do: no traceback."""
    err = console(stderr=True)
    hanging(err, "[bold red]error:[/] ", f"{_escape(message)} [dim]({reference})[/]")
    if hint:
        hanging(err, "[yellow]hint:[/] ", _escape(hint))


def print_detail(label: str, text: str) -> None:
    """A labelled line under an error (``device: ...``, ``hint: ...``) on stderr."""
    hanging(console(stderr=True), f"[yellow]{label}:[/] ", _escape(text))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


"""The two renderers: rich text for people (stdout, errors on stderr) and the JSON envelope for machines.

JSON contract (docs/json.md): one object on stdout, nothing else there:
``{"schema": "pdiag/1", "command": ..., "ok": bool, "data": {...}, "error": null | {reference, message, hint}}``
"""

from __future__ import annotations

import json
import sys
from typing import Any

SCHEMA = "pdiag/1"


def envelope(command: str, data: Any, error: dict[str, str] | None = None, ok: bool | None = None) -> dict:
    return {"schema": SCHEMA, "command": command, "ok": error is None if ok is None else ok,
            "data": data, "error": error}


def print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        # Piped or captured output: never truncate cells to an assumed 80-column terminal.
        out = Console(stderr=stderr, highlight=False, soft_wrap=True, width=400, no_color=True)
    return out


def print_error(message: str, hint: str | None, reference: str) -> None:
    """One line for the problem, one for what to do: no traceback."""
    err = console(stderr=True)
    err.print(f"[bold red]error:[/] {_escape(message)} [dim]({reference})[/]")
    if hint:
        err.print(f"[yellow]hint:[/] {_escape(hint)}")


def print_detail(label: str, text: str) -> None:
    """A labelled line under an error (``device: ...``, ``hint: ...``) on stderr."""
    console(stderr=True).print(f"[yellow]{label}:[/] {_escape(text)}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

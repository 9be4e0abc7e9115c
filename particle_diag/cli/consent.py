"""Asking for consent: ``--yes`` gives it; on a terminal the user is asked, naming what would be changed;
without a terminal the refusal stands (one line, exit 13).  The library decides what needs consent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from particle_diag.errors import ConsentRequiredError

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Consent to overwriting protected flash regions or "
                                                          "existing files without being asked.")]


def can_ask() -> bool:
    """A person can answer: stdin and stderr (where the question goes) are terminals."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def obtain(check: Callable[[bool], object], yes: bool) -> bool:
    """Run ``check(consent)``; if it refuses for want of consent, ask on a terminal and run it again consenting.

    Returns the consent finally given (``yes``, or True after a confirmation).  Raises the refusal when there is
    no terminal or the user declines.
    """
    try:
        check(yes)
        return yes
    except ConsentRequiredError as refusal:
        if not can_ask():
            raise
        print(f"pdiag: {refusal.message}", file=sys.stderr, flush=True)
        if not typer.confirm("Do it anyway?", default=False, err=True):
            raise ConsentRequiredError(f"not confirmed: {refusal.message}", "Nothing was changed.",
                                       reference=refusal.reference) from None
        check(True)
        return True

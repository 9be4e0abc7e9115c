"""The click exception classes typer raises, wherever this typer release keeps them.

typer >= 0.20 vendors click as ``typer._click`` (Abort/Exit live in ``typer.exceptions``); older releases
depend on the ``click`` package.  pdiag needs the classes to turn usage errors into one line and exit 2.
"""

from __future__ import annotations

try:
    from typer._click.core import ParameterSource
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    from typer.exceptions import Abort, Exit
except ImportError:  # pragma: no cover - older typer with click as a dependency
    from click.core import ParameterSource  # type: ignore
    from click.exceptions import Abort, ClickException, Exit, NoArgsIsHelpError, UsageError  # type: ignore

__all__ = ["Abort", "ClickException", "Exit", "NoArgsIsHelpError", "ParameterSource", "UsageError"]

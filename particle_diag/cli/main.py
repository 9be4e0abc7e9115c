"""Entry point of the ``pdiag`` command.

Start-up stays lean: ``--version`` answers before typer or rich are imported, and each command imports
what it needs when it runs.
"""

from __future__ import annotations

import os
import sys

from particle_diag import __version__


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv or os.environ.get("PDIAG_JSON", "").lower() in ("1", "true", "yes")


def _command_name(argv: list[str]) -> str:
    from particle_diag.cli.app import COMMANDS

    return next((a for a in argv if a in COMMANDS), "pdiag")


# Global flags without a value may also be written after the command (`pdiag list --json`), as scripts often
# do; they are moved in front of it.  Arguments after `--` belong to another program and are left alone.
_HOISTABLE = frozenset({"--json", "--trace", "--no-color", "-v", "--verbose"})


def hoist_global_flags(args: list[str]) -> list[str]:
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    flags = [a for a in head if a in _HOISTABLE]
    return flags + [a for a in head if a not in _HOISTABLE] + tail


def run(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"pdiag {__version__}")
        raise SystemExit(0)
    raise SystemExit(main(args))


def main(args: list[str]) -> int:
    """Run the CLI and return its exit code; every error becomes one clear message and a documented code."""
    from particle_diag.cli import clickcompat as click
    from particle_diag.cli.app import build_app
    from particle_diag.cli.output import envelope, print_error, print_json
    from particle_diag.errors import ExitCode, PdiagError

    app = build_app()
    args = hoist_global_flags(args)
    as_json = _wants_json(args)
    trace = "--trace" in args or os.environ.get("PDIAG_TRACE", "") in ("1", "true")

    def fail(reference: str, message: str, hint: str, code: int) -> int:
        if as_json:
            print_json(envelope(_command_name(args), None,
                                {"reference": reference, "message": message, "hint": hint}))
        else:
            print_error(message, hint, reference)
        return code

    try:
        import typer.main

        result = typer.main.get_command(app).main(args=args, prog_name="pdiag", standalone_mode=False,
                                                  obj={"argv": args})  # --record writes the command line
        return int(result or 0)
    except PdiagError as exc:
        if as_json:  # the error's own fields (e.g. an LED no-match's suggestions) go into the envelope
            print_json(envelope(_command_name(args), None, exc.as_dict()))
            return int(exc.exit_code)
        return fail(exc.reference, exc.message, exc.hint, int(exc.exit_code))
    except click.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            print(exc.ctx.get_help())
        return int(ExitCode.USAGE)
    except click.UsageError as exc:
        return fail("usage.invalid", exc.format_message(), "Run `pdiag --help` or `pdiag COMMAND --help`.",
                    int(ExitCode.USAGE))
    except click.ClickException as exc:
        return fail("usage.invalid", exc.format_message(), "", int(ExitCode.USAGE))
    except click.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        return fail("interrupted", "interrupted", "", int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        return fail("interrupted", "interrupted", "", int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: say so in one line; the traceback only with --trace
        if trace:
            import traceback

            traceback.print_exc()
        return fail("internal", f"internal error: {type(exc).__name__}: {exc}",
                    "This is a bug in pdiag. Run again with --trace and report the output.",
                    int(ExitCode.FAILURE))

"""Entry point of the ``pdiag`` command.

Start-up stays lean: ``--version`` answers before typer or rich are imported, and each command imports
what it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from particle_diag import __version__


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv or os.environ.get("PDIAG_JSON", "").lower() in ("1", "true", "yes")


def _command_name(argv: list[str]) -> str:
    from particle_diag.cli.app import COMMANDS

    return next((a for a in argv if a in COMMANDS), "pdiag")


# Global flags without a value may also be written after the command (`pdiag list --json`), as scripts often
# do; they are moved in front of it.  Arguments after `--` belong to another program and are left alone.
_HOISTABLE = frozenset({"--json", "--trace", "--no-color", "-v", "--verbose"})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Commands that never change a device: an interruption leaves every device as it was.
_READ_ONLY = frozenset({"list", "identify", "vitals", "net", "keys", "protection", "led", "sos", "doctor", "watch"})


def _reads_only(args: list[str]) -> bool:
    command = _command_name(args)
    if command == "dfu":
        return any(a in ("info", "read") for a in args)
    return command in _READ_ONLY


def hoist_global_flags(args: list[str]) -> list[str]:
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    flags: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(head):
        a = head[i]
        if a in _HOISTABLE:
            flags.append(a)
        elif a == "--wait-lock":  # an optional value: bare `--wait-lock` waits until the device is free
            has_value = i + 1 < len(head) and _is_number(head[i + 1])
            flags += ["--wait-lock", head[i + 1] if has_value else "inf"]
            i += has_value
        elif a.startswith("--wait-lock="):
            flags.append(a)
        else:
            rest.append(a)
        i += 1
    return flags + rest + tail


def run(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"pdiag {__version__}")
        raise SystemExit(0)
    code = root_help(args)
    leave(main(args) if code is None else code)


def leave(code: int) -> NoReturn:
    """Exit without tearing the interpreter down.  main() has closed every device, file, lock and bench; what is
    left is freeing every module's objects one by one (typer, protobuf, ...), about 20 ms of each run.  Every
    thread pdiag starts is a daemon or joined, and nothing registers atexit work."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away: main() has already chosen the exit code
    os._exit(code)


def root_help(args: list[str]) -> int | None:
    """``pdiag --help`` (and bare ``pdiag``) from the text generated from the typer app (cli/root_help.py), without
    importing typer or any command: None where typer must answer (a narrower terminal, shell completion)."""
    if args not in (["--help"], ["-h"], []) or any(k.startswith("_PDIAG_COMPLETE") for k in os.environ):
        return None
    from particle_diag.cli.root_help import TEXT, WIDTH

    if _columns() < WIDTH:
        return None
    try:
        print(TEXT)
        sys.stdout.flush()
    except BrokenPipeError:
        from particle_diag.cli.output import silence_stdout

        silence_stdout()
    return 0 if args else 2  # bare `pdiag`: the help, as a usage error (click's no_args_is_help)


def _columns() -> int:
    """The terminal width as click sees it (shutil.get_terminal_size's rule, without importing shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def main(args: list[str]) -> int:
    """Run the CLI and return its exit code; every error becomes one clear message and a documented code."""
    from particle_diag.cli import clickcompat as click
    from particle_diag.cli.app import build_app
    from particle_diag.cli.interrupt import handle_signals
    from particle_diag.cli.output import envelope, print_detail, print_error, print_json, silence_stdout
    from particle_diag.clock import StopRequested
    from particle_diag.devices import lock
    from particle_diag.errors import ExitCode, OperationInterrupted, PdiagError

    args = hoist_global_flags(args)
    completing = any(k.startswith("_PDIAG_COMPLETE") for k in os.environ)
    app = build_app(None if completing else _command_name(args))
    lock.command_line = "pdiag " + " ".join(args)  # what another process is told holds a device
    as_json = _wants_json(args)
    trace = "--trace" in args or os.environ.get("PDIAG_TRACE", "") in ("1", "true")

    def fail(reference: str, message: str, hint: str, code: int) -> int:
        try:
            if as_json:
                print_json(envelope(_command_name(args), None,
                                    {"reference": reference, "message": message, "hint": hint}))
            else:
                print_error(message, hint, reference)
        except BrokenPipeError:
            silence_stdout()  # nobody is reading any more: the exit code still tells
        return code

    def interrupted(exc: OperationInterrupted) -> int:
        """Which step stopped, the device's state and the command that recovers it: one line each."""
        if as_json:
            print_json(envelope(_command_name(args), None, exc.as_dict()))
        else:
            print_error(exc.message, None, exc.reference)
            print_detail("device", exc.device_state or "unknown")
            print_detail("hint", exc.hint)
        return int(ExitCode.INTERRUPTED)

    try:
        import typer.main

        with handle_signals():
            result = typer.main.get_command(app).main(args=args, prog_name="pdiag", standalone_mode=False,
                                                      obj={"argv": args})  # --record writes the command line
        return int(result or 0)
    except OperationInterrupted as exc:
        return interrupted(exc)
    except StopRequested as exc:  # stopped at a safe point that no library layer described
        command = _command_name(args)
        step = exc.step if exc.step != "a wait" else f"`pdiag {command}`"
        if _reads_only(args):
            return interrupted(OperationInterrupted(step, "unchanged: this command only reads devices"))
        return interrupted(OperationInterrupted(
            step, "unknown: pdiag stopped between two steps", "pdiag list",
            hint="Run `pdiag list` to see which mode each device is in now."))
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
    except (click.Abort, KeyboardInterrupt):  # a second Ctrl-C, or code that never reached a safe boundary
        return interrupted(OperationInterrupted(
            f"`pdiag {_command_name(args)}`", "unknown: pdiag was stopped before it reached a safe point",
            "pdiag list", hint="Run `pdiag list` to see which mode each device is in now."))
    except BrokenPipeError:
        # The reader went away (`pdiag ... | head -1`): nothing is wrong with pdiag or the device.
        silence_stdout()
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: say so in one line; the traceback only with --trace
        if trace:
            import traceback

            traceback.print_exc()
        return fail("internal", f"internal error: {type(exc).__name__}: {exc}",
                    "This is a bug in pdiag. Run again with --trace and report the output.",
                    int(ExitCode.FAILURE))

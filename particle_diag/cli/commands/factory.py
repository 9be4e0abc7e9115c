"""``pdiag check`` (run a station spec on many devices at once) and ``pdiag watch`` (devices coming and going).

Presentation only: the work is in ``particle_diag.factory``.  Output modes: a live table on a terminal, one
plain line per event otherwise, ``--jsonl`` (one JSON object per device or event, as it happens) and
``--json`` (the pdiag/1 envelope at the end).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from particle_diag.catalog import timeouts
from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.consent import YesOpt
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from particle_diag.factory.runner import CheckReport

SpecOpt = Annotated[Path, typer.Option("--spec", "-s", metavar="FILE", help="The station spec (TOML, "
                                       "docs/factory.md).", dir_okay=False)]
JunitOpt = Annotated[Path | None, typer.Option("--junit", metavar="FILE", dir_okay=False,
                                               help="Also write a JUnit XML report (one test case per device "
                                                    "and step or expectation).")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line on stdout, as it "
                                                        "happens.")]


def register(app: typer.Typer) -> None:
    app.command("check", help="Check devices against a station spec (expectations and steps), all in parallel. "
                              "Exit 0 only if every device passed; 9 if one failed an expectation.")(check_command)
    app.command("watch", help="Show devices arriving, leaving and changing mode; --check FILE checks each new "
                              "device.")(watch_command)


# -- check ------------------------------------------------------------------------------------------------------
def check_command(ctx: typer.Context, spec: SpecOpt, devices: DeviceArg = None, all_devices: AllOpt = False,
                  junit: JunitOpt = None, jsonl: JsonlOpt = False, yes: YesOpt = False) -> None:
    from particle_diag.cli.factory_render import CheckDisplay, render_summary
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.factory.report import report_error
    from particle_diag.factory.runner import CheckRunner
    from particle_diag.factory.spec import load_spec

    state: AppState = ctx.obj
    yes = yes or state.yes  # `pdiag --yes CMD` and `pdiag CMD --yes` mean the same
    as_json = state.json
    _exclusive(as_json, jsonl)
    station = load_spec(spec)  # a bad spec stops here (exit 2), before any device is touched
    overwrite = _check_junit_path(junit, yes)  # so does a report path that cannot or must not be written
    host = state.host
    chosen = select(discover(host), devices or [], all_devices=all_devices)
    started = datetime.now(UTC)
    display = CheckDisplay(state, "json" if as_json else "jsonl" if jsonl else None, len(chosen))
    display.queue(chosen)
    runner = CheckRunner(station, host, on_progress=display.progress, on_result=display.result)
    with display:
        report = runner.run(chosen)
    if junit is not None:
        _write_junit(junit, report, started, overwrite)
    if as_json:
        from particle_diag.cli.output import envelope, print_json

        print_json(envelope("check", report.to_dict(), report_error(report), ok=report.ok))
    elif not jsonl:
        render_summary(report, state, junit)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _exclusive(as_json: bool, jsonl: bool) -> None:
    if as_json and jsonl:
        from particle_diag.errors import UsageError

        raise UsageError("give --json or --jsonl, not both",
                         "--jsonl prints one line per device as it finishes; --json one object at the end.")


def _check_junit_path(path: Path | None, yes: bool) -> bool:
    """Pre-flight for --junit: writable, and not replacing an existing file without consent (--yes or asked)."""
    if path is None:
        return False
    from particle_diag.cli.consent import obtain
    from particle_diag.files import check_output

    return obtain(lambda consent: check_output(path, overwrite=consent, what="JUnit report"), yes)


def _write_junit(path: Path, report: CheckReport, started: datetime, overwrite: bool) -> None:
    from particle_diag.factory.report import junit_xml
    from particle_diag.files import write_atomic

    write_atomic(path, junit_xml(report, timestamp=started, hostname=socket.gethostname()), overwrite=overwrite,
                 what="JUnit report")


# -- watch ------------------------------------------------------------------------------------------------------
def watch_command(
    ctx: typer.Context,
    interval: Annotated[float, typer.Option("--interval", min=0.05, metavar="SECONDS",
                                            help="How often to look at the bus.")] = timeouts.WATCH_INTERVAL_S,
    duration: Annotated[float | None, typer.Option("--duration", min=0.0, metavar="SECONDS",
                                                   help="Stop after this long (default: until Ctrl-C).")] = None,
    count: Annotated[int | None, typer.Option("--count", min=1, metavar="N",
                                              help="Stop after N events (added, removed, mode).")] = None,
    check: Annotated[Path | None, typer.Option("--check", metavar="FILE", dir_okay=False,
                                               help="Check each device that arrives against this station "
                                                    "spec.")] = None,
    initial: Annotated[bool, typer.Option("--initial", help="Report devices already attached at start as "
                                                            "'added' (and check them with --check).")] = False,
    settle: Annotated[float, typer.Option("--settle", min=0.0, metavar="SECONDS",
                                          help="A device gone for less than this is re-enumerating, not "
                                               "removed.")] = timeouts.WATCH_SETTLE_S,
    jsonl: JsonlOpt = False,
) -> None:
    from particle_diag.cli.factory_render import WatchView
    from particle_diag.factory.watch import WatchChecks, Watcher

    state: AppState = ctx.obj
    as_json = state.json
    _exclusive(as_json, jsonl)
    station = None
    if check is not None:
        from particle_diag.factory.spec import load_spec

        station = load_spec(check)
    host = state.host
    watcher = Watcher(host, settle_s=settle)
    view = WatchView("json" if as_json else "jsonl" if jsonl else None, watcher)
    checks = WatchChecks(station, host, watcher, view.event) if station is not None else None
    from particle_diag.clock import StopRequested

    with view:
        try:
            for event in watcher.run(interval_s=interval, duration_s=duration, count=count, initial=initial):
                view.event(event.to_dict())
                if checks is not None and event.event == "added" and event.record is not None:
                    checks.submit(event.record)
        except StopRequested:
            pass  # Ctrl-C is how a watch without --duration ends: every event seen is still reported below
        finally:
            if checks is not None:
                checks.finish()
    code = checks.exit_code() if checks is not None else 0
    if as_json:
        from particle_diag.cli.output import envelope, print_json

        print_json(envelope("watch", {"events": view.events}, checks.error() if checks else None, ok=code == 0))
    if code:
        raise typer.Exit(code)

"""``pdiag check`` (run a station spec on many devices at once) and ``pdiag watch`` (devices coming and going).

Presentation only: the work is in ``particle_diag.factory``.  Output modes: a live table on a terminal, one
plain line per event otherwise, ``--jsonl`` (one JSON object per device or event, as it happens) and
``--json`` (the pdiag/1 envelope at the end).
"""

from __future__ import annotations

import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from particle_diag.catalog import timeouts
from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.consent import YesOpt
from particle_diag.cli.layout import Column
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from particle_diag.factory.runner import CheckReport, DeviceProgress, DeviceResult

SpecOpt = Annotated[Path, typer.Option("--spec", "-s", metavar="FILE", help="The station spec (TOML, "
                                       "docs/factory.md).", dir_okay=False)]
JunitOpt = Annotated[Path | None, typer.Option("--junit", metavar="FILE", dir_okay=False,
                                               help="Also write a JUnit XML report (one test case per device "
                                                    "and step or expectation).")]
JsonlOpt = Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line on stdout, as it "
                                                        "happens.")]
VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "bold red"}
EVENT_STYLE = {"added": "green", "removed": "red", "mode": "yellow", "checked": "cyan"}


def register(app: typer.Typer) -> None:
    app.command("check", help="Check devices against a station spec (expectations and steps), all in parallel. "
                              "Exit 0 only if every device passed; 9 if one failed an expectation.")(check_command)
    app.command("watch", help="Show devices arriving, leaving and changing mode; --check FILE checks each new "
                              "device.")(watch_command)


# -- check ------------------------------------------------------------------------------------------------------
def check_command(ctx: typer.Context, spec: SpecOpt, devices: DeviceArg = None, all_devices: AllOpt = False,
                  junit: JunitOpt = None, jsonl: JsonlOpt = False, yes: YesOpt = False) -> None:
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
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
    display = _CheckDisplay(state, "json" if as_json else "jsonl" if jsonl else None, len(chosen))
    display.queue(chosen)
    runner = CheckRunner(station, host, on_progress=display.progress, on_result=display.result)
    with display:
        report = runner.run(chosen)
    if junit is not None:
        _write_junit(junit, report, started, overwrite)
    if as_json:
        from particle_diag.cli.output import envelope, print_json

        print_json(envelope("check", report.to_dict(), _report_error(report), ok=report.ok))
    elif not jsonl:
        _render_summary(report, state, junit)
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


def _report_error(report: CheckReport) -> dict[str, str] | None:
    if report.ok:
        return None
    s = report.summary()
    errors = [d for d in report.devices if d.verdict == "error"]
    if errors:
        worst = max(errors, key=lambda d: d.exit_code)
        assert worst.error is not None
        return {"reference": worst.error.reference,
                "message": f"{s['errors']} of {s['devices']} devices could not be checked "
                           f"({s['failed']} failed): {worst.key}: {worst.error.message}",
                "hint": worst.error.hint}
    return {"reference": "check.failed", "message": f"{s['failed']} of {s['devices']} devices failed the check",
            "hint": "Each device's record says which expectations failed (data.devices[].failed)."}


class _CheckDisplay:
    """Per-device progress: rich Live on a terminal, plain lines when piped, JSON Lines with --jsonl."""

    def __init__(self, state: AppState, machine: str | None, total: int) -> None:
        from particle_diag.cli.live_table import live_terminal
        from particle_diag.cli.output import console

        self.state = state
        self.machine = machine
        self.total = total
        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, Any]] = {}
        self.out = console()
        self.live: Any = None
        self.interactive = machine is None and live_terminal(self.out)

    def __enter__(self) -> _CheckDisplay:
        if self.interactive:
            from rich.live import Live

            self.live = Live(get_renderable=self._table, console=self.out, refresh_per_second=8, transient=False)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.stop()

    def queue(self, records: list[Any]) -> None:
        """Every device has a row from the start, in bus order."""
        for r in records:
            self.rows[r.key] = {"platform": r.platform.name if r.platform else None, "verdict": None,
                                "detail": "", "step": "queued", "phase": "queued", "elapsed": 0.0}

    def progress(self, p: DeviceProgress) -> None:
        with self.lock:
            row = self.rows.setdefault(p.key, {"platform": p.platform, "verdict": None, "detail": ""})
            row.update(step=f"{p.step}/{p.steps} {p.text}" if p.phase != "done" else f"{p.step}/{p.steps}",
                       phase=p.phase, elapsed=p.elapsed_s)
            if p.phase == "retry":
                row["detail"] = p.text
            if self.interactive or p.phase == "done":
                return
            line = f"{p.key} [{p.platform or '?'}] {p.phase} {p.step}/{p.steps}: {p.text} ({p.elapsed_s:.1f} s)"
            if self.machine is None:
                self.out.print(line, markup=False, highlight=False)
            elif self.state.verbose:
                print(line, file=sys.stderr, flush=True)

    def result(self, r: DeviceResult) -> None:
        with self.lock:
            row = self.rows.setdefault(r.key, {"platform": r.platform, "step": ""})
            row.update(verdict=r.verdict, detail=r.reason, elapsed=r.elapsed_s, phase="done")
            if self.machine == "jsonl":
                from particle_diag.cli.output import print_json_line

                print_json_line(r.to_dict())
            elif self.machine is None and not self.interactive:
                style = VERDICT_STYLE[r.verdict]
                detail = f": {_escape(r.reason)}" if r.reason else ""
                self.out.print(f"{r.key} [{style}]{r.verdict.upper()}[/] in {r.elapsed_s:.1f} s{detail}",
                               highlight=False)

    def _table(self) -> Any:
        from particle_diag.cli.live_table import live_table

        with self.lock:
            rows = dict(self.rows)
        done = sum(1 for r in rows.values() if r.get("verdict"))
        cells, styles = [], []
        for key, row in rows.items():
            verdict, phase = row.get("verdict"), row.get("phase")
            status, style = (verdict.upper(), VERDICT_STYLE[verdict]) if verdict else \
                ("retry", "yellow") if phase == "retry" else ("queued", "dim") if phase == "queued" else ("running", "")
            cells.append([key, row.get("platform") or "?", row.get("step", ""), status,
                          f"{row.get('elapsed', 0.0):.1f} s", row.get("detail") or ""])
            styles.append(["", "", "", style, "", ""])
        return live_table(f"pdiag check: {done}/{self.total} done", CHECK_COLUMNS, cells, styles, self.out.width)


# The DEVICE column (device ID, or USB path) is never left out nor cut; STEP and DETAIL wrap in their cells.
CHECK_COLUMNS = (Column("DEVICE"), Column("PLATFORM", optional=2), Column("STEP", wraps=True), Column("STATUS"),
                 Column("TIME", optional=1), Column("DETAIL", wraps=True))


def _render_summary(report: CheckReport, state: AppState, junit: Path | None) -> None:
    from particle_diag.cli.output import console

    out = console()
    bad = [d for d in report.devices if d.verdict != "pass"]
    if bad:
        out.print()
    for d in bad:
        out.print(f"[{VERDICT_STYLE[d.verdict]}]{d.verdict.upper()}[/] {d.key} ({d.platform or '?'})", highlight=False)
        for e in d.failed_expectations:
            out.print(f"    {_escape(e.message)}", highlight=False)
        if d.error is not None:
            out.print(f"    {_escape(d.error.message)} [dim]({d.error.reference})[/]", highlight=False)
            if d.error.hint:
                out.print(f"    [yellow]hint:[/] {_escape(d.error.hint)}", highlight=False)
    s = report.summary()
    color = "green" if report.ok else "red"
    out.print(f"[{color}]{s['devices']} devices: {s['passed']} passed, {s['failed']} failed, {s['errors']} could "
              f"not be checked[/] in {s['elapsed_s']:.1f} s (station '{_escape(report.station)}', exit code "
              f"{report.exit_code})", highlight=False)
    if junit is not None:
        out.print(f"[dim]JUnit report: {junit}[/]", highlight=False)


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
    from particle_diag.factory.watch import Watcher

    state: AppState = ctx.obj
    as_json = state.json
    _exclusive(as_json, jsonl)
    station = None
    if check is not None:
        from particle_diag.factory.spec import load_spec

        station = load_spec(check)
    host = state.host
    watcher = Watcher(host, settle_s=settle)
    view = _WatchView(state, "json" if as_json else "jsonl" if jsonl else None, watcher)
    checks = _WatchChecks(station, host, watcher, view) if station is not None else None
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

        error = None if code == 0 else {"reference": "check.failed", "message": "a device failed its check",
                                        "hint": "See data.events[] with event 'checked'."}
        print_json(envelope("watch", {"events": view.events}, error, ok=code == 0))
    if code:
        raise typer.Exit(code)


class _WatchChecks:
    """Checks of newly arrived devices, in the background; the watcher does not probe a device under check."""

    def __init__(self, station: Any, host: Any, watcher: Any, view: _WatchView) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from particle_diag.factory.runner import CheckRunner

        self.watcher = watcher
        self.view = view
        self.runner = CheckRunner(station, host)
        self.pool = ThreadPoolExecutor(max_workers=station.parallel or 32, thread_name_prefix="pdiag-watch-check")
        self.results: list[DeviceResult] = []
        self.lock = threading.Lock()

    def submit(self, record: Any) -> None:
        from particle_diag.factory.watch import record_key

        key = record_key(record)
        if self.watcher.is_busy(key):
            return
        self.watcher.mark_busy(key)
        self.pool.submit(self._run, record, key)

    def _run(self, record: Any, key: str) -> None:
        try:
            result = self.runner.check_one(record)
        finally:
            self.watcher.mark_idle(key)
        with self.lock:
            self.results.append(result)
        self.view.event({"event": "checked", "device_id": result.device_id, "mode": result.mode,
                         "platform": result.platform, "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                         "verdict": result.verdict, "exit_code": result.exit_code, "reason": result.reason or None,
                         "record": result.to_dict()})

    def finish(self) -> None:
        self.pool.shutdown(wait=True)

    def exit_code(self) -> int:
        from particle_diag.factory.runner import overall_exit_code

        with self.lock:
            return overall_exit_code(self.results)


class _WatchView:
    def __init__(self, state: AppState, machine: str | None, watcher: Any) -> None:
        from particle_diag.cli.live_table import live_terminal
        from particle_diag.cli.output import console

        self.state = state
        self.machine = machine
        self.watcher = watcher
        self.out = console()
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.recent: list[str] = []
        self.live: Any = None
        self.interactive = machine is None and live_terminal(self.out)

    def __enter__(self) -> _WatchView:
        if self.interactive:
            from rich.live import Live

            self.live = Live(get_renderable=self._render, console=self.out, refresh_per_second=4, transient=False)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def event(self, e: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(e)
            if self.machine == "jsonl":
                from particle_diag.cli.output import print_json_line

                print_json_line(e)
                return
            if self.machine == "json":
                return
            line = _event_line(e)
            if self.interactive:
                self.recent = [*self.recent, line][-12:]
            else:
                self.out.print(line, highlight=False)

    def _render(self) -> Any:
        from rich.console import Group

        from particle_diag.cli.live_table import live_table
        from particle_diag.cli.render import MODE_STYLE
        from particle_diag.factory.watch import record_key

        cells, styles = [], []
        for r in self.watcher.devices():
            status = "checking" if self.watcher.is_busy(record_key(r)) else r.status
            cells.append([r.device_id or "?", r.platform.name if r.platform else "unknown", r.mode,
                          r.device_os or "-", r.usb.path if r.usb else "-", status])
            styles.append(["", "", MODE_STYLE.get(r.mode, ""), "", "", ""])
        ordinary = all(row[5] in ("normal", "dfu") for row in cells)
        columns = [*WATCH_COLUMNS[:-1], Column("STATUS", redundant=ordinary)]
        table = live_table("pdiag watch (Ctrl-C to stop)", columns, cells, styles, self.out.width)
        with self.lock:
            recent = list(self.recent)
        return Group(table, "", *recent)


# DEVICE ID, MODE and USB are never left out nor cut (STATUS only repeats MODE for normal and DFU devices).
WATCH_COLUMNS = (Column("DEVICE ID"), Column("PLATFORM", optional=2), Column("MODE"), Column("DEVICE OS", optional=1),
                 Column("USB"), Column("STATUS"))


def _event_line(e: dict[str, Any]) -> str:
    stamp = str(e.get("time", ""))[11:23]
    kind = e["event"]
    style = EVENT_STYLE.get(kind, "")
    who = f"{e.get('device_id') or '?'} ({e.get('platform') or '?'})"
    if kind == "mode":
        what = f"{e.get('previous_mode')} -> {e['mode']}"
    elif kind == "checked":
        verdict = e["verdict"]
        what = f"[{VERDICT_STYLE[verdict]}]{verdict.upper()}[/]" + (f": {_escape(e['reason'])}" if e.get("reason")
                                                                    else "")
    else:
        what = f"{e.get('mode')}" + (f" at {e['usb_path']}" if e.get("usb_path") else "")
    return f"[dim]{stamp}[/] [{style}]{kind:<7}[/] {who} {what}"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

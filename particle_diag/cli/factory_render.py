"""What ``pdiag check`` and ``pdiag watch`` show (cli/live_table.py's LiveDisplay: a live table on a terminal,
plain lines when piped, JSON Lines with --jsonl) and the summary of a check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from particle_diag.cli.layout import Column
from particle_diag.cli.live_table import LiveDisplay, live_table

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.factory.runner import CheckReport, DeviceProgress, DeviceResult
    from particle_diag.factory.watch import Watcher

VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "bold red"}
EVENT_STYLE = {"added": "green", "removed": "red", "mode": "yellow", "checked": "cyan"}
# The DEVICE column (device ID, or USB path) is never left out nor cut; STEP and DETAIL wrap in their cells.
CHECK_COLUMNS = (Column("DEVICE"), Column("PLATFORM", optional=2), Column("STEP", wraps=True), Column("STATUS"),
                 Column("TIME", optional=1), Column("DETAIL", wraps=True))
# DEVICE ID, MODE and USB are never left out nor cut (STATUS only repeats MODE for normal and DFU devices).
WATCH_COLUMNS = (Column("DEVICE ID"), Column("PLATFORM", optional=2), Column("MODE"), Column("DEVICE OS", optional=1),
                 Column("USB"), Column("STATUS"))


class CheckDisplay(LiveDisplay):
    """Per-device progress of ``pdiag check``: one row per device, from queued to its verdict."""

    refresh_per_second = 8

    def __init__(self, state: AppState, machine: str | None, total: int) -> None:
        super().__init__(machine)
        self.state = state
        self.total = total
        self.rows: dict[str, dict[str, Any]] = {}

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
            detail = f": {escape(r.reason)}" if r.reason else ""
            self.emit(r.to_dict(), f"{r.key} [{VERDICT_STYLE[r.verdict]}]{r.verdict.upper()}[/] in "
                                   f"{r.elapsed_s:.1f} s{detail}")

    def render(self) -> Any:
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


class WatchView(LiveDisplay):
    """``pdiag watch``: the devices on the bus now, and the latest events under them."""

    def __init__(self, machine: str | None, watcher: Watcher) -> None:
        super().__init__(machine)
        self.watcher = watcher
        self.events: list[dict[str, Any]] = []
        self.recent: list[str] = []

    def event(self, e: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(e)
            line = event_line(e)
            if self.interactive:
                self.recent = [*self.recent, line][-12:]
            self.emit(e, line)

    def render(self) -> Any:
        from rich.console import Group

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


def event_line(e: dict[str, Any]) -> str:
    stamp = str(e.get("time", ""))[11:23]
    kind = e["event"]
    style = EVENT_STYLE.get(kind, "")
    who = f"{e.get('device_id') or '?'} ({e.get('platform') or '?'})"
    if kind == "mode":
        what = f"{e.get('previous_mode')} -> {e['mode']}"
    elif kind == "checked":
        verdict = e["verdict"]
        what = f"[{VERDICT_STYLE[verdict]}]{verdict.upper()}[/]" + (f": {escape(e['reason'])}" if e.get("reason")
                                                                    else "")
    else:
        what = f"{e.get('mode')}" + (f" at {e['usb_path']}" if e.get("usb_path") else "")
    return f"[dim]{stamp}[/] [{style}]{kind:<7}[/] {who} {what}"


def render_summary(report: CheckReport, state: AppState, junit: Path | None) -> None:
    from particle_diag.cli.output import console

    out = console()
    bad = [d for d in report.devices if d.verdict != "pass"]
    if bad:
        out.print()
    for d in bad:
        out.print(f"[{VERDICT_STYLE[d.verdict]}]{d.verdict.upper()}[/] {d.key} ({d.platform or '?'})", highlight=False)
        for e in d.failed_expectations:
            out.print(f"    {escape(e.message)}", highlight=False)
        if d.error is not None:
            out.print(f"    {escape(d.error.message)} [dim]({d.error.reference})[/]", highlight=False)
            if d.error.hint:
                out.print(f"    [yellow]hint:[/] {escape(d.error.hint)}", highlight=False)
    s = report.summary()
    color = "green" if report.ok else "red"
    out.print(f"[{color}]{s['devices']} devices: {s['passed']} passed, {s['failed']} failed, {s['errors']} could "
              f"not be checked[/] in {s['elapsed_s']:.1f} s (station '{escape(report.station)}', exit code "
              f"{report.exit_code})", highlight=False)
    if junit is not None:
        out.print(f"[dim]JUnit report: {junit}[/]", highlight=False)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)

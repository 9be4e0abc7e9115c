"""What ``pdiag update`` shows: one progress line per device while it runs (a rich live table on a terminal,
plain lines on stderr otherwise, nothing with ``--json`` unless ``-v``), then each device's modules."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from particle_diag.cli.output import console
from particle_diag.errors import OperationInterrupted

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.devices.bundle import Bundle
    from particle_diag.devices.discovery import DeviceRecord
    from particle_diag.devices.update import UpdateProgress

PLAIN_STEP = 25  # plain lines: one per 25 % of a device's bytes, and one per change of what it does
ACTION_STYLE = {"written": "green", "skipped": "dim", "failed": "red", "write": "yellow", "skip": "dim"}


class UpdateDisplay:
    def __init__(self, state: AppState, records: list[DeviceRecord], plan_only: bool) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, Any]] = {}
        self.err = console(stderr=True)
        self.quiet = state.json and not state.verbose
        self.live: Any = None
        self.interactive = not self.quiet and self.err.is_terminal
        for r in records:
            self.rows[r.key] = {"platform": r.platform.name if r.platform else "?", "text": "queued", "done": 0,
                              "total": 0, "step": -1}

    def __enter__(self) -> UpdateDisplay:
        if self.interactive:
            from rich.live import Live

            self.live = Live(get_renderable=self._table, console=self.err, refresh_per_second=8, transient=True)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def progress(self, p: UpdateProgress) -> None:
        with self.lock:
            row = self.rows.setdefault(p.key, {"platform": "?", "step": -1})
            changed = row.get("text") != p.text
            row.update(text=p.text, done=p.done, total=p.total)
            if self.quiet or self.interactive:
                return
            step = p.done * 100 // p.total // PLAIN_STEP if p.total else 0
            if not changed and step <= row["step"]:
                return
            row["step"] = step
            percent = f" {p.done * 100 // p.total}%" if p.total else ""
            print(f"{p.key} [{row['platform']}]{percent} {p.text}", file=sys.stderr, flush=True)

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        for name in ("DEVICE", "PLATFORM", "PROGRESS", ""):
            table.add_column(name)
        with self.lock:
            for key, row in self.rows.items():
                total = row.get("total") or 0
                bar = _bar(row.get("done", 0), total) if total else ""
                table.add_row(key, row["platform"], bar, _escape(row.get("text", "")))
        return table


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = min(width, done * width // total)
    return "█" * filled + "·" * (width - filled) + f" {done * 100 // total:3d}%"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def render_results(bundle: Bundle, outcomes: list, plan_only: bool) -> None:  # type: ignore[type-arg]
    """Per device: a summary line, then one line per module (action, module, time or reason); errors on stderr."""
    out, err = console(), console(stderr=True)
    for o in outcomes:
        who = o.record.device_id or o.record.label
        if o.error is not None:
            _error(err, who, o.error)
            continue
        r = o.result
        if plan_only:
            out.print(f"{who}: plan for {_escape(bundle.source)}: {len(r.plan.writes)} to write, "
                      f"{len(r.plan.steps) - len(r.plan.writes)} to skip")
        else:
            versions = (f", Device OS {r.device_os_before} -> {r.device_os_after}"
                        if r.device_os_after and r.device_os_after != r.device_os_before else "")
            out.print(f"{who}: {r.count('written')} written, {r.count('skipped')} skipped, {r.count('failed')} "
                      f"failed in {r.elapsed_s:.1f} s{versions}" + (f", {r.mode_after} mode" if r.mode_after else ""))
        for m in r.modules:
            step = m.step
            action = ("write" if step.write else "skip") if plan_only else m.action
            style = ACTION_STYLE.get(action, "")
            detail = step.reason if plan_only or action == "skipped" else (
                f"{m.elapsed_s:.1f} s, {step.route}" + (", confirmed" if m.confirmed else ""))
            if m.error is not None and action == "failed":
                detail = m.error.message
            out.print(f"  [{style}]{action:8s}[/] {_escape(step.module.describe())}  [dim]{_escape(detail)}[/]")
        for note in r.notes:
            out.print(f"  [dim]note: {_escape(note)}[/]")
        if r.error is not None:
            _error(err, who, r.error)


def _error(err: Any, who: str, error: Any) -> None:
    if isinstance(error, OperationInterrupted):
        err.print(f"[red]INTERRUPTED[/] {who}: {_escape(error.message)} [dim]({error.reference})[/]")
        err.print(f"    [yellow]device:[/] {_escape(error.device_state or 'unknown')}")
        err.print(f"    [yellow]hint:[/] {_escape(error.hint)}")
        return
    message = error.message if who in error.message else f"{who}: {error.message}"
    err.print(f"[red]FAIL[/] {_escape(message)} [dim]({error.reference})[/]")
    if error.hint:
        err.print(f"    [yellow]hint:[/] {_escape(error.hint)}")

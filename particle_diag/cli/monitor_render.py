"""How ``pdiag monitor`` shows lines and events: plain or coloured text, JSON Lines, or one JSON envelope."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from particle_diag.protocol.logline import at_least, in_category

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.devices.monitor import Item, LogDirectory, MonitorResult

_LABEL_STYLES = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")
_LEVEL_STYLES = {"ERROR": "red", "PANIC": "bold red", "WARN": "yellow", "TRACE": "dim"}


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MonitorRenderer:
    def __init__(self, state: AppState, *, jsonl: bool, multi: bool, min_level: str | None,
                 categories: tuple[str, ...], timestamp: bool, utc: bool, files: LogDirectory | None) -> None:
        from particle_diag.cli.output import console

        self.state = state
        self.jsonl = jsonl
        self.envelope = state.json and not jsonl
        self.multi = multi
        self.min_level = min_level.upper() if min_level else None
        self.categories = categories
        self.timestamp = timestamp
        self.utc = utc
        self.files = files
        self.collected: list[dict[str, object]] = []
        self._out = console()
        self._styles: dict[str, str] = {}

    # -- one item -------------------------------------------------------------------------------------------
    def _wanted(self, record) -> bool:  # type: ignore[no-untyped-def]
        if self.min_level is None and not self.categories:
            return True
        if not record.is_log:
            return False  # a filter asks for log lines; plain application output is not one
        if self.min_level and not at_least(record.level, self.min_level):
            return False
        return not self.categories or any(in_category(record.category, c) for c in self.categories)

    def _as_dict(self, item: Item) -> dict[str, object]:
        from particle_diag.devices.monitor import LineSeen

        if isinstance(item, LineSeen):
            r = item.record
            return {"device_id": item.device_id, "port": item.port, "host_time": iso(item.host_time),
                    "uptime_ms": r.uptime_ms, "level": r.level, "category": r.category, "message": r.message,
                    "raw": r.raw}
        return {"device_id": item.device_id, "port": item.port, "host_time": iso(item.host_time),
                "event": item.event, "message": item.message, "mode": item.mode, "after_s": item.after_s,
                **item.details}

    def _time(self, t: float) -> str:
        if self.utc:
            return iso(t) + " "
        return datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3] + " "

    def show(self, item: Item) -> None:
        from rich.markup import escape

        from particle_diag.devices.monitor import LineSeen

        is_line = isinstance(item, LineSeen)
        if self.files is not None:
            stamp = iso(item.host_time)
            text = item.record.raw if is_line else f"# {stamp} {item.event}: {item.message}"  # type: ignore[union-attr]
            self.files.write(item.device_id, text)
        if is_line and not self._wanted(item.record):  # type: ignore[union-attr]
            return
        if self.envelope:
            self.collected.append(self._as_dict(item))
            return
        if self.jsonl:
            import json

            sys.stdout.write(json.dumps(self._as_dict(item), default=str) + "\n")
            sys.stdout.flush()
            return
        style = self._styles.setdefault(item.label, _LABEL_STYLES[len(self._styles) % len(_LABEL_STYLES)])
        prefix = f"[{style}]{escape(item.label)}[/] " if self.multi else ""
        when = self._time(item.host_time) if self.timestamp or self.utc else ""
        if is_line:
            record = item.record  # type: ignore[union-attr]
            body = escape(record.raw)
            level_style = _LEVEL_STYLES.get(record.level or "")
            if level_style:
                body = f"[{level_style}]{body}[/]"
            self._out.print(f"{when}{prefix}{body}", soft_wrap=True, highlight=False)
        else:
            extra = ""
            details = item.details  # type: ignore[union-attr]
            if details.get("reset_reason_name"):
                extra = (f"; reset reason {details['reset_reason']} {details['reset_reason_name']}: "
                         f"{details['reset_reason_meaning']}")
                if "sos" in details:
                    extra += f" ({details['sos']})"
            self._out.print(f"{when}{prefix}[bold]-- {escape(item.event)}:[/] {escape(item.message + extra)}",
                            soft_wrap=True, highlight=False)

    # -- the end --------------------------------------------------------------------------------------------
    def finish(self, result: MonitorResult, until: str | None) -> None:
        """The JSON envelope (with --json); a run whose --until never matched is an error the CLI raises."""
        if self.envelope and not (until is not None and result.reason == "duration"):
            from particle_diag.cli.output import envelope, print_json

            print_json(envelope("monitor", {"reason": result.reason, "lines": result.lines, "events": result.events,
                                            "until": until, "matched": None if result.matched is None
                                            else self._as_dict(result.matched), "records": self.collected}))

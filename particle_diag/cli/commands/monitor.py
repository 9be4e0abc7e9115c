"""``pdiag monitor``: the USB serial log of one device or a whole bench (docs/monitor.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.state import AppState

LEVEL_NAMES = ("trace", "info", "warn", "error", "panic")


def register(app: typer.Typer) -> None:
    app.command("monitor", help="Print the USB serial log of devices as it comes, following each device across "
                                "resets, mode changes, DFU and re-plugging (docs/monitor.md).")(monitor_command)


def _level(value: str | None, option: str) -> str | None:
    from particle_diag.errors import UsageError

    if value is None:
        return None
    if value.lower() not in LEVEL_NAMES:
        raise UsageError(f"{option} '{value}' is not a log level", f"Use one of: {', '.join(LEVEL_NAMES)}.",
                         reference="usage.monitor")
    return value.lower()


def monitor_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    all_devices: AllOpt = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line or event on stdout.")] = False,
    duration: Annotated[float | None, typer.Option("--duration", metavar="SECONDS", min=0.0,
                                                   help="Stop after this many seconds.")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="REGEX",
                                              help="Stop with exit 0 at the first line that matches; exit 16 "
                                                   "when --duration ends first.")] = None,
    send: Annotated[str | None, typer.Option("--send", metavar="TEXT",
                                             help="Write TEXT and a line ending once the port is open.")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", metavar="DIR",
                                                   help="Also append each device's lines to DIR/<device ID>.log.")]
    = None,
    level: Annotated[str | None, typer.Option("--level", metavar="LEVEL",
                                              help="Show log lines of this level or more severe (trace, info, "
                                                   "warn, error, panic); hides other output.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", metavar="CAT",
                                                       help="Show log lines of this category and its "
                                                            "sub-categories (repeatable).")] = None,
    timestamp: Annotated[bool, typer.Option("--timestamp", help="Prefix each line with the host's time.")] = False,
    utc: Annotated[bool, typer.Option("--utc", help="Host times in UTC (ISO 8601).")] = False,
    enable: Annotated[str | None, typer.Option("--enable", metavar="LEVEL",
                                               help="Add a USB serial log handler at LEVEL for as long as the "
                                                    "monitor runs, where Device OS offers it.")] = None,
) -> None:
    import signal
    import threading

    from particle_diag.cli.monitor_render import MonitorRenderer
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.monitor import LogDirectory, Monitor
    from particle_diag.devices.select import select
    from particle_diag.errors import NotSeenError, UsageError

    state: AppState = ctx.obj
    min_level = _level(level, "--level")
    enable_level = _level(enable, "--enable")
    if enable_level == "panic":
        raise UsageError("--enable panic is not a handler level", "Use trace, info, warn or error.",
                         reference="usage.monitor")
    if until is not None:
        try:
            pattern: re.Pattern[str] | None = re.compile(until)
        except re.error as exc:
            raise UsageError(f"--until '{until}' is not a regular expression: {exc}",
                             reference="usage.monitor") from None
    else:
        pattern = None
    files = LogDirectory(directory) if directory is not None else None  # checked before any device is touched
    chosen = select(discover(state.host), devices or [], all_devices=all_devices)
    stop = threading.Event()
    monitor = Monitor(state.host, chosen, send=send, enable_level=enable_level, stop=stop)
    renderer = MonitorRenderer(state, jsonl=jsonl, multi=len(chosen) > 1, min_level=min_level,
                               categories=tuple(category or ()), timestamp=timestamp, utc=utc, files=files)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    progress = state.host.progress

    def show(item: Any) -> None:
        if progress is None:
            renderer.show(item)
            return
        with progress.aside():  # the "waiting for ... to come back" line, on the same terminal
            renderer.show(item)

    try:
        result = monitor.run(show, duration_s=duration, until=pattern)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if files is not None:
            files.close()
    renderer.finish(result, until)
    if pattern is not None and result.reason == "duration":
        raise NotSeenError(f"no line matched '{until}' within {duration:g} s",
                           "Check the pattern (a Python regular expression) and that the application logs to USB "
                           "serial (SerialLogHandler); a longer --duration may help.")

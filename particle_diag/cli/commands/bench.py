"""``pdiag locate``, ``pdiag setup-done``, ``pdiag protection``: small bench tools (docs/vitals.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from particle_diag.devices.discovery import DeviceRecord


def register(app: typer.Typer) -> None:
    app.command("locate", help="Make a device's status LED show the rainbow so you can find it on the bench; "
                               "--off stops it, --all --cycle lights each device in turn.")(locate_command)
    app.command("setup-done", help="Read the Gen 3 setup-done flag; --set or --clear it (Device OS < 4.0 stays in "
                                   "listening mode without it).")(setup_done_command)
    app.command("protection", help="Show the Device Protection state (off, on, service mode) and what it allows.")(
        protection_command)


def run_each(state: AppState, command: str, selectors: list[str], all_devices: bool,
             action: Callable[[DeviceRecord], Any], show: Callable[[Any], str]) -> None:
    """Run ``action`` on the chosen devices in parallel: one line per device (``show`` of its result) on
    stdout, failures on stderr, one JSON envelope with ``--json``; exit with the worst device's code."""
    from particle_diag.cli.output import console, envelope, print_json
    from particle_diag.cli.render import render_failure
    from particle_diag.devices.batch import run_on_devices
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.errors import worst_error

    chosen = select(discover(state.host), selectors, all_devices=all_devices)
    outcomes = run_on_devices(chosen, action, state.host.clock)
    worst = worst_error(o.error for o in outcomes)
    if state.json:
        print_json(envelope(command, {"devices": [o.to_dict() for o in outcomes]}, worst.as_dict() if worst else None))
    else:
        out = console()
        for o in outcomes:
            if o.ok:
                out.print(f"{o.record.device_id or o.record.label}  {show(o.result)}", markup=False)
                for note in getattr(o.result, "notes", []):
                    out.print(f"    note: {note}", markup=False, style="dim")
            else:
                render_failure(o)
    if worst is not None:
        raise typer.Exit(int(worst.exit_code))


def locate_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    all_devices: AllOpt = False,
    off: Annotated[bool, typer.Option("--off", help="Stop the rainbow.")] = False,
    cycle: Annotated[bool, typer.Option("--cycle", help="Light each chosen device in turn and say which it is.")]
    = False,
    seconds: Annotated[float, typer.Option("--seconds", metavar="SECONDS", min=0.1,
                                           help="With --cycle: how long each device shows the rainbow.")] = 5.0,
) -> None:
    from particle_diag.devices import locate
    from particle_diag.errors import UsageError

    state: AppState = ctx.obj
    if cycle and off:
        raise UsageError("--cycle and --off exclude each other", "--cycle stops each device's rainbow itself.",
                         reference="usage.invalid")
    if not cycle:
        run_each(state, "locate", devices or [], all_devices, lambda r: locate.signal(r, state.host, on=not off),
                 lambda s: "rainbow on: look for the board whose LED cycles through the colours; "
                           f"`pdiag locate --off {s.device_id or ''}` stops it" if s.rainbow else "rainbow off")
        return
    _cycle(state, devices or [], all_devices, seconds)


def _cycle(state: AppState, selectors: list[str], all_devices: bool, seconds: float) -> None:
    from particle_diag.cli.output import console, envelope, print_json
    from particle_diag.devices import locate
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select

    chosen = select(discover(state.host), selectors, all_devices=all_devices)
    shown: list[dict[str, Any]] = []

    def each(index: int, record: DeviceRecord, signal: Any, error: Exception | None) -> None:
        entry = {"step": index + 1, "of": len(chosen), "device_id": record.device_id,
                 "platform": record.platform.name if record.platform else None,
                 "usb_path": record.usb.path if record.usb else None, "serial_port": record.serial_port,
                 "ok": error is None, "error": error.as_dict() if error is not None else None}  # type: ignore[attr-defined]
        shown.append(entry)
        if state.json:
            return
        out = console()
        where = f"USB {entry['usb_path'] or '-'}, port {entry['serial_port'] or '-'}"
        if error is None:
            out.print(f"{index + 1}/{len(chosen)}  rainbow now: {record.device_id}  "
                      f"{record.platform.display if record.platform else '?'}  {where}", markup=False)
        else:
            out.print(f"{index + 1}/{len(chosen)}  skipped {record.device_id}: {error}", markup=False, style="red")

    locate.cycle(chosen, state.host, seconds, each)
    if state.json:
        print_json(envelope("locate", {"devices": shown}))
    failed = [e for e in shown if not e["ok"]]
    if failed:
        raise typer.Exit(8)


def setup_done_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    all_devices: AllOpt = False,
    set_flag: Annotated[bool, typer.Option("--set", help="Set the flag (the device then boots normally).")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Clear the flag (the device then boots into listening "
                                                        "mode).")] = False,
) -> None:
    from particle_diag.devices.setup_done import setup_done
    from particle_diag.errors import UsageError

    state: AppState = ctx.obj
    if set_flag and clear:
        raise UsageError("--set and --clear exclude each other", reference="usage.invalid")
    target = True if set_flag else False if clear else None

    def show(result: Any) -> str:
        if result.done is None:
            return "no setup-done flag"
        verb = "now " if result.changed else ""
        return f"setup done: {verb}{'yes' if result.done else 'no'}"

    run_each(state, "setup-done", devices or [], all_devices,
             lambda r: setup_done(r, state.host, set_to=target), show)


def protection_command(ctx: typer.Context, devices: DeviceArg = None, all_devices: AllOpt = False) -> None:
    from particle_diag.devices.device_protection import protection

    state: AppState = ctx.obj
    run_each(state, "protection", devices or [], all_devices, lambda r: protection(r, state.host),
             lambda p: f"{p.state.replace('_', ' ')}: {p.meaning}")

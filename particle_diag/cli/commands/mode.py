"""``pdiag enter dfu|listening|safe|normal`` and ``pdiag reset``, on one device or many in parallel."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from particle_diag.catalog import timeouts
from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from collections.abc import Callable

    from particle_diag.devices.modes import ModeChange
    from particle_diag.devices.record import DeviceRecord


class Target(StrEnum):
    dfu = "dfu"
    listening = "listening"
    safe = "safe"
    normal = "normal"


class Via(StrEnum):
    usb = "usb"
    serial = "serial"


TimeoutOpt = Annotated[float, typer.Option("--timeout", envvar="PDIAG_MODE_TIMEOUT", min=0.1, metavar="SECONDS",
                                           help="How long to wait for the device to come back in the new mode.")]
ViaOpt = Annotated[Via | None, typer.Option(
    "--via", metavar="usb|serial",
    help="Force the USB control request or the serial (magic baud) path; refused when the device cannot take it.")]


def register(app: typer.Typer) -> None:
    app.command("enter", help="Switch devices to DFU, listening, safe or normal mode and wait until they are "
                              "confirmed there.")(enter_command)
    app.command("reset", help="Restart devices (DFU: leave DFU) and wait until they are back.")(reset_command)


ModeArg = Annotated[Target, typer.Argument(metavar="MODE", help="The mode to enter: dfu, listening, safe or normal.")]


def enter_command(ctx: typer.Context, mode: ModeArg,
                  devices: DeviceArg = None, all_devices: AllOpt = False, timeout: TimeoutOpt = timeouts.MODE_CHANGE_S,
                  via: ViaOpt = None) -> None:
    from particle_diag.devices.modes import change_mode

    state: AppState = ctx.obj
    _run(state, "enter", devices or [], all_devices,
         lambda record: change_mode(record, mode.value, state.host, timeout_s=timeout,
                                    via=via.value if via else None))


def reset_command(ctx: typer.Context, devices: DeviceArg = None, all_devices: AllOpt = False,
                  timeout: TimeoutOpt = timeouts.MODE_CHANGE_S) -> None:
    from particle_diag.devices.modes import reset

    state: AppState = ctx.obj
    _run(state, "reset", devices or [], all_devices, lambda record: reset(record, state.host, timeout_s=timeout))


def _run(state: AppState, command: str, selectors: list[str], all_devices: bool,
         action: Callable[[DeviceRecord], ModeChange]) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.render import render_outcomes
    from particle_diag.devices.batch import run_on_devices
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.errors import worst_error

    chosen = select(discover(state.host), selectors, all_devices=all_devices)
    outcomes = run_on_devices(chosen, action, state.host.clock)
    worst = worst_error(o.error for o in outcomes)
    code = int(worst.exit_code) if worst else 0
    if state.json:
        print_json(envelope(command, {"devices": [o.to_dict() for o in outcomes]}, worst.as_dict() if worst else None))
    else:
        render_outcomes(outcomes)
    if code:
        raise typer.Exit(code)

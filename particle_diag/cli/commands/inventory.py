"""``pdiag list`` and ``pdiag identify``."""

from __future__ import annotations

from typing import Annotated

import typer

from particle_diag.cli.state import AppState

DeviceArg = Annotated[list[str] | None, typer.Argument(
    metavar="[DEVICE]...", help="Device ID prefix, serial port path or USB path (1-3 or 001:005).")]
AllOpt = Annotated[bool, typer.Option("--all", "-a", help="Every attached device.")]


def register(app: typer.Typer) -> None:
    app.command("list", help="List attached Particle devices: ID, platform, mode, Device OS, port, status.")(
        list_command)
    app.command("identify", help="Show what a device says about itself (ID, Device OS, ICCID/IMEI, MAC, "
                                 "modules, cloud status).")(identify_command)


def list_command(ctx: typer.Context) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.render import render_list
    from particle_diag.devices.discovery import discover

    state: AppState = ctx.obj
    records = discover(state.host)
    if state.json:
        print_json(envelope("list", {"devices": [r.to_dict() for r in records]}))
    else:
        render_list(records, state)


def identify_command(ctx: typer.Context, devices: DeviceArg = None, all_devices: AllOpt = False) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.render import render_identity
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.identify import identify
    from particle_diag.devices.select import select

    state: AppState = ctx.obj
    chosen = select(discover(state.host), devices or [], all_devices=all_devices)
    identities = [identify(r, state.host) for r in chosen]
    if state.json:
        if all_devices or len(chosen) > 1:
            data: dict = {"devices": [i.to_dict() for i in identities]}
        else:
            data = identities[0].to_dict()
        print_json(envelope("identify", data))
    else:
        for ident in identities:
            render_identity(ident, state)

"""``pdiag vitals``: signal, battery, power, memory, network and cloud as the device reports them (docs/vitals.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.state import AppState


def register(app: typer.Typer) -> None:
    app.command("vitals", help="Show signal strength and quality, battery, power source, uptime, free memory and "
                               "the network and cloud state with their last errors (docs/vitals.md).")(
        vitals_command)


def vitals_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    all_devices: AllOpt = False,
    watch: Annotated[float | None, typer.Option(
        "--watch", metavar="SECONDS", min=0.1,
        help="Read again every SECONDS until Ctrl-C; with --json one JSON object per line per reading.")] = None,
    count: Annotated[int | None, typer.Option("--count", metavar="N", min=1,
                                              help="With --watch: stop after N readings.")] = None,
) -> None:
    from particle_diag.cli.output import envelope, print_json, print_json_line
    from particle_diag.cli.vitals_render import render_vitals
    from particle_diag.devices import vitals
    from particle_diag.devices.batch import Outcome
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.errors import UsageError, worst_error

    state: AppState = ctx.obj
    if count is not None and watch is None:
        raise UsageError("--count only applies with --watch", "Add --watch SECONDS, or leave out --count.",
                         reference="usage.invalid")
    chosen = select(discover(state.host), devices or [], all_devices=all_devices)
    codes: list[int] = []

    def show(outcomes: list[Outcome]) -> None:
        worst = worst_error(o.error for o in outcomes)
        codes.append(int(worst.exit_code) if worst else 0)
        doc = envelope("vitals", {"devices": [o.to_dict() for o in outcomes]}, worst.as_dict() if worst else None)
        if state.json:
            (print_json_line if watch is not None else print_json)(doc)
            return
        if watch is not None:
            from particle_diag.cli.output import console

            out = console()
            if out.is_terminal:
                out.clear()
            out.print(f"[dim]pdiag vitals: every {watch:g} s, Ctrl-C to stop[/]")
        render_vitals(outcomes, state)

    if watch is None:
        show(vitals.read_all(chosen, state.host))
    else:
        vitals.watch(chosen, state.host, watch, show, count)
    if codes and codes[-1]:
        raise typer.Exit(codes[-1])

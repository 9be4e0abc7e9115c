"""``pdiag update BUNDLE [DEVICE]... [--all] [--plan]``: a bundle of firmware modules onto one device or a bench.

Presentation only: the work is in ``particle_diag.devices.update``.  Arguments: the first names the bundle (a
directory, a .zip or a module binary); each following one that is an existing file or directory, or ends in .bin
or .zip, adds to it; the others select devices.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from particle_diag.catalog import timeouts
from particle_diag.cli.commands.inventory import AllOpt
from particle_diag.cli.consent import YesOpt
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from particle_diag.devices.bundle import Bundle
    from particle_diag.devices.discovery import DeviceRecord

ArgsArg = Annotated[list[str], typer.Argument(
    metavar="BUNDLE [DEVICE]...", help="The bundle (a directory or .zip of module binaries, or .bin files), then "
                                       "device ID prefixes, serial ports or USB paths.")]
PlanOpt = Annotated[bool, typer.Option("--plan", help="Show what would be written and skipped, touch nothing.")]
BackupOpt = Annotated[Path | None, typer.Option(
    "--backup", metavar="DIR", help="First save the flash each DFU write erases, as DIR/<device ID>/<module>.bin "
                                    "(restore one with `pdiag flash --restore FILE`); an existing file is "
                                    "replaced only with --yes, this device's earlier backup of a range is kept.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", envvar="PDIAG_MODE_TIMEOUT", min=0.1, metavar="SECONDS",
                                           help="How long to wait for a device to restart or change mode.")]


def register(app: typer.Typer) -> None:
    app.command("update", help="Update devices to a bundle of firmware modules (Device OS, bootloader, radio stack, "
                               "application and its assets): writes only what differs, every device in "
                               "parallel.")(update_command)


def update_command(ctx: typer.Context, args: ArgsArg, all_devices: AllOpt = False, plan: PlanOpt = False,
                   backup: BackupOpt = None, timeout: TimeoutOpt = timeouts.MODE_CHANGE_S,
                   yes: YesOpt = False) -> None:
    from particle_diag.cli.consent import obtain
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.update_render import UpdateDisplay, render_results
    from particle_diag.devices.batch import run_on_devices
    from particle_diag.devices.bundle import load_bundle
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.devices.update import prepare_update, update_device
    from particle_diag.errors import worst_error, worst_exit_code

    state: AppState = ctx.obj
    paths, selectors = split_arguments(args)
    bundle = load_bundle(paths)  # a bad bundle stops here, before any device is looked at
    chosen = select(discover(state.host), selectors, all_devices=all_devices)
    prepared: list = []  # type: ignore[type-arg]

    def preflight(consent: bool) -> None:  # no device touched; asks once on a terminal to replace backup files
        prepared[:] = [prepare_update(r, bundle, recovery=_rerun(state, bundle, r, backup), backup=backup,
                                      overwrite=consent, plan_only=plan) for r in chosen]

    obtain(preflight, yes or state.yes)
    by_key = {id(p.record): p for p in prepared}
    display = UpdateDisplay(state, chosen, plan)
    with display:
        outcomes = run_on_devices(chosen, lambda r: update_device(by_key[id(r)], state.host, plan_only=plan,
                                                                  progress=display.progress, timeout_s=timeout),
                                  state.host.clock)
    errors = [o.error or o.result.error for o in outcomes]
    code = worst_exit_code(e.exit_code for e in errors if e is not None)
    if state.json:
        worst = worst_error(errors)
        print_json(envelope("update", {"bundle": bundle.to_dict(), "plan_only": plan,
                                       "devices": [_device_dict(o) for o in outcomes]},
                            worst.as_dict() if worst else None))
    else:
        render_results(bundle, outcomes, plan)
    if code:
        raise typer.Exit(code)


def split_arguments(args: list[str]) -> tuple[list[Path], list[str]]:
    """The first argument and every later one naming an existing file or directory, or ending in .bin/.zip, make
    the bundle; the rest select devices (IDs, USB paths and serial ports: a serial port is not a regular file)."""
    paths, selectors = [Path(args[0])], []
    for arg in args[1:]:
        p = Path(arg)
        if arg.lower().endswith((".bin", ".zip")) or p.is_dir() or p.is_file():
            paths.append(p)
        else:
            selectors.append(arg)
    return paths, selectors


def _rerun(state: AppState, bundle: Bundle, record: DeviceRecord, backup: Path | None = None) -> str:
    """The command that finishes an interrupted update of this device (what is there already is skipped; with
    --backup, the backups already saved are kept)."""
    import shlex

    from particle_diag.devices.modes import device_selector

    extra = ["--backup", str(backup)] if backup is not None else []
    return shlex.join(["pdiag", *state.rerun_sim, "update", *bundle.source.split(" "), device_selector(record),
                       *extra])


def _device_dict(outcome) -> dict:  # type: ignore[no-untyped-def, type-arg]
    data = outcome.to_dict()
    data["ok"] = outcome.error is None and outcome.result.error is None
    return data

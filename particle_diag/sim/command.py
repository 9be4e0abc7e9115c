"""``pdiag sim run``: run any command with the virtual bench visible as real USB devices (umockdev)."""

from __future__ import annotations

from typing import Annotated

import typer

from particle_diag.cli.state import AppState

HELP = """Run COMMAND with a virtual bench that looks like real USB hardware (Linux, umockdev).

Inside, `pdiag` without --sim, dfu-util, lsusb and your own scripts find the virtual devices through libusb,
sysfs and /dev/ttyACM*. The bench lives until COMMAND ends, so its devices keep their mode and flash
across the commands of `sh -c '...'`. Exits with COMMAND's exit code. See docs/sim-run.md.

Example: pdiag sim run --bench boron,argon:dfu -- sh -c 'pdiag list; dfu-util -l'
"""

BenchOpt = Annotated[str | None, typer.Option(
    "--bench", "-b", metavar="SPEC",
    help="Virtual devices, as for --sim (default: the --sim value, else "
         "boron,argon:dfu,electron/1.5.2:listening).")]
CommandArg = Annotated[list[str], typer.Argument(
    metavar="COMMAND", show_default=False, help="The program to run, and its arguments (after --).")]


def register(app: typer.Typer) -> None:
    sim = typer.Typer(help="Virtual bench tools.", no_args_is_help=True, rich_markup_mode=None)
    sim.command("run", help=HELP, context_settings={"allow_interspersed_args": False,
                                                     "ignore_unknown_options": True})(run_command)
    sim.command("status", help="Show each virtual device's status LED (the rainbow of `pdiag locate`), mode and "
                               "setup-done flag: what a person at the bench would see. Inside `pdiag sim run` "
                               "the shared bench's, else the --sim bench's.")(status_command)
    app.add_typer(sim, name="sim")


def run_command(ctx: typer.Context, command: CommandArg, bench: BenchOpt = None) -> None:
    from particle_diag.sim import umockdev

    state: AppState = ctx.find_root().obj
    spec = bench or state.sim or umockdev.DEFAULT_BENCH
    from particle_diag.sim.spec import parse_spec

    parse_spec(spec)  # a bad spec is a usage error before anything is started
    umockdev.load_umockdev()  # says what to install before re-executing
    options = ["-v"] * state.verbose + ["--trace"] * state.trace + ["--json"] * state.json
    args = [*options, "sim", "run", "--bench", spec, "--", *command]
    umockdev.reexec_under_preload(args)
    trace = state.trace_line if state.trace else None
    code = umockdev.run_command(spec, command, trace)
    raise typer.Exit(code)


def status_command(ctx: typer.Context) -> None:
    import os

    from particle_diag.cli.output import console, envelope, print_json
    from particle_diag.errors import UsageError
    from particle_diag.sim.status import bench_status, read_status_file
    from particle_diag.sim.umockdev import INSIDE_MARK

    state: AppState = ctx.find_root().obj
    testbed = os.environ.get("UMOCKDEV_DIR") if os.environ.get(INSIDE_MARK) else None
    if state.sim is not None:
        state.host  # starts the --sim bench  # noqa: B018
        devices = bench_status(state.bench)  # type: ignore[arg-type]
    elif testbed is not None:
        found = read_status_file(testbed)
        if found is None:
            raise UsageError("the `pdiag sim run` around this command keeps no bench status",
                             "It was started by an older pdiag; run this pdiag's `sim run`.",
                             reference="usage.sim-spec")
        devices = found
    else:
        raise UsageError("no virtual bench here", "Pass --sim SPEC, or run it inside `pdiag sim run`.",
                         reference="usage.sim-spec")
    if state.json:
        print_json(envelope("sim", {"devices": devices}))
        return
    out = console()
    for d in devices:
        setup = "" if d["setup_done"] else "  setup-done flag cleared"
        out.print(f"{d['device_id']}  {d['platform']}  {d['mode']}  LED {d['led']}{setup}", markup=False)

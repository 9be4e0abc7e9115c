"""The typer application: global options and the command table.  Commands live in ``cli/commands/``."""

from __future__ import annotations

from typing import Annotated

import typer

from particle_diag import __version__
from particle_diag.catalog import timeouts
from particle_diag.cli.state import AppState

COMMANDS = ("list", "identify", "vitals", "net", "keys", "protection", "locate", "setup-done", "enter", "reset",
            "led", "sos", "doctor", "troubleshoot", "dfu", "flash", "update", "check", "watch", "monitor", "sim")

# The module of cli/commands/ that registers each command, in the order of the root --help; a dotted name is a
# module of a higher layer (the sim: docs/architecture.md) that the CLI names but never imports statically.
MODULE_OF = {"list": "inventory", "identify": "inventory", "vitals": "vitals", "net": "network",
             "keys": "network", "protection": "bench", "locate": "bench", "setup-done": "bench", "enter": "mode",
             "reset": "mode",
             "led": "troubleshooting", "sos": "troubleshooting", "doctor": "troubleshooting",
             "troubleshoot": "troubleshooting", "dfu": "dfu", "flash": "dfu", "update": "update", "check": "factory",
             "watch": "factory", "monitor": "monitor", "sim": "particle_diag.sim.command"}

HELP = """Diagnose Particle devices plugged in over USB.

Try it without hardware: pdiag --sim boron,argon:dfu,electron/1.5.2:listening list
"""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pdiag {__version__}")
        raise typer.Exit()


def _shared_bench_inside_sim_run(ctx: typer.Context, sim: str | None) -> str | None:
    """Inside `pdiag sim run`, PDIAG_SIM would give each command a private bench that nothing else sees: the
    shared one is used instead, with a note.  An explicit --sim is still obeyed."""
    import os

    from particle_diag.cli.clickcompat import ParameterSource

    if sim is None or not os.environ.get("PDIAG_INSIDE_SIM_RUN"):
        return sim
    if ctx.get_parameter_source("sim") != ParameterSource.ENVIRONMENT:
        return sim
    import sys

    print(f"pdiag: note: PDIAG_SIM={sim} is ignored inside `pdiag sim run`: this command uses the bench of "
          "`pdiag sim run` (pass --sim to use a private one)", file=sys.stderr)
    return None


def build_app(command: str | None = None) -> typer.Typer:
    app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False,
                      rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def main(
        ctx: typer.Context,
        json: Annotated[bool, typer.Option("--json", envvar="PDIAG_JSON",
                                           help="Print one JSON object (schema pdiag/1) on stdout.")] = False,
        verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, envvar="PDIAG_VERBOSE",
                                             help="More detail on stderr (repeat for more).")] = 0,
        trace: Annotated[bool, typer.Option("--trace", envvar="PDIAG_TRACE",
                                            help="Log every USB transfer and serial exchange (hex) on stderr.")]
        = False,
        sim: Annotated[str | None, typer.Option("--sim", envvar="PDIAG_SIM", metavar="SPEC",
                                                help="Use a virtual bench, e.g. boron,argon:dfu,electron/1.5.2:"
                                                     "listening (see docs/virtual-bench.md).")] = None,
        timeout: Annotated[float, typer.Option("--request-timeout", envvar="PDIAG_REQUEST_TIMEOUT", min=0.1,
                                               metavar="SECONDS", help="Time limit of one device request.")]
        = timeouts.REQUEST_S,
        probe_timeout: Annotated[float, typer.Option(
            "--probe-timeout", envvar="PDIAG_PROBE_TIMEOUT", min=0.05, metavar="SECONDS",
            help="How long listing waits for a device before calling it unresponsive.")] = timeouts.PROBE_S,
        wait_lock: Annotated[float, typer.Option(
            "--wait-lock", envvar="PDIAG_WAIT_LOCK", min=0.0, metavar="[SECONDS]",
            help="Wait this long for a device another pdiag process is using (bare: until it is free).")] = 0.0,
        no_color: Annotated[bool, typer.Option("--no-color", envvar=["PDIAG_NO_COLOR", "NO_COLOR"],
                                               help="Plain output without colour.")] = False,
        record: Annotated[str | None, typer.Option(
            "--record", envvar="PDIAG_RECORD", metavar="FILE",
            help="Write every USB transfer and serial exchange of this run to FILE (JSON Lines, secrets "
                 "masked) for a bug report; replay it with --sim replay:FILE (docs/record-replay.md).")] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Consent in advance: e.g. let --record replace "
                                                              "an existing FILE.")] = False,
        version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                              help="Print the version and exit.")] = False,
    ) -> None:
        sim = _shared_bench_inside_sim_run(ctx, sim)
        state = AppState(json=json, verbose=verbose, trace=trace, sim=sim, timeout_s=timeout,
                         probe_timeout_s=probe_timeout, color=not no_color, yes=yes,
                         lock_wait_s=wait_lock)
        if record:
            state.start_recording(record, (ctx.obj or {}).get("argv", []) if isinstance(ctx.obj, dict) else [])
        ctx.obj = state
        ctx.call_on_close(state.close)

    import importlib

    # Only the invoked command's module is imported and turned into a click command (start-up time); the
    # root help, completion and unknown commands get all of them.
    modules = (MODULE_OF[command],) if command in MODULE_OF else dict.fromkeys(MODULE_OF.values())
    for name in modules:
        importlib.import_module(name if "." in name else f"particle_diag.cli.commands.{name}").register(app)
    return app

"""Rich renderers for people.  Only presentation here: the data comes ready from the library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag.cli.output import console
from particle_diag.errors import OperationInterrupted

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.devices.identify import Identity
    from particle_diag.devices.record import DeviceRecord

MODE_STYLE = {"normal": "cyan", "listening": "blue", "dfu": "yellow", "edl": "yellow", "safe": "magenta",
              "protected": "red", "unknown": "dim"}
STATUS_STYLE = {"inaccessible": "bold red", "unresponsive": "red", "unknown-pid": "dim", "protected": "red",
                "in-use": "yellow"}


LIST_COLUMNS = ("DEVICE ID", "PLATFORM", "MODE", "DEVICE OS", "PORT", "USB", "STATUS")
_ORDINARY_STATUS = ("normal", "dfu")  # the STATUS column only repeats MODE for these


# Plain escape sequences, not rich: `pdiag list` is the command people and scripts run most, and rich's import
# alone costs more than listing a bench of devices.
_SGR = {"bold": "\x1b[1m", "dim": "\x1b[2m", "red": "\x1b[31m", "bold red": "\x1b[1;31m", "yellow": "\x1b[33m",
        "blue": "\x1b[34m", "magenta": "\x1b[35m", "cyan": "\x1b[36m"}


def render_list(records: list[DeviceRecord], state: AppState) -> None:
    import shutil
    import sys

    from particle_diag.cli.layout import Column, blocks, fit, plain_terminal, table

    out = sys.stdout
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    color = tty and state.color and not plain_terminal()

    def sgr(style: str) -> str:
        return " ".join(_SGR.get(part, "") for part in [style]) if color and style else ""

    def say(text: str, style: str = "") -> None:
        out.write(f"{sgr(style)}{text}\x1b[0m\n" if sgr(style) else text + "\n")

    if not records:
        say("No Particle devices found.")
        say("Run `pdiag doctor` to check this computer's USB set-up.", "dim")
        out.flush()
        return
    ordinary = all(r.status in _ORDINARY_STATUS for r in records)
    columns = [Column(h, redundant=(h == "STATUS" and ordinary)) for h in LIST_COLUMNS]
    rows = [[r.device_id or "?", r.platform.display if r.platform else "unknown", r.mode, r.device_os or "-",
             r.serial_port or "-", r.usb.path if r.usb else "-", r.status] for r in records]
    width = shutil.get_terminal_size().columns if tty else 1 << 30
    shown = fit(columns, rows, width)
    if shown is None:  # too narrow for a table: one block per device, nothing cut
        for line in blocks(columns, rows):
            say(line)
    else:
        styles = [[sgr({"MODE": MODE_STYLE.get(r.mode, ""), "STATUS": STATUS_STYLE.get(r.status, "")}.get(
            LIST_COLUMNS[i], "")) for i in shown] for r in records]
        for line in table([columns[i] for i in shown], [[row[i] for i in shown] for row in rows],
                          ascii_only=not tty or plain_terminal(), styles=styles, header_style=sgr("bold")):
            say(line)
    for r in records:
        if r.problem is not None:
            say(f"{r.device_id or r.label}: {r.problem.message}", "red")
            if r.problem.hint:
                say(f"  hint: {r.problem.hint}", "yellow")
        for note in r.notes:
            say(f"{r.device_id or '?'}: {note}", "dim")
    out.flush()


def escape(text: str) -> str:
    """rich markup escaping, imported only by the renderers that use rich."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def render_identity(ident: Identity, state: AppState) -> None:
    out = console()
    rows: list[tuple[str, str | None]] = [
        ("Device ID", ident.device_id),
        ("Platform", f"{ident.platform} ({ident.platform_id})" if ident.platform else None),
        ("Mode", ident.mode),
        ("Device OS", ident.device_os),
        ("Serial number", ident.serial_number),
        ("ICCID", ident.iccid),
        ("IMEI", ident.imei),
        ("MAC", ident.mac),
        ("Cloud", ident.cloud_status),
        ("Serial port", ident.serial_port),
        ("USB path", ident.usb_path),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        if value is not None:
            out.print(f"[bold]{key.ljust(width)}[/]  {value}", highlight=False)
    if ident.modules:
        out.print("[bold]Modules[/]")
        for m in ident.modules:
            verdict = "[green]valid[/]" if m.valid else f"[red]FAILED: {', '.join(m.failed_checks)}[/]"
            out.print(f"  {m.type} {m.index}  v{m.version}  {verdict}")
    for note in ident.notes:
        out.print(f"[dim]note: {note}[/]")
    out.print()


def render_outcomes(outcomes: list) -> None:  # type: ignore[type-arg]
    """One line per device: old -> new mode and the time taken on stdout, or the error and its hint on
    stderr (results on stdout, problems on stderr, as in every command)."""
    out = console()
    for o in outcomes:
        who = o.record.device_id or o.record.label
        if o.ok:
            change = o.result
            if change.path == "none":
                out.print(f"[green]ok[/]  {who}: already in {change.new_mode} mode")
            else:
                out.print(f"[green]ok[/]  {who}: {change.old_mode} -> {change.new_mode} in {change.elapsed_s:.1f} s "
                          f"[dim]({change.path})[/]")
            for note in change.notes:
                out.print(f"    [dim]note: {note}[/]")
        else:
            render_failure(o)


def render_failure(o) -> None:  # type: ignore[no-untyped-def]
    """A device the command could not handle, on stderr: FAIL, the message and its hint (or, when interrupted,
    the step, the device's state and the recovery)."""
    err = console(stderr=True)
    who = o.record.device_id or o.record.label
    if isinstance(o.error, OperationInterrupted):  # step, device state, recovery: one line each, stderr
        err.print(f"[red]INTERRUPTED[/] {escape(o.error.message)} [dim]({o.error.reference})[/]")
        err.print(f"    [yellow]device:[/] {escape(o.error.device_state or 'unknown')}")
        err.print(f"    [yellow]hint:[/] {escape(o.error.hint)}")
    else:
        message = o.error.message if who in o.error.message else f"{who}: {o.error.message}"
        err.print(f"[red]FAIL[/] {message} [dim]({o.error.reference})[/]")
        if o.error.hint:
            err.print(f"    [yellow]hint:[/] {o.error.hint}")

"""Rich renderers for people.  Only presentation here: the data comes ready from the library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from particle_diag.cli.output import console
from particle_diag.errors import OperationInterrupted

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.devices.discovery import DeviceRecord
    from particle_diag.devices.identify import Identity

MODE_STYLE = {"normal": "cyan", "listening": "blue", "dfu": "yellow", "safe": "magenta",
              "protected": "red", "unknown": "dim"}
STATUS_STYLE = {"inaccessible": "bold red", "unresponsive": "red", "unknown-pid": "dim", "protected": "red",
                "in-use": "yellow"}


LIST_COLUMNS = ("DEVICE ID", "PLATFORM", "MODE", "DEVICE OS", "PORT", "USB", "STATUS")
_ORDINARY_STATUS = ("normal", "dfu")  # the STATUS column only repeats MODE for these


def render_list(records: list[DeviceRecord], state: AppState) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from particle_diag.cli.layout import Column, blocks, fit, plain_terminal

    out = console()
    if not out.is_terminal or not state.color or plain_terminal():
        out.no_color = True
    if not records:
        out.print("No Particle devices found.")
        out.print("[dim]Run `pdiag doctor` to check this computer's USB set-up.[/]")
        return
    ordinary = all(r.status in _ORDINARY_STATUS for r in records)
    columns = [Column(h, redundant=(h == "STATUS" and ordinary)) for h in LIST_COLUMNS]
    rows = [[r.device_id or "?", r.platform.display if r.platform else "unknown", r.mode, r.device_os or "-",
             r.serial_port or "-", r.usb.path if r.usb else "-", r.status] for r in records]
    shown = fit(columns, rows, out.width)
    if shown is None:  # too narrow for a table: one block per device, nothing cut
        for line in blocks(columns, rows):
            out.print(escape(line), overflow="ignore", crop=False)
    else:
        table = Table(show_edge=False, pad_edge=False, header_style="bold",
                      box=box.ASCII if plain_terminal() or not out.is_terminal else box.HEAVY_HEAD)
        for i in shown:
            table.add_column(LIST_COLUMNS[i], no_wrap=True, overflow="fold")
        for r, row in zip(records, rows, strict=True):
            cells = [escape(row[i]) for i in shown]
            style = {"MODE": MODE_STYLE.get(r.mode, ""), "STATUS": STATUS_STYLE.get(r.status, "")}
            for j, i in enumerate(shown):
                if style.get(LIST_COLUMNS[i]):
                    cells[j] = f"[{style[LIST_COLUMNS[i]]}]{cells[j]}[/]"
            table.add_row(*cells)
        out.print(table)
    for r in records:
        if r.problem is not None:
            out.print(f"[red]{escape(r.device_id or r.label)}:[/] {escape(r.problem.message)}")
            if r.problem.hint:
                out.print(f"  [yellow]hint:[/] {escape(r.problem.hint)}")
        for note in r.notes:
            out.print(f"[dim]{escape(r.device_id or '?')}: {escape(note)}[/]")


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
    err = console(stderr=True)
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
        elif isinstance(o.error, OperationInterrupted):  # step, device state, recovery: one line each, stderr
            err = console(stderr=True)
            err.print(f"[red]INTERRUPTED[/] {escape(o.error.message)} [dim]({o.error.reference})[/]")
            err.print(f"    [yellow]device:[/] {escape(o.error.device_state or 'unknown')}")
            err.print(f"    [yellow]hint:[/] {escape(o.error.hint)}")
        else:
            message = o.error.message if who in o.error.message else f"{who}: {o.error.message}"
            err.print(f"[red]FAIL[/] {message} [dim]({o.error.reference})[/]")
            if o.error.hint:
                err.print(f"    [yellow]hint:[/] {o.error.hint}")

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


def render_list(records: list[DeviceRecord], state: AppState) -> None:
    from rich.table import Table

    out = console()
    if not out.is_terminal or not state.color:
        out.no_color = True
    if not records:
        out.print("No Particle devices found.")
        out.print("[dim]Run `pdiag doctor` to check this computer's USB set-up.[/]")
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("DEVICE ID", "PLATFORM", "MODE", "DEVICE OS", "PORT", "USB", "STATUS"):
        table.add_column(col, no_wrap=True)
    for r in records:
        mode_style = MODE_STYLE.get(r.mode, "")
        table.add_row(
            r.device_id or "?",
            r.platform.display if r.platform else "unknown",
            f"[{mode_style}]{r.mode}[/]" if mode_style else r.mode,
            r.device_os or "-",
            r.serial_port or "-",
            r.usb.path if r.usb else "-",
            f"[{STATUS_STYLE[r.status]}]{r.status}[/]" if r.status in STATUS_STYLE else r.status,
        )
    out.print(table)
    for r in records:
        if r.problem is not None:
            out.print(f"[red]{r.device_id or r.label}:[/] {r.problem.message}")
            if r.problem.hint:
                out.print(f"  [yellow]hint:[/] {r.problem.hint}")
        for note in r.notes:
            out.print(f"[dim]{r.device_id or '?'}: {note}[/]")


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
    """One line per device: old -> new mode and the time taken, or the error and its hint."""
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
        elif isinstance(o.error, OperationInterrupted):  # step, device state, recovery: one line each, stderr
            err = console(stderr=True)
            err.print(f"[red]INTERRUPTED[/] {escape(o.error.message)} [dim]({o.error.reference})[/]")
            err.print(f"    [yellow]device:[/] {escape(o.error.device_state or 'unknown')}")
            err.print(f"    [yellow]hint:[/] {escape(o.error.hint)}")
        else:
            message = o.error.message if who in o.error.message else f"{who}: {o.error.message}"
            out.print(f"[red]FAIL[/] {message} [dim]({o.error.reference})[/]")
            if o.error.hint:
                out.print(f"    [yellow]hint:[/] {o.error.hint}")

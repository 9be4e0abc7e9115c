"""The people's view of ``pdiag vitals``: one compact panel per device, bars for signal and battery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from particle_diag.cli.output import console

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.devices.batch import Outcome

BAR_CELLS = 20


def bar(percent: float | None, *, fancy: bool) -> str:
    """``[#########-----------]  45 %`` (block characters on a terminal)."""
    if percent is None:
        return "unknown"
    filled = max(0, min(BAR_CELLS, round(percent / 100 * BAR_CELLS)))
    full, empty = ("█", "░") if fancy else ("#", "-")
    return f"{full * filled}{empty * (BAR_CELLS - filled)} {percent:5.1f} %"


def _style(percent: float | None, low: float, good: float) -> str:
    if percent is None:
        return "dim"
    return "red" if percent < low else "green" if percent >= good else "yellow"


def _code(code: dict[str, Any] | None) -> str:
    if not code:
        return "-"
    return f"{code['name']} ({code['code']}): {code['meaning']}"


def _value(value: float | None, measure: str | None, unit: str | None) -> str:
    if value is None:
        return ""
    return f"  {measure or 'value'} {value:g}{(' ' + unit) if unit else ''}"


def lines(v: dict[str, Any], fancy: bool) -> list[tuple[str, str, str]]:
    """(label, text, style) rows of one device's panel."""
    s, b = v["signal"], v["battery"]
    rows: list[tuple[str, str, str]] = []
    if any(s[k] is not None for k in ("strength_percent", "quality_percent", "access_technology")):
        rows.append(("signal", bar(s["strength_percent"], fancy=fancy)
                     + _value(s["strength_value"], s["strength_measure"], s["strength_unit"]),
                     _style(s["strength_percent"], 20, 40)))
        rows.append(("quality", bar(s["quality_percent"], fancy=fancy)
                     + _value(s["quality_value"], s["quality_measure"], s["quality_unit"]),
                     _style(s["quality_percent"], 20, 40)))
        cell = s["cell"]
        where = f"  cell MCC {cell['mcc']} MNC {abs(cell['mnc'])} LAC {cell['lac']} CI {cell['ci']}" if cell and \
            {"mcc", "mnc", "lac", "ci"} <= set(cell) else ""
        rows.append(("access", (s["access_technology"] or "unknown") + where, ""))
    if b["state"] is not None or b["charge_percent"] is not None:
        rows.append(("battery", bar(b["charge_percent"], fancy=fancy) + f"  {b['state'] or ''}",
                     _style(b["charge_percent"], 15, 30)))
    if v["power_source"] is not None:
        rows.append(("power", v["power_source"], ""))
    for name in ("network", "cloud"):
        link = v[name]
        if link["status"] is None:
            continue
        rows.append((name, link["status"], "green" if link["status"] == "connected" else "yellow"))
        if link["last_error"] and link["last_error"]["code"]:
            rows.append(("  last error", _code(link["last_error"]), "red"))
        if link["disconnect_reason"] and link["disconnect_reason"]["code"]:
            rows.append(("  disconnected", _code(link["disconnect_reason"]), ""))
    if v["uptime_s"] is not None:
        h, rest = divmod(int(v["uptime_s"]), 3600)
        rows.append(("uptime", f"{h} h {rest // 60:02d} min {rest % 60:02d} s", ""))
    if v["memory_free"] is not None:
        total = f" of {v['memory_total']:,}" if v["memory_total"] else ""
        rows.append(("memory free", f"{v['memory_free']:,}{total} bytes", ""))
    if v["reset_reason"]:
        rows.append(("last reset", _code(v["reset_reason"]), ""))
    return rows


def render_vitals(outcomes: list[Outcome], state: AppState) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from particle_diag.cli.render import render_failure

    out = console()
    fancy = out.is_terminal and state.color
    for o in outcomes:
        record = o.record
        title = f"{record.device_id or '?'}  {record.platform.display if record.platform else '?'}  {record.mode}"
        if o.error is not None:
            render_failure(o)  # problems on stderr, as in every command
            continue
        data = o.result.to_dict()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        for label, text, style in lines(data, fancy):
            grid.add_row(escape(label), f"[{style}]{escape(text)}[/]" if style and state.color else escape(text))
        for note in data["notes"]:
            grid.add_row("note", f"[dim]{escape(note)}[/]")
        out.print(Panel(grid, title=escape(title), title_align="left", expand=False))

"""Rich renderers for ``pdiag led``, ``pdiag sos`` and ``pdiag doctor`` (presentation only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from particle_diag.cli.output import console, hanging

if TYPE_CHECKING:
    from particle_diag.cli.state import AppState
    from particle_diag.knowledge.model import Device, Knowledge, Step
    from particle_diag.rules.engine import Finding
    from particle_diag.rules.led import Candidate
    from particle_diag.troubleshooting.observe import DoctorInput, Observation

def _flat(text: str) -> str:
    """Knowledge texts are wrapped in their TOML files: one line each here, the terminal wraps them."""
    return escape(" ".join(text.split()))


SEVERITY_STYLE = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}


def _out(state: AppState):  # type: ignore[no-untyped-def]
    out = console()
    if not out.is_terminal or not state.color:
        out.no_color = True
    return out


def _steps(out, steps: list[Step] | tuple[Step, ...], indent: str = "  ") -> None:  # type: ignore[no-untyped-def]
    for i, step in enumerate(steps, 1):
        only = f" [dim](only {', '.join(step.only_for)})[/]" if step.only_for else ""
        hanging(out, f"{indent}{i}. ", f"{_flat(step.text)}{only}")
        for command in step.commands:
            out.print(f"{indent}   [dim]$[/] {escape(command)}")
        if step.action:
            out.print(f"{indent}   [green]→ {escape(step.action)}[/]")


def _actions(out, actions: tuple[str, ...] | list[str], indent: str = "  ") -> None:  # type: ignore[no-untyped-def]
    if actions:
        out.print(f"{indent}[bold]pdiag can help:[/] " + ", ".join(escape(a) for a in actions))


def render_candidate(out, cand: Candidate, kb: Knowledge, device: Device | None, rank: int | None = None,  # type: ignore[no-untyped-def]
                     total: int = 1) -> None:
    from particle_diag.rules.led import describe_signature

    st = cand.state
    sig = describe_signature(st.signature, kb) if st.signature else ""
    head = f"{rank}. " if rank is not None and total > 1 else ""
    out.print(f"[bold]{head}{escape(st.title)}[/]  [dim]({escape(sig)}; match {cand.score:.2f})[/]")
    if device is None and cand.devices:
        out.print(f"  [dim]on: {', '.join(cand.devices)}[/]")
    hanging(out, "  ", _flat(kb.meaning_for(st, device)))
    steps = kb.steps_for(st.id, device)
    if steps:
        out.print("  [bold]What to do:[/]")
        _steps(out, steps, "  ")
    _actions(out, st.actions)
    if not st.documented and st.source:
        out.print(f"  [dim]source: {_flat(st.source)}[/]")


def render_candidates(cands: list[Candidate], kb: Knowledge, device: Device | None, text: str,
                      state: AppState) -> None:
    out = _out(state)
    where = f" on the {device.display}" if device else ""
    if len(cands) > 1:
        out.print(f"'{escape(text)}'{where} may mean {len(cands)} things, most likely first:")
        out.print()
    for i, c in enumerate(cands, 1):
        render_candidate(out, c, kb, device, i, len(cands))
        out.print()


def render_understanding(understood: dict[str, Any], state: AppState) -> None:
    """`pdiag led --explain`: how the words were read, one fact a line."""
    out = _out(state)
    out.print("[bold]Understood as:[/]")
    phases = understood["phases"]
    for i, phase in enumerate(phases, 1):
        colours = (" or " if phase["either"] else " and ").join(phase["colors"]) or "no colour"
        pattern = phase["pattern"] or "no pattern"
        count = f", {phase['count']} blinks" if phase["count"] is not None else ""
        label = f"phase {i} of {len(phases)}" if len(phases) > 1 else "LED"
        together = " (shown together)" if phase["together"] else ""
        out.print(f"  {label}: {escape(colours)}{together}, {escape(pattern)}{count}")
    negated = understood["negated"]
    if negated["colors"] or negated["patterns"]:
        out.print(f"  not: {escape(', '.join([*negated['colors'], *negated['patterns']]))}")
    for button in understood["buttons"]:
        seconds = f" ({button['seconds']:g} s)" if button["seconds"] is not None else ""
        out.print(f"  button: {escape(button['action'])}{seconds}  [dim]\"{escape(button['text'])}\"[/]")
    if understood["other_leds"]:
        for other in understood["other_leds"]:
            out.print(f"  other LED: {escape(other['led'])}  [dim]\"{escape(other['text'])}\"[/]")
    if understood["hedged"]:
        out.print("  unsure: yes (neighbouring colours count too)")
    if understood["repeating"]:
        out.print("  repeating: yes")
    for fix in understood["corrections"]:
        out.print(f"  read '{escape(fix['typed'])}' as '{escape(fix['read'])}'")
    out.print()


def render_sos(data: dict[str, Any], state: AppState) -> None:
    out = _out(state)
    out.print(f"[bold red]SOS {data['code']}[/]: [bold]{escape(data['name'])}[/]  [dim](red SOS, then "
              f"{data['code']} blink{'s' if data['code'] != 1 else ''})[/]")
    if data["causes"]:
        source = "" if data["causes_source"] == "document" else f" [dim](source: {escape(data['causes_source'])})[/]"
        out.print(f"[bold]Causes:[/]{source}")
        for cause in data["causes"]:
            hanging(out, "  - ", _flat(cause))
    out.print("[bold]What to do:[/]")
    from particle_diag.knowledge.model import Step

    _steps(out, [Step(s["text"], s.get("action"), tuple(s.get("commands", ())), tuple(s.get("only_for", ())))
                 for s in data["steps"]])
    _actions(out, ["pdiag enter safe", "pdiag doctor"], "")


def describe_host(host: dict[str, Any]) -> str:
    parts = []
    if host.get("libusb_present") is not None:
        parts.append("libusb " + ("present" if host["libusb_present"] else "MISSING"))
    if host.get("udev_rules_installed") is not None:
        parts.append("udev rules " + ("installed" if host["udev_rules_installed"] else "not installed"))
    if host.get("modemmanager_running") is not None:
        parts.append("ModemManager " + ("running" if host["modemmanager_running"] else "not running"))
    if host.get("user_groups") is not None:
        groups = host["user_groups"]
        parts.append("groups: " + (", ".join(groups) if groups else "none"))
    return "; ".join(parts) if parts else "nothing to check"


def render_findings(out, findings: list[Finding], indent: str = "") -> None:  # type: ignore[no-untyped-def]
    for f in findings:
        style = SEVERITY_STYLE.get(f.severity, "")
        out.print(f"{indent}[bold]{f.rank}.[/] [{style}]{f.severity}[/] [bold]{escape(f.title)}[/]")
        if f.summary:
            hanging(out, f"{indent}   ", _flat(f.summary))
        for e in f.evidence:
            hanging(out, f"{indent}   [dim]evidence:[/] ", escape(e))
        if f.steps:
            out.print(f"{indent}   [bold]Steps:[/]")
            _steps(out, f.steps, indent + "   ")
        _actions(out, f.actions, indent + "   ")
        out.print()



def render_doctor(inp: DoctorInput, results: list[tuple[Observation, list[Finding]]], state: AppState,
                  simulated: bool) -> None:
    from particle_diag.troubleshooting.observe import describe_observation

    out = _out(state)
    host = "virtual bench" if simulated else "this computer"
    out.print(f"[bold]Host ({host}):[/] {escape(describe_host(inp.host))}")
    for obs, findings in results:
        out.print(f"[bold]Device:[/] {escape(describe_observation(obs))}")
        for note in obs.notes:
            out.print(f"  [dim]note: {escape(note)}[/]")
        if obs.facts.led_description:
            out.print(f"[bold]LED reported:[/] {escape(obs.facts.led_description)}")
        out.print()
        if not findings:
            out.print("[green]No problem found.[/]")
            out.print()
            continue
        out.print("[bold]Findings[/] (most likely first):")
        out.print()
        render_findings(out, findings)

"""``pdiag led``, ``pdiag sos``, ``pdiag doctor`` and ``pdiag troubleshoot`` (docs/troubleshooting.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.consent import YesOpt
from particle_diag.cli.state import AppState

if TYPE_CHECKING:
    from particle_diag.knowledge.model import Knowledge
    from particle_diag.troubleshooting.actions import DeviceLink
    from particle_diag.troubleshooting.session import Session

PlatformOpt = Annotated[str | None, typer.Option(
    "--platform", "-p", metavar="PLATFORM",
    help="The kind of device (boron, argon, photon, electron, p2, tracker, ...): only its LED states and steps.")]


def register(app: typer.Typer) -> None:
    app.command("led", help="Explain a status LED described in words, e.g. pdiag led blinking green --platform boron."
                )(led_command)
    app.command("sos", help="Explain an SOS panic code: the number of red blinks between two SOS patterns.")(
        sos_command)
    app.command("doctor", help="Check the attached device over USB and this computer's USB set-up, and rank "
                               "what is wrong, with the steps to fix it.")(doctor_command)
    app.command("troubleshoot", help="A guided session at the bench: identify the LED with animations, follow "
                                     "the steps, run pdiag actions, save a report.")(troubleshoot_command)


def _kb() -> Knowledge:
    from particle_diag.knowledge import load

    return load()


# -- pdiag led -------------------------------------------------------------------------------------------------


def led_command(
    ctx: typer.Context,
    description: Annotated[list[str], typer.Argument(metavar="DESCRIPTION...",
                                                     help="What the LED does, e.g. 'fast blinking cyan', "
                                                          "'SOS then 8 blinks', 'blinks cyan then 2 orange'.")],
    device: PlatformOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show how the description was understood: colours, "
                                          "pattern, sequence, negations, buttons, which LED.")] = False,
) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.terminal import Terminal, is_interactive
    from particle_diag.cli.troubleshoot_render import render_candidates, render_understanding
    from particle_diag.rules.followup import apply_answer, follow_up, narrow
    from particle_diag.rules.led import understand
    from particle_diag.rules.report import candidates_dict

    state: AppState = ctx.obj
    kb = _kb()
    text = " ".join(description).strip()
    dev = kb.device(device) if device else None
    desc, candidates = understand(text, dev, kb)  # LedNoMatchError (11) when nothing documented fits
    question = follow_up(desc, candidates, kb)
    if state.json:
        print_json(envelope("led", {"description": text, "device": dev.id if dev else None,
                                    "understood": desc.explain(kb),
                                    "follow_up": question.as_dict() if question else None,
                                    "candidates": candidates_dict(candidates, kb, dev)}))
        return
    if explain:
        render_understanding(desc.explain(kb), state)
    if len(candidates) > 1 and is_interactive():
        from particle_diag.rules.led import describe_signature

        term = Terminal(color=state.color)
        if question is not None:  # the one question that tells the close candidates apart, before a long list
            labels = [(str(i), o.label) for i, o in enumerate(question.options)]
            option = question.options[int(term.ask_choice(question.text, labels, default="0"))]
            text = apply_answer(text, option)
            candidates = narrow(understand(text, dev, kb)[1], option)
            term.say()
        if len(candidates) > 1:
            where = f" on the {dev.display}" if dev else ""
            choices = [(c.state.id, f"{c.state.title}  ({describe_signature(c.state.signature, kb)})"
                        if c.state.signature else c.state.title) for c in candidates]
            chosen = term.ask_choice(f"'{text}'{where} fits several states. Which one is it?", choices,
                                     default=candidates[0].state.id)
            candidates = [c for c in candidates if c.state.id == chosen]
            term.say()
    render_candidates(candidates, kb, dev, text, state)


# -- pdiag sos -------------------------------------------------------------------------------------------------


def sos_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="N", help="The number of red blinks between two SOS patterns.")],
    device: PlatformOpt = None,
) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.troubleshoot_render import render_sos
    from particle_diag.errors import UsageError
    from particle_diag.rules.report import sos_dict
    from particle_diag.rules.sos import lookup

    state: AppState = ctx.obj
    kb = _kb()
    if not code.strip().isdigit():
        raise UsageError(f"'{code}' is not an SOS code",
                         "Give the number of red blinks between two SOS patterns, e.g. `pdiag sos 8`.",
                         reference="usage.sos")
    dev = kb.device(device) if device else None
    data = {**sos_dict(lookup(int(code), kb), kb, dev), "device": dev.id if dev else None}
    if state.json:
        print_json(envelope("sos", data))
    else:
        render_sos(data, state)


# -- pdiag doctor ----------------------------------------------------------------------------------------------


def doctor_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    all_devices: AllOpt = False,
    led: Annotated[str | None, typer.Option("--led", metavar="DESCRIPTION",
                                            help="What the status LED does, e.g. 'breathing green'.")] = None,
) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.cli.troubleshoot_render import render_doctor
    from particle_diag.errors import UsageError
    from particle_diag.troubleshooting.doctor import diagnose, doctor_dict

    state: AppState = ctx.obj
    if led is not None and not led.strip():
        raise UsageError("empty --led description", "Describe the LED, e.g. --led 'breathing green'.",
                         reference="usage.led")
    inp, results = diagnose(state.host, devices or [], _kb(), all_devices=all_devices, led=led)
    if state.json:
        print_json(envelope("doctor", doctor_dict(inp, results, simulated=state.host.simulated, led=led)))
        return
    render_doctor(inp, results, state, state.host.simulated)


# -- pdiag troubleshoot ----------------------------------------------------------------------------------------


def troubleshoot_command(
    ctx: typer.Context,
    devices: DeviceArg = None,
    device: PlatformOpt = None,
    report: Annotated[str | None, typer.Option("--report", metavar="PATH",
                                               help="Save the session report here (PATH as Markdown, and the "
                                                    "same name with .json).")] = None,
    led: Annotated[str | None, typer.Option("--led", metavar="DESCRIPTION",
                                            help="Start from what the LED does, in your own words "
                                                 "(e.g. 'blinked magenta, then yellow').")] = None,
    yes: YesOpt = False,
) -> None:
    from datetime import UTC, datetime

    from particle_diag import __version__
    from particle_diag.cli.consent import obtain
    from particle_diag.cli.led_player import LedPlayer, TerminalKeys, cbreak
    from particle_diag.cli.terminal import Terminal, is_interactive
    from particle_diag.cli.troubleshoot_drive import drive
    from particle_diag.clock import SystemClock
    from particle_diag.errors import UsageError
    from particle_diag.troubleshooting.report import check_report_paths
    from particle_diag.troubleshooting.session import Session, led_device

    state: AppState = ctx.obj
    if state.json or not is_interactive():
        raise UsageError("pdiag troubleshoot is interactive: it needs a terminal for input and output",
                         "In scripts use `pdiag led DESCRIPTION` or `pdiag doctor` (both with --json).",
                         reference="usage.interactive")
    yes = yes or state.yes
    overwrite = report is not None and obtain(lambda consent: check_report_paths(report, overwrite=consent), yes)
    kb = _kb()
    term = Terminal(color=state.color)
    dev = kb.device(device) if device else None
    link = _attach(state, devices or [], term, kb)
    if link is not None:
        term.say(term.bold(f"pdiag troubleshoot: {link.record.label}"))
        if dev is None and link.record.platform is not None:
            dev = led_device(kb, link.record.platform.name)
    else:
        term.say(term.bold("pdiag troubleshoot") + " (no device attached: describing the LED only)")
    now = datetime.now(UTC)
    session = Session(kb, device=dev, ask_device=dev is None, device_info=link.record.to_dict() if link else None,
                      findings_before=link.findings() if link else [],
                      run_action=link.run if link else None, recheck=link.recheck if link else None,
                      save_wanted=True if report else None,
                      default_report_path=f"pdiag-report-{now:%Y%m%d-%H%M%S}.md",
                      started_at=now.isoformat(timespec="seconds"), version=__version__,
                      description=" ".join(led.split()) if led and led.strip() else None)
    player = LedPlayer(kb, term.out, SystemClock(), TerminalKeys(), color=state.color)

    def look(prompt) -> bool:  # type: ignore[no-untyped-def]
        with cbreak():
            return player.play(prompt.signature, prompt.label) == "y"

    drive(session, term, look)
    _save(session, report, overwrite, yes, term)
    term.say("Done.")


def _attach(state: AppState, selectors: list[str], term: Any, kb: Knowledge) -> DeviceLink | None:
    """The device the session is about: the one attached, the one named, or the one the person picks."""
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select
    from particle_diag.errors import AmbiguousSelectionError
    from particle_diag.troubleshooting.actions import DeviceLink

    records = discover(state.host)
    if not records and not selectors:
        return None
    try:
        chosen = select(records, selectors)
    except AmbiguousSelectionError:
        if selectors:
            raise
        key = term.ask_choice("Several devices are attached. Which one are you troubleshooting?",
                              [(str(i), r.label) for i, r in enumerate(records)])
        chosen = [records[int(key)]]
    return DeviceLink(state.host, chosen[0], kb)


def _save(session: Session, report: str | None, overwrite: bool, yes: bool, term: Any) -> None:
    """--report was checked before the session; a path typed at the end is checked now (asking before replacing
    a file)."""
    from particle_diag.cli.consent import obtain
    from particle_diag.errors import PdiagError
    from particle_diag.troubleshooting.report import check_report_paths, save_report

    path = report or session.report_path
    if not path:
        return
    try:
        if report is None:
            overwrite = obtain(lambda consent: check_report_paths(path, overwrite=consent), yes)
        md, js = save_report(session.report(), path, overwrite=overwrite)
    except PdiagError as exc:
        term.say(f"Report not saved: {exc.message}")
        return
    term.say(f"Report saved: {md} and {js}")

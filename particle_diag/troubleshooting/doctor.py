"""``pdiag doctor``: observe the devices and this computer (observe.py), rank what is wrong with the rule engine,
and the result as data (what --json prints)."""

from __future__ import annotations

from typing import Any

from particle_diag.devices.host import Host
from particle_diag.errors import PdiagError
from particle_diag.knowledge.model import Knowledge
from particle_diag.rules.engine import Finding, evaluate
from particle_diag.rules.led import match_description
from particle_diag.rules.report import finding_dict
from particle_diag.troubleshooting.observe import DoctorInput, Observation, collect

Result = tuple[Observation, list[Finding]]


def diagnose(host: Host, selectors: list[str], kb: Knowledge, *, all_devices: bool = False,
             led: str | None = None) -> tuple[DoctorInput, list[Result]]:
    """Each chosen device (none: this computer alone) with its findings, most likely first."""
    inp = collect(host, selectors, all_devices=all_devices, led=led)
    results = []
    for obs in inp.observations:
        if led:
            note_unmatched_led(obs, led, kb)
        results.append((obs, evaluate(obs.facts, kb)))
    return inp, results


def note_unmatched_led(obs: Observation, led: str, kb: Knowledge) -> None:
    """A description no documented LED state fits takes no part in the findings: the observation says so."""
    device = None
    if obs.facts.platform:
        try:
            device = kb.device(obs.facts.platform)
        except PdiagError:
            device = None
    try:
        match_description(led, device, kb)
    except PdiagError as exc:
        obs.notes.append(f"the LED description was not used: {exc.message}")


def doctor_dict(inp: DoctorInput, results: list[Result], *, simulated: bool, led: str | None) -> dict[str, Any]:
    """The data of ``pdiag doctor --json`` (docs/json.md)."""
    entries = []
    flat = []
    for obs, findings in results:
        device_id = obs.record.device_id if obs.record else None
        found = [finding_dict(f) for f in findings]
        entries.append({**obs.to_dict(), "findings": found})
        flat.extend({**f, "device_id": device_id} for f in found)
    return {"host": inp.host, "simulated": simulated, "led": led,
            "devices": [e for e in entries if e["device"] is not None], "findings": flat}

"""Plain, JSON-ready dicts (snake_case keys) for the CLI's ``--json`` output.  No printing here."""

from __future__ import annotations

from typing import Any

from particle_diag.knowledge.model import Device, Knowledge, SosCode, State, Step
from particle_diag.rules.engine import Finding
from particle_diag.rules.led import Candidate, describe_signature


def step_dict(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"text": step.text}
    if step.action:
        out["action"] = step.action
    if step.commands:
        out["commands"] = list(step.commands)
    if step.only_for:
        out["only_for"] = list(step.only_for)
    return out


def state_dict(state: State, kb: Knowledge, device: str | Device | None = None) -> dict[str, Any]:
    sig = state.signature
    return {
        "id": state.id,
        "title": state.title,
        "group": state.group,
        "section": state.section,
        "meaning": kb.meaning_for(state, device),
        "led": describe_signature(sig, kb) if sig else None,
        "signature": None
        if sig is None
        else {
            "colors": list(sig.colors),
            "pattern": sig.pattern,
            "count": sig.count,
            "code": sig.code,
        },
        "documented": state.documented,
        "steps": [step_dict(s) for s in kb.steps_for(state.id, device)],
        "actions": list(state.actions),
        "related": list(state.related),
    }


def candidate_dict(candidate: Candidate, kb: Knowledge, device: str | Device | None = None) -> dict[str, Any]:
    out = state_dict(candidate.state, kb, device)
    return {
        "state_id": candidate.state.id,
        "score": candidate.score,
        "why": list(candidate.why),
        "devices": list(candidate.devices),
        **{k: v for k, v in out.items() if k != "id"},
    }


def candidates_dict(
    candidates: list[Candidate], kb: Knowledge, device: str | Device | None = None
) -> list[dict[str, Any]]:
    return [candidate_dict(c, kb, device) for c in candidates]


def sos_dict(sos: SosCode, kb: Knowledge, device: str | Device | None = None) -> dict[str, Any]:
    return {
        "code": sos.code,
        "id": sos.id,
        "name": sos.name,
        "causes": list(sos.causes),
        "causes_source": sos.causes_source,
        "in_document": sos.in_document,
        "state_id": sos.state_id,
        "steps": [step_dict(s) for s in kb.steps_for(sos.state_id, device)],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule_id": finding.rule_id,
        "rank": finding.rank,
        "score": finding.score,
        "severity": finding.severity,
        "title": finding.title,
        "summary": finding.summary,
        "evidence": list(finding.evidence),
        "state_id": finding.state_id,
        "steps": [step_dict(s) for s in finding.steps],
        "actions": list(finding.actions),
    }


def findings_dict(findings: list[Finding]) -> list[dict[str, Any]]:
    return [finding_dict(f) for f in findings]

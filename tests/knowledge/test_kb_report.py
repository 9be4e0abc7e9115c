"""JSON-ready dicts for the CLI."""

from __future__ import annotations

import json

from particle_diag.rules import report
from particle_diag.rules.engine import Facts, evaluate
from particle_diag.rules.led import match_description
from particle_diag.rules.sos import lookup


def test_candidates_findings_and_sos_serialise(kb):
    cands = report.candidates_dict(match_description("blinking green", "electron", kb), kb, "electron")
    assert cands[0]["state_id"] == "looking-for-internet" and cands[0]["led"] == "blinking green"
    assert cands[0]["steps"][0]["text"]
    findings = report.findings_dict(evaluate(Facts(platform="argon", mode="dfu"), kb))
    assert findings[0]["rank"] == 1 and findings[0]["state_id"] == "dfu-mode"
    sos = report.sos_dict(lookup(8, kb), kb)
    assert sos["name"] == "Out of heap memory" and sos["steps"]
    text = json.dumps({"candidates": cands, "findings": findings, "sos": sos})
    assert all(k == k.lower() for k in json.loads(text)["candidates"][0])


def test_state_dict_without_device_marks_conditional_steps(kb):
    d = report.state_dict(kb.state("listening-mode"), kb)
    assert any(s.get("only_for") == ["electron"] for s in d["steps"])

"""The doctor rule engine, table-tested from fixture files (facts -> expected findings)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from particle_diag.errors import NotFoundError, UsageError
from particle_diag.knowledge.model import SEVERITIES
from particle_diag.rules.engine import PREDICATES, Facts, evaluate

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "doctor").glob("*.toml"))


def _all_step_text(finding) -> str:
    return " ".join(s.text + " " + " ".join(s.commands) for s in finding.steps)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_doctor_fixture(kb, path):
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    expect = raw["expect"]
    findings = evaluate(Facts.from_dict(raw["facts"]), kb)
    ids = [f.id for f in findings]
    assert findings, "no finding"
    first = findings[0]
    assert first.id == expect["first"], ids
    assert [f.rank for f in findings] == list(range(1, len(findings) + 1))
    assert [f.score for f in findings] == sorted((f.score for f in findings), reverse=True)
    if "first_state" in expect:
        assert first.state_id == expect["first_state"]
    if "severity" in expect:
        assert first.severity == expect["severity"]
    for line in expect.get("evidence", []):
        assert line in first.evidence, first.evidence
    if "summary_contains" in expect:
        assert expect["summary_contains"] in first.summary
    text = _all_step_text(first)
    for words in expect.get("steps_contain", []):
        assert words in text, (words, text)
    for action in expect.get("actions_contain", []):
        assert action in first.actions
    for other in expect.get("contains", []):
        assert other in ids
    for other in expect.get("absent", []):
        assert other not in ids
    if "count" in expect:
        assert len(findings) == expect["count"], ids
    for f in findings:
        assert f.evidence and f.severity in SEVERITIES
        assert f.steps, f.id  # findings carry their steps


def test_findings_carry_filled_steps(kb):
    findings = evaluate(Facts(platform="core", mode="normal", cloud_status="disconnected"), kb)
    text = _all_step_text(findings[0])
    assert "RST" in text and "{reset_button}" not in text


def test_unknown_facts_do_not_fire(kb):
    assert evaluate(Facts(), kb) == []


def test_facts_round_trip_through_json(kb):
    raw = tomllib.loads(FIXTURES[3].read_text(encoding="utf-8"))["facts"]
    facts = Facts.from_dict(raw)
    again = Facts.from_dict(json.loads(json.dumps(facts.to_dict())))
    assert again == facts
    assert evaluate(again, kb) == evaluate(facts, kb)


def test_facts_validation():
    with pytest.raises(UsageError):
        Facts.from_dict({"mode": "sleeping"})
    with pytest.raises(UsageError):
        Facts.from_dict({"colour": "red"})
    with pytest.raises(UsageError):
        Facts.from_dict({"modules": [{"type": "user-part", "failed_checks": ["vibes"]}]})
    assert Facts.from_dict({"modules": [{"type": "user_part", "valid": False}]}).modules[0].failed_checks == (
        "integrity",
    )


def test_unknown_led_state_id_is_not_found(kb):
    with pytest.raises(NotFoundError):
        evaluate(Facts(led_state=("no-such-state",)), kb)


def test_every_predicate_is_used_or_tested(kb):
    used = set()
    for rule in kb.rules:
        for cond in (rule.when, *rule.when_any, rule.unless):
            used.update(cond)
    assert used <= set(PREDICATES)


def test_version_comparison_handles_prereleases(kb):
    facts = Facts(platform="photon", device_os="1.2.0-rc.1", led_state=("sos-heap-error",))
    ids = [f.id for f in evaluate(facts, kb)]
    assert "sos-heap-error-semaphore" in ids  # 1.2.0-rc.1 is before 1.2.0

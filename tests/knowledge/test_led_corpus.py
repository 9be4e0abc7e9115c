"""The LED description corpus (fixtures/led_corpus.toml): descriptions as people write them.

Each case names the state pdiag must rank first, or says that nothing documented fits (then pdiag must refuse
with the nearest documented descriptions).  The top-1 accuracy over the corpus is printed in the test summary
and must stay at 95 % or more; every must-match-nothing case must be refused.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from particle_diag.rules.led import LedNoMatchError, match_description

CORPUS = tomllib.loads((Path(__file__).parent / "fixtures" / "led_corpus.toml").read_text())["case"]
MUST_MATCH = [c for c in CORPUS if not c.get("none")]
MUST_NOT = [c for c in CORPUS if c.get("none")]


def _top(case, kb) -> str | None:
    try:
        return match_description(case["text"], case.get("device"), kb)[0].state.id
    except LedNoMatchError:
        return None


def test_corpus_is_large_and_varied():
    kinds = Counter(c["kind"] for c in CORPUS)
    assert len(CORPUS) >= 150
    assert len(MUST_NOT) >= 20
    for kind in ("negation", "sequence", "button", "other-led", "hedge", "spelling"):
        assert kinds[kind] >= 5, kinds
    assert sum(1 for c in CORPUS if c.get("source", "").startswith("https://")) >= 15


def test_top1_accuracy_is_at_least_95_percent(kb, led_accuracy_report):
    wrong = []
    per_kind: Counter[str] = Counter()
    right_kind: Counter[str] = Counter()
    for case in MUST_MATCH:
        got = _top(case, kb)
        per_kind[case["kind"]] += 1
        if got == case["best"]:
            right_kind[case["kind"]] += 1
        else:
            wrong.append(f"{case['text']!r}@{case.get('device', 'all')}: {got} (expected {case['best']})")
    accuracy = 1 - len(wrong) / len(MUST_MATCH)
    led_accuracy_report(
        f"LED corpus: top-1 accuracy {accuracy:.1%} ({len(MUST_MATCH) - len(wrong)}/{len(MUST_MATCH)}); "
        + ", ".join(f"{k} {right_kind[k]}/{n}" for k, n in sorted(per_kind.items())))
    for w in wrong:
        led_accuracy_report(f"  miss: {w}")
    assert accuracy >= 0.95, "\n".join(wrong)


@pytest.mark.parametrize("case", MUST_NOT, ids=[f"{c['text']}@{c.get('device', 'all')}" for c in MUST_NOT])
def test_descriptions_that_fit_nothing_are_refused_with_suggestions(kb, case):
    with pytest.raises(LedNoMatchError) as info:
        match_description(case["text"], case.get("device"), kb)
    assert info.value.suggestions and info.value.exit_code == 11
    assert "Nearest documented descriptions" in info.value.hint

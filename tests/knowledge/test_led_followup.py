"""Follow-up questions: the one question that tells close LED candidates apart, and what each answer leaves."""

from __future__ import annotations

import pytest

from particle_diag.rules.followup import apply_answer, follow_up, narrow
from particle_diag.rules.led import understand


def _ask(text, device, kb):
    desc, candidates = understand(text, device, kb)
    return follow_up(desc, candidates, kb), candidates


def _answer(text, device, kb, label):
    question, _ = _ask(text, device, kb)
    option = next(o for o in question.options if o.label.startswith(label))
    refined = apply_answer(text, option)
    return refined, [c.state.id for c in narrow(understand(refined, device, kb)[1], option)]


def test_same_colour_and_pattern_at_two_speeds_asks_how_fast(kb):
    question, _ = _ask("blinking green", "photon", kb)
    assert question.about == "speed" and question.text == "How fast was it blinking?"
    assert _answer("blinking green", "photon", kb, "blinking fast")[1][0] == "looking-for-internet-dhcp"
    assert _answer("blinking green", "photon", kb, "blinking at a normal pace")[1][0] == "looking-for-internet"


def test_no_colour_named_asks_for_the_colour_first(kb):
    question, _ = _ask("it is blinking", "argon", kb)
    assert question.about == "colour"
    assert {"yellow", "green", "magenta", "cyan"} <= {o.label for o in question.options}
    assert _answer("it is blinking", "argon", kb, "yellow")[1] == ["dfu-mode"]


def test_a_phase_before_one_candidate_is_asked_about(kb):
    question, candidates = _ask("blinking magenta", None, kb)
    assert {"ota-update", "cloud-error-magenta-1"} <= {c.state.id for c in candidates}
    assert question.about == "transition" and question.text.startswith("Did it ")
    assert question.text.endswith(" before the magenta?")
    refined, ids = _answer("blinking magenta", None, kb, "yes")
    assert refined.endswith("then blinking magenta") and len(ids) == 1
    _, ids_no = _answer("blinking magenta", None, kb, "no")
    assert ids[0] not in ids_no


def test_a_button_action_the_document_ties_to_one_candidate_is_asked_about(kb):
    question, _ = _ask("solid white", "electron", kb)
    assert question.about == "button" and "tap MODE twice" in question.text
    assert _answer("solid white", "electron", kb, "yes")[1] == ["soft-power-off"]
    assert "soft-power-off" not in _answer("solid white", "electron", kb, "no")[1]


@pytest.mark.parametrize(("text", "device"), [("breathing cyan", None), ("SOS then 8 blinks", None),
                                              ("blinking yellow", "boron"), ("breathing magenta", "argon")])
def test_a_clear_description_asks_nothing(kb, text, device):
    assert _ask(text, device, kb)[0] is None


def test_an_answer_never_leaves_no_candidate(kb):
    desc, candidates = understand("blinking green", "photon", kb)
    question = follow_up(desc, candidates, kb)
    from particle_diag.rules.followup import Option

    assert narrow(candidates, Option("nothing fits", keep=("no-such-state",))) == candidates
    assert question.as_dict()["options"][0]["label"]

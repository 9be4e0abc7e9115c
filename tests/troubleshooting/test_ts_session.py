"""The guided session as a state machine: answers in, prompts out, no terminal and no device."""

from __future__ import annotations

import json

import pytest

from particle_diag.cli.troubleshoot_drive import drive
from particle_diag.rules.engine import Facts, evaluate
from particle_diag.troubleshooting.actions import ActionOutcome, DeviceAction, Recheck
from particle_diag.troubleshooting.report import report_markdown, save_report
from particle_diag.troubleshooting.session import Session


def keys(prompt) -> list[str]:
    return [c.key for c in prompt.choices]


def walk(session: Session, answers: dict[str, list]) -> list[str]:
    """Answer each prompt id from its queue (Enter for steps/meaning); returns the prompt ids seen."""
    seen = []
    while (p := session.current()) is not None:
        seen.append(p.id)
        queue = answers.get(p.id)
        if queue:
            value = queue.pop(0)
        elif p.kind == "next":
            value = ""
        elif p.kind in ("yesno",):
            value = bool(p.default)
        else:
            raise AssertionError(f"no answer for {p.id}: {p}")
        session.answer(value)
    return seen


def test_blinking_green_on_a_boron(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    first = s.current()
    assert first.id == "colour" and {"green", "cyan", "blue", "magenta", "red", "off"} <= set(keys(first))
    s.answer("green")
    pattern = s.current()
    assert pattern.id == "pattern" and "blink" in keys(pattern) and "sos" not in keys(pattern)
    s.answer("blink")
    look = s.current()
    assert look.kind == "look" and look.signature == kb.state("looking-for-internet").signature
    assert look.label == "blinking green"
    s.answer(True)
    meaning = s.current()
    assert meaning.id == "meaning" and meaning.lines[0] == "Looking for Internet (blinking green)"
    seen = walk(s, {})
    assert seen.count("step") == len(kb.steps_for("looking-for-internet", "boron"))
    assert "run" not in seen  # no device attached: nothing to run
    report = s.report()
    assert report["state"]["id"] == "looking-for-internet" and report["answers"]["pattern"] == "blink"
    assert report["steps_shown"] == len(report["state"]["steps"])


def test_without_a_device_it_asks_which_device(kb):
    s = Session(kb, save_wanted=False)
    p = s.current()
    assert p.id == "device" and "boron" in keys(p) and "unsure" in keys(p)
    s.answer("electron")
    assert s.device.id == "electron" and s.current().id == "colour"


@pytest.mark.parametrize(("answers", "state_id"), [
    ({"colour": ["red"], "pattern": ["sos"], "sos-code": ["8"]}, "sos-out-of-heap"),
    ({"colour": ["red"], "pattern": ["sos"], "sos-code": ["unsure"]}, "sos"),
    ({"colour": ["cyan"], "pattern": ["then"], "then-colour": ["orange"], "then-count": ["2"]}, "cloud-error-orange-2"),
    ({"colour": ["rainbow"]}, "nyan"),
    ({"colour": ["off"]}, "no-status-led"),
    ({"colour": ["magenta"], "pattern": ["breathe"]}, "safe-mode"),
    ({"colour": ["blue"], "pattern": ["slow-blink"]}, "listening-mode"),
])
def test_answers_lead_to_the_state(kb, answers, state_id):
    s = Session(kb, device=kb.device("argon"), save_wanted=False)
    walk(s, {**answers, "look": [True]})
    assert s.chosen is not None and s.chosen.state.id == state_id
    assert s.report()["looks"][0] == {"state_id": state_id, "led": s.report()["candidates"][0]["led"],
                                      "looks_right": True}


def test_saying_no_to_every_candidate_offers_to_start_again(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    s.answer("green")
    s.answer("blink")
    n = 0
    while s.current().id == "look":
        s.answer(False)
        n += 1
    assert n == min(len(s.candidates), 6)
    p = s.current()
    assert p.id == "no-match" and "None of the candidates looked right." in p.lines
    s.answer("again")
    assert s.current().id == "colour"
    walk(s, {"colour": ["magenta"], "pattern": ["breathe"], "look": [True]})
    assert s.chosen.state.id == "safe-mode"


def test_then_count_choices_come_from_the_knowledge(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    s.answer("cyan")
    s.answer("then")
    assert set(keys(s.current())) >= {"orange", "magenta", "red"}
    s.answer("orange")
    assert keys(s.current()) == ["1", "2", "3", "unsure"]


def test_actions_are_offered_run_and_the_device_rechecked(kb):
    ran = []

    def run(action: DeviceAction) -> ActionOutcome:
        ran.append(action.command)
        return ActionOutcome(action, True, [f"{action.command}: ok"])

    after = evaluate(Facts(platform="boron", mode="normal", cloud_status="connected"), kb)
    before = evaluate(Facts(platform="boron", mode="listening"), kb)
    s = Session(kb, device=kb.device("boron"), run_action=run, recheck=lambda: Recheck("normal mode", after),
                findings_before=before)
    assert "USB check: The device is in listening mode (blinking dark blue)" in s.current().lines
    seen = walk(s, {"colour": ["blue"], "pattern": ["slow-blink"], "look": [True], "run": [False, True, True],
                    "recheck": [True], "save": [True], "save-path": [""]})
    assert ran == ["pdiag identify", "pdiag reset"]
    assert seen[-3:] == ["recheck", "save", "save-path"]
    assert s.report_path == "pdiag-report.md"
    report = s.report()
    assert [a["command"] for a in report["actions"]] == ran
    assert report["findings_before"][0]["id"] == "listening-mode"
    assert report["findings_after"]["findings"][0]["id"] == "cloud-connected"


def test_q_skips_the_remaining_steps(kb):
    s = Session(kb, device=kb.device("boron"), run_action=lambda c: ActionOutcome(c, True), save_wanted=False)
    for value in ("green", "blink", True, ""):
        s.answer(value)
    assert s.current().id == "step"
    s.answer("q")
    assert s.done and s.steps_shown == 1


def test_invalid_answers_are_refused(kb):
    s = Session(kb, device=kb.device("boron"))
    with pytest.raises(ValueError):
        s.answer("chartreuse")
    s.answer("green")
    s.answer("blink")
    with pytest.raises(ValueError):
        s.answer("y")  # a look needs a bool


def test_report_markdown_and_files(kb, tmp_path):
    s = Session(kb, device=kb.device("photon"), save_wanted=False, started_at="2024-01-01T00:00:00+00:00",
                version="9.9")
    walk(s, {"colour": ["red"], "pattern": ["sos"], "sos-code": ["1"], "look": [True]})
    md, js = save_report(s.report(), str(tmp_path / "ticket"))
    assert md.endswith("ticket.md") and js.endswith("ticket.json")
    text = (tmp_path / "ticket.md").read_text()
    assert text.startswith("# pdiag troubleshooting report") and "Hard fault" in text and "pdiag 9.9" in text
    assert "Described as: SOS then 1 blink" in text
    data = json.loads((tmp_path / "ticket.json").read_text())
    assert data["schema"] == "pdiag-troubleshoot/1" and data["state"]["id"] == "sos-hard-fault"
    assert report_markdown(data) == text


class FakeTerminal:
    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.lines: list[str] = []

    def say(self, text: str = "") -> None:
        self.lines.append(text)

    def bold(self, text: str) -> str:
        return text

    def ask_choice(self, text, choices, default=None):
        self.lines.append(text)
        return self.answers.pop(0)

    def ask_yes_no(self, text, default=None):
        self.lines.append(text)
        return self.answers.pop(0)

    def ask_text(self, text, default=""):
        return self.answers.pop(0) or default

    def wait_enter(self, text):
        return ""


def test_drive_feeds_the_terminal_answers_and_plays_animations(kb):
    s = Session(kb, device=kb.device("argon"), recheck=lambda: Recheck("normal mode, cloud connected", []),
                save_wanted=False)
    term = FakeTerminal(["cyan", "breathe", True])
    played = []
    drive(s, term, lambda p: played.append(p.label) or True)
    assert played == ["breathing cyan"]
    assert s.chosen.state.id == "connected"
    assert "Re-check: normal mode, cloud connected" in term.lines


# -- descriptions in the person's own words and the follow-up question (rules/followup.py) ----------------------


def test_own_words_then_the_question_that_tells_close_states_apart(kb):
    """'blinking magenta' on an Argon fits an OTA update and the magenta cloud-error blink; the session asks
    what came before (the document's breathing cyan before an OTA update) instead of showing every candidate."""
    s = Session(kb, device=kb.device("argon"), save_wanted=False)
    assert "describe" in keys(s.current())
    s.answer("describe")
    assert s.current().kind == "text"
    s.answer("it's blinking magenta")
    q = s.current()
    assert q.id == "follow-up" and q.text == "Did it breathe cyan before the magenta?"
    assert "fits" in q.lines[0] and [c.label for c in q.choices] == ["yes", "no", "I did not see"]
    s.answer("0")  # yes
    look = s.current()
    assert look.kind == "look" and look.lines[0].startswith("Candidate 1 of 1")
    s.answer(True)
    assert s.chosen.state.id == "ota-update"
    report = s.report()
    assert report["follow_ups"] == [{"question": "Did it breathe cyan before the magenta?", "about": "transition",
                                     "answer": "yes"}]
    assert report["description"].startswith("breathing cyan then")
    assert '- Asked "Did it breathe cyan before the magenta?": yes' in report_markdown(report)


def test_answering_no_rules_that_state_out(kb):
    s = Session(kb, device=kb.device("argon"), save_wanted=False, description="blinking magenta")
    assert s.current().id == "follow-up"  # --led: the session starts from the description
    s.answer("1")  # no: it did not breathe cyan first
    shown = []
    while (p := s.current()) is not None and p.kind == "look":
        shown.append(p.signature)
        s.answer(False)
    assert kb.state("ota-update").signature not in shown and shown


def test_blinking_red_asks_whether_it_was_sos(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False, description="blinking red")
    q = s.current()
    assert q.id == "follow-up" and q.text == "How did the LED look over a few seconds?"
    sos = next(c.key for c in q.choices if "SOS" in c.label)
    s.answer(sos)
    assert s.current().kind == "look" and len(s.candidates) == 1 and s.candidates[0].state.id == "sos"


def test_not_sure_shows_every_candidate(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False, description="blinking red")
    before = len(s.candidates)
    s.answer("unsure")
    assert s.current().kind == "look" and len(s.candidates) == before > 1


def test_a_sequence_in_own_words_then_the_speed_decides(kb):
    """Magenta for a moment, then yellow, is the documented way into DFU mode; on a Boron the firmware and
    factory resets also go magenta then yellow, but blink yellow fast: the session asks how fast."""
    s = Session(kb, device=kb.device("boron"), save_wanted=False,
                description="it flashed purple for a sec and then started blinking yellow")
    assert s.candidates[0].state.id == "dfu-mode"
    q = s.current()
    assert q.id == "follow-up" and q.text == "How fast was it blinking?"
    s.answer(next(c.key for c in q.choices if "normal pace" in c.label))
    look = s.current()
    assert look.kind == "look" and look.signature == kb.state("dfu-mode").signature and len(s.candidates) == 1


def test_a_description_nothing_documented_fits_says_so_with_the_nearest(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    s.answer("describe")
    s.answer("blinking green and purple stripes")
    p = s.current()
    assert p.id == "no-match" and any(line.startswith("No LED state matches") for line in p.lines)
    assert any(line.startswith("Nearest documented descriptions: ") for line in p.lines)
    s.answer("again")
    assert s.current().id == "colour"


def test_an_empty_description_is_refused(kb):
    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    s.answer("describe")
    with pytest.raises(ValueError):
        s.answer("   ")


def test_led_given_before_the_device_is_known_is_used_after_it(kb):
    s = Session(kb, save_wanted=False, description="blinking magenta")
    assert s.current().id == "device"
    s.answer("argon")
    assert s.current().id == "follow-up"


def test_the_commands_the_knowledge_names_become_typed_actions() -> None:
    from particle_diag.troubleshooting.actions import runnable

    assert runnable("pdiag enter dfu") == DeviceAction("enter", "dfu")
    assert runnable("pdiag reset") == DeviceAction("reset") and DeviceAction("reset").command == "pdiag reset"
    assert runnable("pdiag doctor") is None and runnable(None) is None  # named in steps, not carried out


def test_the_device_link_carries_out_actions_on_the_attached_device(make_bench, kb) -> None:
    from particle_diag.clock import FakeClock
    from particle_diag.devices.discovery import discover
    from particle_diag.troubleshooting.actions import DeviceLink

    vb = make_bench("boron", clock=FakeClock(), poll_interval_s=0.02)
    link = DeviceLink(vb.host, discover(vb.host)[0], kb)
    identified = link.run(DeviceAction("identify"))
    assert identified.ok and identified.lines[0].startswith(f"device ID {vb.device().device_id}, boron, normal mode")
    entered = link.run(DeviceAction("enter", "dfu"))
    assert entered.ok and entered.lines[0].startswith("normal -> dfu") and vb.device().mode == "dfu"
    assert link.record.mode == "dfu"  # the link follows the device to its new address
    assert link.run(DeviceAction("reset")).ok and vb.device().mode == "normal"
    read = link.run(DeviceAction("vitals"))
    assert read.ok and read.lines[0].startswith("signal ")
    assert link.recheck().summary.startswith(f"Boron {vb.device().device_id}")


def test_a_report_never_replaces_a_file_without_consent(kb, tmp_path) -> None:
    from particle_diag.errors import ConsentRequiredError
    from particle_diag.troubleshooting.report import check_report_paths

    s = Session(kb, device=kb.device("boron"), save_wanted=False)
    (tmp_path / "ticket.json").write_text("mine")
    with pytest.raises(ConsentRequiredError):
        check_report_paths(tmp_path / "ticket")
    with pytest.raises(ConsentRequiredError):
        save_report(s.report(), tmp_path / "ticket")
    assert not (tmp_path / "ticket.md").exists() and (tmp_path / "ticket.json").read_text() == "mine"
    save_report(s.report(), tmp_path / "ticket", overwrite=True)
    assert json.loads((tmp_path / "ticket.json").read_text())["schema"] == "pdiag-troubleshoot/1"

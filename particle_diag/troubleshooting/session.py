"""The guided ``pdiag troubleshoot`` session as a state machine: prompts out, answers in, no I/O.

A driver (``cli/troubleshoot_drive.py``) asks :meth:`Session.current` for the next :class:`Prompt`, shows
it (a numbered choice, a yes/no question, an LED animation to confirm, a step to read) and feeds the answer to
:meth:`Session.answer`.  Device work (carrying out a :class:`~particle_diag.troubleshooting.actions.DeviceAction`,
re-checking the device) comes in as callables (``DeviceLink.run``, ``DeviceLink.recheck``), so the whole flow runs
in tests without a terminal or a device.

Flow: [platform] -> colour -> pattern -> [count / second colour] (or the LED described in the person's own
words) -> [the one follow-up question that tells close candidates apart, e.g. "Did it blink magenta before the
yellow?"] -> "does it look like this?" for each remaining candidate state -> meaning -> steps one at a time
(offering the pdiag actions a step names) -> remaining actions -> re-check the device -> save a report.
:meth:`Session.report` is the record of all of it; troubleshooting/report.py writes it for a support ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from particle_diag.errors import NotFoundError, PdiagError
from particle_diag.knowledge.model import Device, Knowledge, Signature
from particle_diag.rules.engine import Finding
from particle_diag.rules.followup import Question, apply_answer, follow_up, narrow
from particle_diag.rules.led import Candidate, LedNoMatchError, describe_signature, match_description, understand
from particle_diag.rules.report import finding_dict, step_dict
from particle_diag.troubleshooting import choices
from particle_diag.troubleshooting.actions import ActionOutcome, DeviceAction, Recheck, runnable
from particle_diag.troubleshooting.choices import Choice

REPORT_SCHEMA = "pdiag-troubleshoot/1"
MAX_LOOKS = 6  # candidate animations offered before giving up
MAX_FOLLOW_UPS = 2  # questions asked about one description before the animations

def _flat(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Prompt:
    """One question.  ``kind``: choice (pick a key), yesno (bool), look (bool, while ``signature`` plays),
    next (Enter: "" / "q" to skip the rest), text (a string, ``default`` when empty)."""

    id: str
    kind: str
    text: str
    choices: tuple[Choice, ...] = ()
    default: Any = None
    lines: tuple[str, ...] = ()  # shown before the question
    signature: Signature | None = None
    label: str = ""  # what the animation shows, in words


@dataclass
class _Step:
    index: int
    text: str
    action: str | None
    commands: tuple[str, ...]


class Session:
    """The guided session.  ``device``: the knowledge device (None: ask, unless ``ask_device`` is False).
    ``device_info``: what USB said about the attached device (for the report).  ``run_action(action)`` and
    ``recheck()`` exist only when a device is attached."""

    def __init__(self, kb: Knowledge, *, device: Device | None = None, ask_device: bool = True,
                 device_info: dict[str, Any] | None = None, findings_before: list[Finding] | None = None,
                 run_action: Callable[[DeviceAction], ActionOutcome] | None = None,
                 recheck: Callable[[], Recheck] | None = None, save_wanted: bool | None = None,
                 default_report_path: str = "pdiag-report.md", started_at: str = "", version: str = "",
                 description: str | None = None) -> None:
        self.kb = kb
        self.device = device
        self.device_info = device_info
        self.findings_before = list(findings_before or [])
        self.run_action = run_action
        self.recheck_fn = recheck
        self.save_wanted = save_wanted  # None: ask at the end; True/False: decided (--report given or not)
        self.default_report_path = default_report_path
        self.started_at = started_at
        self.version = version
        self.answers: dict[str, Any] = {}
        self.transcript: list[dict[str, Any]] = []
        self.description: str | None = None
        self.candidates: list[Candidate] = []
        self.looks: list[dict[str, Any]] = []
        self.chosen: Candidate | None = None
        self.steps: list[_Step] = []
        self.steps_shown = 0
        self.actions: list[ActionOutcome] = []
        self.offered: set[DeviceAction] = set()
        self.recheck_result: Recheck | None = None
        self.report_path: str | None = None
        self._pending: list[str] = []  # lines to show with the next prompt
        self._queue: list[tuple[str, Any]] = []  # the rest of the flow after the LED was identified
        self._state = "device" if device is None and ask_device else "colour"
        self._look_index = 0
        self._question: Question | None = None
        self._asked: list[str] = []  # what the follow-up questions were about, in order
        self.follow_ups: list[dict[str, Any]] = []
        if self.findings_before:
            f = self.findings_before[0]
            self._pending.append(f"USB check: {f.title}")
        self._given_description = description  # --led: start from the person's own words
        if description and self._state == "colour":
            self._identify(description)

    # -- public API ------------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._state == "done"

    def current(self) -> Prompt | None:
        if self._state == "done":
            return None
        prompt = self._prompt()
        if self._pending:
            prompt = Prompt(**{**prompt.__dict__, "lines": (*self._pending, *prompt.lines)})
        return prompt

    def take_pending(self) -> list[str]:
        """Lines still to show once the session is over (e.g. the re-check result)."""
        lines, self._pending = self._pending, []
        return lines

    def answer(self, value: Any) -> None:
        prompt = self.current()
        if prompt is None:
            raise RuntimeError("the session is over")
        self._validate(prompt, value)
        self._pending = []
        self.transcript.append({"prompt": prompt.id, "question": prompt.text, "answer": value})
        getattr(self, f"_on_{prompt.id.replace('-', '_')}")(value, prompt)

    # -- prompts ---------------------------------------------------------------------------------------------
    def _prompt(self) -> Prompt:
        s = self._state
        if s == "device":
            devices = [d for d in self.kb.devices if d.led_scheme == "particle"]
            return Prompt("device", "choice", "Which device is it?",
                          (*(Choice(d.id, d.display) for d in devices), Choice("unsure", "not sure / other")))
        if s == "colour":
            return Prompt("colour", "choice", "Which colour is the status LED?",
                          (*self._colour_choices(), Choice("describe", "describe it in my own words")))
        if s == "describe":
            return Prompt("describe", "text", "What does the LED do? (e.g. 'blinked magenta, then yellow')",
                          default="")
        if s == "follow-up":
            q = self._question
            assert q is not None
            choices = [Choice(str(i), o.label) for i, o in enumerate(q.options)]
            if not any(o.label.lower().startswith("i did not") for o in q.options):
                choices.append(Choice("unsure", "not sure"))
            return Prompt("follow-up", "choice", q.text, tuple(choices),
                          lines=(f"'{self.description}' fits {len(self.candidates)} states; one question tells "
                                 "them apart.",))
        if s == "pattern":
            return Prompt("pattern", "choice", f"What does the {self._colour_label()} light do?",
                          tuple(self._pattern_choices()))
        if s == "sos-code":
            codes = [Choice(str(c.code), f"{c.code} blinks: {c.name}") for c in self.kb.sos_codes]
            return Prompt("sos-code", "choice", "How many red blinks come between two SOS patterns?",
                          (*codes, Choice("unsure", "I did not count")))
        if s == "then-colour":
            return Prompt("then-colour", "choice", f"Which colour blinks after the {self._colour_label()}?",
                          tuple(Choice(c, self.kb.colours[c].label) for c in self._then_colours()))
        if s == "then-count":
            c2 = self.answers["then_colour"]
            counts = sorted({n for c, n in self._then_pairs() if c == c2})
            return Prompt("then-count", "choice", f"How many {self.kb.colours[c2].label} blinks?",
                          (*(Choice(str(n), str(n)) for n in counts), Choice("unsure", "not sure")))
        if s == "look":
            cand = self.candidates[self._look_index]
            sig = cand.state.signature
            assert sig is not None
            n = min(len(self.candidates), MAX_LOOKS)
            label = describe_signature(sig, self.kb)
            return Prompt("look", "look", "Does the LED look like this?", default=None, signature=sig,
                          label=label, lines=(f"Candidate {self._look_index + 1} of {n}: {label}",))
        if s == "no-match":
            return Prompt("no-match", "choice", "What now?", (
                Choice("again", "describe the LED again"),
                Choice("continue", "go on without a match" + (" (re-check the device)" if self.recheck_fn else "")),
            ))
        if s == "queue":
            kind, arg = self._queue[0]
            return getattr(self, f"_prompt_{kind}")(arg)
        raise AssertionError(s)

    def _prompt_meaning(self, _: Any) -> Prompt:
        cand = self.chosen
        assert cand is not None
        st = cand.state
        lines = [st.title, _flat(self.kb.meaning_for(st, self.device))]
        n = len(self.steps)
        text = f"Enter: show the {n} step{'s' if n != 1 else ''}" if n else "Enter: continue"
        return Prompt("meaning", "next", text, lines=tuple(lines))

    def _prompt_step(self, step: _Step) -> Prompt:
        lines = [f"Step {step.index} of {len(self.steps)}: {_flat(step.text)}"]
        lines += [f"    $ {c}" for c in step.commands]
        if step.action:
            lines.append(f"    pdiag: {step.action}")
        last = step.index == len(self.steps)
        return Prompt("step", "next", "Enter: " + ("done" if last else "next step") + ", q: skip the rest",
                      lines=tuple(lines))

    def _prompt_run(self, action: DeviceAction) -> Prompt:
        command = action.command
        summary = self.kb.actions[command].summary if command in self.kb.actions else ""
        return Prompt("run", "yesno", f"Run `{command}` on the device now?", default=False,
                      lines=(f"{command}: {summary}",) if summary else ())

    def _prompt_recheck(self, _: Any) -> Prompt:
        return Prompt("recheck", "yesno", "Check the device again now?", default=True)

    def _prompt_save(self, _: Any) -> Prompt:
        return Prompt("save", "yesno", "Save a report of this session (Markdown and JSON) for a support ticket?",
                      default=False)

    def _prompt_save_path(self, _: Any) -> Prompt:
        return Prompt("save-path", "text", "Report file", default=self.default_report_path)

    # -- answers ---------------------------------------------------------------------------------------------
    def _validate(self, prompt: Prompt, value: Any) -> None:
        if prompt.kind == "choice" and value not in {c.key for c in prompt.choices}:
            raise ValueError(f"{value!r} is not one of {[c.key for c in prompt.choices]}")
        if prompt.kind in ("yesno", "look") and not isinstance(value, bool):
            raise ValueError(f"{prompt.id} needs a yes/no answer")
        if prompt.kind in ("next", "text") and not isinstance(value, str):
            raise ValueError(f"{prompt.id} needs text")
        if prompt.id == "describe" and not value.strip():
            raise ValueError("describe needs a description of the LED")

    def _on_device(self, value: str, _: Prompt) -> None:
        self.device = None if value == "unsure" else self.kb.device(value)
        self.answers["device"] = value
        self._state = "colour"
        if self._given_description:
            self._identify(self._given_description)

    def _on_colour(self, value: str, _: Prompt) -> None:
        self.answers = {k: v for k, v in self.answers.items() if k == "device"}
        self.answers["colour"] = value
        if value == "describe":
            self._state = "describe"
        elif value in ("off", "rainbow"):
            self._identify(value)
        else:
            self._state = "pattern"

    def _on_pattern(self, value: str, _: Prompt) -> None:
        self.answers["pattern"] = value
        colour = self.answers["colour"]
        if value == "sos":
            self._state = "sos-code"
        elif value == "then":
            self._state = "then-colour"
        else:
            self._identify(choices.words(colour, value))

    def _on_sos_code(self, value: str, _: Prompt) -> None:
        self.answers["count"] = None if value == "unsure" else int(value)
        self._identify("SOS" if value == "unsure" else f"SOS then {value} blink{'' if value == '1' else 's'}")

    def _on_describe(self, value: str, _: Prompt) -> None:
        self._identify(" ".join(value.split()))

    def _on_follow_up(self, value: str, prompt: Prompt) -> None:
        q = self._question
        assert q is not None and self.description is not None
        label = next(c.label for c in prompt.choices if c.key == value)
        self.follow_ups.append({"question": q.text, "about": q.about, "answer": label})
        self._question = None
        if value != "unsure":
            option = q.options[int(value)]
            refined = apply_answer(self.description, option)
            try:
                matched = match_description(refined, self.device, self.kb)
            except PdiagError:  # the refinement itself fits nothing: keep what the answer rules in or out
                matched = self.candidates
            self.description = refined
            self.answers["description"] = refined
            self.candidates = narrow(matched, option)
        self._ask_or_look(None)

    def _on_then_colour(self, value: str, _: Prompt) -> None:
        self.answers["then_colour"] = value
        self._state = "then-count"

    def _on_then_count(self, value: str, _: Prompt) -> None:
        self.answers["count"] = None if value == "unsure" else int(value)
        first, second = self.answers["colour"], self.answers["then_colour"]
        count = "" if value == "unsure" else f"{value} "
        self._identify(f"blinking {first} then {count}{second} blinks")

    def _on_look(self, value: bool, prompt: Prompt) -> None:
        cand = self.candidates[self._look_index]
        self.looks.append({"state_id": cand.state.id, "led": prompt.label, "looks_right": value})
        if value:
            self._chose(cand)
            return
        self._look_index += 1
        if self._look_index >= min(len(self.candidates), MAX_LOOKS):
            self._pending.append("None of the candidates looked right.")
            self._state = "no-match"

    def _on_no_match(self, value: str, _: Prompt) -> None:
        if value == "again":
            self._state = "colour"
        else:
            self._after_steps()

    def _on_meaning(self, _: str, __: Prompt) -> None:
        self._advance()

    def _on_step(self, value: str, _: Prompt) -> None:
        step: _Step = self._queue[0][1]
        self.steps_shown = max(self.steps_shown, step.index)
        if value.strip().lower() == "q":  # skip the rest of the steps and their actions
            self._queue = [q for q in self._queue if q[0] in ("recheck", "save", "save_path")]
            self._next_or_done()
            return
        self._advance()

    def _on_run(self, value: bool, _: Prompt) -> None:
        action: DeviceAction = self._queue[0][1]
        if value and self.run_action is not None:
            outcome = self.run_action(action)
            self.actions.append(outcome)
            self._pending.extend(([] if outcome.ok else [f"{action.command} failed:"]) + outcome.lines)
        self._advance()

    def _on_recheck(self, value: bool, _: Prompt) -> None:
        if value and self.recheck_fn is not None:
            self.recheck_result = self.recheck_fn()
            self._pending.append(f"Re-check: {self.recheck_result.summary}")
            for f in self.recheck_result.findings[:3]:
                self._pending.append(f"  {f.rank}. [{f.severity}] {f.title}")
        self._advance()

    def _on_save(self, value: bool, _: Prompt) -> None:
        self._queue.pop(0)
        if value:
            self._queue.insert(0, ("save_path", None))
        self._next_or_done()

    def _on_save_path(self, value: str, prompt: Prompt) -> None:
        self.report_path = value.strip() or str(prompt.default)
        self._advance()

    # -- flow helpers ----------------------------------------------------------------------------------------
    def _advance(self) -> None:
        self._queue.pop(0)
        self._next_or_done()

    def _next_or_done(self) -> None:
        self._state = "queue" if self._queue else "done"

    def _identify(self, description: str) -> None:
        self.description = description
        self.answers["description"] = description
        self._asked = []
        try:
            desc, self.candidates = understand(description, self.device, self.kb)
        except LedNoMatchError as exc:
            self.candidates = []
            self._pending.append(f"No LED state matches '{description}': {exc.message}")
            if exc.suggestions:
                self._pending.append("Nearest documented descriptions: " + "; ".join(exc.suggestions))
            self._state = "no-match"
            return
        except (NotFoundError, PdiagError) as exc:
            self.candidates = []
            self._pending.append(f"No LED state matches '{description}': {exc.message}")
            self._state = "no-match"
            return
        self._ask_or_look(desc)

    def _ask_or_look(self, desc: Any) -> None:
        """Ask the question that tells the close candidates apart (rules/followup.py), else show them."""
        self.looks = []
        self._look_index = 0
        if desc is None and self.description is not None and len(self.candidates) > 1:
            try:
                desc = understand(self.description, self.device, self.kb)[0]
            except PdiagError:
                desc = None
        question = None
        if desc is not None and len(self._asked) < MAX_FOLLOW_UPS:
            question = follow_up(desc, self.candidates, self.kb)
            if question is not None and question.about in self._asked:
                question = None  # asked already: the animations tell the rest apart
        if question is not None:
            self._question = question
            self._asked.append(question.about)
            self._state = "follow-up"
        else:
            self._state = "look"

    def _chose(self, cand: Candidate) -> None:
        self.chosen = cand
        steps = self.kb.steps_for(cand.state.id, self.device)
        self.steps = [_Step(i, s.text, s.action, s.commands) for i, s in enumerate(steps, 1)]
        queue: list[tuple[str, Any]] = [("meaning", None)]
        for step in self.steps:
            queue.append(("step", step))
            action = self._runnable(step.action)
            if action is not None:
                queue.append(("run", action))
                self.offered.add(action)
        for command in cand.state.actions:
            action = self._runnable(command)
            if action is not None and action not in self.offered:
                queue.append(("run", action))
                self.offered.add(action)
        self._queue = queue
        self._add_tail()
        self._state = "queue"

    def _after_steps(self) -> None:
        self._queue = []
        self._add_tail()
        self._next_or_done()

    def _add_tail(self) -> None:
        if self.recheck_fn is not None:
            self._queue.append(("recheck", None))
        if self.save_wanted is None:
            self._queue.append(("save", None))

    def _runnable(self, command: str | None) -> DeviceAction | None:
        """The typed action behind a command the knowledge names, when a device is attached to carry it out."""
        return runnable(command) if self.run_action is not None else None

    def _colour_label(self) -> str:
        c = self.answers.get("colour", "")
        return self.kb.colours[c].label if c in self.kb.colours else c

    # -- what to offer (troubleshooting/choices.py) ----------------------------------------------------------
    def _colour_choices(self) -> list[Choice]:
        return choices.colour_choices(self.kb, self.device)

    def _pattern_choices(self) -> list[Choice]:
        return choices.pattern_choices(self.kb, self.device, self.answers["colour"])

    def _then_pairs(self) -> list[tuple[str, int]]:
        return choices.then_pairs(self.kb, self.device, self.answers.get("colour"))

    def _then_colours(self) -> list[str]:
        return choices.then_colours(self.kb, self.device, self.answers.get("colour"))

    # -- the report ------------------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        st = self.chosen.state if self.chosen else None
        return {
            "schema": REPORT_SCHEMA,
            "pdiag_version": self.version,
            "started_at": self.started_at,
            "device": self.device_info,
            "platform": self.device.id if self.device else None,
            "answers": {k: v for k, v in self.answers.items() if k != "description"},
            "description": self.description,
            "candidates": [{"state_id": c.state.id, "title": c.state.title, "score": c.score,
                            "led": describe_signature(c.state.signature, self.kb) if c.state.signature else None}
                           for c in self.candidates],
            "follow_ups": list(self.follow_ups),
            "looks": list(self.looks),
            "state": None if st is None else {
                "id": st.id, "title": st.title, "meaning": self.kb.meaning_for(st, self.device),
                "steps": [step_dict(s) for s in self.kb.steps_for(st.id, self.device)],
            },
            "steps_shown": self.steps_shown,
            "actions": [{"command": a.command, "ok": a.ok, "output": list(a.lines)} for a in self.actions],
            "findings_before": [finding_dict(f) for f in self.findings_before],
            "findings_after": None if self.recheck_result is None else {
                "summary": self.recheck_result.summary,
                "findings": [finding_dict(f) for f in self.recheck_result.findings]},
            "transcript": list(self.transcript),
        }


def led_device(kb: Knowledge, platform: str) -> Device | None:
    """The knowledge device of a platform, when its status LED follows Particle's scheme (the session's flow)."""
    try:
        d = kb.device(platform)
    except PdiagError:
        return None
    return d if d.led_scheme == "particle" else None

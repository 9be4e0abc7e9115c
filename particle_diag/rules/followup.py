"""The one question that best tells apart the LED states a description left open (pure).

"blinking yellow" fits DFU mode and, on Gen 3 boards, the firmware reset that follows it; the honest thing is to
ask what decides between them ("Did it blink magenta before the yellow?", "Was it blinking fast?") rather than
list every partial match.  ``follow_up`` picks that question from what the close candidates differ in:

1. the speed of the same pattern (blinking / fast blinking);
2. the colour;
3. the pattern family (breathing / blinking / solid);
4. the phase the document puts before one of them (a documented transition, or the cyan blinks before a
   cloud-error blink): "Did it blink cyan before the magenta?";
5. a button action the document ties to some of them.

Each answer is a refinement of the description (text to add) and, where the answer rules states out, the ids to
drop; the guided session matches the refined description again.
"""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.knowledge.language import transitions
from particle_diag.knowledge.model import Knowledge
from particle_diag.rules.led import Candidate
from particle_diag.rules.observation import Description

_CLOSE = 0.15  # candidates this close to the best one are the ones a question should tell apart
_ING = {"blink": "blinking", "breathe": "breathing", "solid": "solid", "off": "off"}
_SPEED_WORDS = {"fast": "fast (about ten times a second)", None: "at a normal pace", "slow": "slowly"}


@dataclass(frozen=True)
class Option:
    label: str
    refine: str = ""  # words added to the description
    keep: tuple[str, ...] = ()  # when set: only these state ids stay
    drop: tuple[str, ...] = ()  # state ids this answer rules out


@dataclass(frozen=True)
class Question:
    text: str
    about: str  # transition | speed | pattern | colour | button
    options: tuple[Option, ...]

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "about": self.about,
                "options": [{"label": o.label, "refine": o.refine, "keep": list(o.keep), "drop": list(o.drop)}
                            for o in self.options]}


def _close(candidates: list[Candidate]) -> list[Candidate]:
    if not candidates:
        return []
    top = candidates[0].score
    return [c for c in candidates if c.score >= top - _CLOSE and c.state.signature is not None]


def _family(pattern: str, kb: Knowledge) -> str:
    return kb.patterns[pattern].family


def _speed(pattern: str) -> str | None:
    head = pattern.split("-")[0]
    return head if head in {"fast", "slow"} and "-" in pattern else None


def _phase_words(colors: tuple[str, ...], family: str, kb: Knowledge) -> str:
    verb = {"blink": "blink", "breathe": "breathe", "solid": "stay lit", "off": "go dark"}[family]
    return f"{verb} {' or '.join(kb.colours[c].label for c in colors)}"


def _preceded_by(state_id: str, kb: Knowledge) -> tuple[tuple[str, ...], str] | None:
    """(colours, family) of the phase the document puts right before this state, if it names one."""
    state = kb.state(state_id)
    sig = state.signature
    assert sig is not None
    for t in transitions(kb).transitions:
        end = t.phases[-1]
        if end.state != state_id:
            continue
        before = next((p for p in reversed(t.phases[:-1]) if not p.optional), None)
        if before is not None and (before.colors != end.colors or before.family != end.family):
            return before.colors, before.family
    if sig.count is not None and sig.steps and sig.steps[0].color not in sig.colors and sig.steps[0].color:
        step = sig.steps[0]
        return (step.color,), "breathe" if step.action == "breathe" else "blink"  # type: ignore[return-value]
    return None


def _transition_question(close: list[Candidate], kb: Knowledge) -> Question | None:
    """"Did it blink magenta before the yellow?" when that phase leads to one close candidate only."""
    for candidate in close:
        before = _preceded_by(candidate.state.id, kb)
        if before is None:
            continue
        others = [c.state.id for c in close if c is not candidate and _preceded_by(c.state.id, kb) != before]
        if not others:
            continue
        sig = candidate.state.signature
        assert sig is not None
        phrase = _phase_words(before[0], before[1], kb)
        return Question(
            f"Did it {phrase} before the {kb.colours[sig.colors[0]].label}?" if sig.colors
            else f"Did it {phrase} first?",
            "transition",
            (Option("yes", f"{_ING[before[1]]} {before[0][0]} then ", keep=(candidate.state.id,)),
             Option("no", drop=(candidate.state.id,)),
             Option("I did not see")),
        )
    return None


def _speed_question(close: list[Candidate], kb: Knowledge) -> Question | None:
    by_speed: dict[str | None, list[str]] = {}
    families = set()
    for c in close:
        sig = c.state.signature
        assert sig is not None
        if sig.pattern in {"sequence", "sos", "off"}:
            continue
        families.add(_family(sig.pattern, kb))
        by_speed.setdefault(_speed(sig.pattern), []).append(c.state.id)
    if len(families) != 1 or len(by_speed) < 2:
        return None
    family = families.pop()
    word = "blinking" if family == "blink" else "breathing"
    options = tuple(
        Option(f"{word} {_SPEED_WORDS[speed]}", f" {speed}" if speed else "", keep=tuple(states))
        for speed, states in sorted(by_speed.items(), key=lambda item: str(item[0]))
    )
    return Question(f"How fast was it {word}?", "speed", options)


def _pattern_question(close: list[Candidate], kb: Knowledge) -> Question | None:
    by_family: dict[str, list[str]] = {}
    for c in close:
        sig = c.state.signature
        assert sig is not None
        if sig.pattern in {"sequence"}:
            continue
        by_family.setdefault(_family(sig.pattern, kb), []).append(c.state.id)
    if len(by_family) < 2:
        return None
    label = {"blink": "switching on and off (blinking)", "breathe": "fading in and out smoothly (breathing)",
             "solid": "steadily lit (solid)", "sos": "three short, three long, three short (SOS)",
             "off": "dark"}
    options = tuple(Option(label.get(f, f), f" {f if f != 'blink' else 'blinking'}", keep=tuple(s))
                    for f, s in by_family.items())
    return Question("How did the LED look over a few seconds?", "pattern", options)


def _colour_question(close: list[Candidate], kb: Knowledge) -> Question | None:
    by_colour: dict[str, list[str]] = {}
    for c in close:
        sig = c.state.signature
        assert sig is not None
        if sig.any_of or len(sig.colors) != 1:
            continue
        by_colour.setdefault(sig.colors[0], []).append(c.state.id)
    if len(by_colour) < 2:
        return None
    options = tuple(Option(kb.colours[col].label, f" {kb.colours[col].label}", keep=tuple(s))
                    for col, s in by_colour.items())
    return Question("Which colour was it?", "colour", options)


_BUTTON_WORDS = {"tap": "tap MODE once", "double-tap": "tap MODE twice", "hold": "hold MODE for a few seconds",
                 "hold-long": "hold MODE for about ten seconds", "both": "hold MODE while pressing RESET"}


def _button_question(desc: Description, close: list[Candidate], kb: Knowledge) -> Question | None:
    if desc.buttons:
        return None
    ids = [c.state.id for c in close]
    for link in transitions(kb).buttons:
        held = [i for i in ids if i in link.states]
        free = [i for i in ids if i not in link.states]
        if held and free and link.action in _BUTTON_WORDS:
            words = _BUTTON_WORDS[link.action]
            return Question(f"Did you {words} just before the LED did this?", "button",
                            (Option("yes", f" after I {words.replace('MODE', 'mode')}", keep=tuple(held)),
                             Option("no", drop=tuple(held))))
    return None


def follow_up(desc: Description, candidates: list[Candidate], kb: Knowledge) -> Question | None:
    """The question that best splits the close candidates, or None when one candidate stands out."""
    close = _close(candidates)
    if len(close) < 2:
        return None
    if not any(seg.colors for seg in desc.segments):  # no colour named: that is what to ask first
        return _colour_question(close, kb) or _pattern_question(close, kb) or _speed_question(close, kb)
    return (_speed_question(close, kb) or _colour_question(close, kb) or _pattern_question(close, kb)
            or _transition_question(close, kb) or _button_question(desc, close, kb))


def apply_answer(text: str, option: Option) -> str:
    """The description refined by an answer: a leading phase ("blinking magenta then ...") goes first."""
    if option.refine.endswith(" then "):
        return f"{option.refine}{text}"
    return f"{text}{' ' if option.refine and not option.refine.startswith(' ') else ''}{option.refine}".strip()


def narrow(candidates: list[Candidate], option: Option) -> list[Candidate]:
    """Candidates left after an answer (never none: an answer that rules out all of them is ignored)."""
    kept = [c for c in candidates if (not option.keep or c.state.id in option.keep) and c.state.id not in option.drop]
    return kept or candidates

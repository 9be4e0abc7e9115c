"""What the guided session offers at each LED question, from the knowledge base: the colours and patterns some
documented state of the device shows, and the second colours and counts of the "blinks, then N of another
colour" states.  Pure functions over :class:`~particle_diag.knowledge.model.Knowledge`; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.errors import PdiagError
from particle_diag.knowledge.model import Device, Knowledge, State
from particle_diag.rules.led import Candidate, match_description

# (key, label) of the pattern question; the description words the LED matcher understands
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("blink", "blinking", "blinking"),
    ("fast-blink", "blinking fast", "fast blinking"),
    ("slow-blink", "blinking slowly", "slow blinking"),
    ("breathe", "breathing (slowly fading in and out)", "breathing"),
    ("fast-breathe", "breathing fast", "fast breathing"),
    ("solid", "solid (steady, not changing)", "solid"),
    ("sos", "SOS: 3 short, 3 long, 3 short blinks, then a count", "sos"),
    ("then", "blinking, then a few blinks of another colour", ""),
    ("unsure", "not sure", ""),
)



@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def words(colour: str, pattern: str) -> str:
    """The description the LED matcher understands for a colour and a pattern key ("fast blinking cyan")."""
    word = next((w for k, _, w in PATTERNS if k == pattern), "")
    return f"{word} {colour}".strip()


def states(kb: Knowledge, device: Device | None) -> tuple[State, ...]:
    if device is not None:
        return kb.states_for(device)
    return tuple(s for s in kb.states if kb.devices_for(s))


def colour_choices(kb: Knowledge, device: Device | None) -> list[Choice]:
    seen: set[str] = set()
    dark = False
    for s in states(kb, device):
        sig = s.signature
        if sig is None:
            continue
        dark = dark or sig.pattern == "off"
        seen.update(sig.colors)
        seen.update(st.color for st in sig.steps if st.color in kb.colours)
    out = [Choice(c.name, c.label) for c in kb.colours.values() if c.name in seen]
    if dark:
        out.append(Choice("off", "off (dark)"))
    return out


def _matches(kb: Knowledge, device: Device | None, description: str) -> list[Candidate]:
    try:
        return match_description(description, device, kb)
    except PdiagError:
        return []


def pattern_choices(kb: Knowledge, device: Device | None, colour: str) -> list[Choice]:
    """The patterns offered for ``colour``: those a documented state fits well (score >= 0.85)."""
    out = []
    for key, label, _ in PATTERNS:
        if key == "sos":
            ok = colour == "red" and any(s.signature and s.signature.pattern == "sos" for s in states(kb, device))
        elif key == "then":
            ok = bool(then_pairs(kb, device, colour))
        elif key == "unsure":
            ok = True
        else:
            found = _matches(kb, device, words(colour, key))
            ok = bool(found) and found[0].score >= 0.85
        if ok:
            out.append(Choice(key, label))
    return out


def then_pairs(kb: Knowledge, device: Device | None, colour: str | None) -> list[tuple[str, int]]:
    """(second colour, count) of every state that blinks ``colour`` and then a count of another colour."""
    pairs = []
    for s in states(kb, device):
        sig = s.signature
        if sig and sig.count is not None and sig.steps and sig.steps[0].color == colour:
            pairs.extend((c, sig.count) for c in sig.colors)
    return pairs


def then_colours(kb: Knowledge, device: Device | None, colour: str | None) -> list[str]:
    return list(dict.fromkeys(c for c, _ in then_pairs(kb, device, colour)))

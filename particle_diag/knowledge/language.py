"""How people phrase LED descriptions (language.toml) and the documented transitions (transitions.toml).

Typed, validated, read-only records; the parser in :mod:`particle_diag.rules.observation` applies them.  State
ids named by transitions and button links are checked against the knowledge when loaded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from particle_diag.knowledge.model import Knowledge, KnowledgeError

FAMILIES = ("blink", "breathe", "solid", "off")
SPEEDS = ("fast", "slow")
BUTTON_ACTIONS = ("tap", "double-tap", "hold", "hold-long", "both", "reset")


@dataclass(frozen=True)
class Language:
    spelling: Mapping[str, str]
    fuzzy_min_length: int
    keep: frozenset[str]  # words never corrected ("while" is not "white")
    hedges: tuple[str, ...]
    hedge_suffixes: tuple[str, ...]
    near_colours: Mapping[str, tuple[str, ...]]  # colour -> colours a hedged report of it may really be
    negation_cues: tuple[str, ...]
    clause_breaks: tuple[str, ...]
    then_words: tuple[str, ...]
    after_words: tuple[str, ...]
    and_words: tuple[str, ...]
    or_words: tuple[str, ...]
    alternating: tuple[str, ...]
    repeat: tuple[str, ...]
    leds: Mapping[str, tuple[str, ...]]  # "status", "d7", "charge" -> phrases
    dim_words: tuple[str, ...]
    button_names: Mapping[str, tuple[str, ...]]  # "system", "reset", "both" -> phrases
    button_verbs: Mapping[str, tuple[str, ...]]  # "hold", "double", "tap" -> phrases
    seconds_units: tuple[str, ...]
    long_hold: tuple[str, ...]  # "a long time"
    fast: tuple[str, ...]
    slow: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    """One documented phase of a transition."""

    colors: tuple[str, ...]
    family: str
    speed: str | None = None
    state: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Transition:
    id: str
    phases: tuple[Phase, ...]
    source: str
    buttons: tuple[str, ...] = ()
    repeating: bool = False  # the documented pattern repeats ("over and over")


@dataclass(frozen=True)
class ButtonLink:
    action: str
    states: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Transitions:
    transitions: tuple[Transition, ...]
    buttons: tuple[ButtonLink, ...]
    long_hold_from_s: float

    def states_for_button(self, action: str) -> tuple[str, ...]:
        return next((b.states for b in self.buttons if b.action == action), ())


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("particle_diag.knowledge").joinpath(name).read_text(encoding="utf-8"))


def _strs(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.lower() for v in value)


@cache
def language() -> Language:
    raw = _read("language.toml")
    spelling = raw["spelling"]
    return Language(
        spelling={k.lower(): v.lower() for k, v in spelling["words"].items()},
        fuzzy_min_length=int(spelling.get("fuzzy_min_length", 5)),
        keep=frozenset(_strs(spelling, "keep", "language.toml [spelling]")),
        hedges=_strs(raw["hedge"], "phrases", "language.toml [hedge]"),
        hedge_suffixes=_strs(raw["hedge"], "suffixes", "language.toml [hedge]"),
        near_colours={k: _strs(raw["hedge"]["near"], k, "language.toml [hedge.near]") for k in raw["hedge"]["near"]},
        negation_cues=_strs(raw["negation"], "cues", "language.toml [negation]"),
        clause_breaks=tuple(raw["negation"]["clause_breaks"]),
        then_words=_strs(raw["sequence"], "then", "language.toml [sequence]"),
        after_words=_strs(raw["sequence"], "after", "language.toml [sequence]"),
        and_words=_strs(raw["sequence"], "and_words", "language.toml [sequence]"),
        or_words=_strs(raw["sequence"], "or_words", "language.toml [sequence]"),
        alternating=_strs(raw["sequence"], "alternating", "language.toml [sequence]"),
        repeat=_strs(raw["sequence"], "repeat", "language.toml [sequence]"),
        leds={k: _strs(raw["led"], k, "language.toml [led]") for k in ("status", "d7", "charge")},
        dim_words=_strs(raw["led"], "dim", "language.toml [led]"),
        button_names={k: _strs(raw["buttons"], k, "language.toml [buttons]") for k in ("system", "reset", "both")},
        button_verbs={k: _strs(raw["buttons"], k, "language.toml [buttons]") for k in ("hold", "double", "tap")},
        seconds_units=_strs(raw["buttons"], "seconds", "language.toml [buttons]"),
        long_hold=_strs(raw["buttons"], "long", "language.toml [buttons]"),
        fast=_strs(raw["speed"], "fast", "language.toml [speed]"),
        slow=_strs(raw["speed"], "slow", "language.toml [speed]"),
    )


def _phase(raw: Mapping[str, Any], where: str, kb: Knowledge) -> Phase:
    colors = _strs(raw, "colors", where)
    unknown = [c for c in colors if c not in kb.colours]
    if unknown or raw.get("family") not in FAMILIES or raw.get("speed") not in (None, *SPEEDS):
        raise KnowledgeError(f"{where}: bad phase {dict(raw)} (colours, family {FAMILIES}, speed {SPEEDS})")
    state = raw.get("state")
    if state is not None:
        kb.state(state)  # NotFoundError for a state id that does not exist
    return Phase(colors, raw["family"], raw.get("speed"), state, bool(raw.get("optional", False)))


_TRANSITIONS: dict[int, Transitions] = {}


def _load_transitions(kb: Knowledge) -> Transitions:
    raw = _read("transitions.toml")
    out = []
    for t in raw.get("transition", []):
        where = f"transitions.toml: transition '{t.get('id')}'"
        phases = tuple(_phase(p, where, kb) for p in t.get("phases", []))
        if len(phases) < 2 or phases[-1].state is None:
            raise KnowledgeError(f"{where}: needs two phases or more, the last with a state")
        buttons = _strs(t, "buttons", where)
        if any(b not in BUTTON_ACTIONS for b in buttons):
            raise KnowledgeError(f"{where}: buttons must be among {BUTTON_ACTIONS}")
        out.append(Transition(t["id"], phases, " ".join(str(t.get("source", "")).split()), buttons,
                              bool(t.get("repeating", False))))
    links = []
    for b in raw.get("button", []):
        where = f"transitions.toml: button '{b.get('action')}'"
        if b.get("action") not in BUTTON_ACTIONS:
            raise KnowledgeError(f"{where}: action must be among {BUTTON_ACTIONS}")
        states = tuple(b.get("states", []))
        for s in states:
            kb.state(s)
        links.append(ButtonLink(b["action"], states, " ".join(str(b.get("source", "")).split())))
    return Transitions(tuple(out), tuple(links), float(raw.get("hold", {}).get("long_from_s", 8)))


def transitions(kb: Knowledge) -> Transitions:
    """The documented transitions, validated against ``kb`` (cached per knowledge object)."""
    if id(kb) not in _TRANSITIONS:
        _TRANSITIONS[id(kb)] = _load_transitions(kb)
    return _TRANSITIONS[id(kb)]

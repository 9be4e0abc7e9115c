"""Understand an LED description typed by a person and rank the knowledge states it may mean.

Pure: text and knowledge in, candidates out.  ``parse_description`` (rules/observation.py) turns "blinks cyan
then 2 orange" into an observation (phases with colours, pattern and count; negations; button actions; other
LEDs); ``match_observation`` scores every state of the device against it: negated colours and patterns exclude,
sequences follow the documented transitions (knowledge/transitions.toml), button actions narrow to the states
the document links to them, and colours seen together that no state shows together match nothing.  Several
candidates with close scores are the honest answer to an ambiguous description.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations

from particle_diag.errors import NotFoundError, UnsupportedError
from particle_diag.knowledge.language import Phase, language, transitions
from particle_diag.knowledge.model import Device, Knowledge, SeqStep, Signature, State
from particle_diag.rules.observation import Description, Segment, parse_description

__all__ = ["Candidate", "Description", "LedNoMatchError", "Segment", "describe_signature", "describe_step",
           "match_description", "match_observation", "parse_description", "suggestions", "understand"]

# How much a described pattern (first) resembles a state's pattern (second); same pattern = 1.
_PATTERN_SIMILARITY = {
    ("blink", "slow-blink"): 0.8,
    ("blink", "fast-blink"): 0.6,
    ("fast-blink", "blink"): 0.7,
    ("fast-blink", "slow-blink"): 0.3,
    ("slow-blink", "blink"): 0.7,
    ("slow-blink", "fast-blink"): 0.3,
    ("breathe", "fast-breathe"): 0.7,
    ("breathe", "slow-breathe"): 0.8,
    ("fast-breathe", "breathe"): 0.7,
    ("slow-breathe", "breathe"): 0.8,
    ("fast-breathe", "slow-breathe"): 0.4,
    ("slow-breathe", "fast-breathe"): 0.4,
    ("blink", "sos"): 0.5,
    ("fast-blink", "sos"): 0.3,
    ("slow-blink", "sos"): 0.3,
}
_MIN_SCORE = 0.5
_WINDOW = 0.35  # candidates within this distance of the best one are shown


@dataclass(frozen=True)
class Candidate:
    state: State
    devices: tuple[str, ...]
    score: float
    why: tuple[str, ...] = field(default=())

    @property
    def state_id(self) -> str:
        return self.state.id


@dataclass(frozen=True)
class _Key:
    """A part of a signature a description segment can match."""

    colors: tuple[str, ...]
    pattern: str | None
    alt_colors: tuple[str, ...] = ()
    alt_patterns: tuple[str, ...] = ()
    count: int | None = None
    count_matters: bool = False
    any_of: bool = False  # the colours are alternatives, never shown together


# -- scoring --------------------------------------------------------------------------------------------------


def _step_pattern(step: SeqStep) -> str:
    if step.action == "on":
        return "solid"
    if step.action == "breathe":
        return "fast-breathe" if step.on_ms is not None and step.on_ms <= 1000 else "breathe"
    if step.on_ms is not None and step.on_ms <= 50:
        return "fast-blink"
    if step.on_ms is not None and step.on_ms >= 300:
        return "slow-blink"
    return "blink"


def _keys(sig: Signature) -> tuple[_Key, list[_Key]]:
    count = sig.code if sig.code is not None else sig.count
    primary = _Key(
        colors=sig.colors,
        pattern=None if sig.pattern == "sequence" else sig.pattern,
        alt_colors=sig.alt_colors,
        alt_patterns=sig.alt_patterns,
        count=count,
        count_matters=count is not None,
        any_of=sig.any_of,
    )
    steps = []
    for st in sig.steps:
        if st.action == "off" or st.color is None or st.color.startswith("#"):
            continue
        matters = sig.count is not None and st.color in sig.colors and st.action == "blink"
        n = st.times if st.action == "blink" and (st.times > 1 or matters) else None
        steps.append(_Key((st.color,), _step_pattern(st), count=n, count_matters=matters))
    return primary, steps


def _pattern_score(described: str | None, key: _Key) -> float:
    if described is None:
        return 0.6
    if key.pattern is None:  # a sequence as a whole
        return 0.3
    best = 1.0 if described == key.pattern else _PATTERN_SIMILARITY.get((described, key.pattern), 0.0)
    for alt in key.alt_patterns:
        best = max(best, 0.85 * (1.0 if described == alt else _PATTERN_SIMILARITY.get((described, alt), 0.0)))
    return best


def _colour_score(seg: Segment, key: _Key, kb: Knowledge, hedged: bool) -> tuple[float, list[str]]:
    """1 for a colour the state shows, 0.6 for one it is sometimes reported as (or a hedged neighbour)."""
    if not seg.colors:
        return (1.0 if not key.colors else 0.5), []
    shown = set(key.colors)
    if seg.together and (key.pattern is None or key.any_of or not set(seg.colors) <= shown | set(key.alt_colors)):
        return 0.0, []  # colours seen together that no state shows together (a sequence shows them in turn)
    if set(seg.colors) & shown:
        # "green or white": a state that shows every colour named fits better than one that shows one of them
        c = 1.0 if not seg.either or set(seg.colors) <= shown else 0.85
        return c, ["colour " + "/".join(kb.colours[x].label for x in seg.colors if x in shown)]
    if set(seg.colors) & set(key.alt_colors):
        return 0.6, ["colour " + "/".join(x for x in seg.colors if x in key.alt_colors) + " (sometimes seen)"]
    near = language().near_colours
    if hedged and any(k in near.get(c, ()) for c in seg.colors for k in shown):
        return 0.6, ["colour close to " + "/".join(kb.colours[x].label for x in shown) + " (you were not sure)"]
    return 0.0, []


def _segment_score(seg: Segment, key: _Key, kb: Knowledge, hedged: bool = False) -> tuple[float, list[str]]:
    c, why = _colour_score(seg, key, kb, hedged)
    if c == 0.0:
        return 0.0, []
    p = _pattern_score(seg.pattern, key)
    if seg.pattern and (seg.pattern == key.pattern or seg.pattern in key.alt_patterns):
        why.append(f"pattern {kb.patterns[seg.pattern].label}")
    elif seg.pattern and p > 0 and key.pattern:
        why.append(f"{kb.patterns[seg.pattern].label} is close to {kb.patterns[key.pattern].label}")
    mult = 1.0
    if seg.count is not None:
        if key.count is not None:
            if seg.count == key.count:
                k = 1.0
                why.append(f"count {seg.count}")
            else:
                k = 0.0
                mult = 0.6 if key.count_matters else 0.85
        else:
            k = 0.3
    else:
        k = 0.3 if key.count_matters else 1.0
    score = (0.55 * c + 0.35 * p + 0.10 * k) * mult
    if p == 0.0:
        score *= 0.4
    elif key.pattern is None and seg.pattern is not None:
        score *= 0.8  # a whole sequence only loosely matches one described pattern
    return score, why


def _alignment(segments: tuple[Segment, ...], keys: list[_Key], kb: Knowledge,
               hedged: bool) -> tuple[float, list[str], tuple[int, ...]]:
    """Best in-order matching of description segments to signature parts (weighted mean over segments: the
    phase described last, what the LED does now, counts three times), with the key each segment was matched to
    (-1: none)."""
    n, m = len(segments), len(keys)
    weight = [1.0] * (n - 1) + [3.0]
    # best[i][j]: best (total, why, matched keys) using segments[i:] and keys[j:]
    empty: tuple[float, list[str], tuple[int, ...]] = (0.0, [], ())
    best = [[empty] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            total, w, keys_used = best[i + 1][j]
            options = [(total, w, (-1, *keys_used))]  # segment i unmatched
            if j < m:
                options.append(best[i][j + 1])  # key j unused
                s, why = _segment_score(segments[i], keys[j], kb, hedged)
                if s > 0:
                    total, w, keys_used = best[i + 1][j + 1]
                    options.append((total + s * weight[i], why + w, (j, *keys_used)))
            best[i][j] = max(options, key=lambda o: o[0])
    total, why, used = best[0][0]
    return total / sum(weight), why, used


def _signature_score(desc: Description, state: State, kb: Knowledge) -> tuple[float, list[str]]:
    sig = state.signature
    assert sig is not None
    primary, steps = _keys(sig)
    segments = desc.segments
    if len(segments) == 1:
        score, why = _segment_score(segments[0], primary, kb, desc.hedged)
        if sig.count is not None and steps and steps[0].colors != primary.colors:
            score *= 0.95  # the phase before it (cyan) was not mentioned
        if steps:
            other = max(
                ((s * 0.7, w) for s, w in (_segment_score(segments[0], k, kb, desc.hedged) for k in steps)),
                key=lambda o: o[0],
            )
            if other[0] > score:
                score, why = other[0], [*other[1], "part of the sequence"]
        return score, why
    score, why, used = _alignment(segments, steps or [primary], kb, desc.hedged)
    if sig.pattern == "sequence" and used[-1] != len(steps) - 1:
        score *= 0.9  # the LED does something else now than where this sequence ends
    if steps and score > 0:
        why = [*why, "sequence"]
        if sig.pattern == "sequence" and used[0] == 0 and used[-1] == len(steps) - 1 and -1 not in used \
                and len(segments) >= 3:
            why.append("the whole sequence from its start")
    return score, why


# -- documented transitions ----------------------------------------------------------------------------------


def _phase_score(seg: Segment, phase: Phase, kb: Knowledge, hedged: bool) -> float:
    """How well a described phase fits a documented one (0 = not at all)."""
    if not seg.colors:
        c = 0.5
    elif set(seg.colors) & set(phase.colors) and not (seg.together and not set(seg.colors) <= set(phase.colors)):
        c = 1.0
    elif hedged and any(k in language().near_colours.get(x, ()) for x in seg.colors for k in phase.colors):
        c = 0.6
    else:
        return 0.0
    if seg.pattern is None:
        p = 0.6
    elif phase.family == "solid" and kb.patterns[seg.pattern].family == "blink":
        p = 0.6  # a one-second white light is often told as a white flash
    else:
        if kb.patterns[seg.pattern].family != phase.family:
            return 0.0
        speed = seg.pattern.split("-")[0] if "-" in seg.pattern else None
        p = 1.0 if speed == phase.speed else 0.75 if phase.speed is None or speed is None else 0.3
    return 0.55 * c + 0.45 * p


def _transition_scores(desc: Description, kb: Knowledge) -> dict[str, tuple[float, str]]:
    """State id -> (score, transition id) for descriptions that follow a documented transition in time.

    Every described phase must fit a phase of the transition, in order; the phase described last is the state
    the device is in now.  Documented phases left out cost a little unless they are optional.
    """
    n = len(desc.segments)
    if n < 2:
        return {}
    buttons = {b.action for b in desc.buttons}
    out: dict[str, tuple[float, str]] = {}
    for t in transitions(kb).transitions:
        m = len(t.phases)
        for chosen in combinations(range(m), n):
            last = t.phases[chosen[-1]]
            if last.state is None:
                continue
            scores = [_phase_score(seg, t.phases[j], kb, desc.hedged) for seg, j in zip(desc.segments, chosen,
                                                                                      strict=True)]
            if min(scores) < 0.5:
                continue
            skipped = sum(1 for j in range(chosen[-1]) if j not in chosen and not t.phases[j].optional)
            score = sum(scores) / n * 0.92**skipped
            if buttons & set(t.buttons):
                score = min(1.0, score + 0.05)
            if t.repeating != desc.repeating:
                score *= 0.9 if t.repeating else 0.85  # "over and over" is what sets a looping pattern apart
            if score > out.get(last.state, (0.0, ""))[0]:
                out[last.state] = (round(score, 3), t.id)
    return out


# -- matching -------------------------------------------------------------------------------------------------


def _resolve_device(device: str | Device | None, kb: Knowledge) -> Device | None:
    if device is None:
        return None
    d = device if isinstance(device, Device) else kb.device(device)
    if d.led_scheme != "particle":
        raise UnsupportedError(
            f"the {d.display} status LED does not follow the Particle LED scheme",
            d.note or "pdiag has no LED knowledge for this device.",
        )
    return d


def _excluded(state: State, desc: Description, kb: Knowledge) -> bool:
    """A state whose colour or pattern the person said the LED did NOT show (and did not also say it showed:
    "isn't breathing cyan anymore, it's breathing green" negates cyan, not breathing)."""
    sig = state.signature
    assert sig is not None
    said_colours = {c for s in desc.segments for c in s.colors}
    said_families = {kb.patterns[s.pattern].family for s in desc.segments if s.pattern}
    negated_colours = set(desc.negated_colors) - said_colours
    if negated_colours and sig.pattern != "sequence" and sig.colors and set(sig.colors) <= negated_colours:
        return True
    for negated in desc.negated_patterns:
        if kb.patterns[negated].family in said_families:
            continue
        family = kb.patterns[negated].family
        generic = negated == family or negated in {"blink", "breathe", "solid"}
        if sig.pattern == negated or (generic and kb.patterns[sig.pattern].family == family):
            return True
    return False


class LedNoMatchError(NotFoundError):
    """No documented LED state fits the description; ``suggestions`` are the nearest documented ones."""

    reference = "led.no-match"

    def __init__(self, message: str, suggestions: list[str], hint: str | None = None,
                 understood: dict[str, object] | None = None) -> None:
        near = "; ".join(f"'{s}'" for s in suggestions)
        super().__init__(message, hint or (
            f"Nearest documented descriptions: {near}. `pdiag led --list` shows every state."
            if suggestions else "Describe the colour and the pattern, e.g. 'blinking green', 'breathing cyan'."))
        self.suggestions = suggestions
        self.understood = understood

    def as_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {**super().as_dict(), "suggestions": self.suggestions, "understood": self.understood}


def suggestions(desc: Description, device: Device | None, kb: Knowledge, limit: int = 3) -> list[str]:
    """The documented descriptions nearest to ``desc``: each colour and pattern it names, scored on its own."""
    pool = kb.states_for(device) if device else tuple(s for s in kb.states if kb.devices_for(s))
    scored: dict[str, float] = {}
    singles = [replace(seg, colors=(c,), together=False, either=False)
               for seg in desc.segments for c in (seg.colors or (None,)) if c is not None] or list(desc.segments)
    for state in pool:
        if state.signature is None or state.kind == "other-led" or not state.documented:
            continue
        primary, _ = _keys(state.signature)
        best = max((_segment_score(seg, primary, kb, True)[0] for seg in singles), default=0.0)
        text = describe_signature(state.signature, kb)
        if best > scored.get(text, 0.0):
            scored[text] = best
    ranked = [t for t, s in sorted(scored.items(), key=lambda item: -item[1]) if s > 0]
    if len(ranked) < limit:
        import difflib

        texts = list(dict.fromkeys(describe_signature(s.signature, kb) for s in pool
                                   if s.signature is not None and s.kind in {"mode", "cloud-error"}))
        ranked += [t for t in difflib.get_close_matches(desc.text.lower(), texts, n=limit, cutoff=0.0)
                   if t not in ranked]
    return ranked[:limit]


def _other_led_candidates(desc: Description, pool: tuple[State, ...], status_dark: bool) -> list[tuple[str, float]]:
    """(state id, score) for descriptions of the small D7 or charge LEDs.

    The document ties a lit D7 LED to a dark status LED (missing bootloader) even when the status LED is not
    mentioned ("only the little blue light glows"); a charge LED is its own answer unless the status LED is
    said to be dark.
    """
    ids = {s.id for s in pool}
    said_dark = bool(desc.segments)
    out: list[tuple[str, float]] = []
    for other in desc.other_leds:
        if other.led == "d7":
            lit_steadily = other.pattern is None or other.dim or other.pattern in {"solid", "breathe"}
            if lit_steadily and status_dark and "no-status-led" in ids:
                out += [("no-status-led", 0.95), ("user-led-d7", 0.7)]
            else:
                out.append(("user-led-d7", 0.9))
                if status_dark and "no-status-led" in ids:
                    out.append(("no-status-led", 0.8))
        elif other.led == "charge":
            if status_dark and said_dark and "no-status-led" in ids:
                out += [("no-status-led", 0.95), ("charge-led", 0.8)]  # the status LED is what is wrong
            else:
                out.append(("charge-led", 0.9))
    return [(i, s) for i, s in out if i in ids]


def understand(text: str, device: str | Device | None, kb: Knowledge) -> tuple[Description, list[Candidate]]:
    """The observation read from ``text`` and the states it may mean (``match_description`` with its reading)."""
    d = _resolve_device(device, kb)
    desc = parse_description(text, kb, transitions(kb).long_hold_from_s)
    return desc, match_observation(desc, d, kb)


def match_description(text: str, device: str | Device | None, kb: Knowledge) -> list[Candidate]:
    """Every state the description may mean for ``device`` (all devices when None), best first.

    Raises UsageError for an empty description and LedNoMatchError (a NotFoundError, exit 11) when nothing
    documented fits.
    """
    return understand(text, device, kb)[1]


def match_observation(desc: Description, d: Device | None, kb: Knowledge) -> list[Candidate]:
    """``match_description`` for an observation already parsed (the guided session refines one)."""
    text = desc.text
    if not desc.segments and not desc.buttons and not desc.other_leds:
        raise LedNoMatchError(f"no colour, LED pattern or button recognised in '{text}'", suggestions(desc, d, kb),
                              understood=desc.explain(kb))
    pool = kb.states_for(d) if d else tuple(s for s in kb.states if kb.devices_for(s))
    by_id = {s.id: s for s in pool}
    any_count = any(s.count is not None for s in desc.segments)
    status_dark = all(s.pattern == "off" for s in desc.segments)  # nothing said of it, or said to be dark
    scores: dict[str, tuple[float, list[str]]] = {}

    if desc.other_leds:
        for sid, score in _other_led_candidates(desc, pool, status_dark):
            scores[sid] = (score, [f"the {desc.other_leds[0].led.upper()} LED is not the status LED"])
    status_segments = [s for s in desc.segments if s.pattern != "off"] if desc.other_leds else list(desc.segments)
    if status_segments:
        described = replace(desc, segments=tuple(status_segments))
        by_transition = _transition_scores(described, kb)
        strong_transition = any(score >= 0.8 for score, _ in by_transition.values())
        for state in pool:
            if state.signature is None or state.kind == "other-led" or _excluded(state, described, kb):
                continue
            if state.kind == "sos" and state.signature.code is not None and not any_count:
                continue  # without a blink count the generic SOS state stands for all codes
            score, why = _signature_score(described, state, kb)
            if state.id in by_transition and by_transition[state.id][0] >= score:
                score, tid = by_transition[state.id]
                why = [f"documented sequence ({tid})"]
            elif strong_transition and "the whole sequence from its start" not in why:
                score *= 0.9  # a documented transition explains the sequence better
            if desc.other_leds:
                score *= 0.9
            scores[state.id] = max(scores.get(state.id, (0.0, [])), (score, why), key=lambda o: o[0])

    linked = [sid for b in desc.buttons for sid in transitions(kb).states_for_button(b.action) if sid in by_id]
    if linked:
        if status_segments:
            for sid in list(scores):
                score, why = scores[sid]
                if sid in linked and "part of the sequence" not in why:
                    scores[sid] = (score + (1 - score) * 0.6, [*why, "fits the button action"])
                elif sid in linked:
                    pass  # the LED matched only a phase of the state's sequence: the button adds nothing
                else:
                    scores[sid] = (score * 0.8, why)
        elif not desc.other_leds:
            for rank, sid in enumerate(dict.fromkeys(linked)):
                scores[sid] = (0.8 - 0.05 * rank, [f"the document links {desc.buttons[0].text!r} to it"])

    ranked = []
    for order, state in enumerate(pool):
        if state.id not in scores:
            continue
        score, why = scores[state.id]
        if not state.documented and state.kind != "other-led":
            score *= 0.95  # prefer what the document says
        if state.kind == "procedure":
            score *= 0.95  # only seen while someone runs a button sequence
        if score >= _MIN_SCORE:
            devices = (d.id,) if d else tuple(x.id for x in kb.devices_for(state))
            ranked.append((round(score, 3), state.documented, -order,
                           Candidate(state, devices, round(score, 3), tuple(dict.fromkeys(why)))))
    if not ranked:
        where = f" on the {d.display}" if d else ""
        raise LedNoMatchError(f"no documented LED state{where} looks like '{text}'", suggestions(desc, d, kb),
                              understood=desc.explain(kb))
    ranked.sort(key=lambda item: item[:3], reverse=True)
    top = ranked[0][0]
    return [item[-1] for item in ranked if item[0] >= top - _WINDOW]


# -- describing ---------------------------------------------------------------------------------------------


def describe_step(step: SeqStep, kb: Knowledge) -> str:
    colour = kb.colours[step.color].label if step.color in kb.colours else (step.color or "")
    if step.action == "off":
        text = "off"
    elif step.action == "on":
        text = f"{'dim ' if step.brightness < 1 else ''}{colour}"
    elif step.action == "breathe":
        text = f"breathing {colour}"
    else:
        text = f"{kb.patterns[_step_pattern(step)].label} {colour}"
    if step.on_ms is not None and step.action in {"on", "off"}:
        text += f" {step.on_ms} ms"
    if step.times > 1:
        text += f" ×{step.times}"
    return text


def describe_signature(sig: Signature, kb: Knowledge) -> str:
    """A short human text: "breathing cyan", "SOS + 8 blinks", "blinking cyan, then 2 orange blinks"."""
    colours = " or ".join(kb.colours[c].label for c in sig.colors)
    if sig.pattern == "sos":
        return f"red SOS + {sig.code} blinks" if sig.code else "red SOS + N blinks"
    if sig.count is not None and sig.steps:
        first = describe_step(sig.steps[0], kb).split(" ×")[0]
        noun = "blink" if sig.count == 1 else "blinks"
        return f"{first}, then {sig.count} {colours} {noun}"
    if sig.pattern == "sequence":
        if sig.colors == ("rainbow",):
            return "rainbow colours"
        return " → ".join(describe_step(s, kb) for s in sig.steps)
    if sig.pattern == "off":
        return "off (dark)"
    return f"{kb.patterns[sig.pattern].label} {colours}".strip()

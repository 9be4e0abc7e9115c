"""Understand an LED description typed by a person and rank the knowledge states it may mean.

Pure: text and knowledge in, candidates out.  ``parse_description`` turns "blinks cyan then 2 orange" into
segments (colours, pattern, count); ``match_description`` scores every state of the device against them.
Several candidates with close scores are the honest answer to an ambiguous description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from particle_diag.errors import NotFoundError, UnsupportedError, UsageError
from particle_diag.knowledge.model import Device, Knowledge, SeqStep, Signature, State

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "once": 1, "twice": 2, "thrice": 3, "single": 1, "double": 2, "triple": 3,
}  # fmt: skip
_FAST = (
    "very fast",
    "super fast",
    "fast",
    "faster",
    "rapid",
    "rapidly",
    "quick",
    "quickly",
    "frantic",
    "frantically",
    "hurried",
    "hyper",
)
_SLOW = ("very slow", "slow", "slowly", "lazy", "lazily", "gently")
_SEPARATORS = re.compile(
    r"\s*(?:,|;|->|→|=>|\band then\b|\bthen\b|\bfollowed by\b|\bafter that\b|\bafterwards\b|\bnext\b)\s*"
)
_NOT_A_CODE = re.compile(r"^\s*(short|long|dots?|dashes?|quick|slow|fast)\b")

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
    ("breathe", "solid"): 0.3,
    ("slow-breathe", "solid"): 0.3,
    ("fast-breathe", "solid"): 0.2,
    ("solid", "breathe"): 0.2,
    ("solid", "slow-breathe"): 0.3,
}
_MIN_SCORE = 0.5
_WINDOW = 0.35  # candidates within this distance of the best one are shown


@dataclass(frozen=True)
class Segment:
    """One phase of a description: "blinking cyan", "2 orange"."""

    text: str
    colors: tuple[str, ...] = ()
    pattern: str | None = None
    count: int | None = None

    @property
    def empty(self) -> bool:
        return not self.colors and self.pattern is None and self.count is None


@dataclass(frozen=True)
class Description:
    text: str
    segments: tuple[Segment, ...]


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


# -- parsing --------------------------------------------------------------------------------------------------


def _vocabulary(kb: Knowledge) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    colours: dict[str, str] = {}
    for c in kb.colours.values():
        for word in (c.name, *c.synonyms, *c.css):
            colours.setdefault(word.lower(), c.name)
    patterns: dict[str, str] = {}
    for p in kb.patterns.values():
        for word in p.synonyms:
            patterns.setdefault(word.lower(), p.name)
    by_length = lambda item: -len(item[0])  # noqa: E731 - longest phrase first
    return sorted(colours.items(), key=by_length), sorted(patterns.items(), key=by_length)


def _find(text: str, phrases: list[tuple[str, str]]) -> tuple[list[tuple[int, str]], str]:
    """Positions and meanings of the phrases found; each match is blanked so shorter phrases cannot reuse it."""
    found = []
    for phrase, meaning in phrases:
        rx = re.compile(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z])")
        for m in rx.finditer(text):
            found.append((m.start(), meaning))
        text = rx.sub(lambda m: " " * len(m.group(0)), text)
    found.sort()
    return found, text


def _numbers(text: str) -> list[tuple[int, int, str]]:
    """(position, value, the text after it) for every number written with digits or words."""
    out = []
    for m in re.finditer(r"(?<![a-z0-9])(?:x\s*)?(\d{1,3})(?:\s*x)?(?![0-9])", text):
        out.append((m.start(), int(m.group(1)), text[m.end() :]))
    for word, value in _NUMBER_WORDS.items():
        for m in re.finditer(rf"(?<![a-z]){word}(?![a-z])", text):
            out.append((m.start(), value, text[m.end() :]))
    out.sort()
    return out


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words)


def _segment(text: str, kb: Knowledge, colours: list, patterns: list) -> Segment:
    found_colours, rest = _find(text, colours)
    found_patterns, rest = _find(rest, patterns)
    cols = tuple(dict.fromkeys(c for _, c in found_colours))
    names = [p for _, p in found_patterns]
    pattern = next((p for p in names if kb.patterns[p].family not in {"solid", "off"}), names[0] if names else None)
    family = kb.patterns[pattern].family if pattern else None
    speed = "fast" if _has_word(rest, _FAST) else "slow" if _has_word(rest, _SLOW) else None
    if speed and family in {"blink", "breathe"} and f"{speed}-{family}" in kb.patterns:
        pattern = f"{speed}-{family}"
    elif speed and pattern is None:
        pattern = f"{speed}-blink"
    nums = _numbers(rest)
    count = nums[-1][1] if nums else None
    if count is not None and pattern is None:
        pattern = "blink"  # "2 orange" counts blinks
    return Segment(text=text.strip(), colors=cols, pattern=pattern, count=count)


def parse_description(text: str, kb: Knowledge) -> Description:
    """Split a description into phases and read the colours, pattern and counts of each."""
    if not text or not text.strip():
        raise UsageError("empty LED description", "Describe the colour and the pattern, e.g. 'blinking green'.")
    norm = text.lower().replace("-", " ").replace("_", " ")
    norm = re.sub(r"[!?.()\"'`]", " ", norm)
    norm = re.sub(r"\bs\s*o\s*s\b", "sos", norm)
    colours, patterns = _vocabulary(kb)

    sos_words = [w for w, p in patterns if p == "sos"]
    if _has_word(norm, tuple(sos_words)):
        # One SOS segment: the code is the last number that is not describing the SOS itself ("3 short").
        found_colours, rest = _find(norm, colours)
        _, rest = _find(rest, patterns)
        codes = [v for _, v, after in _numbers(rest) if not _NOT_A_CODE.match(after)]
        cols = tuple(dict.fromkeys(c for _, c in found_colours)) or ("red",)
        return Description(text, (Segment(norm.strip(), cols, "sos", codes[-1] if codes else None),))

    parts: list[str] = []
    for chunk in _SEPARATORS.split(norm):
        pieces = re.split(r"\bafter\b", chunk)
        parts.extend(reversed(pieces))  # "2 orange blinks after cyan" happens after the cyan part
    segments = tuple(s for s in (_segment(p, kb, colours, patterns) for p in parts if p.strip()) if not s.empty)
    return Description(text, segments)


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


def _segment_score(seg: Segment, key: _Key, kb: Knowledge) -> tuple[float, list[str]]:
    why: list[str] = []
    if seg.colors:
        if set(seg.colors) & set(key.colors):
            c = 1.0
            why.append("colour " + "/".join(kb.colours[x].label for x in seg.colors if x in key.colors))
        elif set(seg.colors) & set(key.alt_colors):
            c = 0.6
            why.append("colour " + "/".join(x for x in seg.colors if x in key.alt_colors) + " (sometimes seen)")
        else:
            return 0.0, []
    else:
        c = 1.0 if not key.colors else 0.5
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


def _align(segments: tuple[Segment, ...], keys: list[_Key], kb: Knowledge) -> tuple[float, list[str]]:
    """Best in-order matching of description segments to signature parts (mean score over segments)."""
    n, m = len(segments), len(keys)
    # best[i][j]: best total using segments[i:] and keys[j:]
    best = [[(0.0, [])] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m, -1, -1):
            options = [best[i + 1][j]]  # segment i unmatched
            if j < m:
                options.append(best[i][j + 1])  # key j unused
                s, why = _segment_score(segments[i], keys[j], kb)
                if s > 0:
                    total, w = best[i + 1][j + 1]
                    options.append((total + s, why + w))
            best[i][j] = max(options, key=lambda o: o[0])
    total, why = best[0][0]
    return total / n, why


def _score(desc: Description, state: State, kb: Knowledge) -> tuple[float, list[str]]:
    sig = state.signature
    assert sig is not None
    primary, steps = _keys(sig)
    segments = desc.segments
    if len(segments) == 1:
        score, why = _segment_score(segments[0], primary, kb)
        if sig.count is not None and steps and steps[0].colors != primary.colors:
            score *= 0.95  # the phase before it (cyan) was not mentioned
        if steps:
            other = max(
                ((s * 0.7, w) for s, w in (_segment_score(segments[0], k, kb) for k in steps)),
                key=lambda o: o[0],
            )
            if other[0] > score:
                score, why = other[0], [*other[1], "part of the sequence"]
        return score, why
    score, why = _align(segments, steps or [primary], kb)
    if steps and score > 0:
        why = [*why, "sequence"]
    return score, why


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


def match_description(text: str, device: str | Device | None, kb: Knowledge) -> list[Candidate]:
    """Every state the description may mean for ``device`` (all devices when None), best first.

    Raises UsageError for an empty description and NotFoundError when nothing matches.
    """
    d = _resolve_device(device, kb)
    desc = parse_description(text, kb)
    if not desc.segments:
        raise NotFoundError(
            f"no colour or LED pattern recognised in '{text}'",
            "Describe the colour and the pattern, e.g. 'blinking green', 'breathing cyan', 'SOS then 8 blinks'.",
        )
    any_count = any(s.count is not None for s in desc.segments)
    pool = kb.states_for(d) if d else tuple(s for s in kb.states if kb.devices_for(s))
    scored = []
    for order, state in enumerate(pool):
        if state.signature is None:
            continue
        if state.kind == "sos" and state.signature.code is not None and not any_count:
            continue  # without a blink count the generic SOS state stands for all codes
        score, why = _score(desc, state, kb)
        if not state.documented:
            score *= 0.95  # prefer what the document says
        if state.kind == "procedure":
            score *= 0.95  # only seen while someone runs a button sequence
        if score >= _MIN_SCORE:
            devices = (d.id,) if d else tuple(x.id for x in kb.devices_for(state))
            scored.append(
                (
                    round(score, 3),
                    state.documented,
                    -order,
                    Candidate(state, devices, round(score, 3), tuple(dict.fromkeys(why))),
                )
            )
    if not scored:
        where = f" on the {d.display}" if d else ""
        raise NotFoundError(
            f"no LED state{where} matches '{text}'",
            "Describe the colour and the pattern, e.g. 'blinking green', 'breathing cyan', 'SOS then 8 blinks'.",
        )
    scored.sort(key=lambda item: item[:3], reverse=True)
    top = scored[0][0]
    return [c for s, _, _, c in scored if s >= top - _WINDOW]


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

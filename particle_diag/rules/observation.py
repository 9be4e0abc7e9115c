"""Free text about an LED -> a structured observation (pure; the words it knows are data).

"kept holding MODE after reset: it blinked magenta, then yellow, and now it's flashing green" becomes three
phases in time (blinking magenta, yellow, blinking green), a button action (MODE held while RESET was
pressed) and no negations; "solid green, not blinking or breathing" becomes one phase (solid green) with the
blinking and breathing patterns negated; "the little blue D7 light is on dimly" is about another LED.

The vocabulary is in particle_diag/knowledge/ (colors.toml, patterns.toml, language.toml); this module only
applies it, in this order: normalise, correct spelling, read hedges, split off clauses about other LEDs, read
button actions, read negations, then split what is left into phases in time and read each phase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from particle_diag.errors import UsageError
from particle_diag.knowledge.language import Language, language, transitions
from particle_diag.knowledge.model import Knowledge

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20,
    "once": 1, "twice": 2, "thrice": 3, "single": 1, "double": 2, "triple": 3,
}  # fmt: skip
_NOT_A_CODE = re.compile(r"^\s*(short|long|dots?|dashes?|quick|slow|fast|seconds?|minutes?)\b")
_BREAK = ";"  # what removed spans leave behind: a clause break that no word can join across


@dataclass(frozen=True)
class Segment:
    """One phase in time: "blinking cyan", "2 orange"."""

    text: str
    colors: tuple[str, ...] = ()
    pattern: str | None = None
    count: int | None = None
    either: bool = False  # colours joined by "or": the person is not sure which
    together: bool = False  # several colours shown at once or alternating ("green and purple stripes")

    @property
    def empty(self) -> bool:
        """Nothing a state can be told by (a bare number is not an observation)."""
        return not self.colors and self.pattern is None


@dataclass(frozen=True)
class ButtonAction:
    """What a person did with the buttons: ``action`` is tap, double-tap, hold, hold-long, both or reset."""

    action: str
    text: str
    seconds: float | None = None


@dataclass(frozen=True)
class OtherLed:
    """A clause about an LED that is not the status LED (``led``: d7 or charge)."""

    led: str
    text: str
    colors: tuple[str, ...] = ()
    pattern: str | None = None
    dim: bool = False


@dataclass(frozen=True)
class Description:
    text: str
    segments: tuple[Segment, ...]
    negated_colors: tuple[str, ...] = ()
    negated_patterns: tuple[str, ...] = ()
    buttons: tuple[ButtonAction, ...] = ()
    other_leds: tuple[OtherLed, ...] = ()
    status_named: bool = False  # the text names the status LED explicitly
    hedged: bool = False
    corrections: tuple[tuple[str, str], ...] = field(default=())  # (as typed, as read)
    repeating: bool = False  # "over and over"

    def explain(self, kb: Knowledge) -> dict[str, object]:
        """How the description was understood, for `pdiag led --explain` (JSON-ready)."""
        return {
            "phases": [
                {"colors": list(s.colors), "pattern": s.pattern, "count": s.count, "either": s.either,
                 "together": s.together, "text": s.text}
                for s in self.segments
            ],
            "sequence": len(self.segments) > 1,
            "negated": {"colors": list(self.negated_colors), "patterns": list(self.negated_patterns)},
            "buttons": [{"action": b.action, "seconds": b.seconds, "text": b.text} for b in self.buttons],
            "led": [o.led for o in self.other_leds] or ["status"],
            "other_leds": [{"led": o.led, "colors": list(o.colors), "pattern": o.pattern, "dim": o.dim,
                            "text": o.text} for o in self.other_leds],
            "hedged": self.hedged,
            "repeating": self.repeating,
            "corrections": [{"typed": a, "read": b} for a, b in self.corrections],
        }


# -- vocabulary ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    colours: tuple[tuple[str, str], ...]  # (phrase, colour), longest first
    patterns: tuple[tuple[str, str], ...]  # (phrase, pattern), longest first
    words: frozenset[str]  # every single word of the vocabulary (for spelling correction)
    fuzzy_targets: tuple[str, ...]  # single colour/pattern words a typo may be corrected to
    negated_off: tuple[str, ...]  # "off" phrases that contain a negation cue ("not lit", "no light")


def _longest_first(items: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(items.items(), key=lambda item: -len(item[0])))


_VOCABULARIES: dict[int, _Vocabulary] = {}


def _build_vocabulary(kb: Knowledge, lang: Language) -> _Vocabulary:
    colours: dict[str, str] = {}
    for c in kb.colours.values():
        for word in (c.name, *c.synonyms, *c.css):
            colours.setdefault(word.lower(), c.name)
    patterns: dict[str, str] = {}
    for p in kb.patterns.values():
        for word in p.synonyms:
            patterns.setdefault(word.lower(), p.name)
    cue_words = {w for cue in lang.negation_cues for w in cue.split()}
    negated_off = tuple(p for p, name in patterns.items()
                        if kb.patterns[name].family == "off" and set(p.split()) & cue_words)
    singles = {w for w in (*colours, *patterns) if " " not in w}
    vocab_words = {w for phrase in (*colours, *patterns) for w in phrase.split()}
    vocab_words |= {w for phrases in (lang.hedges, lang.negation_cues, lang.then_words, lang.and_words,
                                      lang.or_words, lang.alternating, lang.dim_words, lang.seconds_units,
                                      *lang.leds.values(), *lang.button_names.values(),
                                      *lang.button_verbs.values()) for p in phrases for w in p.split()}
    vocab_words |= set(NUMBER_WORDS) | {w for p in (*lang.fast, *lang.slow, *lang.long_hold) for w in p.split()}
    return _Vocabulary(_longest_first(colours), _longest_first(patterns), frozenset(vocab_words),
                       tuple(sorted(w for w in singles if len(w) >= lang.fuzzy_min_length)), negated_off)


def _vocabulary(kb: Knowledge) -> _Vocabulary:
    if id(kb) not in _VOCABULARIES:
        _VOCABULARIES[id(kb)] = _build_vocabulary(kb, language())
    return _VOCABULARIES[id(kb)]


# -- small text helpers --------------------------------------------------------------------------------------


def _phrase_rx(phrases: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """One regex for any of ``phrases`` as whole words, longest first."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9'])(?:{alternatives})(?![a-z0-9'])")


def _blank(text: str, start: int, end: int, fill: str = " ") -> str:
    """``text`` with [start, end) replaced by spaces (and ``fill`` in it when it fits): lengths stay the same."""
    width = end - start
    filler = (" " + fill).ljust(width) if fill.strip() and width >= 3 else " " * width
    return text[:start] + filler + text[end:]


def _edit_distance_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _find(text: str, phrases: tuple[tuple[str, str], ...]) -> tuple[list[tuple[int, str]], str]:
    """Positions and meanings of the phrases found; each match is blanked so shorter phrases cannot reuse it."""
    found = []
    for phrase, meaning in phrases:
        if phrase not in text:
            continue
        rx = re.compile(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z])")
        for m in rx.finditer(text):
            found.append((m.start(), meaning))
        text = rx.sub(lambda m: " " * len(m.group(0)), text)
    found.sort()
    return found, text


def numbers(text: str) -> list[tuple[int, int, str]]:
    """(position, value, the text after it) for every number written with digits or words."""
    out = []
    for m in re.finditer(r"(?<![a-z0-9.])(?:x\s*)?(\d{1,3})(?:\s*x)?(?![0-9])", text):
        out.append((m.start(), int(m.group(1)), text[m.end():]))
    for word, value in NUMBER_WORDS.items():
        for m in re.finditer(rf"(?<![a-z]){word}(?![a-z])", text):
            out.append((m.start(), value, text[m.end():]))
    out.sort()
    return out


def has_word(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words)


# -- the stages ------------------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    s = text.lower()
    s = s.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": ",", "–": ",", "…": "."}))
    s = re.sub(r"\bs\s*\.?\s*o\s*\.?\s*s\b", "sos", s)
    s = re.sub(r"(\d)\s*(?:s|secs?|seconds?)\b", r"\1 seconds", s)
    s = s.replace("->", " → ").replace("=>", " → ")
    s = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", s).replace("_", " ")
    s = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", s)  # quotes, not apostrophes inside words
    s = re.sub(r"[!?()\"`*]", " ", s)
    s = re.sub(r"\s*([,;:.])(?!\d)\s*", r" \1 ", s)
    return f" {' '.join(s.split())} "


def _correct_spelling(text: str, kb: Knowledge, lang: Language) -> tuple[str, list[tuple[str, str]]]:
    vocab = _vocabulary(kb)
    corrections: list[tuple[str, str]] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if word in lang.spelling:
            corrections.append((word, lang.spelling[word]))
            return lang.spelling[word]
        if len(word) >= lang.fuzzy_min_length and word not in vocab.words and word not in lang.keep:
            for target in vocab.fuzzy_targets:
                if target[0] == word[0] and _edit_distance_one(word, target):
                    corrections.append((word, target))
                    return target
        return word

    return re.sub(r"[a-z']+", fix, text), corrections


def _read_hedges(text: str, kb: Knowledge, lang: Language) -> tuple[str, bool]:
    hedged = False
    colour_words = {p for p, _ in _vocabulary(kb).colours if " " not in p}

    def stem(m: re.Match[str]) -> str:
        nonlocal hedged
        word, base = m.group(0), m.group(1)
        for candidate in (base, base + "e", base[:-1] if len(base) > 2 and base[-1] == base[-2] else base):
            if candidate in colour_words and word not in colour_words:
                hedged = True
                return candidate
        return word

    suffixes = "|".join(sorted(lang.hedge_suffixes, key=len, reverse=True))
    text = re.sub(rf"\b([a-z]+?)(?:{suffixes})\b", stem, text)
    rx = _phrase_rx(lang.hedges)
    if rx.search(text):
        hedged = True
        text = rx.sub(lambda m: " " * len(m.group(0)), text)
    return text, hedged


def _clauses(text: str, lang: Language) -> list[tuple[int, int]]:
    """(start, end) of each clause: text between clause breaks."""
    rx = re.compile("|".join(re.escape(b) for b in sorted(lang.clause_breaks, key=len, reverse=True)))
    spans, start = [], 0
    for m in rx.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _read_other_leds(text: str, kb: Knowledge, lang: Language) -> tuple[str, list[OtherLed], bool]:
    """Clauses naming another LED are read as that LED's and removed from the status LED's text."""
    vocab = _vocabulary(kb)
    others: list[OtherLed] = []
    status_rx = _phrase_rx(lang.leds["status"])
    status_named = bool(re.search(r"(?<![a-z])status(?![a-z])|rgb", text))
    rxs = {led: _phrase_rx(lang.leds[led]) for led in ("d7", "charge")}
    for start, end in reversed(_clauses(text, lang)):
        clause = text[start:end]
        led = next((name for name, rx in rxs.items() if rx.search(clause)), None)
        if led is None or status_rx.search(rxs[led].sub(" ", clause)):
            continue  # no other LED here, or it names the status LED too ("the status LED next to D7")
        rest = rxs[led].sub(" ", clause)
        found_colours, rest = _find(rest, vocab.colours)
        found_patterns, _ = _find(rest, vocab.patterns)
        pattern = next((p for _, p in found_patterns if kb.patterns[p].family != "solid"),
                       found_patterns[0][1] if found_patterns else None)
        others.insert(0, OtherLed(led, " ".join(clause.split()), tuple(dict.fromkeys(c for _, c in found_colours)),
                                  pattern, has_word(clause, lang.dim_words)))
        text = _blank(text, start, end, _BREAK)
    text = status_rx.sub(lambda m: " " * len(m.group(0)), text)
    return text, others, status_named


def _read_buttons(text: str, lang: Language, long_from_s: float) -> tuple[str, list[ButtonAction]]:
    """Button mentions with the action word before them (and "twice" or a duration after them)."""
    names = {kind: _phrase_rx(phrases) for kind, phrases in lang.button_names.items()}
    mentions: list[tuple[int, int, str]] = []
    taken = text
    for kind in ("both", "system", "reset"):  # longest meaning first: "mode and reset" is both
        for m in names[kind].finditer(taken):
            mentions.append((m.start(), m.end(), kind))
        taken = names[kind].sub(lambda m: " " * len(m.group(0)), taken)
    if not mentions:
        return text, []
    mentions.sort()
    verbs = {kind: _phrase_rx(phrases) for kind, phrases in lang.button_verbs.items()}
    unit = "|".join(re.escape(u) for u in lang.seconds_units)
    number = "|".join([r"\d+(?:\.\d+)?", *NUMBER_WORDS])
    after_rx = re.compile(rf"^\s*(?:buttons?\s*)?(?:down\s*)?(?:(twice)|(?:for\s+)?(?:about\s+|around\s+|over\s+|"
                          rf"more than\s+|like\s+|~\s*)?({number})\s*(?:{unit})\b)?")
    actions: list[ButtonAction] = []
    spans: list[tuple[int, int]] = []
    previous_end = 0
    for start, end, kind in mentions:
        window_start = max(previous_end, _word_start(text, start, 5))
        window = text[window_start:start]
        tail = after_rx.match(text[end:])
        tail_end = end + (tail.end() if tail else 0)
        seconds = None
        if tail and tail.group(2):
            value = tail.group(2)
            seconds = float(NUMBER_WORDS.get(value, 0) or value)
        long_rx = _phrase_rx(lang.long_hold)
        if seconds is None and (long_match := long_rx.match(text[tail_end:].lstrip())) is not None:
            seconds = long_from_s  # "held MODE a long time"
            tail_end = len(text) - len(text[tail_end:].lstrip()) + long_match.end()
        found = [(m.start(), k) for k, rx in verbs.items() for m in rx.finditer(window)]
        verb_start = min((p for p, _ in found), default=len(window))
        kinds = {k for _, k in found}
        if (tail and tail.group(1)) or "double" in kinds:
            action = "double-tap"
        elif "hold" in kinds:
            action = "hold-long" if seconds is not None and seconds >= long_from_s else "hold"
        else:
            action = "tap"
        actions.append(ButtonAction(f"{kind}:{action}", " ".join(text[window_start + verb_start:tail_end].split()),
                                    seconds))
        spans.append((window_start + verb_start, tail_end))
        previous_end = tail_end
    for start, end in reversed(spans):
        text = _blank(text, start, end, _BREAK)
    return text, _combine_buttons(actions)


def _word_start(text: str, position: int, words: int) -> int:
    """Where the ``words`` words before ``position`` start."""
    before = text[:position]
    matches = list(re.finditer(r"\S+", before))
    return matches[-words].start() if len(matches) >= words else 0


def _combine_buttons(raw: list[ButtonAction]) -> list[ButtonAction]:
    """MODE held while RESET is pressed is one action ("both"); otherwise each button keeps its own."""
    kinds = {a.action.split(":")[0]: a for a in raw}
    texts = "; ".join(a.text for a in raw)
    system = kinds.get("system")
    if "both" in kinds or (system is not None and "reset" in kinds and system.action.endswith(("hold", "hold-long"))):
        return [ButtonAction("both", texts)]
    if "both" not in kinds and system is None and "reset" in kinds:
        return [ButtonAction("reset", kinds["reset"].text)]
    out = []
    for a in raw:
        kind, action = a.action.split(":")
        if kind == "system":
            out.append(ButtonAction(action, a.text, a.seconds))
        elif kind == "reset" and system is not None:
            out.append(ButtonAction("reset", a.text))
    return out


def _read_negations(text: str, kb: Knowledge, lang: Language) -> tuple[str, list[str], list[str]]:
    """Colours and patterns inside a negation's scope (to the end of its clause or phase) are negated."""
    vocab = _vocabulary(kb)
    # "not lit", "no light": these mean off, they are not negations.
    text = _phrase_rx(vocab.negated_off).sub(lambda m: "unlit".ljust(len(m.group(0))), text) \
        if vocab.negated_off else text
    cue_rx = _phrase_rx(lang.negation_cues)
    ends = [b for b in lang.clause_breaks] + [f" {w} " for w in (*lang.then_words, *lang.after_words)]
    end_rx = re.compile("|".join(re.escape(e) for e in sorted(ends, key=len, reverse=True)))
    colours: list[str] = []
    patterns: list[str] = []
    position = 0
    while (m := cue_rx.search(text, position)) is not None:
        stop = end_rx.search(text, m.end() - 1)
        scope_end = stop.start() if stop else len(text)
        scope = text[m.end():scope_end]
        found_colours, rest = _find(scope, vocab.colours)
        found_patterns, _ = _find(rest, vocab.patterns)
        colours += [c for _, c in found_colours]
        patterns += [p for _, p in found_patterns]
        if found_colours or found_patterns or has_word(scope, (*lang.fast, *lang.slow)):  # "not fast": no speed
            text = _blank(text, m.start(), scope_end)
        position = m.end()
    return text, list(dict.fromkeys(colours)), list(dict.fromkeys(patterns))


def _phases(text: str, lang: Language, kb: Knowledge) -> list[tuple[str, bool, bool]]:
    """Split into phases in time order: (text, colours joined by "or", separated from the previous phase by
    punctuation only).  "B after A" is turned around first, then each part is split at "then", commas and
    the like; "blinks green and breathes cyan" is two phases, "green and purple" one phase of two colours."""
    vocab = _vocabulary(kb)
    then_rx = re.compile(r"(\s*(?:[,;:.]|" + "|".join(
        rf"(?<![a-z]){re.escape(w)}(?![a-z])" for w in sorted(lang.then_words, key=len, reverse=True)) + r")\s*)")
    after_rx = _phrase_rx(lang.after_words)
    and_rx = _phrase_rx(lang.and_words)
    or_rx = _phrase_rx(lang.or_words)
    parts: list[tuple[str, bool]] = []
    for piece in reversed(after_rx.split(text)):  # "2 orange blinks after cyan" happens after the cyan part
        soft = False
        for chunk in then_rx.split(piece):
            if then_rx.fullmatch(chunk):
                soft = not chunk.strip(" ,;:.")
                continue
            halves = and_rx.split(chunk)
            if len(halves) > 1 and all(_find(h, vocab.patterns)[0] and _find(h, vocab.colours)[0] for h in halves):
                parts.extend((h, soft if i == 0 else False) for i, h in enumerate(halves))
            else:
                parts.append((chunk, soft))
            soft = False
    return [(p, bool(or_rx.search(p)), soft) for p, soft in parts if p.strip(" ;,.:")]


def _segment(text: str, either: bool, kb: Knowledge) -> Segment:
    vocab = _vocabulary(kb)
    found_colours, rest = _find(text, vocab.colours)
    found_patterns, rest = _find(rest, vocab.patterns)
    cols = tuple(dict.fromkeys(c for _, c in found_colours))
    names = [p for _, p in found_patterns]
    pattern = next((p for p in names if kb.patterns[p].family not in {"solid", "off"}), names[0] if names else None)
    family = kb.patterns[pattern].family if pattern else None
    lang = language()
    speed = "fast" if has_word(rest, lang.fast) else "slow" if has_word(rest, lang.slow) else None
    if speed and family in {"blink", "breathe"} and f"{speed}-{family}" in kb.patterns:
        pattern = f"{speed}-{family}"
    elif speed and pattern is None:
        pattern = f"{speed}-blink"
    nums = [(p, v, after) for p, v, after in numbers(rest) if not _NOT_A_CODE.match(after)]
    count = nums[-1][1] if nums else None
    if count is not None and pattern is None and cols:
        pattern = "blink"  # "2 orange" counts blinks
    together = len(cols) > 1 and not either
    return Segment(" ".join(text.split()), cols, pattern, count, either and len(cols) > 1, together)


def parse_description(text: str, kb: Knowledge, long_hold_from_s: float | None = None) -> Description:
    """Read a description into phases, negations, button actions and other LEDs.  A button held at least
    ``long_hold_from_s`` is a long hold (default: the knowledge base's transitions.toml)."""
    if not text or not text.strip():
        raise UsageError("empty LED description", "Describe the colour and the pattern, e.g. 'blinking green'.")
    lang = language()
    norm = _normalise(text)
    norm, corrections = _correct_spelling(norm, kb, lang)
    norm, hedged = _read_hedges(norm, kb, lang)
    norm, others, status_named = _read_other_leds(norm, kb, lang)
    if long_hold_from_s is None:
        long_hold_from_s = transitions(kb).long_hold_from_s
    norm, buttons = _read_buttons(norm, lang, long_hold_from_s)
    norm, neg_colours, neg_patterns = _read_negations(norm, kb, lang)
    repeat_rx = _phrase_rx(lang.repeat)
    repeating = bool(repeat_rx.search(norm))
    norm = repeat_rx.sub(lambda m: " " * len(m.group(0)), norm)
    vocab = _vocabulary(kb)
    details = dict(negated_colors=tuple(neg_colours), negated_patterns=tuple(neg_patterns), buttons=tuple(buttons),
                   other_leds=tuple(others), status_named=status_named, hedged=hedged,
                   corrections=tuple(corrections), repeating=repeating)

    sos_words = tuple(w for w, p in vocab.patterns if p == "sos")
    if has_word(norm, sos_words):
        # One SOS segment: the code is the last number that is not describing the SOS itself ("3 short").
        found_colours, rest = _find(norm, vocab.colours)
        _, rest = _find(rest, vocab.patterns)
        codes = [v for _, v, after in numbers(rest) if not _NOT_A_CODE.match(after)]
        cols = tuple(dict.fromkeys(c for _, c in found_colours)) or ("red",)
        segment = Segment(" ".join(norm.split()), cols, "sos", codes[-1] if codes else None)
        return Description(text, (segment,), **details)  # type: ignore[arg-type]

    segments: list[Segment] = []
    for part, either, soft in _phases(norm, lang, kb):
        segment = _segment(part, either, kb)
        if segment.empty:
            continue
        previous = segments[-1] if segments else None
        if previous is not None and soft and _complementary(previous, segment, hedged):
            segments[-1] = _merge(previous, segment, hedged)
            continue
        if segment.pattern is None and previous is not None and previous.pattern is not None and segment.colors:
            # "it blinked magenta, then yellow": a bare colour in a sequence keeps the pattern before it, and
            # "blinked magenta, green and cyan" is a list of phases, not colours shown together
            segments.extend(replace(segment, colors=(c,), together=False, pattern=previous.pattern,
                                    text=f"{previous.pattern} {c}") for c in segment.colors)
            continue
        segments.append(segment)
    if hedged:  # "orange (could be yellow?)": colours named with a hedge are alternatives
        segments = [replace(s, either=True, together=False) if s.together else s for s in segments]
    negated_families = {kb.patterns[p].family for p in neg_patterns}
    if negated_families & {"blink", "breathe"}:
        # "green, not blinking": what is left of a lit LED is a steady light
        segments = [replace(s, pattern="solid") if s.pattern is None and s.colors else s for s in segments]
    return Description(text, tuple(segments), **details)  # type: ignore[arg-type]


def _complementary(previous: Segment, segment: Segment, hedged: bool) -> bool:
    """Two comma-separated halves of one observation: "yellow, blinking"; "blue blinking, slow"; "bluish,
    maybe cyan" (hedged)."""
    if not previous.colors and previous.pattern and segment.colors and segment.pattern is None:
        return True
    if (previous.pattern and segment.pattern and not segment.colors and segment.count is None
            and segment.pattern.split("-")[-1] == previous.pattern.split("-")[-1]):
        return True  # the same pattern told more precisely ("blinking, slow")
    if previous.colors and segment.pattern and not segment.colors and segment.count is None:
        return previous.pattern is None or previous.pattern == "solid" or segment.pattern == "solid"
    return hedged and bool(previous.colors) and bool(segment.colors) and segment.pattern is None


def _merge(previous: Segment, segment: Segment, hedged: bool) -> Segment:
    colours = tuple(dict.fromkeys((*previous.colors, *segment.colors)))
    either = previous.either or segment.either or (hedged and bool(previous.colors) and bool(segment.colors))
    return Segment(f"{previous.text}, {segment.text}", colours, segment.pattern or previous.pattern,
                   previous.count if previous.count is not None else segment.count, either and len(colours) > 1,
                   len(colours) > 1 and not either)

"""LED signatures as light over time, for drawing the LED in a terminal (pure).

Timings come from ``patterns.toml`` (Device OS's led_service.cpp and panic.c): a blink is on for the first half
of its period; a breath starts at full brightness, fades linearly to dark at half its period and comes back; an
SOS is three short, three long, three short blinks and then ``code`` blinks, twice.  A signature with ``steps``
plays them in order (the document's device-animation grammar: on / off / blink / breathe, with times).
"""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.catalog import timeouts
from particle_diag.knowledge.model import Knowledge, Pattern, SeqStep, Signature

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Phase:
    """A stretch of time with one colour (None = dark); ``fade`` phases breathe over their duration."""

    duration_ms: int
    rgb: RGB | None
    fade: bool = False
    brightness: float = 1.0


@dataclass(frozen=True)
class Frame:
    t_ms: int
    rgb: RGB | None


def _kb(kb: Knowledge | None) -> Knowledge:
    if kb is not None:
        return kb
    from particle_diag.knowledge import load

    return load()


def colour_rgb(name: str | None, kb: Knowledge) -> RGB | None:
    if name is None:
        return None
    if name.startswith("#"):
        return int(name[1:3], 16), int(name[3:5], 16), int(name[5:7], 16)
    return kb.colours[name].rgb


def _blink_times(pattern: Pattern, period_ms: int | None) -> tuple[int, int]:
    if period_ms is not None:
        return period_ms // 2, period_ms - period_ms // 2
    return int(pattern.on_ms or 100), int(pattern.off_ms or pattern.on_ms or 100)


def _sos(pattern: Pattern, code: int, rgb: RGB | None) -> list[Phase]:
    t = pattern.timing
    phases: list[Phase] = []

    def blinks(n: int, on: int, off: int) -> None:
        for _ in range(n):
            phases.extend((Phase(on, rgb), Phase(off, None)))

    for _ in range(int(t.get("repeats", 2))):
        blinks(3, t["short_on_ms"], t["short_off_ms"])
        phases.append(Phase(t["gap_ms"], None))
        blinks(3, t["long_on_ms"], t["long_off_ms"])
        phases.append(Phase(t["gap_ms"], None))
        blinks(3, t["short_on_ms"], t["short_off_ms"])
        phases.append(Phase(t["pause_ms"], None))
        blinks(code, t["code_on_ms"], t["code_off_ms"])
        phases.append(Phase(t["after_code_ms"], None))
    return phases


def _step_phases(step: SeqStep, kb: Knowledge) -> list[Phase]:
    rgb = colour_rgb(step.color, kb)
    if step.action == "on":
        return [Phase(step.on_ms or 1000, rgb, brightness=step.brightness)] * step.times
    if step.action == "off":
        return [Phase(step.on_ms or 1000, None)] * step.times
    if step.action == "breathe":
        period = step.on_ms or int(kb.patterns["breathe"].period_ms or 4000)
        return [Phase(period, rgb, fade=True, brightness=step.brightness)] * step.times
    blink = kb.patterns["blink"]
    on = step.on_ms or int(blink.on_ms or 100)
    off = step.off_ms or step.on_ms or int(blink.off_ms or on)
    return [Phase(on, rgb, brightness=step.brightness), Phase(off, None)] * step.times


def timeline(signature: Signature, kb: Knowledge | None = None) -> list[Phase]:
    """One full cycle of the signature as phases (the animation repeats it)."""
    kb = _kb(kb)
    if signature.steps and signature.pattern != "sos":
        return [p for s in signature.steps for p in _step_phases(s, kb)]
    pattern = kb.patterns[signature.pattern]
    rgb = colour_rgb(signature.colors[0], kb) if signature.colors else None
    if pattern.family == "solid":
        return [Phase(1000, rgb)]
    if pattern.family == "off":
        return [Phase(1000, None)]
    if pattern.family == "blink":
        on, off = _blink_times(pattern, signature.period_ms)
        return [Phase(on, rgb), Phase(off, None)]
    if pattern.family == "breathe":
        return [Phase(signature.period_ms or int(pattern.period_ms or 4000), rgb, fade=True)]
    if pattern.family == "sos":
        return _sos(pattern, signature.code or 1, rgb or colour_rgb("red", kb))
    raise ValueError(f"pattern {signature.pattern} needs steps")


def cycle_ms(signature: Signature, kb: Knowledge | None = None) -> int:
    return sum(p.duration_ms for p in timeline(signature, kb))


def _level(phase: Phase, offset_ms: float) -> float:
    if not phase.fade:
        return phase.brightness
    return phase.brightness * abs(1.0 - 2.0 * offset_ms / phase.duration_ms)


def colour_at(phases: list[Phase], t_ms: int) -> RGB | None:
    """The LED colour ``t_ms`` into a looping timeline (None = dark)."""
    total = sum(p.duration_ms for p in phases)
    if total <= 0:
        return None
    pos = t_ms % total
    for phase in phases:
        if pos < phase.duration_ms:
            if phase.rgb is None:
                return None
            level = _level(phase, pos)
            if level <= 0:
                return None
            return tuple(round(c * level) for c in phase.rgb)  # type: ignore[return-value]
        pos -= phase.duration_ms
    return None


def frames(signature: Signature, duration_ms: int, step_ms: int = timeouts.LED_FRAME_MS,
           kb: Knowledge | None = None) -> list[Frame]:
    """The LED sampled every ``step_ms`` for ``duration_ms`` (looping): [(t_ms, rgb or None), ...]."""
    if step_ms <= 0:
        raise ValueError("step_ms must be positive")
    phases = timeline(signature, kb)
    return [Frame(t, colour_at(phases, t)) for t in range(0, duration_ms, step_ms)]

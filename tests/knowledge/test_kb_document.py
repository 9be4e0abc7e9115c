"""The knowledge covers the source document exactly, device by device.

The document's Handlebars conditionals are evaluated with each device's flags from devices.toml; each device
must get exactly the sections (and, section by section, the LED animations) the rendered page gives it.
"""

from __future__ import annotations

import pytest

from particle_diag.knowledge import Knowledge, SeqStep, Signature, State
from particle_diag.rules.led import match_description
from tests.knowledge import doctemplate as dt

DOC_DEVICES = ("boron", "photon", "electron", "argon", "xenon", "tracker-som")


def _page(template: dt.Template, kb: Knowledge, device: str) -> list[dt.Section]:
    return dt.sections(dt.render(template, kb.device(device).flags))


def _kb_sections(kb: Knowledge, device: str) -> set[tuple[str, str]]:
    return {(s.group, s.section) for s in kb.states_for(device) if s.section}


def test_document_devices_and_flags_are_known(template, kb):
    assert template.devices == DOC_DEVICES
    assert {d.id for d in kb.document_devices()} == set(DOC_DEVICES)
    unknown = template.flags() - set(kb.flags)
    assert not unknown, f"flags used by the document but not declared in devices.toml: {unknown}"


@pytest.mark.parametrize("device", DOC_DEVICES)
def test_each_device_gets_exactly_the_documents_sections(template, kb, device):
    page = {(s.group, s.title) for s in _page(template, kb, device)}
    assert _kb_sections(kb, device) == page


@pytest.mark.parametrize("device", DOC_DEVICES)
def test_each_device_gets_exactly_the_documents_groups(template, kb, device):
    groups = {s.group for s in _page(template, kb, device)}
    assert {s.group for s in kb.states_for(device)} == groups


def test_sections_differ_between_devices_as_the_document_says(kb):
    only = lambda section: {d for d in DOC_DEVICES if any(s.section == section for s in kb.states_for(d))}  # noqa: E731
    assert only("Soft power off") == {"electron"}
    assert only("Wi-Fi Network Reset") == {"photon"}
    assert only("Network Reset (fast blinking blue)") == {"boron", "argon", "xenon", "tracker-som"}
    assert only("Cellular Signal Strength") == {"boron", "electron"}
    assert only("Factory Reset") == {"boron", "argon", "xenon"}
    assert only("Connected to Cellular - Tracker") == {"tracker-som"}
    assert only("Cellular Off") == {"boron", "electron", "tracker-som"}
    assert only("Wi-Fi Off") == {"photon", "argon"}


# -- animations ---------------------------------------------------------------------------------------------


def _colour(css: str, kb: Knowledge) -> tuple[str, float]:
    """A document colour (CSS name, #hex, rgba()) as (knowledge colour or hex, brightness)."""
    css = css.strip()
    if css.startswith("#"):
        return css.lower(), 1.0
    if css.startswith("rgba("):
        r, g, b, a = (float(x) for x in css[5:-1].split(","))
        name = next(c.name for c in kb.colours.values() if c.rgb == (int(r), int(g), int(b)))
        return name, a
    return next(c.name for c in kb.colours.values() if css in c.css), 1.0


def _phrase_step(text: str, kb: Knowledge) -> SeqStep:
    p = dt.phrase(text)
    colour, brightness = _colour(p.color, kb) if p.color and p.action != "off" else (None, 1.0)
    return SeqStep(p.action, colour, p.on_ms, p.off_ms, p.times, brightness)


def _blink_pattern(on_ms: int | None) -> str:
    if on_ms is None:
        return "blink"
    return "fast-blink" if on_ms <= 50 else "slow-blink" if on_ms >= 250 else "blink"


def _matches(anim: dt.Animation, sig: Signature, kb: Knowledge) -> bool:
    family = kb.patterns[sig.pattern].family
    if anim.name == "pattern":
        steps = tuple(_phrase_step(str(p), kb) for p in anim.params)
        if sig.steps:
            return steps == sig.steps
        if len(steps) != 1:
            return False
        step = steps[0]
        wanted = {"on": "solid", "breathe": "breathe", "blink": "blink", "off": "off"}[step.action]
        return family == wanted and step.color in sig.colors
    colour = _colour(str(anim.params[0]), kb)[0] if anim.params and anim.name != "sos" else None
    if anim.name == "breathe":
        return family == "breathe" and colour in sig.colors
    if anim.name == "blink":
        pattern = _blink_pattern(anim.params[1] if len(anim.params) > 1 else None)  # type: ignore[arg-type]
        return colour in sig.colors and (sig.pattern == pattern or pattern in sig.alt_patterns)
    if anim.name == "sos":
        code = anim.params[0] if anim.params else 1
        return sig.pattern == "sos" and sig.code == code
    raise AssertionError(f"unknown animation {anim.name}")


def _states_in(kb: Knowledge, device: str, section: dt.Section) -> list[State]:
    return [s for s in kb.states_for(device) if (s.group, s.section) == (section.group, section.title) and s.signature]


@pytest.mark.parametrize("device", DOC_DEVICES)
def test_every_animation_of_the_document_is_a_state_signature(template, kb, device):
    missing = []
    for section in _page(template, kb, device):
        candidates = _states_in(kb, device, section)
        for anim in section.animations:
            if not any(_matches(anim, s.signature, kb) for s in candidates):  # type: ignore[arg-type]
                missing.append((section.title, anim))
    assert not missing


def _words(anim: dt.Animation, kb: Knowledge) -> str | None:
    """How a person would describe a document animation (None for multi-step patterns)."""
    if anim.name == "sos":
        return f"SOS then {anim.params[0] if anim.params else 1} blinks"
    if anim.name == "pattern":
        if len(anim.params) != 1:
            return None
        step = _phrase_step(str(anim.params[0]), kb)
        speed = "fast " if step.action == "breathe" and step.on_ms and step.on_ms <= 1000 else ""
        verb = {"on": "solid", "breathe": f"{speed}breathing", "blink": "blinking"}[step.action]
        return f"{verb} {kb.colours[step.color].label}"
    colour = kb.colours[_colour(str(anim.params[0]), kb)[0]].label
    if anim.name == "breathe":
        return f"breathing {colour}"
    speed = {"blink": "", "fast-blink": "fast ", "slow-blink": "slow "}[
        _blink_pattern(anim.params[1] if len(anim.params) > 1 else None)  # type: ignore[arg-type]
    ]
    return f"{speed}blinking {colour}"


@pytest.mark.parametrize("device", DOC_DEVICES)
def test_describing_each_animation_in_words_finds_its_state(template, kb, device):
    """Colour plus pattern of every animation of the page, typed as words, resolves to the section's state."""
    for section in _page(template, kb, device):
        for anim in section.animations:
            words = _words(anim, kb)
            if words is None:
                continue
            expected = {s.id for s in _states_in(kb, device, section) if _matches(anim, s.signature, kb)}  # type: ignore[arg-type]
            candidates = match_description(words, device, kb)
            best = candidates[0].score
            near = {c.state.id for c in candidates if c.score >= best - 0.1}
            assert expected & near, (
                device,
                section.title,
                words,
                [(c.state.id, c.score) for c in candidates],
            )
            if all(kb.state(e).kind not in {"procedure"} for e in expected):
                top = {c.state.id for c in candidates if c.score == best}
                assert expected & top, (device, words, [(c.state.id, c.score) for c in candidates])

"""LED timing: Device OS periods, the document's blink defaults, SOS timing."""

from __future__ import annotations

from particle_diag.knowledge import SeqStep, Signature
from particle_diag.rules.animation import colour_at, cycle_ms, frames, timeline

CYAN = (0, 255, 255)
RED = (255, 0, 0)


def test_patterns_have_device_os_periods(kb):
    assert (kb.patterns["blink"].on_ms, kb.patterns["blink"].off_ms, kb.patterns["blink"].period_ms) == (
        100,
        100,
        200,
    )
    assert kb.patterns["fast-blink"].period_ms == 100 and kb.patterns["slow-blink"].period_ms == 500
    assert kb.patterns["breathe"].period_ms == 4000 and kb.patterns["fast-breathe"].period_ms == 1000
    assert kb.patterns["slow-breathe"].period_ms == 8000


def test_blink_is_on_for_the_first_half(kb):
    sig = kb.state("connecting-to-cloud").signature
    f = frames(sig, 400, 50, kb)
    assert [x.rgb for x in f] == [CYAN, CYAN, None, None] * 2
    assert cycle_ms(sig, kb) == 200


def test_listening_mode_blinks_slowly(kb):
    sig = kb.state("listening-mode").signature
    assert [(p.duration_ms, p.rgb) for p in timeline(sig, kb)] == [(250, (0, 0, 255)), (250, None)]


def test_breathing_fades_linearly_over_four_seconds(kb):
    sig = kb.state("connected").signature
    phases = timeline(sig, kb)
    assert cycle_ms(sig, kb) == 4000
    assert colour_at(phases, 0) == CYAN
    assert colour_at(phases, 1000) == (0, 128, 128)
    assert colour_at(phases, 2000) is None
    assert colour_at(phases, 3000) == (0, 128, 128)
    assert colour_at(phases, 4000) == CYAN


def test_tracker_red_breathes_every_500_ms(kb):
    assert cycle_ms(kb.state("tracker-connecting-cellular").signature, kb) == 500


def test_sos_timing(kb):
    sig = kb.state("sos-out-of-heap").signature
    phases = timeline(sig, kb)
    once = 3 * 250 + 100 + 3 * 400 + 100 + 3 * 250 + 900 + 8 * 600 + 800
    assert cycle_ms(sig, kb) == 2 * once
    lit = [p.duration_ms for p in phases if p.rgb == RED]
    assert lit[:9] == [150] * 3 + [300] * 3 + [150] * 3
    assert lit[9:17] == [300] * 8
    assert len(lit) == 2 * 17


def test_sequences_follow_their_steps(kb):
    sig = kb.state("cloud-error-orange-2").signature
    phases = timeline(sig, kb)
    orange = [p for p in phases if p.rgb == (255, 96, 0)]
    assert [p.duration_ms for p in orange] == [250, 250]
    assert cycle_ms(sig, kb) == 15 * 200 + 2 * 500
    power_up = kb.state("power-up-cellular").signature
    assert cycle_ms(power_up, kb) == 1000 + 1000 + 16 * 200 + 8 * 200 + 3 * 4000 + 1000
    reset = kb.state("factory-reset-gen3").signature
    fast = [p.duration_ms for p in timeline(reset, kb) if p.rgb == (255, 255, 255)]
    assert fast == [50] * 20


def test_dim_steps_and_hex_colours(kb):
    strength = timeline(kb.state("cellular-signal-strength").signature, kb)
    assert strength[0].brightness == 0.4 and colour_at(strength, 0) == (0, 102, 0)
    nyan = timeline(kb.state("nyan").signature, kb)
    assert [p.rgb for p in nyan][:2] == [(0, 0, 0xF3), (0, 0xF3, 0)]


def test_frames_accept_ad_hoc_signatures(kb):
    sig = Signature(colors=("white",), pattern="sequence", steps=(SeqStep("blink", "white", 50, 50, 2),))
    assert [f.rgb for f in frames(sig, 200, 50, kb)] == [(255, 255, 255), None] * 2
    assert frames(Signature(colors=(), pattern="off"), 100, 50, kb)[0].rgb is None

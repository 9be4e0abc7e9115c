"""The terminal LED animation, frame by frame, against rules.animation and the documented timings."""

from __future__ import annotations

import io

import pytest

from particle_diag.cli.led_player import LedPlayer, led_glyph
from particle_diag.clock import FakeClock
from particle_diag.knowledge import SeqStep, Signature
from particle_diag.rules.animation import cycle_ms, frames

CYAN, GREEN, RED = (0, 255, 255), (0, 255, 0), (255, 0, 0)


class ScriptedKeys:
    """Waiting advances the fake clock; ``after_ms`` after the start ``key`` is pressed (``noise`` keys first)."""

    def __init__(self, clock: FakeClock, after_ms: int, key: str = "y", noise: str = "") -> None:
        self.clock, self.deadline, self.key, self.noise = clock, clock.now + after_ms / 1000, key, list(noise)

    def read_key(self, timeout_s: float) -> str | None:
        assert 0 < timeout_s <= 0.05 + 1e-9  # never waits past the next frame
        self.clock.sleep(timeout_s)
        if self.noise:
            return self.noise.pop(0)
        return self.key if self.clock.now >= self.deadline - 1e-9 else None


def play(kb, sig: Signature, ms: int, color: bool = True, key: str = "y", noise: str = ""):
    clock = FakeClock(100.0)
    out = io.StringIO()
    player = LedPlayer(kb, out, clock, ScriptedKeys(clock, ms, key, noise), color=color)
    answer = player.play(sig, "label")
    return player, answer, out.getvalue()


def runs(drawn) -> list[tuple[tuple[int, int, int] | None, int]]:
    """(colour, milliseconds) runs of the drawn frames (50 ms each)."""
    out: list[list] = []
    for d in drawn:
        if out and out[-1][0] == d.rgb:
            out[-1][1] += 50
        else:
            out.append([d.rgb, 50])
    return [(c, n) for c, n in out]


@pytest.mark.parametrize("state_id", ["connecting-to-cloud", "listening-mode", "connected", "sos-out-of-heap",
                                      "cloud-error-orange-2", "nyan", "safe-mode"])
def test_drawn_frames_are_the_rules_animation_frames(kb, state_id):
    sig = kb.state(state_id).signature
    duration = min(cycle_ms(sig, kb) * 2, 30000)
    player, answer, _ = play(kb, sig, duration)
    expected = frames(sig, len(player.drawn) * 50, 50, kb)
    assert answer == "y"
    assert [(d.t_ms, d.rgb) for d in player.drawn] == [(f.t_ms, f.rgb) for f in expected]
    assert len(player.drawn) >= duration // 50


def test_blink_is_the_document_helpers_100_on_100_off(kb):
    helper = Signature(colors=("green",), pattern="sequence", steps=(SeqStep("blink", "green"),))
    player, _, _ = play(kb, helper, 800)
    assert runs(player.drawn) == [(GREEN, 100), (None, 100)] * 4
    cloud = kb.state("connecting-to-cloud").signature  # Device OS normal blink: 200 ms period
    player, _, _ = play(kb, cloud, 400)
    assert runs(player.drawn) == [(CYAN, 100), (None, 100)] * 2


def test_fast_blink_is_50_on_50_off(kb):
    player, _, _ = play(kb, Signature(colors=("cyan",), pattern="fast-blink"), 400)
    assert runs(player.drawn) == [(CYAN, 50), (None, 50)] * 4


def test_breathe_fades_over_four_seconds(kb):
    player, _, _ = play(kb, kb.state("connected").signature, 4000)
    by_t = {d.t_ms: d.rgb for d in player.drawn}
    assert by_t[0] == CYAN and by_t[1000] == (0, 128, 128) and by_t[2000] is None
    assert by_t[3000] == (0, 128, 128) and by_t[3950][1] > 240
    levels = [d.rgb[1] if d.rgb else 0 for d in player.drawn]
    assert levels[:41] == sorted(levels[:41], reverse=True)  # linear fade out over the first half
    assert levels[40:80] == sorted(levels[40:80])  # and back up


def test_sos_timing_frame_by_frame(kb):
    sig = kb.state("sos-out-of-heap").signature
    once = 3 * 250 + 100 + 3 * 400 + 100 + 3 * 250 + 900 + 8 * 600 + 800
    player, _, _ = play(kb, sig, once)
    r = runs(player.drawn)
    lit = [n for c, n in r if c == RED]
    assert lit == [150] * 3 + [300] * 3 + [150] * 3 + [300] * 8
    dark = [n for c, n in r if c is None]
    assert dark == [100, 100, 200, 100, 100, 200, 100, 100, 1000] + [300] * 7 + [1100]


def test_frames_are_truecolor_dots_with_the_exact_rgb(kb):
    assert led_glyph((255, 96, 0)) == "\x1b[38;2;255;96;0m●\x1b[0m"
    assert led_glyph(None, color=False) == "○" and led_glyph((1, 2, 3), color=False) == "●"
    _, _, text = play(kb, kb.state("cloud-error-orange-2").signature, 4000)
    assert "\x1b[38;2;0;255;255m●" in text and "\x1b[38;2;255;96;0m●" in text
    _, _, plain = play(kb, kb.state("connected").signature, 200, color=False)
    assert "\x1b[38;2" not in plain and "●" in plain


def test_only_the_accepted_keys_end_the_animation(kb):
    _, answer, _ = play(kb, kb.state("connected").signature, 500, key="n", noise="xq ")
    assert answer == "n"

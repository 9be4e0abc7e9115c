"""`pdiag led DESCRIPTION`: descriptions people type, ranked candidates, visible ambiguity."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from particle_diag.errors import NotFoundError, UnsupportedError, UsageError
from particle_diag.rules.led import describe_signature, match_description, parse_description

CASES = tomllib.loads((Path(__file__).parent / "fixtures" / "led_descriptions.toml").read_text())["case"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['text']}@{c.get('device', 'all')}" for c in CASES])
def test_description_ranks_the_expected_state_first(kb, case):
    candidates = match_description(case["text"], case.get("device"), kb)
    ids = [c.state.id for c in candidates]
    assert ids[0] == case["best"], [(c.state.id, c.score) for c in candidates]
    for other in case.get("also", []):
        assert other in ids, (other, ids)
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert candidates[0].why


def test_parse_segments_colours_patterns_and_counts(kb):
    d = parse_description("Blinks cyan, then 2 orange", kb)
    assert [(s.colors, s.pattern, s.count) for s in d.segments] == [
        (("cyan",), "blink", None),
        (("orange",), "blink", 2),
    ]
    assert parse_description("dark blue blinking", kb).segments[0].colors == ("blue",)
    assert parse_description("light blue", kb).segments[0].colors == ("cyan",)
    assert parse_description("SOS then 8 blinks", kb).segments[0].count == 8
    assert parse_description("fast-blinking yellow", kb).segments[0].pattern == "fast-blink"
    assert parse_description("pulsing", kb).segments[0].pattern == "breathe"


def test_without_a_device_candidates_name_the_devices(kb):
    candidates = match_description("breathing green", None, kb)
    tracker = next(c for c in candidates if c.state.id == "tracker-connecting-cloud-strong")
    assert tracker.devices == ("tracker-som",)
    cloud = next(c for c in candidates if c.state.id == "cloud-not-connected")
    assert {"boron", "photon", "electron", "argon", "xenon", "tracker-som"} <= set(cloud.devices)


def test_device_filters_states(kb):
    ids = {c.state.id for c in match_description("breathing green", "boron", kb)}
    assert "tracker-connecting-cloud-strong" not in ids
    assert all(c.devices == ("boron",) for c in match_description("breathing green", "boron", kb))


def test_sos_without_a_count_is_the_generic_sos(kb):
    ids = [c.state.id for c in match_description("SOS", None, kb)]
    assert ids[0] == "sos" and not any(i.startswith("sos-") for i in ids)


def test_errors(kb):
    with pytest.raises(UsageError):
        match_description("   ", None, kb)
    with pytest.raises(NotFoundError):
        match_description("it smells of burnt toast", None, kb)
    with pytest.raises(UsageError):
        match_description("blinking green", "toaster", kb)
    with pytest.raises(UnsupportedError):
        match_description("blinking green", "tachyon", kb)


def test_describe_signature(kb):
    assert describe_signature(kb.state("connected").signature, kb) == "breathing cyan"
    assert describe_signature(kb.state("listening-mode").signature, kb) == "slow blinking dark blue"
    assert describe_signature(kb.state("sos-out-of-heap").signature, kb) == "red SOS + 8 blinks"
    assert describe_signature(kb.state("cloud-error-orange-2").signature, kb) == "blinking cyan, then 2 orange blinks"

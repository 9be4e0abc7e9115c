"""What the guided session offers at each LED question comes from the documented states of the device."""

from __future__ import annotations

from particle_diag.troubleshooting import choices


def test_only_red_offers_the_sos_pattern_and_every_colour_offers_not_sure(kb):
    boron = kb.device("boron")
    red = [c.key for c in choices.pattern_choices(kb, boron, "red")]
    green = [c.key for c in choices.pattern_choices(kb, boron, "green")]
    assert "sos" in red and "sos" not in green
    assert red[-1] == green[-1] == "unsure"
    assert "breathe" in green  # breathing green: Wi-Fi/cellular off, cloud not connected


def test_the_blink_then_count_states_give_their_second_colour_and_count(kb):
    boron = kb.device("boron")
    pairs = choices.then_pairs(kb, boron, "cyan")
    # blinking cyan, then 1, 2 or 3 orange blinks: documented cloud-connection errors (knowledge/states)
    assert {("orange", 1), ("orange", 2), ("orange", 3)} <= set(pairs)
    assert choices.then_colours(kb, boron, "cyan")[0] == "orange"
    assert choices.then_pairs(kb, boron, "white") == []


def test_colours_offered_are_those_some_documented_state_shows(kb):
    keys = [c.key for c in choices.colour_choices(kb, kb.device("boron"))]
    assert {"cyan", "green", "magenta", "red"} <= set(keys) and keys[-1] == "off"
    assert choices.words("cyan", "fast-blink") == "fast blinking cyan" and choices.words("cyan", "unsure") == "cyan"

"""Line-based questions with injected streams."""

from __future__ import annotations

import io

import pytest

from particle_diag.cli.clickcompat import Abort
from particle_diag.cli.terminal import Terminal, is_interactive

CHOICES = [("blink", "blinking"), ("slow-blink", "blinking slowly"), ("solid", "solid (steady)")]


def term(text: str) -> tuple[Terminal, io.StringIO]:
    out = io.StringIO()
    return Terminal(io.StringIO(text), out, color=False), out


@pytest.mark.parametrize(("typed", "key"), [("2\n", "slow-blink"), ("solid\n", "solid"), ("BLINKING\n", "blink"),
                                            ("slowly\n", "slow-blink"), ("sol\n", "solid"), ("\n", "blink"),
                                            ("9\nxyz\n3\n", "solid")])
def test_choice_answers(typed, key):
    t, out = term(typed)
    assert t.ask_choice("What does it do?", CHOICES, default="blink") == key
    assert " 1) blinking" in out.getvalue() and "Choose [1-3, Enter = blink]: " in out.getvalue()


def test_yes_no_text_and_end_of_input():
    t, out = term("maybe\ny\n\n\n")
    assert t.ask_yes_no("Run it?", default=False) is True
    assert "Please answer y or n." in out.getvalue()
    assert t.ask_yes_no("Again?", default=True) is True
    assert t.ask_text("Report file", "r.md") == "r.md"
    with pytest.raises(Abort):
        t.wait_enter("Enter: next")


def test_streams_that_are_not_terminals_are_not_interactive():
    assert is_interactive(io.StringIO(), io.StringIO()) is False

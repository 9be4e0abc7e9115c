"""On a real terminal (a pseudo-terminal sized with TIOCSWINSZ, as a terminal window sizes it, no COLUMNS variable):
free text wraps at word boundaries to the width, live tables keep device IDs whole, TERM=dumb is plain."""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from ptyrun import PtyProcess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

# What a person answers: the default choice, the LED animation's "yes", "no" to running actions, no report.
ANSWERS = [(r"Choose \[[^\]]*\]: $", "\n"), (r"\[y/n\]\s*$", "y"), (r"Enter: [^\n]*$", "\n"),
           (r"\[y/N\]\s*$", "n\n"), (r"\[Y/n\]\s*$", "n\n")]
STATION = Path(__file__).resolve().parents[2] / "docs" / "examples" / "station.toml"
WIDE = 1000  # a terminal on which nothing needs wrapping: the reference text


def screen_lines(text: str) -> list[str]:
    """Each line as it stays on the screen (a line redrawn with carriage returns: its last state)."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def on_terminal(args: list[str], columns: int, **env: str) -> tuple[int, list[str]]:
    return _on_terminal(tuple(args), columns, tuple(sorted(env.items())))


@functools.cache
def _on_terminal(args: tuple[str, ...], columns: int, env: tuple[tuple[str, str], ...]) -> tuple[int, list[str]]:
    p = PtyProcess(*args, columns=columns, env={"NO_COLOR": "1", **dict(env)})
    try:
        code = p.answer_until_exit(ANSWERS)
        return code, screen_lines(p.screen)
    finally:
        p.close()


FREE_TEXT = [
    ["sos", "1"],
    ["sos", "8", "--platform", "boron"],
    ["led", "breathing", "cyan", "--platform", "boron"],
    ["led", "fast", "blinking", "cyan", "--explain"],
    ["led", "3"],  # an error with the nearest descriptions in its hint
    ["--sim", "boron:listening", "doctor"],
    ["--sim", "electron/0.5.0", "doctor", "--led", "blinking green"],
    ["--sim", "boron,argon", "identify"],  # an error: the hint names every candidate
    ["--sim", "boron", "troubleshoot", "--led", "blinking green"],  # 13 long steps
]


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("args", FREE_TEXT, ids=" ".join)
def test_free_text_wraps_at_word_boundaries_to_the_terminal(args, columns, tmp_path):
    code, lines = on_terminal(args, columns)
    wide_code, wide_lines = on_terminal(args, WIDE)
    assert code == wide_code
    too_long = [line for line in lines if len(line) > columns]
    assert not too_long, "\n".join(too_long)
    # The same words as on a terminal wide enough for every line: none broken in two ("connec" / "tion").
    words, wide_words = Counter(" ".join(lines).split()), Counter(" ".join(wide_lines).split())
    assert words == wide_words, f"broken: {sorted((words - wide_words).elements())[:10]}"
    assert any(len(line) > columns for line in wide_lines), "the case must have text longer than the terminal"


WATCH_BENCH = "boron,argon:dfu,electron/1.5.2:listening,photon/0.4.6"


def _table_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r" [│|] ", line)]


@pytest.mark.parametrize("columns", [80, 60])
def test_watch_table_keeps_device_ids_whole(pdiag, columns):
    ids = [d["device_id"] for d in pdiag("--json", "--sim", WATCH_BENCH, "list").json["data"]["devices"]]
    code, lines = on_terminal(["--sim", WATCH_BENCH, "watch", "--initial", "--count", "4", "--interval", "0.1"],
                              columns)
    assert code == 0
    rows = _table_rows(lines)
    for device_id in ids:
        assert any(device_id in row for row in rows), "\n".join(lines)
    assert not any("…" in line for line in lines)
    assert all(len(line) <= columns for line in lines)


@pytest.mark.parametrize("columns", [80, 60])
def test_check_table_keeps_device_ids_whole(pdiag, columns):
    bench = "boron,boron,argon:dfu"
    ids = [d["device_id"] for d in pdiag("--json", "--sim", bench, "list").json["data"]["devices"]]
    code, lines = on_terminal(["--sim", bench, "check", "--spec", str(STATION), "--all"], columns)
    assert code == 9  # the Argon is not a Boron
    rows = _table_rows(lines)
    for device_id in ids:
        assert any(device_id in row for row in rows), "\n".join(lines)
    assert not any("…" in line for line in lines)
    assert all(len(line) <= columns for line in lines)


@pytest.mark.parametrize("args", [["watch", "--initial", "--count", "4", "--interval", "0.1"],
                                  ["check", "--spec", "STATION", "--all"]], ids=["watch", "check"])
def test_term_dumb_gets_plain_lines(pdiag, args):
    args = [str(STATION) if a == "STATION" else a for a in args]
    ids = [d["device_id"] for d in pdiag("--json", "--sim", WATCH_BENCH, "list").json["data"]["devices"]]
    _, lines = on_terminal(["--sim", WATCH_BENCH, *args], 80, TERM="dumb")
    text = "\n".join(lines)
    assert not re.search(r"[━┃│╇…]", text), text
    for device_id in ids:
        assert device_id in text

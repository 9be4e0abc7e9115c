"""Waits over a second show what is awaited, for how long and the limit: a line rewritten in place on a terminal,
plain lines with -v, nothing extra with --json (docs/cli-conventions.md, "Progress").  Through a pseudo-terminal,
with the realistic timing model (a mode change takes about 2 s, as on hardware)."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
from ptyrun import PtyProcess

from particle_diag.protocol.module_header import build_module

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
BORON = "e00fce6808c51724bcd0b3be"
REALISTIC = {"PDIAG_SIM_TIMING": "realistic", "NO_COLOR": "1"}
LIVE = re.compile(r"\r\x1b\[Kwaiting for (?P<what>[^\r\n]*?) … (?P<elapsed>\d+\.\d) s(?: of (?P<limit>\d+) s)?")


def on_terminal(*args: str, columns: int = 100) -> tuple[int, str]:
    p = PtyProcess(*args, columns=columns, env=REALISTIC)
    try:
        return p.wait(timeout=60), p.raw
    finally:
        p.close()


def live_updates(raw: str) -> list[re.Match[str]]:
    return list(LIVE.finditer(raw))


@pytest.mark.parametrize(("args", "awaited"), [
    (["enter", "dfu"], f"{BORON} (Boron, normal, 1-1) in dfu mode"),
    (["reset"], f"{BORON} (Boron, normal, 1-1) in normal mode"),
], ids=["enter", "reset"])
def test_a_mode_change_shows_a_live_line_with_what_elapsed_and_limit(args, awaited):
    code, raw = on_terminal("--sim", "boron", *args, "--timeout", "30")
    assert code == 0, raw
    updates = live_updates(raw)
    assert updates, raw
    assert {m["what"] for m in updates} == {awaited}
    assert all(m["limit"] == "30" for m in updates)
    elapsed = [float(m["elapsed"]) for m in updates]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 1.0  # nothing for the first second
    # the line is taken away before the result is printed: the result starts a clean line
    assert raw.rindex("\r\x1b[K") < raw.index(f"{BORON}: normal ->")


def test_the_live_line_fits_the_terminal():
    code, raw = on_terminal("--sim", "boron,argon", "reset", "--all", columns=60)
    assert code == 0
    updates = live_updates(raw)
    assert updates
    for m in updates:
        assert len(m[0]) - len("\r\x1b[K") <= 59, m[0]  # a wrapped line could not be rewritten in place


def test_verbose_prints_plain_lines_instead():
    code, raw = on_terminal("-v", "--sim", "boron", "enter", "dfu")
    assert code == 0
    assert not live_updates(raw)
    assert re.search(rf"waiting for {BORON} \(Boron, normal, 1-1\) in dfu mode: 1 s of 60 s\r\n", raw), raw


def test_json_prints_one_envelope_and_nothing_else():
    code, raw = on_terminal("--json", "--sim", "boron", "enter", "dfu")
    assert code == 0
    envelope = json.loads(raw)  # the whole screen is one JSON document: no progress line, no other text
    assert envelope["ok"] and envelope["data"]["devices"][0]["new_mode"] == "dfu"


def test_flash_shows_the_waits_around_its_transfer(tmp_path):
    image = tmp_path / "app.bin"
    image.write_bytes(build_module(13, "user_part", 0xB4000, os.urandom(20_000), deps=(("system_part", 1, 6201),)))
    code, raw = on_terminal("--sim", "boron", "flash", str(image))
    assert code == 0, raw
    awaited = [m["what"] for m in live_updates(raw)]
    assert f"{BORON} (Boron, normal, 1-1) in dfu mode" in awaited  # entering DFU
    assert any(w.endswith("in normal mode") for w in awaited)  # leaving it
    # the transfer bar is gone before the device leaves DFU: no bar redrawn over the wait line
    leaving = raw.index("leaving DFU mode")
    assert "write 0x000B4000" not in raw[leaving:]


def test_monitor_shows_what_it_waits_for_without_a_limit():
    code, raw = on_terminal("--sim", "boron:listening", "monitor", "--duration", "2.5")
    assert code == 0, raw
    updates = live_updates(raw)
    assert updates, raw
    assert {m["what"] for m in updates} == {f"{BORON} (Boron, listening, 1-1) to leave listening mode"}
    assert all(m["limit"] is None for m in updates)  # the monitor follows until it ends

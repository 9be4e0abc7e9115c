"""`pdiag troubleshoot` end to end under a pseudo-terminal: keystrokes in, screen out (stdlib pty, no pexpect)."""

from __future__ import annotations

import json
import sys

import pytest
from ptyrun import PtyProcess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
CHOOSE = r"Choose \[[^\]]*\]: "


@pytest.fixture
def spawn():
    started: list[PtyProcess] = []

    def run(*args: str) -> PtyProcess:
        p = PtyProcess(*args)
        started.append(p)
        return p

    yield run
    for p in started:
        p.close()


def test_guided_session_on_a_listening_boron(spawn, tmp_path):
    report = tmp_path / "ticket.md"
    p = spawn("--sim", "boron:listening", "troubleshoot", "--report", str(report))
    start = p.expect(CHOOSE)
    assert "pdiag troubleshoot: e00f" in start and "(Boron, listening, 1-1)" in start
    assert "USB check: The device is in listening mode (blinking dark blue)" in start
    assert "Which colour is the status LED?" in start and "dark blue" in start
    p.send("blue\n")
    assert "What does the dark blue light do?" in p.expect(CHOOSE)
    p.send("slowly\n")  # a unique start of the label "blinking slowly" also works
    p.expect(r"Does it look like this\? \[y/n\]")
    p.expect(r"○")  # the animation runs: the LED has gone dark at least once (250 ms on / 250 ms off)
    assert "\x1b[38;2;0;0;255m●" in p.raw  # dark blue in truecolor, the exact Device OS RGB
    p.send("y")
    meaning = p.expect(r"Enter: show the 4 steps")
    assert "Listening mode (blinking dark blue)" in meaning
    p.send("\n")
    for _ in range(3):
        p.expect(r"Enter: next step")
        p.send("\n")
    p.expect(r"Run `pdiag enter listening` on the device now\? \[y/N\] ")
    p.send("n\n")
    p.expect(r"Enter: done")
    p.send("\n")
    p.expect(r"Run `pdiag identify` on the device now\? \[y/N\] ")
    p.send("y\n")
    p.expect(r"Run `pdiag reset` on the device now\? \[y/N\] ")
    assert "boron, listening mode, Device OS 6.2.1" in p.screen
    p.send("y\n")
    p.expect(r"listening -> normal in")
    p.expect(r"Check the device again now\? \[Y/n\] ")
    p.send("\n")
    p.expect(r"Re-check: Boron e00f\w+ \(1-1\), normal mode")
    assert p.wait() == 0
    assert f"Report saved: {report}" in p.screen
    md = report.read_text()
    assert "**Listening mode (blinking dark blue)**" in md and "`pdiag reset`: ok" in md
    data = json.loads(report.with_suffix(".json").read_text())
    assert data["state"]["id"] == "listening-mode" and data["answers"] == {"colour": "blue", "pattern": "slow-blink"}
    assert [a["command"] for a in data["actions"]] == ["pdiag identify", "pdiag reset"]
    assert data["findings_after"]["findings"][0]["id"] != "listening-mode"


def test_guided_session_without_a_device_sos_and_report_asked_at_the_end(spawn, tmp_path):
    p = spawn("--sim", "none", "troubleshoot")
    first = p.expect(CHOOSE)
    assert "no device attached" in first and "Which device is it?" in first
    p.send("photon\n")
    p.expect(CHOOSE)
    p.send("red\n")
    p.expect(CHOOSE)
    p.send("sos\n")
    assert "How many red blinks come between two SOS patterns?" in p.expect(CHOOSE)
    p.send("8\n")
    p.expect(r"Candidate 1 of \d+: red SOS \+ 8 blinks")
    p.expect(r"\[y/n\]")
    p.send("y")
    assert "Out of heap memory" in p.expect(r"Enter: show the \d+ steps")
    p.send("\n")
    p.expect(r"q: skip the rest")
    p.send("q\n")
    p.expect(r"Save a report of this session \(Markdown and JSON\) for a support ticket\? \[y/N\] ")
    p.send("y\n")
    p.expect(r"Report file \[pdiag-report-\d{8}-\d{6}\.md\]: ")
    p.send(f"{tmp_path / 'sos'}\n")
    assert p.wait() == 0
    data = json.loads((tmp_path / "sos.json").read_text())
    assert data["platform"] == "photon" and data["state"]["id"] == "sos-out-of-heap" and data["steps_shown"] == 1
    assert "particle device doctor" in (tmp_path / "sos.md").read_text()  # the Photon's own steps


def test_ctrl_d_ends_the_session_as_interrupted(spawn):
    p = spawn("--sim", "none", "troubleshoot", "--platform", "boron")
    p.expect(CHOOSE)
    p.send("\x04")
    assert p.wait() == 130
    assert "interrupted" in p.screen and "Traceback" not in p.screen


def test_led_in_own_words_asks_the_follow_up_question(spawn, tmp_path):
    report = tmp_path / "r.md"
    p = spawn("--sim", "none", "troubleshoot", "--platform", "argon", "--led", "blinking magenta",
              "--report", str(report))
    first = p.expect(CHOOSE)
    assert "'blinking magenta' fits" in first and "Did it breathe cyan before the magenta?" in first
    p.send("yes\n")
    shown = p.expect(r"Does it look like this\? \[y/n\]")
    assert "Candidate 1 of 1: blinking magenta" in shown
    p.send("y")
    assert "Firmware update (blinking magenta)" in p.expect(r"Enter: show the \d+ steps?")
    p.send("\n")
    p.expect(r"q: skip the rest")
    p.send("q\n")  # skip the steps
    assert p.wait() == 0
    data = json.loads(report.with_suffix(".json").read_text())
    assert data["state"]["id"] == "ota-update"
    assert data["follow_ups"][0]["answer"] == "yes"

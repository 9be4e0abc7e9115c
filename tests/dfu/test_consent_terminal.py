"""On a terminal, a request that needs consent asks, naming the region; 'y' goes ahead, anything else refuses
(exit 13).  pdiag runs as a separate process with stdin and stderr on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_on_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("PDIAG_SIM", None)
    proc = subprocess.Popen([sys.executable, "-m", "particle_diag", *args], stdin=follower, stdout=subprocess.PIPE,
                            stderr=follower, env=env)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 30
    while b"Do it anyway?" not in seen and time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.write(leader, answer)
    try:
        proc.wait(timeout=30)
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, seen.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code"), [(b"y\n", 0), (b"n\n", 13), (b"\n", 13)])
def test_a_terminal_is_asked_naming_the_region(answer, code):
    rc, text = _run_on_terminal(["--sim", "boron:dfu", "dfu", "erase", "--address", "0xF4000", "--length", "1"],
                                answer)
    assert "the bootloader (alt 0, 0x000F4000-0x000FFFFF)" in text and "Do it anyway?" in text
    assert rc == code, text
    if code:
        assert "not confirmed" in text and "(safety.consent)" in text and "Traceback" not in text

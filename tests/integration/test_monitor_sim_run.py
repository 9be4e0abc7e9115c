"""`pdiag monitor` inside `pdiag sim run`: two devices on real ttyACM nodes, one reset by another pdiag process
while the monitor runs (the issue's done-criterion)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

BORON = "e00fce6808c51724bcd0b3be"
ARGON = "e00fce68f1ce604187f02db0"


def test_monitor_follows_a_reset_made_by_another_process(sim_run) -> None:
    # The reset happens once both devices are logging (the monitor's own output is the synchronisation point:
    # a second reader of the same ports would split their output with it); the monitor ends at the Boron's boot
    # line after the reset, or after 15 s on a loaded machine.
    script = ("f=$(mktemp); pdiag monitor --all --jsonl --until 'reset reason 140' --duration 15 > \"$f\" & "
              "n=0; until [ \"$(grep -c 'publish counter=3' \"$f\")\" -ge 2 ] || [ $n -ge 400 ]; do "
              "sleep 0.05; n=$((n+1)); done; "
              f"pdiag reset {BORON[:10]} >&2 && wait && cat \"$f\" && rm -f \"$f\"")
    result = sim_run("boron,argon", "sh", "-c", script, timeout=90)
    assert result.returncode == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    boron_events = [r["event"] for r in records if r["device_id"] == BORON and "event" in r]
    assert boron_events[:3] == ["connected", "disconnected", "back"], boron_events
    back = next(r for r in records if r.get("event") == "back")
    assert back["port"].startswith("/dev/ttyACM") and back["reset_reason_name"] == "USER"
    lines = [r for r in records if "event" not in r]
    assert {r["device_id"] for r in lines} == {BORON, ARGON}
    after = [r for r in lines if r["device_id"] == BORON and r["host_time"] > back["host_time"]]
    assert after, "no Boron log line after the reset"

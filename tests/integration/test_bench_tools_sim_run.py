"""`pdiag locate` and `pdiag setup-done` inside `pdiag sim run`: the change each makes to the virtual device is seen
by a second, separate pdiag process (the issue's done-criterion)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

BORON = "e00fce6808c51724bcd0b3be"


def _status(line: str) -> dict:
    return {d["device_id"]: d for d in json.loads(line)["data"]["devices"]}


def test_locate_lights_the_board_a_second_command_sees(sim_run) -> None:
    script = (f"pdiag --json sim status | tr -d '\\n'; echo; pdiag locate {BORON[:10]} >&2; "
              "pdiag --json sim status | tr -d '\\n'; echo; "
              f"pdiag locate --off {BORON[:10]} >&2; pdiag --json sim status | tr -d '\\n'; echo")
    result = sim_run("boron,argon", "sh", "-c", script, timeout=60)
    assert result.returncode == 0, result.output
    before, during, after = (_status(line) for line in result.stdout.splitlines() if line.strip())
    assert before[BORON]["led"] == "breathing cyan"
    assert during[BORON]["led"] == "rainbow"
    assert after[BORON]["led"] == "breathing cyan"
    assert all(d["led"] != "rainbow" for i, d in during.items() if i != BORON)


def test_setup_done_set_is_seen_by_the_next_command_and_the_next_boot(sim_run) -> None:
    # A Gen 3 device on Device OS 3.3.1 whose flag is cleared boots into listening mode; once set, it boots normally.
    script = (f"pdiag reset {BORON[:10]} >&2; pdiag --json setup-done | tr -d '\\n'; echo; "
              f"pdiag setup-done --set {BORON[:10]} >&2; pdiag --json setup-done | tr -d '\\n'; echo; "
              f"pdiag reset {BORON[:10]} >&2; pdiag --json list | tr -d '\\n'; echo")
    result = sim_run("boron/3.3.1+nosetup", "sh", "-c", script, timeout=90)
    assert result.returncode == 0, result.output
    first, second, listing = (json.loads(line) for line in result.stdout.splitlines() if line.strip())
    assert first["data"]["devices"][0]["setup_done"] is False
    assert second["data"]["devices"][0]["setup_done"] is True
    assert listing["data"]["devices"][0]["mode"] == "normal"
    assert "normal -> listening" in result.stderr  # the first reset, while the flag was cleared

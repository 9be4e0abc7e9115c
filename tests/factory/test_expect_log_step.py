"""The station step that waits for a line of the device's USB serial log (`action = "expect_log"`)."""

from __future__ import annotations

import json

import pytest

from particle_diag.factory.spec import SpecError, parse_spec_text

PASSING = """
[[step]]
action = "expect_log"
pattern = "Cloud connected"
timeout_s = 5
"""
FAILING = """
[[step]]
action = "expect_log"
pattern = "never printed"
timeout_s = 1
"""


def test_the_step_passes_when_the_line_comes_and_fails_with_9_when_it_does_not(pdiag, tmp_path):
    (tmp_path / "ok.toml").write_text(PASSING)
    (tmp_path / "bad.toml").write_text(FAILING)
    result = pdiag("--sim", "boron,argon", "check", "--spec", str(tmp_path / "ok.toml"), "--all", "--jsonl")
    assert result.code == 0, result.err
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["verdict"] for r in records] == ["pass", "pass"]
    assert all(r["steps"][0]["step"] == "expect log /Cloud connected/" and r["steps"][0]["ok"] for r in records)
    result = pdiag("--sim", "boron", "check", "--spec", str(tmp_path / "bad.toml"), "--jsonl")
    assert result.code == 9
    (record,) = [json.loads(line) for line in result.out.splitlines()]
    assert record["verdict"] == "fail" and record["failed"] == ["check.log-not-seen"]


@pytest.mark.parametrize(("step", "message"), [
    ('action = "expect_log"', "needs pattern"),
    ('action = "expect_log"\npattern = "(unclosed"', "not a valid regular expression"),
    ('action = "reset"\npattern = "x"', "pattern only applies to action 'expect_log'"),
])
def test_bad_expect_log_steps_are_refused_when_the_spec_is_read(step, message):
    with pytest.raises(SpecError, match=message):
        parse_spec_text(f"[[step]]\n{step}\n")

"""The station step ``action = "update"``: a bundle checked when the spec is loaded, applied to every device in
parallel with the other devices' steps, reported per module in JSON Lines and JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from particle_diag.errors import ExitCode
from particle_diag.factory.spec import SpecError, load_spec, parse_spec_text
from tests.update.conftest import benches

STATION = """
[station]
name = "update line"

[expect]
platform = "boron"
device_os = "6.1.2"
modules_valid = true
mode = "normal"

[[step]]
action = "update"
bundle = "bundle"
"""


def _spec(folder: Path, text: str = STATION) -> Path:
    path = folder / "station.toml"
    path.write_text(text)
    return path


def test_the_bundle_is_read_when_the_spec_is_loaded_relative_to_the_spec(release, tmp_path):
    release("boron", "6.1.2")  # tmp_path/bundle
    spec = load_spec(_spec(tmp_path))
    step = spec.steps[0]
    assert step.action == "update" and step.bundle is not None and len(step.bundle.modules) == 2
    assert step.label == f"update {tmp_path / 'bundle'}" and step.timeout_s == 60


@pytest.mark.parametrize(("text", "message"), [
    ('[[step]]\naction = "update"\n', "'update' needs bundle = the path"),
    ('[[step]]\naction = "reset"\nbundle = "x"\n', "bundle only applies to action 'update'"),
    ('[[step]]\naction = "update"\nbundle = "no-such-dir"\n', "bundle: no such firmware file"),
])
def test_spec_mistakes_stop_the_station_before_any_device(tmp_path, text, message):
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, "station.toml", tmp_path)
    assert message in info.value.message and info.value.exit_code == ExitCode.USAGE


def test_a_bench_updated_by_the_station_reports_every_module(pdiag, release, tmp_path):
    release("boron", "6.1.2")
    junit = tmp_path / "report.xml"
    result = pdiag("--sim", "boron/6.1.1,boron/6.1.1+unplugwrite,boron/6.1.2", "check", "--spec",
                   str(_spec(tmp_path)), "--all", "--jsonl", "--junit", str(junit))
    assert result.code == ExitCode.PROTOCOL, result.err  # the pulled cable: it could not be checked
    records = [json.loads(line) for line in result.out.splitlines()]
    verdicts = sorted(r["verdict"] for r in records)
    assert verdicts == ["error", "pass", "pass"]
    for record in records:
        step = record["steps"][0]
        actions = [m["action"] for m in step["data"]["modules"]]
        if record["verdict"] == "error":
            assert step["error"]["reference"] == "dfu.interrupted" and actions == ["failed", "failed"]
        else:
            assert record["identity"]["device_os"] == "6.1.2"
            assert actions in (["written", "written"], ["written", "skipped"], ["skipped", "written"])
    out = [el.text or "" for el in ET.parse(junit).getroot().iter("system-out")]
    assert len(out) == 2 and all("system part 1 v6102" in text for text in out)


def test_the_station_again_skips_what_is_there(make_bench, release, tmp_path):
    from particle_diag.devices.discovery import discover
    from particle_diag.factory.runner import CheckRunner

    release("boron", "6.1.2")
    spec = load_spec(_spec(tmp_path))
    vb = make_bench("boron/6.1.1")
    first = CheckRunner(spec, vb.host).run(discover(vb.host))
    second = CheckRunner(spec, vb.host).run(discover(vb.host))
    assert [d.verdict for d in first.devices] == [d.verdict for d in second.devices] == ["pass"]
    assert second.devices[0].steps[0].notes == [f"skipped {m}" for m in (
        "system part 1 v6102 (boron-system-part1@6.1.2.bin)", "user part 2 v6 (app.bin)")]


SETUP_STATION = """
[station]
name = "setup line"

[expect]
mode = "normal"

[[step]]
action = "setup_done"

[[step]]
action = "reset"
"""


def test_the_setup_done_step_sets_the_flag_where_there_is_one(pdiag, tmp_path):
    """A Gen 3 device on Device OS < 4.0 without the flag starts in listening mode (the sim's +nosetup); the step
    sets it (request 73), so after the reset it runs normally.  Device OS >= 4.0 keeps no flag but accepts the
    request; a Photon has none: the step says so and passes."""
    with benches() as seen:
        result = pdiag("--sim", "boron/3.3.0+nosetup,boron/6.2.1,photon", "check", "--spec",
                       str(_spec(tmp_path, SETUP_STATION)), "--all", "--jsonl")
    assert result.code == 0, result.out + result.err
    records = {r["platform"] + "/" + r["identity"]["device_os"]: r for r in map(json.loads, result.out.splitlines())}
    assert set(records) == {"boron/3.3.0", "boron/6.2.1", "photon/3.3.1"}
    steps = {k: r["steps"][0] for k, r in records.items()}
    assert steps["boron/3.3.0"]["data"] == {"setup_done": True, "flag": "dct", "changed": True, "notes": []}
    assert "no longer uses the flag" in steps["boron/6.2.1"]["notes"][0]
    assert "no setup-done flag" in steps["photon/3.3.1"]["notes"][0] and "data" not in steps["photon/3.3.1"]
    assert all(r["verdict"] == "pass" and r["mode"] == "normal" for r in records.values())
    assert seen[0].devices[0].firmware.setup_done is True

"""Station spec loading and validation: every mistake is one line naming the key, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from particle_diag.errors import ExitCode
from particle_diag.factory.spec import SpecError, load_spec, parse_spec_text

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "station.toml"


def test_the_documented_keys_work_as_written() -> None:
    spec = parse_spec_text('[expect]\nplatform = ["boron", "bsom"]\nmin_device_os = "4.0.0"\nmode = "normal"\n')
    assert spec.expect.platform == ("boron", "bsom")
    assert spec.expect.min_device_os == "4.0.0"
    assert spec.expect.mode == ("normal",)
    assert spec.expect.names() == ["platform", "min_device_os", "mode"]
    # no steps: pdiag identifies the device to judge it
    assert [s.action for s in spec.steps] == ["identify"] and spec.steps[0].implicit


def test_example_spec_in_docs_loads() -> None:
    spec = load_spec(EXAMPLE)
    assert spec.name
    assert [s.label for s in spec.steps][:3] == ["enter listening", "read the SIM", "enter normal"]
    assert spec.steps[-1].action == "identify"
    assert spec.expect.mac_oui == ("e04f43",)


def test_steps_with_timeouts_and_retries() -> None:
    spec = parse_spec_text("""
[[step]]
action = "enter"
mode = "dfu"
timeout_s = 12
retries = 2
retry_delay_s = 0.5
[[step]]
action = "wait"
seconds = 3
""")
    enter, wait, final = spec.steps
    assert (enter.mode, enter.timeout_s, enter.retries, enter.retry_delay_s) == ("dfu", 12.0, 2, 0.5)
    assert wait.label == "wait 3 s"
    assert final.implicit and spec.user_steps == 2


@pytest.mark.parametrize(("text", "fragment"), [
    ('[expect]\nplatfrom = "boron"', "unknown [expect] key 'platfrom'"),
    ('[expect]\nmin_device_os = "4.0"', "min_device_os: '4.0' is not a Device OS version"),
    ("[expect]\nmin_device_os = 4.0", "min_device_os: 4.0 is not a Device OS version"),
    ('[expect]\niccid_pattern = "^89[0-9"', "iccid_pattern '^89[0-9' is not a valid regular expression"),
    ('[expect]\nplatform = "toaster"', "platform: unknown platform 'toaster'"),
    ('[expect]\nmode = "sleepy"', "mode: unknown value 'sleepy'"),
    ('[expect]\nmac_oui = "e0:4f"', "mac_oui: 'e0:4f' is not an OUI"),
    ('[expect]\nprotected = "no"', "protected must be true or false"),
    ('[expect]\ndevice_os = "3.0.0"\nmin_device_os = "4.0.0"', "no device can pass"),
    ('[expect]\nmode = "normal"\n[[step]]\naction = "jump"', "step 1: action is 'jump'"),
    ('[[step]]\naction = "enter"', "'enter' needs mode"),
    ('[[step]]\naction = "identify"\ntimeout = 3', "unknown step 1 key 'timeout'"),
    ('[[step]]\naction = "identify"\nrequire = ["imsi"]', "cannot require 'imsi'"),
    ('[[step]]\naction = "identify"\nretries = -1', "retries must be a whole number"),
    ('[[step]]\naction = "wait"', "'wait' needs seconds"),
    ("[stations]\nname = 'x'", "unknown top-level table 'stations'"),
    ('[expect\nmode = "normal"', "invalid TOML"),
])
def test_mistakes_are_one_clear_line(text: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec_text(text, source="station.toml")
    err = info.value
    assert fragment in err.message
    assert err.message.startswith("station.toml")
    assert "\n" not in err.message
    assert err.exit_code == ExitCode.USAGE and err.reference == "check.spec"


def test_unknown_key_suggests_the_close_one() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec_text('[expect]\nmin_os = "4.0.0"')
    assert "min_device_os" in info.value.hint


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "nope.toml")
    assert info.value.reference == "check.spec-missing"


def test_bad_spec_through_the_cli_exits_2_before_touching_devices(pdiag, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "station.toml"
    spec.write_text('[expect]\nmin_device_os = "four"\n')
    result = pdiag("--sim", "boron", "check", "--spec", str(spec), "--all")
    assert result.code == 2
    assert "min_device_os: 'four' is not a Device OS version" in result.err
    assert "Traceback" not in result.err
    result = pdiag("--sim", "boron", "--json", "check", "--spec", str(spec), "--all")
    assert result.code == 2 and result.json["error"]["reference"] == "check.spec"

"""Abuse tier, hostile input: bad station specs, bad firmware files, odd device replies (sim fault flags).

Table-driven.  Each case runs the CLI in-process on a virtual bench and asserts what a user checks: the exit
code, that a failure is one ``error:`` line with its reference and a ``hint:`` line, that ``--json`` output is
strict JSON, that nothing printed is a traceback or an internal error, and that the device secret appears
nowhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from particle_diag.protocol.module_header import build_module
from particle_diag.sim.spec import parse_spec


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    code: int
    reference: str | None = None  # a prefix of the error reference, when the command fails
    file: bytes | str | None = None  # written to {file} in argv


def _strict_json(text: str) -> dict:
    def refuse(constant: str) -> object:
        raise AssertionError(f"--json printed the non-standard constant {constant}")

    return json.loads(text, parse_constant=refuse)


def _check(result, case: Case) -> None:  # type: ignore[no-untyped-def]
    everything = result.out + result.err
    assert "Traceback" not in everything and "internal error" not in everything, everything[-2000:]
    assert "SIMSECRET" not in everything
    assert result.code == case.code, everything[-2000:]
    if "--json" in case.argv:
        doc = _strict_json(result.out)
        assert doc["schema"] == "pdiag/1"
        if case.code:
            assert doc["error"]["reference"].startswith(case.reference or "")
            assert doc["error"]["message"] and doc["error"]["hint"]
        return
    if case.code:
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert lines and lines[0].startswith("error: "), result.err
        assert f"({case.reference}" in lines[0], lines[0]
        assert any(line.startswith("hint: ") for line in lines[1:]), result.err


def _run(pdiag, tmp_path: Path, case: Case):  # type: ignore[no-untyped-def]
    argv = list(case.argv)
    if case.file is not None:
        target = tmp_path / "input"
        if isinstance(case.file, bytes):
            target.write_bytes(case.file)
        else:
            target.write_text(case.file, encoding="utf-8")
        argv = [str(target) if a == "{file}" else a for a in argv]
    argv = [str(tmp_path) if a == "{dir}" else str(tmp_path / "missing") if a == "{missing}" else a for a in argv]
    return pdiag(*argv)


# ---- station specs ---------------------------------------------------------------------------------------
def _spec_case(name: str, text: str | bytes, reference: str = "check.spec") -> Case:
    return Case(f"spec-{name}", ("--sim", "boron", "check", "--spec", "{file}"), 2, reference, text)


WAIT = '[[step]]\naction = "wait"\nseconds = {}\n'
SPEC_CASES = [
    _spec_case("wait-inf", WAIT.format("inf")),
    _spec_case("wait-nan", WAIT.format("nan")),
    _spec_case("wait-negative", WAIT.format("-1")),
    _spec_case("wait-huge", WAIT.format("1e308")),
    _spec_case("wait-string", WAIT.format('"10"')),
    _spec_case("wait-bool", WAIT.format("true")),
    _spec_case("timeout-inf", '[[step]]\naction = "identify"\ntimeout_s = inf\n'),
    _spec_case("timeout-zero", '[[step]]\naction = "identify"\ntimeout_s = 0\n'),
    _spec_case("retry-delay-nan", '[[step]]\naction = "identify"\nretry_delay_s = nan\n'),
    _spec_case("retries-negative", '[[step]]\naction = "identify"\nretries = -1\n'),
    _spec_case("retries-huge", '[[step]]\naction = "identify"\nretries = 9223372036854775807\n'),
    _spec_case("parallel-zero", "[station]\nparallel = 0\n"),
    _spec_case("parallel-huge", "[station]\nparallel = 99999999\n"),
    _spec_case("budget-inf", "[station]\ndevice_timeout_s = inf\n"),
    _spec_case("not-toml", "[station\nname = \n"),
    _spec_case("binary", b"\xff\xfe\x00\x01garbage\x00"),
    _spec_case("unknown-key", "[expect]\nplatfrom = \"boron\"\n"),
    _spec_case("no-action", "[[step]]\nmode = \"dfu\"\n"),
    _spec_case("step-not-table", "step = 1\n"),
    _spec_case("unknown-platform", '[expect]\nplatform = "toaster"\n'),
    _spec_case("bad-version", '[expect]\nmin_device_os = "latest"\n'),
    _spec_case("bad-regex", "[expect]\niccid_pattern = '(('\n"),
    _spec_case("mode-on-wait", '[[step]]\naction = "wait"\nseconds = 1\nmode = "dfu"\n'),
    Case("spec-missing", ("--sim", "boron", "check", "--spec", "{missing}"), 2, "check.spec"),
    Case("spec-directory", ("--sim", "boron", "check", "--spec", "{dir}"), 2, "usage.invalid"),
    Case("spec-wait-inf-json", ("--sim", "boron", "--json", "check", "--spec", "{file}"), 2, "check.spec",
         WAIT.format("inf")),
]

# ---- firmware files (refused before the device is touched) -----------------------------------------------
BORON = 13
GOOD = build_module(BORON, "user_part", 0xB4000, b"\x00" * 256, deps=(("system_part", 1, 6101),))
CORRUPT = GOOD[:100] + bytes([GOOD[100] ^ 0xFF]) + GOOD[101:]


def _flash_case(name: str, data: bytes, reference: str = "firmware.") -> Case:
    return Case(f"firmware-{name}", ("--sim", "boron", "flash", "{file}"), 2, reference, data)


FIRMWARE_CASES = [
    _flash_case("empty", b""),
    _flash_case("one-byte", b"\x00"),
    _flash_case("text", b"this is not firmware\n" * 20),
    _flash_case("zeros", b"\x00" * 4096),
    _flash_case("ones", b"\xff" * 4096),
    _flash_case("truncated", GOOD[: len(GOOD) // 2]),
    _flash_case("crc", CORRUPT),
    _flash_case("other-platform", build_module(6, "user_part", 0x80A0000, b"\x00" * 256)),
    Case("firmware-json", ("--sim", "boron", "--json", "flash", "{file}"), 2, "firmware.", b"\x00" * 64),
]

# ---- odd device replies (sim fault flags) -----------------------------------------------------------------
LISTENING = "electron/1.5.2:listening"
REPLY_CASES = [
    # the console: a deep or overflowing describe is named, the rest of identify still answers
    Case("console-deepjson-identify", ("--sim", LISTENING + "+deepjson", "identify"), 0),
    Case("console-deepjson-identify-json", ("--sim", LISTENING + "+deepjson", "--json", "identify"), 0),
    Case("console-overflow-identify", ("--sim", LISTENING + "+overflow", "identify"), 0),
    Case("console-overflow-identify-json", ("--sim", LISTENING + "+overflow", "--json", "identify"), 0),
    Case("console-chatty-identify-json", ("--sim", LISTENING + "+chatty", "--json", "identify"), 0),
    Case("console-chatty-list", ("--sim", LISTENING + "+chatty", "list"), 0),
    Case("console-garbled-identify", ("--sim", LISTENING + "+garbled", "identify"), 7, "serial."),
    Case("console-garbled-identify-json", ("--sim", LISTENING + "+garbled", "--json", "identify"), 7, "serial."),
    Case("console-secret-trace", ("--sim", LISTENING, "--trace", "identify"), 0),
    Case("console-secret-trace-json", ("--sim", LISTENING, "--trace", "--json", "identify"), 0),
    # diagnostics over USB: NaN/Infinity and deep nesting never make invalid JSON or an internal error
    Case("usb-nandiag-doctor-json", ("--sim", "boron+nandiag", "--json", "doctor"), 0),
    Case("usb-deepjson-doctor-json", ("--sim", "boron+deepjson", "--json", "doctor"), 0),
    Case("usb-nandiag-doctor", ("--sim", "boron+nandiag", "doctor"), 0),
    Case("usb-nandiag-vitals-json", ("--sim", "boron+nandiag", "--json", "vitals"), 0),
    Case("usb-nandiag-vitals", ("--sim", "boron+nandiag", "vitals"), 0),
    Case("usb-deepjson-vitals-json", ("--sim", "boron+deepjson", "--json", "vitals"), 7, "device."),
    # a control service without its status flag is refused, as particle-usb refuses it
    Case("usb-nostatus-identify", ("--sim", "boron+nostatus", "identify"), 7, "device."),
    Case("usb-nostatus-identify-json", ("--sim", "boron+nostatus", "--json", "identify"), 7, "device."),
    Case("usb-nostatus-list-json", ("--sim", "boron+nostatus", "--json", "list"), 0),
    # DFU: wTransferSize 0 falls back to 1024 like particle-usb; odd states and layouts are typed errors
    Case("dfu-zeroxfer-read", ("--sim", "argon:dfu+zeroxfer", "dfu", "read", "--address", "0xF4000",
                            "--length", "0x1000", "{missing}"), 0),
    Case("dfu-zeroxfer-info-json", ("--sim", "argon:dfu+zeroxfer", "--json", "dfu", "info"), 0),
    Case("dfu-oddstate-read", ("--sim", "argon:dfu+oddstate", "dfu", "read", "--address", "0xF4000",
                               "--length", "0x1000", "{missing}"), 7, "dfu."),
    Case("dfu-oddstate-read-json", ("--sim", "argon:dfu+oddstate", "--json", "dfu", "read", "--address",
                                    "0xF4000", "--length", "0x1000", "{missing}"), 7, "dfu."),
    Case("dfu-oddlayout-info", ("--sim", "argon:dfu+oddlayout", "dfu", "info"), 7, "dfu.layout"),
    Case("dfu-oddlayout-list-json", ("--sim", "argon:dfu+oddlayout", "--json", "list"), 0),
]

CASES = SPEC_CASES + FIRMWARE_CASES + REPLY_CASES


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(pdiag, tmp_path: Path, case: Case) -> None:  # type: ignore[no-untyped-def]
    for item in case.argv:
        if item.startswith(("boron", "argon", "electron")):
            parse_spec(item)  # the fault flags are real flags of the virtual bench
    _check(_run(pdiag, tmp_path, case), case)

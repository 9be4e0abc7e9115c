"""The conventions a person can rely on in every command (docs/cli-conventions.md): streams, exit codes,
tables that never cut an ID, honest matching, readable help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ptyrun import PtyProcess

ROOT = Path(__file__).resolve().parents[2]
BENCH = "boron,argon,electron"
IDS = ("e00f", "3c00")


def run_on_a_terminal(args: list[str], **env: str) -> str:
    """pdiag on a pseudo-terminal of COLUMNS columns (its real size, TIOCSWINSZ); everything it printed."""
    columns = int(env.pop("COLUMNS"))
    p = PtyProcess(*args, columns=columns, env={"NO_COLOR": "1", **env})
    try:
        p.wait(timeout=30)
        return p.screen
    finally:
        p.close()


def device_ids(pdiag) -> list[str]:
    return [d["device_id"] for d in pdiag("--json", "--sim", BENCH, "list").json["data"]["devices"]]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("env", [{"COLUMNS": "80"}, {"COLUMNS": "80", "TERM": "dumb"}, {"COLUMNS": "50"},
                                 {"COLUMNS": "200"}])
def test_list_never_cuts_a_device_id_port_or_usb_path(pdiag, env):
    expected = pdiag("--json", "--sim", BENCH, "list").json["data"]["devices"]
    screen = run_on_a_terminal(["--sim", BENCH, "list"], **env)
    for device in expected:
        assert device["device_id"] in screen
        assert device["usb"]["path"] in screen
    assert "…" not in screen
    assert all(len(line) <= int(env["COLUMNS"]) for line in screen.splitlines()), screen
    if env.get("TERM") == "dumb":
        assert not re.search(r"[━┃│╇]", screen), "TERM=dumb gets plain ASCII"


def test_piped_list_is_plain_and_complete(pdiag):
    result = pdiag("--sim", BENCH, "list")
    for device_id in device_ids(pdiag):
        assert device_id in result.out
    assert "STATUS" in result.out and "…" not in result.out and "\x1b[" not in result.out


# Every command, made to fail: the problem goes to stderr only, and --json prints exactly one envelope.
FAILING = [
    ["list", "--bogus"],
    ["identify", "zzzz"],
    ["vitals", "zzzz"],
    ["vitals", "e00fce68f1"],
    ["net", "zzzz"],
    ["keys", "zzzz"],
    ["protection", "zzzz"],
    ["locate", "e00fce68f1"],
    ["locate", "--cycle", "--off"],
    ["setup-done", "--clear", "e00fce6808"],
    ["enter", "dfu", "zzzz"],
    ["enter", "bogus"],
    ["enter", "dfu", "--via", "usb", "3c00"],
    ["reset", "zzzz"],
    ["reset", "3c00"],
    ["led", "3"],
    ["led"],
    ["sos", "x"],
    ["doctor", "zzzz"],
    ["troubleshoot", "zzzz"],
    ["flash", "/nonexistent/app.bin"],
    ["update", "/nonexistent/release.zip"],
    ["check", "--spec", "/nonexistent/station.toml"],
    ["watch", "--count", "0"],
    ["monitor", "zzzz"],
    ["monitor", "--until", "(unclosed"],
    ["dfu", "read", "--address", "0x0", "--length", "4", "x.bin", "e00f"],
    ["dfu", "info", "zzzz"],
    ["dfu", "write", "--address", "0xB4000", "/nonexistent/app.bin", "e00fce68f1"],
    ["dfu", "erase", "--address", "0xB4000", "--length", "0", "e00fce68f1"],
    ["sim", "run"],
    ["sim", "bogus"],
    ["bogus"],
]


def leaf_commands() -> list[tuple[str, ...]]:
    """Every command a person can run (``dfu read``, ``sim status``, ...), as the typer app builds them."""
    import typer.main

    from particle_diag.cli.app import build_app

    def walk(command: object, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            return [path]
        return [leaf for name, sub in subcommands.items() for leaf in walk(sub, (*path, name))]

    return walk(typer.main.get_command(build_app()), ())


LEAVES = leaf_commands()
# The old Electron in listening mode: firmware without control requests, probed over its console, which answers at
# once (in normal mode its application never answers, and each command would wait the 1 s serial probe).
WALK_BENCH = ["--sim", "boron,argon:dfu,electron/0.5.0:listening"]


def assert_failure_follows_the_convention(pdiag, args: list[str], bench: list[str] = WALK_BENCH) -> None:
    human = pdiag(*bench, *args)
    assert human.code != 0
    assert human.out == "", f"stdout of a failing `pdiag {' '.join(args)}`: {human.out!r}"
    assert re.search(r"^(error: .* \([a-z-]+\.[a-z.-]+\)|FAIL )", human.err, re.M), human.err  # on stderr
    assert "Traceback" not in human.err
    machine = pdiag("--json", *bench, *args)
    assert machine.code == human.code
    envelope = json.loads(machine.out)  # exactly one JSON document: json.loads rejects anything after it
    assert envelope["schema"] == "pdiag/1" and envelope["ok"] is False and envelope["error"]["reference"]
    assert machine.err == ""


FAILING_WITHOUT_BENCH = [["sim", "status"]]  # no virtual bench to show


@pytest.mark.parametrize(("args", "bench"), [(a, True) for a in FAILING] + [(a, False) for a in FAILING_WITHOUT_BENCH],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_a_failing_run_prints_nothing_on_stdout_and_one_envelope_in_json(pdiag, args, bench, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_failure_follows_the_convention(pdiag, args, WALK_BENCH if bench else [])


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_a_bad_option_of_every_command_follows_the_convention(pdiag, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_failure_follows_the_convention(pdiag, [*command, "--no-such-option"])


# Every command, succeeding: its result on stdout; with --json exactly one envelope and nothing on stderr.
SUCCEEDING = [
    ["list"],
    ["identify", "e00fce6808"],
    ["vitals", "e00fce6808"],
    ["net", "e00fce6808"],
    ["keys", "e00fce6808"],
    ["locate", "e00fce6808"],
    ["setup-done", "e00fce6808"],
    ["protection", "e00fce68f1"],
    ["enter", "dfu", "e00fce6808"],
    ["reset", "e00fce6808"],
    ["led", "breathing", "cyan", "--platform", "boron"],
    ["sos", "1"],
    ["doctor", "e00fce6808"],
    ["flash", "{image}", "e00fce6808"],
    ["update", "{image}", "e00fce6808"],
    ["check", "--spec", "{spec}", "e00fce6808"],
    ["watch", "--initial", "--duration", "0.2", "--interval", "0.1"],
    ["monitor", "e00fce6808", "--duration", "0.3"],
    ["dfu", "info", "e00fce68f1"],
    ["dfu", "read", "--address", "0xB4000", "--length", "16", "{out}", "e00fce68f1"],
    ["dfu", "write", "--address", "0xB4000", "{image}", "e00fce68f1"],
    ["dfu", "erase", "--address", "0xB4000", "--length", "16", "e00fce68f1"],
    ["sim", "status"],
]
# Not here, and why: troubleshoot is interactive (refused with --json, tests/troubleshooting/ drives it on a
# terminal); sim run needs umockdev (tests/integration/test_sim_run.py).
NOT_SUCCEEDING_HERE = {("troubleshoot",), ("sim", "run")}


@pytest.mark.parametrize("args", SUCCEEDING, ids=lambda a: " ".join(a[:2]))
def test_a_succeeding_run_prints_its_result_on_stdout(pdiag, args, tmp_path, monkeypatch):
    import os

    from particle_diag.protocol.module_header import build_module

    monkeypatch.chdir(tmp_path)
    image = tmp_path / "app.bin"
    image.write_bytes(build_module(13, "user_part", 0xB4000, os.urandom(4096), deps=(("system_part", 1, 6201),)))
    (tmp_path / "station.toml").write_text('[station]\nname = "walk"\n[expect]\nplatform = "boron"\n')
    files = {"{image}": str(image), "{spec}": str(tmp_path / "station.toml"), "{out}": str(tmp_path / "out.bin")}
    args = [files.get(a, a) for a in args]
    machine = pdiag("--json", *WALK_BENCH, *args)
    assert machine.code == 0, machine.out + machine.err
    envelope = json.loads(machine.out)
    assert envelope["ok"] is True and envelope["command"] == args[0]
    assert machine.err == ""
    (tmp_path / "out.bin").unlink(missing_ok=True)
    human = pdiag(*WALK_BENCH, *args)
    assert human.code == 0, human.err
    assert human.out.strip(), "the result goes to stdout"
    assert "error:" not in human.out + human.err and "Traceback" not in human.err


def test_every_command_is_walked():
    """Commands added later are walked too: each needs a failing case and a succeeding one above."""
    def covered(cases: list[list[str]]) -> set[tuple[str, ...]]:
        return {leaf for leaf in LEAVES for case in cases if tuple(case[: len(leaf)]) == leaf}

    assert set(LEAVES) - covered(FAILING + FAILING_WITHOUT_BENCH) == set()
    assert set(LEAVES) - covered(SUCCEEDING) - NOT_SUCCEEDING_HERE == set()


def test_led_says_when_it_recognises_nothing_and_suggests(pdiag):
    for words in (["3"], ["qwerty", "zz"]):
        result = pdiag("led", *words)
        assert result.code == 11 and result.out == ""
        assert "recognised" in result.err and "(led.no-match)" in result.err
        assert "Nearest documented descriptions:" in result.err
    assert pdiag("led", "3", "blinks").code == 0  # a count with a pattern word is a description


def test_via_usb_refuses_a_device_too_old_for_usb_requests(pdiag):
    result = pdiag("--sim", "electron/0.5.0", "enter", "dfu", "--via", "usb")
    assert result.code == 8 and result.out == ""
    assert "--via usb is not possible" in result.err and "(mode.via-unavailable)" in result.err


def test_platform_option_names_a_kind_of_device(pdiag):
    assert pdiag("--json", "led", "blinking", "green", "--platform", "boron").json["data"]["device"] == "boron"
    assert pdiag("led", "blinking", "green", "--device", "boron").code == 2  # one name per concept


@pytest.mark.parametrize("command", [[], ["list"], ["identify"], ["enter"], ["reset"], ["led"], ["sos"], ["doctor"],
                                     ["troubleshoot"], ["flash"], ["update"], ["check"], ["watch"], ["monitor"],
                                     ["dfu", "read"],
                                     ["dfu", "write"], ["dfu", "erase"], ["dfu", "info"], ["sim", "run"]])
def test_help_has_readable_metavars(pdiag, command):
    result = pdiag(*command, "--help")
    assert result.code == 0 and "Usage: pdiag" in result.out
    assert not re.search(r"<[a-z]+\[", result.out), result.out  # no Python types such as <list[str]>


def test_shell_completion_is_offered(pdiag):
    assert "--install-completion" in pdiag("--help").out
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDIAG_")}
    env.update(_PDIAG_COMPLETE="complete_bash", COMP_WORDS="pdiag en", COMP_CWORD="1")
    done = subprocess.run([sys.executable, "-m", "particle_diag"], env=env, capture_output=True, text=True,
                          cwd=str(ROOT), timeout=30)
    assert done.stdout.split() == ["enter"]

"""`pdiag --help` answers from a text generated from the typer app (start-up time), and that text cannot drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_stored_root_help_is_the_apps(script):
    committed = (ROOT / "particle_diag" / "cli" / "root_help.py").read_text(encoding="utf-8")
    assert committed == script("gen_root_help").render(), "stale: run `python scripts/gen_root_help.py`"


def _pdiag(*args: str, columns: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PDIAG_", "_PDIAG"))}
    env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "particle_diag", *args], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=30)


@pytest.mark.parametrize("columns", ["80", "120", "60"])
@pytest.mark.parametrize("args", [["--help"], ["-h"], []], ids=["--help", "-h", "bare"])
def test_pdiag_help_prints_what_typer_prints(pdiag, monkeypatch, args, columns):
    monkeypatch.setenv("COLUMNS", columns)
    typer_says = pdiag(*args)  # in-process main(): typer builds the help itself
    fast = _pdiag(*args, columns=columns)
    assert (fast.returncode, fast.stdout, fast.stderr) == (typer_says.code, typer_says.out, typer_says.err)
    assert "Commands:" in fast.stdout and "-h, --help" in fast.stdout


def test_the_root_help_imports_neither_typer_nor_a_command():
    code = ("import sys\n"
            "from particle_diag.cli.main import root_help\n"
            "assert root_help(['--help']) == 0\n"
            "heavy = ('typer', 'rich', 'usb', 'particle_diag.cli.commands')\n"
            "loaded = [m for m in sys.modules if m.startswith(heavy)]\n"
            "print(loaded, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=30,
                          env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"

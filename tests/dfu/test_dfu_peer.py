"""Round trips with dfu-util 0.11 (the peer implementation) inside ``pdiag sim run`` (umockdev): what one
tool writes, the other reads back byte for byte. Skipped with the reason when dfu-util, umockdev or
``pdiag sim run`` is missing; PDIAG_REQUIRE_UMOCKDEV=1 (CI) turns the skip into a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.peer

EXTERNAL = 0x80000000  # Boron alt 2 (external flash), all read/erase/write (reference §1.2)
PDIAG = [sys.executable, "-m", "particle_diag"]


def _missing() -> str | None:
    if shutil.which("dfu-util") is None:
        return "dfu-util is not installed"
    if shutil.which("umockdev-run") is None:
        return "umockdev is not installed"
    probe = subprocess.run([*PDIAG, "sim", "--help"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0 or "run" not in probe.stdout:
        return "`pdiag sim run` is not available"
    return None


@pytest.fixture(scope="module")
def sim_run():  # type: ignore[no-untyped-def]
    reason = _missing()
    if reason is not None:
        if os.environ.get("PDIAG_REQUIRE_UMOCKDEV") == "1":
            pytest.fail(f"PDIAG_REQUIRE_UMOCKDEV=1 but {reason}")
        pytest.skip(reason)

    def run(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*PDIAG, "sim", "run", "--bench", "boron:dfu", "--", "sh", "-ec", script],
                              capture_output=True, text=True, timeout=120, cwd=cwd)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    return run


def test_dfu_util_writes_pdiag_reads(sim_run, tmp_path):
    data = os.urandom(64 * 1024 + 123)
    (tmp_path / "in.bin").write_bytes(data)
    sim_run(f"dfu-util -d 2b04:d00d -a 2 -s 0x{EXTERNAL:08X} -D in.bin; "
            f"{sys.executable} -m particle_diag dfu read --alt 2 --address 0x{EXTERNAL:08X} "
            f"--length {len(data)} out.bin", tmp_path)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_pdiag_writes_dfu_util_reads(sim_run, tmp_path):
    data = os.urandom(64 * 1024 + 123)
    (tmp_path / "in.bin").write_bytes(data)
    sim_run(f"{sys.executable} -m particle_diag dfu write --yes --alt 2 --address 0x{EXTERNAL:08X} in.bin; "
            f"dfu-util -d 2b04:d00d -a 2 -s 0x{EXTERNAL:08X}:{len(data)} -U out.bin", tmp_path)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_pdiag_flash_inside_sim_run_leaves_dfu(sim_run, tmp_path):
    from particle_diag.protocol.module_header import build_module

    image = build_module(13, "user_part", 0xB4000, os.urandom(30_000), deps=(("system_part", 1, 6201),))
    (tmp_path / "app.bin").write_bytes(image)
    done = sim_run(f"{sys.executable} -m particle_diag flash app.bin; "
                   f"{sys.executable} -m particle_diag --json list", tmp_path)
    assert "device back in normal mode" in done.stdout and '"mode": "normal"' in done.stdout

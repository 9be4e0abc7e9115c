"""Round trips with dfu-util 0.11 (the peer implementation) inside ``pdiag sim run`` (umockdev): what one
tool writes, the other reads back byte for byte. Skipped with the reason when dfu-util, umockdev or PyGObject
is missing, like the rest of the integration tier; PDIAG_REQUIRE_UMOCKDEV=1 (CI) turns the skip into a failure
(tests/integration/conftest.py)."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.peer, pytest.mark.integration]

EXTERNAL = 0x80000000  # Boron alt 2 (external flash), all read/erase/write (usbd_dfu_mal.h)


@pytest.fixture
def in_sim_run(sim_run, dfu_util) -> Callable[[str, Path], object]:  # type: ignore[no-untyped-def]
    """Run a shell script in ``cwd`` inside ``pdiag sim run`` with one Boron in DFU mode."""

    def run(script: str, cwd: Path) -> object:
        done = sim_run("boron:dfu", "sh", "-ec", f"cd {shlex.quote(str(cwd))}; {script}", timeout=120)
        assert done.returncode == 0, done.output
        return done

    return run


def test_dfu_util_writes_pdiag_reads(in_sim_run, tmp_path):
    data = os.urandom(64 * 1024 + 123)
    (tmp_path / "in.bin").write_bytes(data)
    in_sim_run(f"dfu-util -d 2b04:d00d -a 2 -s 0x{EXTERNAL:08X} -D in.bin; "
            f"{sys.executable} -m particle_diag dfu read --alt 2 --address 0x{EXTERNAL:08X} "
            f"--length {len(data)} out.bin", tmp_path)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_pdiag_writes_dfu_util_reads(in_sim_run, tmp_path):
    data = os.urandom(64 * 1024 + 123)
    (tmp_path / "in.bin").write_bytes(data)
    in_sim_run(f"{sys.executable} -m particle_diag dfu write --yes --alt 2 --address 0x{EXTERNAL:08X} in.bin; "
            f"dfu-util -d 2b04:d00d -a 2 -s 0x{EXTERNAL:08X}:{len(data)} -U out.bin", tmp_path)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_pdiag_flash_inside_sim_run_leaves_dfu(in_sim_run, tmp_path):
    from particle_diag.protocol.module_header import build_module

    image = build_module(13, "user_part", 0xB4000, os.urandom(30_000), deps=(("system_part", 1, 6201),))
    (tmp_path / "app.bin").write_bytes(image)
    done = in_sim_run(f"{sys.executable} -m particle_diag flash app.bin; "
                   f"{sys.executable} -m particle_diag --json list", tmp_path)
    assert "device back in normal mode" in done.stdout and '"mode": "normal"' in done.stdout

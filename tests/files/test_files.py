"""particle_diag.files: atomic, no-clobber, symlink-safe writes and bounded reads of regular files only."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from particle_diag.errors import ExitCode
from particle_diag.files import (
    FileExistsRefusedError,
    InputFileError,
    OutputPathError,
    check_output,
    read_input,
    same_file,
    write_atomic,
)


def test_write_creates_the_file_with_the_bytes_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    write_atomic(target, b"\x01\x02")
    assert target.read_bytes() == b"\x01\x02"
    assert os.listdir(tmp_path) == ["out.bin"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_an_existing_file_is_refused_without_consent_and_kept(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsRefusedError) as info:
        write_atomic(target, b"new")
    assert info.value.exit_code == ExitCode.REFUSED and info.value.reference == "file.exists"
    assert "--yes" in info.value.hint
    assert target.read_bytes() == b"precious" and os.listdir(tmp_path) == ["out.bin"]
    write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"


def test_a_planted_symlink_is_never_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"do not touch")
    link = tmp_path / "report.xml"
    link.symlink_to(victim)
    with pytest.raises(FileExistsRefusedError):
        write_atomic(link, b"x")
    write_atomic(link, b"report", overwrite=True)  # consent replaces the link itself, not its target
    assert victim.read_bytes() == b"do not touch"
    assert not link.is_symlink() and link.read_bytes() == b"report"


def test_a_dangling_symlink_counts_as_existing(tmp_path):
    link = tmp_path / "dump.bin"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FileExistsRefusedError):
        write_atomic(link, b"x")
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("case", ["no-directory", "is-directory", "read-only-directory"])
def test_unwritable_destinations(tmp_path, case):
    target = {"no-directory": tmp_path / "missing" / "x.bin", "is-directory": tmp_path,
              "read-only-directory": tmp_path / "ro" / "x.bin"}[case]
    if case == "read-only-directory":
        (tmp_path / "ro").mkdir(mode=0o500)
        if os.geteuid() == 0:  # root writes into a mode-0500 directory; procfs refuses new files even to root
            target = Path("/proc/self/pdiag-x.bin")
    with pytest.raises(OutputPathError) as info:
        write_atomic(target, b"x", overwrite=True)
    assert info.value.exit_code == ExitCode.USAGE and info.value.reference == "file.output"


def test_check_output_is_the_same_check_without_writing(tmp_path):
    assert check_output(tmp_path / "new.bin") == tmp_path / "new.bin"
    (tmp_path / "old.bin").write_bytes(b"")
    with pytest.raises(FileExistsRefusedError):
        check_output(tmp_path / "old.bin", what="backup")
    assert not (tmp_path / "new.bin").exists()


def test_same_file_sees_through_symlinks_relative_paths_and_hard_links(tmp_path, monkeypatch):
    a = tmp_path / "a.bin"
    a.write_bytes(b"1")
    (tmp_path / "link").symlink_to(a)
    os.link(a, tmp_path / "hard")
    monkeypatch.chdir(tmp_path)
    assert same_file(a, tmp_path / "link") and same_file(a, tmp_path / "hard")
    assert same_file(a, "a.bin") and same_file(a, tmp_path / "." / "a.bin")
    assert not same_file(a, tmp_path / "b.bin")


def test_read_input_reads_a_regular_file(tmp_path):
    f = tmp_path / "fw.bin"
    f.write_bytes(b"abc")
    assert read_input(f, 10) == b"abc"


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_at_once(path):
    started = time.monotonic()
    with pytest.raises(InputFileError) as info:
        read_input(path, 1 << 20)
    assert info.value.reference == "file.not-regular" and "a device" in info.value.message
    assert time.monotonic() - started < 1.0


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as info:
        read_input(fifo, 100)
    assert "FIFO" in info.value.message


def test_directories_missing_files_and_oversized_files(tmp_path):
    with pytest.raises(InputFileError) as info:
        read_input(tmp_path, 100)
    assert "directory" in info.value.message
    with pytest.raises(InputFileError) as info:
        read_input(tmp_path / "nope", 100)
    assert info.value.reference == "usage.file"
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputFileError) as info:
        read_input(big, 100)
    assert info.value.reference == "file.too-large"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

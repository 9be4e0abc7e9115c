"""Abuse tier: flashing, raw DFU access and the files pdiag writes, driven as a user would (the CLI, in-process,
no terminal, against the virtual bench its --sim starts) with hostile files, paths, addresses and Ctrl-C.

Every case asserts the exit code, exactly one ``error:`` line naming the reference plus a hint (or none on
success), no traceback, the device's mode afterwards, whether its flash (every DFU alt, filled with random bytes
first so that an erase would show) changed, and whether any file in the case's directory changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from particle_diag.catalog.platforms import by_name
from particle_diag.protocol.module_header import build_module
from particle_diag.sim.bench import Bench


@dataclass(frozen=True)
class Case:
    id: str
    spec: str
    args: tuple[str, ...]  # {fw} = the firmware file, {tmp} = the case's directory
    code: int
    reference: str | None  # None: success
    mode_after: str
    flash_changes: bool = False
    files_change: bool = False
    setup: Callable[[Path], None] | None = field(default=None, compare=False)


# -- firmware files -------------------------------------------------------------------------------------------
def _module(platform: str, function: str, start: int, size: int, system: int = 6201) -> bytes:
    rng = random.Random(f"{platform}{function}{start}{size}")
    return build_module(by_name(platform).id, function, start, rng.randbytes(size),
                        deps=(("system_part", 1, system),) if function == "user_part" else ())


def _write_fw(data: bytes) -> Callable[[Path], None]:
    return lambda tmp: (tmp / "fw.bin").write_bytes(data)


GOOD_BORON = _module("boron", "user_part", 0xB4000, 20_000)


def _good(tmp: Path) -> None:
    (tmp / "fw.bin").write_bytes(GOOD_BORON)


def _and(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(tmp: Path) -> None:
        for step in steps:
            step(tmp)

    return run


def _file(name: str, data: bytes = b"keep me") -> Callable[[Path], None]:
    return lambda tmp: (tmp / name).write_bytes(data)


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    return lambda tmp: (tmp / name).symlink_to(tmp / target)


def _fifo(tmp: Path) -> None:
    os.mkfifo(tmp / "fw.bin")


def _huge(tmp: Path) -> None:
    with open(tmp / "fw.bin", "wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: larger than any slot of any platform


def _other_devices_backup(tmp: Path) -> None:
    data = b"\x00" * 4096
    (tmp / "b.bin").write_bytes(data)
    (tmp / "b.bin.json").write_text(json.dumps({
        "format": "pdiag-flash-backup/1", "device_id": "e00fce68ffffffffffffffff", "platform": "boron", "alt": 0,
        "address": 0xB4000, "length": 4096, "sha256": hashlib.sha256(data).hexdigest()}))


FLASH = ("flash", "{fw}")
GOOD = _good
E = ("dfu", "erase")
W = ("dfu", "write")
R = ("dfu", "read")

CASES = [
    # -- files that are not firmware: refused before any device is touched, /dev/zero at once
    Case("flash-dev-zero", "boron", ("flash", "/dev/zero"), 2, "file.not-regular", "normal"),
    Case("flash-dev-urandom", "boron", ("flash", "/dev/urandom"), 2, "file.not-regular", "normal"),
    Case("flash-dev-null", "boron", ("flash", "/dev/null"), 2, "file.not-regular", "normal"),
    Case("flash-fifo", "boron", FLASH, 2, "file.not-regular", "normal", setup=_fifo),
    Case("flash-directory", "boron", ("flash", "{tmp}"), 2, "file.not-regular", "normal"),
    Case("flash-missing", "boron", ("flash", "{tmp}/nope.bin"), 2, "usage.file", "normal"),
    Case("flash-empty", "boron", FLASH, 2, "firmware.truncated", "normal", setup=_file("fw.bin", b"")),
    Case("flash-huge-sparse", "boron", FLASH, 2, "file.too-large", "normal", setup=_huge),
    Case("flash-not-a-module", "boron", FLASH, 2, "firmware.header", "normal", setup=_file("fw.bin", b"\0" * 4096)),
    Case("flash-truncated", "boron:dfu", FLASH, 2, "firmware.truncated", "dfu",
         setup=_write_fw(GOOD_BORON[:10_000])),
    Case("flash-corrupt", "boron:dfu", FLASH, 2, "firmware.crc", "dfu",
         setup=_write_fw(GOOD_BORON[:5000] + bytes([GOOD_BORON[5000] ^ 1]) + GOOD_BORON[5001:])),
    Case("flash-wrong-platform", "boron", FLASH, 2, "firmware.platform", "normal",
         setup=_write_fw(_module("argon", "user_part", 0xB4000, 2000))),
    Case("flash-bootloader-module", "boron", FLASH, 2, "firmware.function", "normal",
         setup=_write_fw(_module("boron", "bootloader", 0xF4000, 2000))),
    Case("flash-ncp-module", "argon", FLASH, 2, "firmware.function", "normal",
         setup=_write_fw(_module("argon", "ncp_firmware", 0x0, 2000))),
    # -- modules whose range leaves their slot (header-derived), per platform
    Case("boron-user-part-in-bootloader", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "user_part", 0xF4000, 2000))),
    Case("boron-270k-user-part-across-bootloader", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "user_part", 0xB4000, 270 * 1024))),
    Case("boron-user-part-past-flash", "boron:dfu", FLASH, 2, "firmware.range", "dfu",
         setup=_write_fw(_module("boron", "user_part", 0x100000, 2000))),
    Case("boron-user-part-in-mbr", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "user_part", 0x0, 2000))),
    Case("boron-user-part-in-system-part", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "user_part", 0x30000, 2000))),
    Case("boron-system-part-into-user-part", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "system_part", 0xB0000, 20_000))),
    Case("boron-radio-stack-over-mbr", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "radio_stack", 0x0, 2000))),
    Case("boron-radio-stack-too-big", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "radio_stack", 0x1000, 160 * 1024))),
    Case("boron-mono-over-bootloader", "boron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "mono_firmware", 0x28000, 820 * 1024))),
    Case("boron-factory-too-big", "boron", ("flash", "--factory", "{fw}"), 2, "firmware.range", "normal",
         setup=_write_fw(_module("boron", "user_part", 0xB4000, 260 * 1024))),
    Case("tracker-user-part-in-bootloader", "tracker", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("tracker", "user_part", 0xF8000, 2000))),
    Case("p2-user-part-in-bootloader", "p2", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("p2", "user_part", 0x08004000, 2000))),
    Case("p2-user-part-in-filesystem", "p2", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("p2", "user_part", 0x085FF000, 8000))),
    Case("electron-user-part-in-bootloader", "electron", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("electron", "user_part", 0x08000000, 2000))),
    Case("photon-system-part-over-user-part", "photon", FLASH, 2, "firmware.range", "normal",
         setup=_write_fw(_module("photon", "system_part", 0x08090000, 80_000))),
    Case("protected-normal", "boron+protected", FLASH, 10, "dfu.protected", "normal", setup=GOOD),
    Case("protected-dfu", "boron:dfu+protected", FLASH, 10, "dfu.protected", "dfu", setup=GOOD),
    # -- --backup paths: never the input, never over an existing file without consent
    Case("backup-is-input", "boron", (*FLASH, "--backup", "{fw}"), 2, "flash.backup-is-input", "normal", setup=GOOD),
    Case("backup-symlink-to-input", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 2, "flash.backup-is-input",
         "normal", setup=_and(GOOD, _symlink("b.bin", "fw.bin"))),
    Case("backup-hard-link-to-input", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 2, "flash.backup-is-input",
         "normal", setup=_and(GOOD, lambda tmp: os.link(tmp / "fw.bin", tmp / "b.bin"))),
    Case("backup-dotdot-path-to-input", "boron", (*FLASH, "--backup", "{tmp}/sub/../fw.bin"), 2,
         "flash.backup-is-input", "normal", setup=_and(GOOD, lambda tmp: (tmp / "sub").mkdir())),
    Case("backup-existing-file", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 13, "file.exists", "normal",
         setup=_and(GOOD, _file("b.bin"))),
    Case("backup-existing-record", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 13, "file.exists", "normal",
         setup=_and(GOOD, _file("b.bin.json"))),
    Case("backup-planted-symlink", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 13, "file.exists", "normal",
         setup=_and(GOOD, _file("victim"), _symlink("b.bin", "victim"))),
    Case("backup-dangling-symlink", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 13, "file.exists", "normal",
         setup=_and(GOOD, _symlink("b.bin", "nowhere"))),
    Case("backup-of-another-device", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 13, "file.exists", "normal",
         setup=_and(GOOD, _other_devices_backup)),
    Case("backup-missing-directory", "boron", (*FLASH, "--backup", "{tmp}/no/b.bin"), 2, "file.output", "normal",
         setup=GOOD),
    Case("backup-is-directory", "boron", (*FLASH, "--backup", "{tmp}"), 2, "file.output", "normal", setup=GOOD),
    Case("backup-new-file-works", "boron", (*FLASH, "--backup", "{tmp}/b.bin"), 0, None, "normal",
         flash_changes=True, files_change=True, setup=GOOD),
    Case("backup-existing-file-with-yes", "boron", (*FLASH, "--backup", "{tmp}/b.bin", "--yes"), 0, None, "normal",
         flash_changes=True, files_change=True, setup=_and(GOOD, _file("b.bin"))),
    Case("restore-without-record", "boron", ("flash", "--restore", "{tmp}/b.bin"), 2, "flash.backup-record",
         "normal", setup=_file("b.bin")),
    Case("restore-short-backup", "boron", ("flash", "--restore", "{tmp}/b.bin"), 2, "flash.backup-short", "normal",
         setup=lambda tmp: _short_backup(tmp)),
    Case("restore-with-backup", "boron", ("flash", "--restore", "{fw}", "--backup", "{tmp}/b.bin"), 2,
         "usage.invalid", "normal", setup=GOOD),
    # -- raw DFU erase/write outside plain user data: consent needed (no terminal, no --yes); per platform
    Case("boron-erase-bootloader", "boron:dfu", (*E, "--address", "0xF4000", "--length", "0x4000"), 13,
         "safety.consent", "dfu"),
    Case("boron-erase-bootloader-enter", "boron", (*E, "--enter", "--address", "0xF4000", "--length", "0x4000"),
         13, "safety.consent", "normal"),
    Case("boron-write-bootloader", "boron:dfu", (*W, "--address", "0xF4000", "{fw}"), 13, "safety.consent", "dfu",
         setup=_file("fw.bin", b"\0" * 4096)),
    Case("boron-write-bootloader-enter", "boron", (*W, "--enter", "--address", "0xF4000", "{fw}"), 13,
         "safety.consent", "normal", setup=_file("fw.bin", b"\0" * 4096)),
    Case("boron-erase-user-part-tail-into-bootloader", "boron:dfu",
         (*E, "--address", "0xF3000", "--length", "0x2000"), 13, "safety.consent", "dfu"),
    Case("boron-write-one-byte-spilling-into-bootloader", "boron:dfu", (*W, "--address", "0xF3FFF", "{fw}"), 13,
         "safety.consent", "dfu", setup=_file("fw.bin", b"\0\0")),
    Case("boron-erase-radio-stack", "boron:dfu", (*E, "--address", "0x1000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("boron-erase-system-part", "boron:dfu", (*E, "--address", "0x30000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("boron-write-dct", "boron:dfu", (*W, "--alt", "1", "--address", "0x0", "{fw}"), 13, "safety.consent",
         "dfu", setup=_file("fw.bin", b"\0" * 16)),
    Case("boron-erase-dct-is-not-erasable", "boron:dfu", (*E, "--alt", "1", "--address", "0x0", "--length", "16"),
         2, "dfu.not-erasable", "dfu"),
    Case("boron-erase-filesystem", "boron:dfu", (*E, "--alt", "2", "--address", "0x80000000", "--length", "1"),
         13, "safety.consent", "dfu"),
    Case("boron-erase-factory", "boron:dfu", (*E, "--alt", "2", "--address", "0x80200000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("boron-erase-ota", "boron:dfu", (*E, "--alt", "2", "--address", "0x80250000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("argon-write-bootloader", "argon:dfu", (*W, "--address", "0xF5000", "{fw}"), 13, "safety.consent", "dfu",
         setup=_file("fw.bin", b"\0" * 100)),
    Case("tracker-erase-factory", "tracker:dfu", (*E, "--alt", "2", "--address", "0x80600000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("p2-erase-bootloader", "p2:dfu", (*E, "--address", "0x08004000", "--length", "1"), 13, "safety.consent",
         "dfu"),
    Case("p2-erase-km0-part", "p2:dfu", (*E, "--address", "0x08014000", "--length", "1"), 13, "safety.consent",
         "dfu"),
    Case("p2-erase-filesystem", "p2:dfu", (*E, "--address", "0x08600000", "--length", "1"), 13, "safety.consent",
         "dfu"),
    Case("msom-erase-system-part", "msom:dfu", (*E, "--address", "0x08060000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("photon-write-dct", "photon:dfu", (*W, "--alt", "1", "--address", "0x0", "{fw}"), 13, "safety.consent",
         "dfu", setup=_file("fw.bin", b"\0" * 16)),
    Case("electron-erase-eeprom", "electron:dfu", (*E, "--address", "0x0800C000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("electron-erase-system-part", "electron:dfu", (*E, "--address", "0x08020000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("core-erase-keys", "core:dfu", (*E, "--alt", "1", "--address", "0x1000", "--length", "1"), 13,
         "safety.consent", "dfu"),
    Case("boron-erase-read-only-sector", "boron:dfu", (*E, "--address", "0xF8000", "--length", "1"), 2,
         "dfu.not-erasable", "dfu"),
    Case("boron-erase-user-part-is-plain-data", "boron:dfu", (*E, "--address", "0xB4000", "--length", "1"), 0,
         None, "dfu", flash_changes=True),
    Case("p1-serial-flash-is-plain-data", "p1:dfu", (*E, "--alt", "2", "--address", "0x0", "--length", "1"), 0,
         None, "dfu", flash_changes=True),
    Case("boron-erase-bootloader-with-yes", "boron:dfu", (*E, "--address", "0xF4000", "--length", "1", "--yes"), 0,
         None, "dfu", flash_changes=True),
    Case("boron-erase-bootloader-with-global-yes", "boron:dfu",
         ("--yes", *E, "--address", "0xF4000", "--length", "1"), 0, None, "dfu", flash_changes=True),
    # -- bad addresses and lengths
    Case("erase-address-not-a-number", "boron:dfu", (*E, "--address", "0xZZ", "--length", "1"), 2, "usage.address",
         "dfu"),
    Case("erase-address-beyond-32-bits", "boron:dfu", (*E, "--address", "0x100000000", "--length", "1"), 2,
         "usage.address", "dfu"),
    Case("erase-length-zero", "boron:dfu", (*E, "--address", "0xB4000", "--length", "0"), 2, "usage.address", "dfu"),
    Case("erase-outside-memory", "boron:dfu", (*E, "--address", "0x200000", "--length", "1"), 2, "dfu.range", "dfu"),
    Case("erase-huge-length", "boron:dfu", (*E, "--address", "0xB4000", "--length", "0xFFFFFFFF"), 2,
         "dfu.not-erasable", "dfu"),  # the first sector it may not erase: the bootloader's read-only part
    Case("erase-huge-length-external", "boron:dfu",
         (*E, "--alt", "2", "--address", "0x80300000", "--length", "0xFFFFFFF"), 2, "dfu.range", "dfu"),
    Case("erase-outside-memory-enter", "boron", (*E, "--enter", "--address", "0x200000", "--length", "1"), 2,
         "dfu.range", "normal"),
    Case("erase-no-such-alt-enter", "boron", (*E, "--enter", "--alt", "3", "--address", "0x0", "--length", "1"),
         2, "dfu.alt", "normal"),
    Case("erase-no-such-alt", "boron:dfu", (*E, "--alt", "7", "--address", "0x0", "--length", "1"), 2, "dfu.alt",
         "dfu"),
    # -- dfu read output and dfu write input
    Case("read-into-existing-file", "boron:dfu", (*R, "--address", "0xB4000", "--length", "16", "{tmp}/out.bin"),
         13, "file.exists", "dfu", setup=_file("out.bin")),
    Case("read-into-planted-symlink", "boron:dfu",
         (*R, "--address", "0xB4000", "--length", "16", "{tmp}/out.bin"), 13, "file.exists", "dfu",
         setup=_and(_file("victim"), _symlink("out.bin", "victim"))),
    Case("read-into-missing-directory", "boron",
         (*R, "--enter", "--address", "0xB4000", "--length", "16", "{tmp}/no/out.bin"), 2, "file.output", "normal"),
    Case("read-into-directory", "boron", (*R, "--enter", "--address", "0xB4000", "--length", "16", "{tmp}"), 2,
         "file.output", "normal"),
    Case("read-new-file-works", "boron:dfu", (*R, "--address", "0xB4000", "--length", "16", "{tmp}/out.bin"), 0,
         None, "dfu", files_change=True),
    Case("write-from-dev-zero", "boron:dfu", (*W, "--address", "0xB4000", "/dev/zero"), 2, "file.not-regular",
         "dfu"),
    Case("write-from-fifo", "boron:dfu", (*W, "--address", "0xB4000", "{fw}"), 2, "file.not-regular", "dfu",
         setup=_fifo),
    Case("write-empty-file", "boron:dfu", (*W, "--address", "0xB4000", "{fw}"), 2, "usage.file", "dfu",
         setup=_file("fw.bin", b"")),
    Case("write-too-large-file", "boron:dfu", (*W, "--address", "0xB4000", "{fw}"), 2, "file.too-large", "dfu",
         setup=_huge),
    # -- Ctrl-C at each stage of a flash (the virtual device raises SIGINT there): exit 130, safe boundary
    Case("interrupt-entering-dfu", "boron+intenter", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted",
         "dfu", setup=GOOD),
    Case("interrupt-backup", "boron+intbackup", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted", "dfu",
         setup=GOOD),
    Case("interrupt-erase", "boron+interase", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted", "dfu",
         flash_changes=True, files_change=True, setup=GOOD),
    Case("interrupt-write", "boron+intwrite", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted", "dfu",
         flash_changes=True, files_change=True, setup=GOOD),
    Case("interrupt-verify", "boron+intverify", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted", "dfu",
         flash_changes=True, files_change=True, setup=GOOD),
    # the device is restarting when pdiag stops: it is back in normal mode or still on its way (not asserted)
    Case("interrupt-leaving", "boron+intleave", (*FLASH, "--backup", "{tmp}/b.bin"), 130, "interrupted", "",
         flash_changes=True, files_change=True, setup=GOOD),
]


def _short_backup(tmp: Path) -> None:
    data = b"\x00" * 8192
    (tmp / "b.bin").write_bytes(data[:4096])
    (tmp / "b.bin.json").write_text(json.dumps({
        "format": "pdiag-flash-backup/1", "device_id": None, "platform": "boron", "alt": 0, "address": 0xB4000,
        "length": 8192, "sha256": hashlib.sha256(data).hexdigest()}))


# -- the harness ----------------------------------------------------------------------------------------------
def _fill(bench: Bench) -> None:
    """Random bytes in every DFU memory of every device, then its firmware modules again (so it still boots, as a
    real device would with them): an erase or a write anywhere would show."""
    from particle_diag.sim.firmware import flash_target, install_modules

    for device in bench.devices:
        if not device.platform.dfu_alts:
            continue
        rng = random.Random(device.device_id)
        for flash in flash_target(device).flashes:
            layout = flash.layout
            flash.poke(layout.start, rng.randbytes(layout.end - layout.start))
        install_modules(device)


def _flash_image(bench: Bench) -> list[bytes]:
    from particle_diag.sim.firmware import flash_target

    device = bench.devices[0]
    return [f.peek(f.layout.start, f.layout.end - f.layout.start) for f in flash_target(device).flashes]


def _files(tmp: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for path in sorted(tmp.rglob("*")):
        key = str(path.relative_to(tmp))
        if path.is_symlink():
            out[key] = ("link", os.readlink(path))
        elif path.is_file():
            out[key] = path.read_bytes()
        elif path.is_fifo():
            out[key] = "fifo"
        else:
            out[key] = "dir"
    return out


@pytest.fixture
def started_benches():
    benches: list[Bench] = []

    def observe(bench: Bench) -> None:
        _fill(bench)
        benches.append(bench)

    Bench.observers.append(observe)
    yield benches
    Bench.observers.remove(observe)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_abuse_flash(case: Case, pdiag, tmp_path, started_benches, monkeypatch):
    monkeypatch.setenv("PDIAG_LOCK_DIR", str(tmp_path.parent / f"{tmp_path.name}-locks"))
    if case.setup is not None:
        case.setup(tmp_path)
    args = [a.format(fw=tmp_path / "fw.bin", tmp=tmp_path) for a in case.args]
    before_files = _files(tmp_path)
    flash_before: list[bytes] | None = None

    def remember(bench: Bench) -> None:
        nonlocal flash_before
        flash_before = _flash_image(bench)

    Bench.observers.append(remember)  # after the filler: the contents the command starts from
    try:
        result = pdiag("--sim", case.spec, *args)
    finally:
        Bench.observers.remove(remember)

    assert result.code == case.code, result.out + result.err
    assert "Traceback" not in result.err and "Traceback" not in result.out
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    if case.reference is None:
        assert errors == []
    else:
        assert len(errors) == 1 and errors[0].endswith(f"({case.reference})"), result.err
        hints = [line for line in result.err.splitlines() if line.startswith("hint:")]
        assert len(hints) == 1 and len(hints[0]) > len("hint: ") + 10, result.err
    if started_benches:  # refused before the bench was even started: nothing could have changed
        bench = started_benches[-1]
        if case.mode_after:
            assert bench.devices[0].mode == case.mode_after
        assert flash_before is not None
        assert (_flash_image(bench) != flash_before) is case.flash_changes
    assert (_files(tmp_path) != before_files) is case.files_change


def test_the_table_is_big_enough():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)

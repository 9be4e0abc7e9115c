"""``pdiag dfu info|read|write|erase``: the CLI through --sim, the library on a shared bench (real pyusb path)."""

from __future__ import annotations

import os

import pytest

from particle_diag.devices.dfu_session import dfu_session, erase_memory, read_memory, write_memory
from particle_diag.protocol.module_header import parse_module
from particle_diag.sim.dfu_target import DfuTarget


def test_write_read_erase_round_trip_on_a_shared_bench(make_bench, record_of):
    vb = make_bench("boron:dfu")
    data = os.urandom(3 * 4096 + 100)
    with dfu_session(record_of(vb), vb.host) as session:
        report = write_memory(session, 0, 0x30000, data, verify=True, consent=True)  # system part: consent
        back, read_report = read_memory(session, 0, 0x30000, len(data))
        erased = erase_memory(session, 0, 0x30000, 10, consent=True)
        after, _ = read_memory(session, 0, 0x30000, 4096)
    target: DfuTarget = vb.device().dfu
    assert back == data and target.flashes[0].peek(0x31000, 4096) == data[4096:8192]
    assert report.length == len(data) and report.control_transfers > 0 and report.to_dict()["alt"] == 0
    assert read_report.length == len(data)
    assert (erased.address, erased.length) == (0x30000, 4096) and after == b"\xff" * 4096


def test_write_sets_the_address_pointer_once_per_run(make_bench, record_of):
    vb = make_bench("boron:dfu")
    with dfu_session(record_of(vb), vb.host) as session:
        target: DfuTarget = vb.device().dfu
        target.requests.clear()
        write_memory(session, 2, 0x80000000, os.urandom(16 * 4096), consent=True)
    kinds = [e.kind for e in target.log if e.kind in ("SET_ADDRESS", "WRITE")]
    assert kinds.count("SET_ADDRESS") == 1 and kinds.count("WRITE") == 16
    # per 4 KB: ERASE_PAGE + DNLOAD, each followed by two GETSTATUS (dfuDNBUSY, then dfuDNLOAD-IDLE; §4.2)
    assert target.control_transfers == 1 + 16 * 3 + 3 + 16 * 3


def test_cli_write_verify_json_envelope(pdiag, tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(10_000))
    result = pdiag("--sim", "boron:dfu", "--json", "dfu", "write", "--address", "0x80000000", "--alt", "2",
                   "--verify", "--yes", str(blob))
    assert result.code == 0, result.err
    doc = result.json
    assert (doc["schema"], doc["command"], doc["ok"], doc["error"]) == ("pdiag/1", "dfu", True, None)
    data = doc["data"]
    assert set(data) >= {"device_id", "alt", "address", "length", "bytes_per_second", "elapsed_s",
                         "control_transfers"}
    assert (data["alt"], data["address"], data["length"]) == (2, 0x80000000, 10_000)
    assert data["control_transfers"] > 0 and data["bytes_per_second"] > 0
    assert result.err == ""  # no progress lines in --json mode


def test_cli_read_prints_progress_lines_and_a_rate(pdiag, tmp_path):
    out = tmp_path / "dump.bin"
    result = pdiag("--sim", "boron:dfu", "dfu", "read", "--address", str(0xB4000), "--length", "40960", str(out))
    assert result.code == 0, result.err
    dump = out.read_bytes()
    # A real Boron on 6.x has its application there: a user part module (header, then erased flash after it).
    header = parse_module(dump, verify_crc=True)
    assert (header.function, header.index, header.platform_id, header.start) == ("user_part", 2, 13, 0xB4000)
    assert header.dependencies[0].function == "system_part"
    assert dump[header.declared_size:] == b"\xff" * (40960 - header.declared_size)
    progress = [line for line in result.err.splitlines() if line.startswith("read 0x000B4000")]
    assert len(progress) == 10 and progress[-1].endswith("40960/40960 bytes (100%)")
    assert "read 40960 bytes from 0x000B4000 (alt 0)" in result.out and "/s, " in result.out
    assert "control transfers" in result.out


def test_cli_info_lists_the_memories(pdiag):
    result = pdiag("--sim", "boron:dfu", "--json", "dfu", "info")
    assert result.code == 0
    alts = result.json["data"]["alts"]
    assert [a["name"] for a in alts] == ["Internal Flash", "DCT Flash", "External Flash"]
    assert result.json["data"]["transfer_size"] == 4096


@pytest.mark.parametrize(("args", "reference", "code"), [
    (["--address", "0xZZ", "--length", "16"], "usage.address", 2),
    (["--address", "0x30000", "--length", "0"], "usage.address", 2),
    (["--address", "0x200000", "--length", "16"], "dfu.range", 2),
    (["--address", "0x0", "--length", "16", "--alt", "7"], "dfu.alt", 2),
])
def test_cli_bad_ranges(pdiag, tmp_path, args, reference, code):
    result = pdiag("--sim", "boron:dfu", "--json", "dfu", "read", *args, str(tmp_path / "x.bin"))
    assert result.code == code and result.json["error"]["reference"] == reference


def test_cli_erase_of_read_only_sector_is_refused(pdiag):
    result = pdiag("--sim", "boron:dfu", "dfu", "erase", "--address", "0xF8000", "--length", "1")
    assert result.code == 2 and "(dfu.not-erasable)" in result.err and "read-only" in result.err


def test_cli_needs_dfu_mode_or_enter(pdiag, tmp_path):
    refused = pdiag("--sim", "boron", "dfu", "read", "--address", "0xB4000", "--length", "16",
                    str(tmp_path / "a.bin"))
    assert refused.code == 2 and "(dfu.not-in-dfu)" in refused.err and "--enter" in refused.err
    entered = pdiag("--sim", "boron", "--json", "dfu", "read", "--enter", "--address", "0xB4000", "--length",
                    "16", str(tmp_path / "b.bin"))
    assert entered.code == 0, entered.err
    # the first 16 bytes of the user part's module prefix: start address 0xB4000, then its end address
    assert (tmp_path / "b.bin").read_bytes()[:4] == (0xB4000).to_bytes(4, "little")


def test_cli_protected_device_exits_10(pdiag, tmp_path):
    result = pdiag("--sim", "boron:dfu+protected", "--json", "dfu", "read", "--address", "0xB4000", "--length",
                   "16", str(tmp_path / "p.bin"))
    assert result.code == 10 and result.json["error"]["reference"] == "dfu.protected"

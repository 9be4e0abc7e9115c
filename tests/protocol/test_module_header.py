"""Particle module prefix / suffix / CRC (Device OS module_info.h; binary-version-reader)."""

from __future__ import annotations

import struct
import zlib

import pytest

from particle_diag.protocol.module_header import (
    FirmwareFileError,
    ModuleFunction,
    build_module,
    check_platform,
    parse_module,
)

ARGON, PHOTON = 12, 6


def test_built_module_round_trips() -> None:
    payload = bytes(range(256)) * 16
    data = build_module(ARGON, "user_part", 0x000B4000, payload, version=6, deps=(("system_part", 1, 5800),))
    header = parse_module(data)
    assert header.start == 0x000B4000
    assert header.end == 0x000B4000 + len(data) - 4
    assert header.declared_size == len(data)
    assert (header.platform_id, header.platform_name) == (ARGON, "argon")
    assert (header.function, header.index, header.version) == ("user_part", 1, 6)
    assert [(d.function, d.index, d.version) for d in header.dependencies] == [("system_part", 1, 5800)]
    assert header.crc_ok and header.prefix_offset == 0
    assert header.sha256 is not None and len(header.sha256) == 64
    assert (header.product_id, header.product_version) == (0xFFFF, 0xFFFF)


def test_layout_offsets_match_module_info_h() -> None:
    data = build_module(PHOTON, ModuleFunction.SYSTEM_PART, 0x08020000, b"\x00" * 64, version=1234, index=2)
    start, _end, reserved, flags, version, platform, function, index = struct.unpack_from("<IIBBHHBB", data)
    assert (start, reserved, flags, version, platform, function, index) == (0x08020000, 0, 0, 1234, 6, 4, 2)
    assert int.from_bytes(data[-4:], "big") == zlib.crc32(data[:-4])  # big-endian CRC-32 at the end
    assert struct.unpack_from("<H", data, len(data) - 6)[0] == 40  # suffix size


def test_prefix_after_a_vector_table_is_found() -> None:
    vectors = b"\x00\x10\x00\x20" + b"\x11\x22\x33\x44" * 0x7F  # 0x200 bytes of Gen 3 vector table
    module = build_module(ARGON, "system_part", 0x00028000, b"\xab" * 512)
    # Move the prefix behind the vector table, keeping sizes: rebuild the CRC over the new layout.
    body = bytearray(vectors + module[:-4])
    struct.pack_into("<I", body, 0x204, 0x00028000 + len(body))  # module_end_address: where the CRC starts
    data = bytes(body) + zlib.crc32(body).to_bytes(4, "big")
    header = parse_module(data)
    assert header.prefix_offset == 0x200
    assert header.function == "system_part" and header.crc_ok


def test_truncated_binary() -> None:
    data = build_module(ARGON, "user_part", 0x000B4000, b"\x5a" * 8192)
    with pytest.raises(FirmwareFileError) as info:
        parse_module(data[:5000])
    assert info.value.reference == "firmware.truncated"
    assert str(len(data)) in info.value.message
    with pytest.raises(FirmwareFileError) as tiny:
        parse_module(b"\x00" * 10)
    assert tiny.value.reference == "firmware.truncated"


def test_corrupt_crc() -> None:
    data = bytearray(build_module(ARGON, "user_part", 0x000B4000, b"\x5a" * 1024))
    data[100] ^= 0x01
    with pytest.raises(FirmwareFileError) as info:
        parse_module(bytes(data))
    assert info.value.reference == "firmware.crc"
    header = parse_module(bytes(data), verify_crc=False)
    assert not header.crc_ok


def test_not_a_module() -> None:
    with pytest.raises(FirmwareFileError) as info:
        parse_module(b"\x00" * 4096)
    assert info.value.reference == "firmware.header"


def test_wrong_platform_is_detected() -> None:
    header = parse_module(build_module(PHOTON, "user_part", 0x080A0000, b"\x01" * 256))
    check_platform(header, PHOTON)
    with pytest.raises(FirmwareFileError) as info:
        check_platform(header, ARGON)
    assert info.value.reference == "firmware.platform"
    assert "photon" in info.value.message and "argon" in info.value.message

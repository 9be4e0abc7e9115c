"""Fixtures for the DFU / flash tests: module binaries, files, the device record of a bench device."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from particle_diag.devices.discovery import discover
from particle_diag.devices.record import DeviceRecord
from particle_diag.protocol.module_header import build_module

BORON = 13
# Gen 3 user part since Device OS 3.1.0 (particle-cli src/lib/flash-helper.js; catalog/data/memory_map.toml)
USER = 0x000B4000


@pytest.fixture
def user_part() -> Callable[..., bytes]:
    def build(platform_id: int = BORON, start: int = USER, payload: int = 20_000, system: int = 6201) -> bytes:
        """A valid user part (random payload) depending on system part ``system`` (6201 = Device OS 6.2.1)."""
        return build_module(platform_id, "user_part", start, os.urandom(payload),
                            deps=(("system_part", 1, system),))

    return build


@pytest.fixture
def binfile(tmp_path: Path) -> Callable[..., Path]:
    def write(data: bytes, name: str = "firmware.bin") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def record_of() -> Callable[..., DeviceRecord]:
    def find(vb) -> DeviceRecord:  # type: ignore[no-untyped-def]
        (record,) = discover(vb.host)
        return record

    return find

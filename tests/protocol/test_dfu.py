"""The DFU/DfuSe client against the virtual DfuSe target, through a minimal in-test ControlTransfers adapter.

The real pyusb path is tested elsewhere; here transfers go straight to the target's ControlHandler methods.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import pytest

from particle_diag.catalog.dfu import DfuState, DfuStatusCode
from particle_diag.catalog.platforms import by_name
from particle_diag.clock import FakeClock
from particle_diag.errors import (
    DeviceGoneError,
    DeviceTimeoutError,
    ProtectedDeviceError,
    TransferStallError,
    UnsupportedError,
)
from particle_diag.protocol.dfu import (
    DfuClient,
    DfuCommandError,
    DfuProtectedError,
    DfuStatusError,
    FlashInterruptedError,
)
from particle_diag.protocol.memory_layout import MemoryLayout, MemoryRangeError, parse_layout
from particle_diag.protocol.module_header import build_module, parse_module
from particle_diag.sim.dfu_target import GEN2_COMMANDS, DfuTarget
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall, Unplugged

MIB = 1024 * 1024
T = TypeVar("T")


class Wire:
    """ControlTransfers straight onto a ControlHandler, with the transport's error translation."""

    def __init__(self, target: DfuTarget) -> None:
        self.target = target

    def control_in(
        self, request_type: int, request: int, value: int, index: int, length: int, timeout_ms: int
    ) -> bytes:
        return self._call(
            lambda: self.target.handle_in(SetupPacket(request_type, request, value, index, length))
        )

    def control_out(
        self, request_type: int, request: int, value: int, index: int, data: bytes, timeout_ms: int
    ) -> int:
        setup = SetupPacket(request_type, request, value, index, len(data))
        self._call(lambda: self.target.handle_out(setup, data))
        return len(data)

    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except Stall:
            raise TransferStallError("stall") from None
        except NoReply:
            raise DeviceTimeoutError("timeout") from None
        except Unplugged:
            raise DeviceGoneError("gone") from None


def bench(
    platform: str = "boron", alt: int = 0, **target_options
) -> tuple[DfuTarget, DfuClient, MemoryLayout, FakeClock]:
    alts = by_name(platform).dfu_alts
    target = DfuTarget(alts, **target_options)
    target.select_alt(alt)
    clock = FakeClock()
    client = DfuClient(Wire(target), clock=clock)
    return target, client, parse_layout(target.interface_strings()[alt]), clock


def image(size: int, seed: int = 1) -> bytes:
    return bytes((i * 7 + seed) & 0xFF for i in range(size))


# -- round trips ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "alt", "address"),
    [("boron", 0, 0x000B4000), ("photon", 0, 0x080A0000), ("argon", 2, 0x80200000)],
    ids=["gen3-internal", "gen2-internal", "gen3-external"],
)
def test_write_read_round_trip(platform: str, alt: int, address: int) -> None:
    target, client, layout, clock = bench(platform, alt)
    data = os.urandom(3 * 4096 + 123)  # a short last block
    seen: list[tuple[int, int]] = []
    result = client.write(layout, address, data, progress=lambda done, total: seen.append((done, total)))
    assert result.blocks == 4 and result.address_pointer_sets == 1
    assert seen[-1] == (len(data), len(data))
    assert target.flash.peek(address, len(data)) == data
    assert client.read(layout, address, len(data)) == data
    writes = [e for e in target.log if e.kind == "WRITE"]
    assert [e.address for e in writes] == [address + i * 4096 for i in range(4)]
    assert sum(clock.sleeps) > 0  # bwPollTimeout honoured through the injected clock


def test_user_module_written_at_its_header_address_and_verified() -> None:
    target, client, layout, _ = bench("boron")
    module = build_module(13, "user_part", 0x000B4000, image(20_000))
    header = parse_module(module)
    client.write(layout, header.start, module, verify=True)
    assert parse_module(target.flash.peek(header.start, header.declared_size)).crc_ok


def test_only_touched_sectors_are_erased() -> None:
    target, client, layout, _ = bench("photon")
    # 0x080A0000 sits in a 128 KB sector: a 10 KB write erases just that one sector.
    result = client.write(layout, 0x080A0000, image(10_000))
    assert result.erased == (0x080A0000,)
    assert [e.address for e in target.log if e.kind == "ERASE"] == [0x080A0000]


def test_write_without_erase_is_nor_and_and() -> None:
    target, client, layout, _ = bench("boron")
    client.write(layout, 0xB4000, b"\x0f" * 16)
    client.write(layout, 0xB4000, b"\xf1" * 16, erase=False)
    assert target.flash.peek(0xB4000, 16) == b"\x01" * 16  # programming only clears bits


def test_dct_segment_is_written_without_erase() -> None:
    target, client, layout, _ = bench(
        "boron", alt=1
    )  # "@DCT Flash /0x00000000/1*016Ke": read/write, not erasable
    result = client.write(layout, 0x100, b"\x00\x01\x02")
    assert result.erased == ()
    assert target.flash.peek(0x100, 3) == b"\x00\x01\x02"
    with pytest.raises(MemoryRangeError):
        client.erase(layout, 0, 16)


def test_read_stops_at_a_short_block() -> None:
    target, client, _, _ = bench("boron", alt=1)
    target.flash.poke(0x3F00, b"\xaa" * 0x100)
    layout_longer = parse_layout("@DCT Flash   /0x00000000/2*016Ke")  # the host believes in more memory
    data = client.read(layout_longer, 0x2800, 0x2000)  # block 3 runs past the real end at 0x4000
    assert len(data) == 0x1800 and data.endswith(b"\xaa" * 0x100)
    assert target.state == DfuState.DFU_IDLE


def test_read_of_many_blocks_uses_increasing_block_numbers() -> None:
    target, client, layout, _ = bench("boron")
    target.flash.poke(0xB4000, image(5 * 4096))
    assert client.read(layout, 0xB4000, 5 * 4096) == image(5 * 4096)
    assert [e.kind for e in target.log].count("SET_ADDRESS") == 1
    assert client.stats.by_request["UPLOAD"] == 5


# -- refusals ---------------------------------------------------------------------------------------
def test_read_only_segment_is_refused_before_any_transfer() -> None:
    _, client, layout, _ = bench("boron")
    with pytest.raises(MemoryRangeError) as info:
        client.write(layout, 0xF4000, b"\x00" * 64 * 1024)  # the bootloader ("a") starts at 0xF8000
    assert "0x000F8000" in info.value.message and "read-only" in info.value.message
    assert client.stats.control_transfers == 0


def test_device_refuses_a_read_only_segment_with_a_typed_status() -> None:
    target, client, _, _ = bench("boron")
    client.set_address(0x0)
    with pytest.raises(DfuStatusError) as info:
        client.download_block(2, b"\x00" * 16)  # bypass the host-side check: the target says errTARGET
    assert info.value.status == DfuStatusCode.errTARGET and "errTARGET" in info.value.message
    assert target.state == DfuState.DFU_IDLE  # the client cleared the error


def test_device_refuses_an_address_outside_the_map() -> None:
    _, client, _, _ = bench("argon", alt=2)
    client.set_address(0x00200000)  # external flash without its 0x80000000 offset (§1.2)
    with pytest.raises(DfuStatusError) as info:
        client.download_block(2, b"\x00" * 16)
    assert info.value.status == DfuStatusCode.errADDRESS


def test_protected_layout_is_refused_host_side() -> None:
    _, client, layout, _ = bench("boron", protected=True)
    assert layout.protected
    with pytest.raises(ProtectedDeviceError):
        client.write(layout, 0xB4000, b"\x00" * 16)
    with pytest.raises(ProtectedDeviceError):
        client.read(layout, 0xB4000, 16)


def test_protected_device_answers_errvendor() -> None:
    target, client, _, _ = bench("boron", protected=True)
    unprotected = parse_layout(by_name("boron").dfu_alts[0])  # a host that ignores the all-b map
    with pytest.raises(DfuProtectedError) as write:
        client.write(unprotected, 0xB4000, b"\x00" * 16)
    assert write.value.status == DfuStatusCode.errVENDOR and write.value.reference == "dfu.protected"
    with pytest.raises(DfuProtectedError):
        client.read(unprotected, 0xB4000, 16)
    assert target.flash.peek(0xB4000, 16) == b"\xff" * 16


# -- interruption -----------------------------------------------------------------------------------
def test_unplug_mid_write_names_the_last_address_written() -> None:
    target, client, layout, _ = bench("boron")
    target.unplug_after_blocks = 3
    with pytest.raises(FlashInterruptedError) as info:
        client.write(layout, 0xB4000, image(8 * 4096))
    err = info.value
    assert err.last_written == 0xB4000 + 3 * 4096 - 1
    assert "0x000B6FFF" in err.message and "12288 of 32768" in err.message
    assert err.reference == "dfu.interrupted" and "hold MODE" in err.hint and "blinks yellow" in err.hint
    assert isinstance(err.__cause__, DeviceGoneError)


def test_unplug_before_any_block_says_nothing_was_written() -> None:
    target, client, layout, _ = bench("boron")
    target.unplug_after_blocks = 0
    with pytest.raises(FlashInterruptedError) as info:
        client.write(layout, 0xB4000, image(4096))
    assert info.value.last_written is None and "nothing" in info.value.message


def test_silent_device_is_a_timeout() -> None:
    target, client, _, _ = bench("boron")
    target.never_reply = True
    with pytest.raises(DeviceTimeoutError):
        client.get_status()


# -- transfer counting ------------------------------------------------------------------------------
def dfu_util_style_write(client: DfuClient, layout: MemoryLayout, address: int, data: bytes) -> None:
    """What dfu-util / particle-usb do (§4.3): erase each new sector, SET_ADDRESS before each chunk."""
    client.ensure_idle()
    erased: set[int] = set()
    for offset in range(0, len(data), client.transfer_size):
        chunk = data[offset : offset + client.transfer_size]
        for sector in layout.sectors_in(address + offset, len(chunk)):
            if sector not in erased:
                client.erase_page(sector)
                erased.add(sector)
        client.set_address(address + offset)
        client.download_block(2, chunk)


def test_fewer_control_transfers_than_dfu_util_for_one_mib() -> None:
    data = image(MIB)
    blocks = sectors = MIB // 4096
    # dfu-util per 4 KB block: SET_ADDRESS DNLOAD + 2 GETSTATUS, data DNLOAD + 2 GETSTATUS; per sector an
    # ERASE DNLOAD + 2 GETSTATUS; plus the initial GETSTATUS.
    expected_dfu_util = blocks * 6 + sectors * 3 + 1

    target_a, naive, layout, _ = bench("argon", alt=2)
    dfu_util_style_write(naive, layout, 0x80200000, data)
    assert naive.stats.control_transfers == expected_dfu_util == 2305
    assert target_a.flash.peek(0x80200000, MIB) == data

    target_b, client, layout, _ = bench("argon", alt=2)
    client.write(layout, 0x80200000, data)
    assert target_b.flash.peek(0x80200000, MIB) == data
    # pdiag: erases as many sectors, one SET_ADDRESS, then blocks 2..257 with no pointer in between.
    assert client.stats.control_transfers == sectors * 3 + 3 + blocks * 3 + 1 == 1540
    assert client.stats.by_request["DNLOAD"] == sectors + 1 + blocks
    assert client.stats.control_transfers < naive.stats.control_transfers * 0.7


# -- leave / safe mode / commands -------------------------------------------------------------------
def test_leave_gen3_reaches_manifest_and_resets() -> None:
    left: list[bool] = []
    target, client, _, _ = bench("boron", on_leave=lambda: left.append(True))
    assert client.leave() == DfuState.DFU_MANIFEST
    assert left == [True] and target.gone


def test_leave_gen2_accepts_dnload_idle_quirk() -> None:
    left: list[bool] = []
    target, client, _, _ = bench("photon", gen2_leave_quirk=True, on_leave=lambda: left.append(True))
    assert client.leave(address=0x080A0000) == DfuState.DFU_DNLOAD_IDLE
    assert left == [True]
    assert [e.kind for e in target.log][-2:] == ["SET_ADDRESS", "LEAVE"]


def test_leave_when_the_device_vanishes_after_accepting_is_success() -> None:
    target, client, _, _ = bench("boron")
    real_in = target.handle_in

    def racing_reset(setup: SetupPacket) -> bytes:  # the reset races the GETSTATUS (particle-cli #68/#498)
        if target.state == DfuState.DFU_MANIFEST_SYNC:
            raise Unplugged()
        return real_in(setup)

    target.handle_in = racing_reset  # type: ignore[method-assign]
    assert client.leave() is None
    assert [e.kind for e in target.log] == ["LEAVE"]


def test_enter_safe_mode_uses_0xfa_after_checking_commands() -> None:
    safe: list[bool] = []
    target, client, _, _ = bench("boron", on_safe_mode=lambda: safe.append(True))
    assert client.get_commands() == bytes([0x00, 0x21, 0x41, 0xFA, 0xFB])
    assert client.enter_safe_mode() is None
    assert safe == [True] and target.gone
    assert [e.detail for e in target.log if e.kind == "COMMAND"] == ["fa"]


def test_safe_mode_works_on_a_protected_device_and_clears_override() -> None:
    target, client, _, _ = bench("boron", protected=True)
    client.clear_protection_override()
    assert target.protection_override_cleared
    client.enter_safe_mode()
    assert target.gone


def test_safe_mode_unsupported_on_gen2() -> None:
    target, client, _, _ = bench("photon", commands=GEN2_COMMANDS)
    with pytest.raises(UnsupportedError):
        client.enter_safe_mode()
    assert not any(e.kind == "COMMAND" for e in target.log)


# -- error recovery ---------------------------------------------------------------------------------
def test_ensure_idle_clears_dfu_error() -> None:
    target, client, _, _ = bench("boron")
    target.state, target.status = DfuState.DFU_ERROR, DfuStatusCode.errUNKNOWN
    status = client.ensure_idle()
    assert status.state == DfuState.DFU_IDLE
    assert client.stats.by_request["CLRSTATUS"] == 1


def test_ensure_idle_aborts_an_upload() -> None:
    target, client, _, _ = bench("boron")
    target.state = DfuState.DFU_UPLOAD_IDLE
    assert client.ensure_idle().state == DfuState.DFU_IDLE
    assert client.stats.by_request["ABORT"] == 1 and client.stats.by_request["CLRSTATUS"] == 0


def test_stalled_special_command_is_retried() -> None:
    target, client, layout, _ = bench("boron")
    target.stall_next_commands = 2
    client.write(layout, 0xB4000, image(100))
    assert target.flash.peek(0xB4000, 100) == image(100)
    assert client.stats.by_request["CLRSTATUS"] == 2


def test_stalled_special_command_gives_up() -> None:
    target, client, _, _ = bench("boron")
    target.stall_next_commands = 10
    with pytest.raises(DfuCommandError) as info:
        client.set_address(0xB4000)
    assert "4 times" in info.value.message

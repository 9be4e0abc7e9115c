"""The virtual DfuSe bootloader, driven request by request (ST UM0424 DfuSe; device-os bootloader usbd_dfu.cpp)."""

from __future__ import annotations

import struct

import pytest

from particle_diag.catalog.dfu import DfuRequest, DfuState, DfuStatusCode
from particle_diag.catalog.platforms import by_name
from particle_diag.sim.dfu_target import GEN2_COMMANDS, DfuTarget
from particle_diag.sim.flash import FlashAccessError, FlashTiming, VirtualFlash
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall, Unplugged

OUT, IN = 0x21, 0xA1


def target(platform: str = "boron", **options) -> DfuTarget:
    return DfuTarget(by_name(platform).dfu_alts, **options)


def dnload(t: DfuTarget, block: int, data: bytes) -> None:
    t.handle_out(SetupPacket(OUT, DfuRequest.DNLOAD, block, 0, len(data)), data)


def status(t: DfuTarget) -> tuple[DfuStatusCode, int, DfuState]:
    raw = t.handle_in(SetupPacket(IN, DfuRequest.GETSTATUS, 0, 0, 6))
    assert len(raw) == 6
    return DfuStatusCode(raw[0]), int.from_bytes(raw[1:4], "little"), DfuState(raw[4])


def upload(t: DfuTarget, block: int, length: int) -> bytes:
    return t.handle_in(SetupPacket(IN, DfuRequest.UPLOAD, block, 0, length))


def request(t: DfuTarget, req: DfuRequest) -> None:
    t.handle_out(SetupPacket(OUT, req, 0, 0, 0), b"")


def command(t: DfuTarget, code: int, address: int | None = None) -> None:
    dnload(t, 0, bytes([code]) + (struct.pack("<I", address) if address is not None else b""))


def test_dfu_util_download_sequence() -> None:
    """dfuse.c: the first GETSTATUS after a command must be dfuDNBUSY, then dfuDNLOAD-IDLE (PoC finding)."""
    t = target()
    assert status(t) == (DfuStatusCode.OK, 0, DfuState.DFU_IDLE)
    command(t, 0x41, 0xB4000)
    st, poll, state = status(t)
    assert (st, state) == (DfuStatusCode.OK, DfuState.DFU_DNBUSY) and poll == 85  # 4 KB page erase
    assert status(t)[2] == DfuState.DFU_DNLOAD_IDLE
    command(t, 0x21, 0xB4000)
    assert status(t)[2] == DfuState.DFU_DNBUSY
    assert status(t)[2] == DfuState.DFU_DNLOAD_IDLE
    dnload(t, 2, b"\x12" * 4096)
    assert status(t)[1:] == (42, DfuState.DFU_DNBUSY)
    assert status(t)[2] == DfuState.DFU_DNLOAD_IDLE
    assert t.flash.peek(0xB4000, 4096) == b"\x12" * 4096
    # :leave — SET_ADDRESS, zero-length DNLOAD block 2, GETSTATUS -> dfuMANIFEST, then the device resets.
    command(t, 0x21, 0xB4000)
    status(t), status(t)
    dnload(t, 2, b"")
    assert status(t)[2] == DfuState.DFU_MANIFEST
    assert t.gone
    with pytest.raises(Unplugged):
        status(t)
    kinds = [e.kind for e in t.log if e.kind != "COMMAND"]
    assert kinds == ["ERASE", "SET_ADDRESS", "WRITE", "SET_ADDRESS", "LEAVE"]
    assert {e.address for e in t.log if e.kind != "COMMAND"} == {0xB4000}


def test_block_numbers_advance_from_the_pointer() -> None:
    t = target()
    command(t, 0x21, 0xB4000)
    status(t), status(t)
    for block in (2, 3, 4):
        dnload(t, block, bytes([block]) * 4096)
        status(t), status(t)
    assert [e.address for e in t.log if e.kind == "WRITE"] == [0xB4000, 0xB5000, 0xB6000]


def test_dfu_util_upload_sequence() -> None:
    t = target()
    t.flash.poke(0xB4000, b"\x5a" * 6000)
    command(t, 0x21, 0xB4000)
    status(t), status(t)
    request(t, DfuRequest.ABORT)  # dfu_abort_to_idle
    assert status(t)[2] == DfuState.DFU_IDLE
    assert upload(t, 2, 4096) == b"\x5a" * 4096
    assert status(t)[2] == DfuState.DFU_UPLOAD_IDLE
    assert upload(t, 3, 4096)[:1904] == b"\x5a" * 1904
    request(t, DfuRequest.ABORT)
    assert status(t)[2] == DfuState.DFU_IDLE


def test_short_upload_ends_the_transfer() -> None:
    t = target()
    t.select_alt(1)  # DCT: 16 KB
    command(t, 0x21, 0x3800)
    status(t), status(t)
    request(t, DfuRequest.ABORT)
    assert len(upload(t, 2, 4096)) == 0x800
    assert status(t)[2] == DfuState.DFU_IDLE


def test_get_commands_gen3_and_gen2() -> None:
    t = target()
    assert upload(t, 0, 32) == bytes([0x00, 0x21, 0x41, 0xFA, 0xFB])
    assert status(t)[2] == DfuState.DFU_IDLE  # Particle stays idle after block 0
    assert upload(target("photon", commands=GEN2_COMMANDS), 0, 32) == bytes([0x00, 0x21, 0x41, 0x92])


def test_undefined_transitions_stall_into_dfu_error() -> None:
    t = target()
    with pytest.raises(Stall):
        request(t, DfuRequest.CLRSTATUS)  # only valid in dfuERROR (usbd_dfu.cpp)
    assert status(t) == (DfuStatusCode.errUNKNOWN, 0, DfuState.DFU_ERROR)
    with pytest.raises(Stall):
        dnload(t, 2, b"\x00")  # DNLOAD is not accepted in dfuERROR
    request(t, DfuRequest.CLRSTATUS)
    assert status(t) == (DfuStatusCode.OK, 0, DfuState.DFU_IDLE)
    upload(t, 2, 16)
    with pytest.raises(Stall):
        dnload(t, 2, b"\x00")  # nor in dfuUPLOAD-IDLE


def test_requests_not_for_the_dfu_interface_stall() -> None:
    t = target()
    with pytest.raises(Stall):
        t.handle_in(SetupPacket(0xC0, 0x50, 0, 30, 64))  # a vendor request
    with pytest.raises(Stall):
        t.handle_in(SetupPacket(IN, DfuRequest.GETSTATUS, 0, 1, 6))  # wrong interface
    with pytest.raises(Stall):
        t.select_alt(3)
    assert t.handle_in(SetupPacket(IN, DfuRequest.GETSTATE, 0, 0, 1)) == bytes([DfuState.DFU_IDLE])


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (bytes([0x41]), DfuStatusCode.errTARGET),  # mass erase: unsupported on Particle (§4.2)
        (bytes([0x92]), DfuStatusCode.errSTALLEDPKT),  # read-unprotect: not in the Gen 3 command list
        (bytes([0x77, 1, 2]), DfuStatusCode.errSTALLEDPKT),
        (bytes([0x41]) + struct.pack("<I", 0x0), DfuStatusCode.errTARGET),  # erase a read-only ("a") sector
        (bytes([0x41]) + struct.pack("<I", 0x200000), DfuStatusCode.errADDRESS),
    ],
)
def test_command_errors(payload: bytes, expected: DfuStatusCode) -> None:
    t = target()
    dnload(t, 0, payload)
    assert status(t)[2] == DfuState.DFU_DNBUSY
    assert status(t)[::2] == (expected, DfuState.DFU_ERROR)


def test_nrf52_style_status_codes() -> None:
    t = target(mal_errors_unknown=True)
    command(t, 0x41, 0x200000)
    status(t)
    assert status(t)[0] == DfuStatusCode.errUNKNOWN


def test_protected_device() -> None:
    t = target(protected=True)
    assert all("Kb" in s and "Kg" not in s for s in t.interface_strings())
    command(t, 0x21, 0xB4000)
    assert status(t)[::2] == (DfuStatusCode.errVENDOR, DfuState.DFU_ERROR)  # refused at the first GETSTATUS
    request(t, DfuRequest.CLRSTATUS)
    assert upload(t, 2, 4096) == b""
    assert status(t)[::2] == (DfuStatusCode.errVENDOR, DfuState.DFU_ERROR)
    request(t, DfuRequest.CLRSTATUS)
    command(t, 0xFB)
    status(t)
    assert status(t)[::2] == (DfuStatusCode.OK, DfuState.DFU_DNLOAD_IDLE)
    assert t.protection_override_cleared
    request(t, DfuRequest.ABORT)  # UPLOAD is only defined from dfuIDLE / dfuUPLOAD-IDLE
    assert upload(t, 0, 32) == bytes([0x00, 0x21, 0x41, 0xFA, 0xFB])  # the command list is still readable


def test_safe_mode_command_resets_via_manifest() -> None:
    calls: list[str] = []
    t = target(on_safe_mode=lambda: calls.append("safe"), on_leave=lambda: calls.append("leave"))
    command(t, 0xFA)
    assert status(t)[2] == DfuState.DFU_DNBUSY
    assert status(t)[2] == DfuState.DFU_MANIFEST
    assert calls == ["safe"] and t.gone


def test_gen2_leave_quirk() -> None:
    calls: list[str] = []
    t = target("photon", gen2_leave_quirk=True, on_leave=lambda: calls.append("leave"))
    dnload(t, 2, b"")
    assert status(t)[::2] == (DfuStatusCode.OK, DfuState.DFU_DNLOAD_IDLE)
    assert calls == ["leave"] and t.gone


def test_fault_switches() -> None:
    t = target()
    t.unplug_after_blocks = 1
    command(t, 0x21, 0xB4000)
    status(t), status(t)
    dnload(t, 2, b"\x00" * 16)
    status(t), status(t)
    with pytest.raises(Unplugged):
        dnload(t, 3, b"\x00" * 16)
    with pytest.raises(Unplugged):
        status(t)
    quiet = target()
    quiet.never_reply = True
    with pytest.raises(NoReply):
        status(quiet)
    stalling = target()
    stalling.stall_next_commands = 1
    with pytest.raises(Stall):
        command(stalling, 0x21, 0xB4000)
    assert status(stalling)[::2] == (DfuStatusCode.errSTALLEDPKT, DfuState.DFU_ERROR)


# -- flash --------------------------------------------------------------------------------------------------
def test_flash_is_nor_like() -> None:
    flash = VirtualFlash("@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg")
    assert flash.read(0x080A0000, 4) == b"\xff" * 4
    flash.write(0x080A0000, b"\xf0\x0f")
    flash.write(0x080A0000, b"\x3c\x3c")
    assert flash.read(0x080A0000, 2) == b"\x30\x0c"
    assert flash.erase_sector(0x080A1234) == 0x080A0000  # the 128 KB sector holding the address
    assert flash.read(0x080A0000, 2) == b"\xff\xff"
    with pytest.raises(FlashAccessError) as rights:
        flash.write(0x08000000, b"\x00")  # "a": read-only
    assert rights.value.kind == "rights"
    with pytest.raises(FlashAccessError) as outside:
        flash.read(0x08100000, 1)
    assert outside.value.kind == "address"


def test_flash_timing_model() -> None:
    flash = VirtualFlash("@X/0x0/1*004Kg,1*128Kg", FlashTiming(erase_ms_per_4k=10, write_ms_per_4k=4))
    assert flash.erase_ms(0x0) == 10 and flash.erase_ms(0x1000) == 320
    assert flash.write_ms(4096) == 4 and flash.write_ms(10) == 1

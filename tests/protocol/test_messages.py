"""Control-request payload codec: wire bytes, defaults, both module formats, errors.

Sources: particle-iot/device-os-protobuf control/*.proto; particle-usb src/device.js."""

from __future__ import annotations

import pytest

from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.catalog.results import RESULT_CODES, result_name
from particle_diag.errors import ProtocolError
from particle_diag.protocol import messages as msg
from particle_diag.protocol.messages import (
    CellularIds,
    CloudStatus,
    DeviceId,
    DeviceMode,
    DiagnosticInfo,
    InterfaceEntry,
    InterfaceList,
    ModuleInfo,
    ModuleInfoReply,
    NetworkInterface,
    ProtectedState,
    RequestType,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)
from particle_diag.protocol.pb import control_pb2 as pb


def test_table_covers_the_diagnostic_requests() -> None:
    ids = {20, 21, 30, 40, 50, 60, 70, 71, 72, 73, 74, 76, 90, 91, 100, 211, 221, 223, 230, 231, 250, 251, 252, 253,
           300, 400, 401, 505, 506, 551, 553, 554}
    assert set(msg.REQUESTS) == ids
    assert msg.REQUESTS[72].name == "GET_DEVICE_MODE"
    assert msg.REQUESTS[100].request is None  # DIAGNOSTIC_INFO must be sent empty
    assert all(spec.id == type_id for type_id, spec in msg.REQUESTS.items())


@pytest.mark.parametrize("type_id", [20, 21, 30, 40, 50, 60, 70, 71, 72, 76, 90, 100, 300, 400, 554])
def test_empty_requests_encode_to_no_bytes(type_id: int) -> None:
    assert encode_request(type_id) == b""  # INIT with wValue 0, no SEND stage (§2.8)


def test_interface_request_carries_the_index() -> None:
    assert encode_request(RequestType.NETWORK_GET_INTERFACE, index=4) == b"\x08\x04"
    assert decode_request(401, b"\x08\x04") == {"index": 4}
    assert decode_request(401, b"") == {"index": 0}


def test_request_misuse_is_reported() -> None:
    with pytest.raises(ValueError, match="takes no fields"):
        encode_request(100, verbose=True)
    with pytest.raises(ProtocolError, match="takes no payload"):
        decode_request(100, b"x")
    with pytest.raises(ValueError, match="no codec"):
        encode_request(9999)


def test_empty_reply_means_defaults() -> None:
    # proto3 omits defaults: an empty GetDeviceModeReply is NORMAL mode (§2.3 step 5)
    assert decode_reply(72, b"") == DeviceMode("normal")
    assert decode_reply(76, b"") == ProtectedState(False, False)
    assert decode_reply(300, b"") == CloudStatus("disconnected")
    assert decode_reply(90, b"") == ModuleInfoReply([], "current")
    assert decode_reply(554, b"") == CellularIds(None, None)
    assert decode_reply(401, b"") == NetworkInterface(type="unknown_0")
    assert decode_reply(40, b"") is None


def test_listening_mode_wire_bytes() -> None:
    assert decode_reply(72, b"\x08\x01") == DeviceMode("listening")
    assert encode_reply(72, DeviceMode("listening")) == b"\x08\x01"
    assert encode_reply(72, DeviceMode("normal")) == b""
    assert decode_reply(72, b"\x08\x07").mode == "unknown_7"  # open proto3 enum: a newer mode


def test_simple_replies_round_trip() -> None:
    values: dict[int, object] = {
        20: DeviceId("e00fce68aaaabbbbccccdddd"),
        21: msg.SerialNumber("P046AB123456789"),
        30: msg.SystemVersion("5.0.0-rc.2"),
        76: ProtectedState(True, True),
        300: CloudStatus("connecting"),
        554: CellularIds("89014103211118510720", "352753090000000"),
        400: InterfaceList([InterfaceEntry(1, "lo0", "loopback"), InterfaceEntry(4, "wl3", "wifi")]),
    }
    for type_id, value in values.items():
        assert decode_reply(type_id, encode_reply(type_id, value)) == value


def test_protected_state_field_numbers() -> None:
    assert encode_reply(76, ProtectedState(True, False)) == b"\x08\x01"
    assert decode_reply(76, b"\x10\x01") == ProtectedState(False, True)


def test_iccid_without_imei_before_5_8() -> None:
    payload = pb.CellularGetIccidReply(iccid="89014103211118510720").SerializeToString()
    assert decode_reply(554, payload) == CellularIds("89014103211118510720", None)


def test_interface_mac_is_formatted() -> None:
    wire = pb.NetworkGetInterfaceReply(interface=pb.Interface(
        index=4, name="wl3", type=pb.WIFI, hw_address=bytes.fromhex("E04F43A0B1C2"), mtu=1500,
        profile=b"HomeNet")).SerializeToString()
    iface = decode_reply(401, wire)
    assert iface == NetworkInterface(index=4, name="wl3", type="wifi", mac="e0:4f:43:a0:b1:c2", mtu=1500,
                                     profile=b"HomeNet")
    assert decode_reply(401, encode_reply(401, iface)) == iface
    assert msg.format_mac(b"") is None


def _user_part(checked: int, passed: int) -> pb.FirmwareModule:
    return pb.FirmwareModule(
        type=pb.FirmwareModule.USER_PART, index=1, version=6, store=pb.FirmwareModule.MAIN, max_size=262144,
        checked_flags=checked, passed_flags=passed, hash=bytes(range(32)), size=4096,
        dependencies=[pb.FirmwareModule.Dependency(type=pb.FirmwareModule.SYSTEM_PART, index=1,
                                                   version=6200)],
    )


def test_current_module_format() -> None:
    wire = pb.GetModuleInfoReply(firmware_modules=[
        pb.FirmwareModule(type=pb.FirmwareModule.BOOTLOADER, index=0, version=2300, checked_flags=0x1E,
                          passed_flags=0x1E),
        _user_part(0x1E, 0x1A),  # dependency check failed
    ]).SerializeToString()
    reply = decode_reply(RequestType.GET_MODULE_INFO, wire)
    assert reply.format == "current"
    boot, user = reply.modules
    assert (boot.type, boot.version, boot.store, boot.failed_checks) == ("bootloader", 2300, "main", [])
    assert (user.type, user.index, user.size, user.max_size) == ("user_part", 1, 4096, 262144)
    assert user.failed_checks == ["dependencies"]
    assert user.hash == bytes(range(32)).hex()
    assert user.dependencies == [ModuleDependency("system_part", 1, 6200)]
    assert decode_reply(90, encode_reply(90, reply)) == reply


def test_failed_checks_are_checked_xor_passed() -> None:
    assert msg.failed_check_names(0x1E, 0x00) == ["integrity", "dependencies", "address_range", "platform"]
    assert msg.failed_check_names(0x06, 0x06) == []
    assert msg.failed_check_names(0x22, 0x02) == ["check_0x20"]


def test_legacy_module_format_numbers_types_differently() -> None:
    # Deprecated field 1: 2 = SYSTEM_PART, 3 = USER_PART (current enum: 2 = BOOTLOADER, 3 = MONO_FIRMWARE)
    wire = pb.GetModuleInfoReply(modules=[
        pb.Module(type=2, index=1, version=1512, size=262144),
        pb.Module(type=3, index=1, version=5, size=131072, validity=0x02,
                  dependencies=[pb.Module.Dependency(type=2, index=1, version=1512)]),
        pb.Module(type=5, index=0, version=7, validity=0x01),
    ]).SerializeToString()
    reply = decode_reply(90, wire)
    assert reply.format == "legacy"
    system, user, ncp = reply.modules
    assert (system.type, system.failed_checks, system.store) == ("system_part", [], None)
    assert (user.type, user.failed_checks) == ("user_part", ["dependencies"])
    assert user.dependencies == [ModuleDependency("system_part", 1, 1512)]
    assert (ncp.type, ncp.failed_checks) == ("ncp_firmware", ["integrity"])
    assert decode_reply(90, encode_reply(90, reply)) == reply


def test_current_format_wins_when_both_are_sent() -> None:
    wire = pb.GetModuleInfoReply(modules=[pb.Module(type=3)], firmware_modules=[_user_part(2, 2)])
    assert decode_reply(90, wire.SerializeToString()).format == "current"


def test_module_encoding_rejects_unknown_names() -> None:
    bad = ModuleInfoReply([ModuleInfo("firmware", 1, 1)])
    with pytest.raises(ValueError, match="firmware"):
        encode_reply(90, bad)
    with pytest.raises(TypeError):
        encode_reply(90, [ModuleInfo("user_part", 1, 1)])


def test_diagnostics_json_with_errors() -> None:
    text = b'{"sys:uptime":3600,"mem:free":81234,"net:rssi":{"err":-210},"bat:soc":87.5}'
    info = decode_reply(RequestType.DIAGNOSTIC_INFO, text)
    assert info.values == {"sys:uptime": 3600, "mem:free": 81234, "bat:soc": 87.5}
    assert info.errors == {"net:rssi": -210}
    assert decode_reply(100, encode_reply(100, info)) == info
    assert decode_reply(100, b"{}\x00") == DiagnosticInfo()


@pytest.mark.parametrize("payload", [b'{"sys:uptime":', b"[1,2]", b'{"a":"text"}', b"\xff\xfe"])
def test_bad_diagnostics_raise_protocol_error(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_reply(100, payload)


@pytest.mark.parametrize("type_id", [20, 72, 90, 401, 554])
def test_garbled_protobuf_raises_protocol_error(type_id: int) -> None:
    with pytest.raises(ProtocolError, match="could not decode"):
        decode_reply(type_id, b"\x0a\x05ab")  # length-delimited field cut short


def test_result_names() -> None:
    assert result_name(-120) == "NOT_SUPPORTED (-120)"
    assert result_name(0) == "OK (0)"
    assert result_name(-1801) == "PROTECTED (-1801)"
    assert result_name(-999) == "UNKNOWN_RESULT (-999)"
    assert RESULT_CODES[-1340] == "OTA_DEPENDENCY_CHECK_FAILED"
    assert len(RESULT_CODES) == 102  # every code of device-os services/inc/system_error.h (6.2.0)

"""Control-request payloads as plain Python values: one codec, both directions.

Sources: the messages of device-os-protobuf ``control/*.proto`` and ``cloud/describe.proto``,
https://github.com/particle-iot/device-os-protobuf; the handlers in device-os ``system/src/control/*.cpp`` and
``system/src/system_control_internal.cpp``, https://github.com/particle-iot/device-os; particle-usb
``src/device.js``, https://github.com/particle-iot/particle-usb.

The host encodes requests and decodes replies; the virtual device decodes requests and encodes replies with
the same table, so both sides agree by construction.  ``REQUESTS`` is data: each ``RequestSpec`` names its
request message (``None`` = empty payload) and the codec of its reply.  Replies are read by protocol.wire (no
protobuf runtime: start-up time); building a message (a request with fields, a virtual device's reply) uses
protobuf, imported then (``pb`` names the messages of control.proto, codec.ProtoRef).

Replies follow proto3: a default field is not sent, so a zero-length reply decodes to all defaults
(an empty GetDeviceModeReply means NORMAL mode: particle-usb ``getDeviceMode``).  Bytes that do not decode raise
``ProtocolError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from particle_diag.catalog.cloud_status import CLOUD_STATUSES
from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.catalog.requests import RequestType
from particle_diag.errors import ProtocolError
from particle_diag.protocol.codec import (
    NO_REPLY,
    ReplyCodec,
    RequestSpec,
    enum_name,
    enum_value,
    format_mac,
    messages_of,
    parse_mac,
    parse_message,
    proto_codec,
    request_spec,
)

if TYPE_CHECKING:
    from particle_diag.protocol.replies import (
        AssetInfo,
        DiagnosticInfo,
        NetworkInterface,
    )

pb = messages_of("control_pb2")  # the messages of control.proto and firmware_update.proto (codec.ProtoRef)
fw = messages_of("firmware_update_pb2")

# ---- enum names ------------------------------------------------------------------------------------------
# The two module-info formats number module types differently (describe.proto FirmwareModule.Type, storage.proto
# Module.Type); both map to these names.
MODULE_TYPES: dict[int, str] = {
    0: "invalid", 1: "resource", 2: "bootloader", 3: "mono_firmware", 4: "system_part", 5: "user_part",
    6: "settings", 7: "ncp_firmware", 8: "radio_stack", 9: "asset",
}
LEGACY_MODULE_TYPES: dict[int, str] = {
    0: "invalid", 1: "bootloader", 2: "system_part", 3: "user_part", 4: "mono_firmware", 5: "ncp_firmware",
    6: "radio_stack",
}
MODULE_STORES: dict[int, str] = {0: "main", 1: "factory", 2: "backup", 3: "scratchpad"}
DEVICE_MODES: dict[int, str] = {0: "normal", 1: "listening"}
INTERFACE_TYPES: dict[int, str] = {1: "loopback", 2: "thread", 4: "ethernet", 8: "wifi", 16: "ppp"}

# Module validity bits (FirmwareModule checked_flags / passed_flags); failed = checked XOR passed
# (particle-usb src/device.js getFirmwareModuleInfo).
VALIDITY_CHECKS: dict[int, str] = {
    0x02: "integrity", 0x04: "dependencies", 0x08: "address_range", 0x10: "platform",
}
# The deprecated format reports failures only: 0x01 integrity failed, 0x02 dependency failed (storage.proto).
LEGACY_VALIDITY_FAILURES: dict[int, int] = {0x01: 0x02, 0x02: 0x04}  # legacy bit -> validity bit
LEGACY_CHECKED = 0x02 | 0x04  # what a legacy reply can speak about

def failed_check_names(checked: int, passed: int) -> list[str]:
    """Names of the checks that ran and failed; bits without a name read ``check_0x<bit>``."""
    failed = checked ^ passed
    return [VALIDITY_CHECKS.get(1 << i, f"check_{1 << i:#04x}") for i in range(32) if failed & (1 << i)]


# ---- reply values ------------------------------------------------------------------------------------------
# The replies of requests a listing never sends live in protocol/replies.py, imported on first use: building a
# frozen dataclass costs about 0.45 ms, and `pdiag list` is measured against particle-cli
# (benchmarks/list_vs_particle_cli.py).
_LAZY_REPLIES = frozenset({"SerialNumber", "AssetInfo", "AssetInfoReply", "DiagnosticInfo", "CloudStatus",
                           "InterfaceEntry", "InterfaceList", "NetworkInterface", "FirmwareUpdateStart",
                           "CellularIds"})


def _r() -> ModuleType:
    from particle_diag.protocol import replies

    return replies


@dataclass(frozen=True)
class DeviceId:
    id: str


@dataclass(frozen=True)
class SystemVersion:
    version: str


@dataclass(frozen=True)
class DeviceMode:
    mode: str  # "normal" | "listening" | "unknown_<n>"


@dataclass(frozen=True)
class ProtectedState:
    protected: bool  # field 1 "state": Device Protection is active
    overridden: bool = False  # field 2: protection lifted for now (service mode)


@dataclass(frozen=True)
class ModuleInfo:
    """One firmware module, whichever way the device described it (request 90 either format, console ``s``).

    ``checked_flags``/``passed_flags`` are validity bits (``VALIDITY_CHECKS``); ``failed_checks`` is derived
    from them.  Fields a source does not report stay None (e.g. ``store`` in the deprecated format).
    """

    type: str  # "bootloader", "system_part", "user_part", ... (MODULE_TYPES names)
    index: int
    version: int
    size: int | None = None
    store: str | None = None  # "main" | "factory" | "backup" | "scratchpad"
    max_size: int | None = None
    checked_flags: int = 0
    passed_flags: int = 0
    hash: str | None = None  # SHA-256, lowercase hex
    dependencies: list[ModuleDependency] = field(default_factory=list)
    failed_checks: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "failed_checks", failed_check_names(self.checked_flags, self.passed_flags))


@dataclass(frozen=True)
class ModuleInfoReply:
    modules: list[ModuleInfo]
    format: str = "current"  # "current" (field 2, Device OS >= 5.6.0) or "legacy" (field 1)


# -- module info (request 90) --
def _dependency(dep: Any, types: Mapping[int, str]) -> ModuleDependency:
    return ModuleDependency(enum_name(types, dep.type), dep.index, dep.version)


def _module_from_current(m: pb.FirmwareModule) -> ModuleInfo:
    return ModuleInfo(
        type=enum_name(MODULE_TYPES, m.type), index=m.index, version=m.version, size=m.size,
        store=enum_name(MODULE_STORES, m.store), max_size=m.max_size, checked_flags=m.checked_flags,
        passed_flags=m.passed_flags, hash=m.hash.hex() or None,
        dependencies=[_dependency(d, MODULE_TYPES) for d in m.dependencies],
    )


def _module_from_legacy(m: pb.Module) -> ModuleInfo:
    # Legacy validity lists failures only; express it as "integrity and dependencies checked, these failed".
    failed = 0
    for legacy_bit, bit in LEGACY_VALIDITY_FAILURES.items():
        if m.validity & legacy_bit:
            failed |= bit
    return ModuleInfo(
        type=enum_name(LEGACY_MODULE_TYPES, m.type), index=m.index, version=m.version, size=m.size,
        checked_flags=LEGACY_CHECKED, passed_flags=LEGACY_CHECKED & ~failed,
        dependencies=[_dependency(d, LEGACY_MODULE_TYPES) for d in m.dependencies],
    )


def _modules_to_py(reply: pb.GetModuleInfoReply) -> ModuleInfoReply:
    if reply.firmware_modules or not reply.modules:
        return ModuleInfoReply([_module_from_current(m) for m in reply.firmware_modules], "current")
    return ModuleInfoReply([_module_from_legacy(m) for m in reply.modules], "legacy")


def _module_to_current(m: ModuleInfo) -> pb.FirmwareModule:
    return pb.FirmwareModule(
        type=enum_value(MODULE_TYPES, m.type), index=m.index, version=m.version, size=m.size or 0,
        store=enum_value(MODULE_STORES, m.store or "main"), max_size=m.max_size or 0,
        checked_flags=m.checked_flags, passed_flags=m.passed_flags, hash=bytes.fromhex(m.hash or ""),
        dependencies=[pb.FirmwareModule.Dependency(type=enum_value(MODULE_TYPES, d.function), index=d.index,
                                                   version=d.version) for d in m.dependencies],
    )


def _asset_to_py(a: pb.FirmwareModuleAsset) -> AssetInfo:
    return _r().AssetInfo(a.name, bytes(a.hash).hex(), a.size, a.storage_size)


def _asset_from_py(a: AssetInfo) -> pb.FirmwareModuleAsset:
    return pb.FirmwareModuleAsset(name=a.name, hash=bytes.fromhex(a.hash), size=a.size, storage_size=a.storage_size)


def _module_to_legacy(m: ModuleInfo) -> pb.Module:
    failed = m.checked_flags ^ m.passed_flags
    validity = sum(legacy for legacy, bit in LEGACY_VALIDITY_FAILURES.items() if failed & bit)
    return pb.Module(
        type=enum_value(LEGACY_MODULE_TYPES, m.type), index=m.index, version=m.version, size=m.size or 0,
        validity=validity,
        dependencies=[pb.Module.Dependency(type=enum_value(LEGACY_MODULE_TYPES, d.function), index=d.index,
                                           version=d.version) for d in m.dependencies],
    )


def _modules_from_py(value: ModuleInfoReply) -> pb.GetModuleInfoReply:
    if value.format == "legacy":
        return pb.GetModuleInfoReply(modules=[_module_to_legacy(m) for m in value.modules])
    if value.format == "current":
        return pb.GetModuleInfoReply(firmware_modules=[_module_to_current(m) for m in value.modules])
    raise ValueError(f"module info format must be 'current' or 'legacy', not {value.format!r}")


# -- JSON from a device (console `s`/`d`, request 100) --
MAX_JSON_DEPTH = 32  # Device OS JSON nests 4 deep at most (describe -> m -> module -> d); far more is hostile


def load_device_json(text: str, what: str) -> Any:
    """``json.loads`` for text a device sent: any failure (bad syntax, nesting that would exhaust the stack,
    a number too long to convert) is a ProtocolError naming ``what``.  Non-finite numbers (``NaN``,
    ``Infinity``, ``1e999``) are kept as floats: the parsers judge them, the JSON renderer prints null."""
    depth = _nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ProtocolError(f"{what} are nested {depth} levels deep: not what a device sends")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"{what} are not valid JSON ({exc}): {text[:80]!r}") from exc
    except (RecursionError, ValueError) as exc:  # ValueError: an integer longer than Python converts
        raise ProtocolError(f"{what} cannot be read as JSON ({type(exc).__name__}): {text[:80]!r}") from exc


def _nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings (an upper bound is enough: it only guards json.loads)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


# -- diagnostics (request 100, console 'd'): JSON text, not protobuf --
def parse_diagnostics_json(text: str) -> DiagnosticInfo:
    """``{"sys:uptime":42,"net:rssi":{"err":-210}}`` -> DiagnosticInfo; anything else -> ProtocolError."""
    text = text.strip().rstrip("\x00").strip()
    if not text:
        return _r().DiagnosticInfo()
    data = load_device_json(text, "diagnostics")
    if not isinstance(data, dict):
        raise ProtocolError(f"diagnostics JSON is not an object: {text[:80]!r}")
    from particle_diag.catalog.diagnostics import LEGACY_TERMINATOR

    values: dict[str, int | float] = {}
    errors: dict[str, int] = {}
    for name, value in data.items():
        if name == LEGACY_TERMINATOR and value == "":
            continue  # the trailer of Device OS < 2.2.0 and 3.0-3.1 (catalog/data/capabilities.toml)
        if isinstance(value, dict) and isinstance(value.get("err"), int):
            errors[name] = value["err"]  # the source failed to report (system/src/control/diagnostics.cpp)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            values[name] = value
        else:
            raise ProtocolError(f"diagnostic {name!r} has an unexpected value: {value!r}")
    return _r().DiagnosticInfo(values, errors)


def diagnostics_json(info: DiagnosticInfo, *, terminator: bool = False) -> str:
    """The compact JSON Device OS prints (values, then failed sources as ``{"err":code}``), with the legacy
    ``"_":""`` trailer when ``terminator`` (Device OS < 2.2.0 and 3.0-3.1)."""
    from particle_diag.catalog.diagnostics import LEGACY_TERMINATOR

    data: dict[str, object] = {**info.values, **{k: {"err": v} for k, v in info.errors.items()}}
    if terminator:
        data[LEGACY_TERMINATOR] = ""
    return json.dumps(data, separators=(",", ":"))


def _diagnostics_decode(payload: bytes) -> DiagnosticInfo:
    try:
        text = bytes(payload).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"diagnostics reply is not UTF-8 text: {exc}") from exc
    return parse_diagnostics_json(text)


def _diagnostics_encode(value: DiagnosticInfo) -> bytes:
    if not isinstance(value, _r().DiagnosticInfo):
        raise TypeError(f"diagnostics are built from a DiagnosticInfo, not {value!r}")
    return diagnostics_json(value).encode()


# -- network interfaces (requests 400, 401) --
def _address_to_py(a: pb.InterfaceAddress) -> str:
    import ipaddress

    ip = a.address
    if ip.HasField("v4"):
        text = str(ipaddress.IPv4Address(ip.v4.address))
    elif ip.HasField("v6"):
        try:
            text = str(ipaddress.IPv6Address(bytes(ip.v6.address)))
        except ipaddress.AddressValueError as exc:
            raise ProtocolError(f"an IPv6 address of {len(ip.v6.address)} bytes: {exc}") from exc
    else:
        raise ProtocolError("an interface address without an IPv4 or IPv6 value")
    return f"{text}/{a.prefix_length}"


def _address_from_py(text: str) -> pb.InterfaceAddress:
    import ipaddress

    iface = ipaddress.ip_interface(text)
    ip = (pb.IpAddress(v4=pb.Ipv4Address(address=int(iface.ip))) if iface.version == 4
          else pb.IpAddress(v6=pb.Ipv6Address(address=iface.ip.packed)))
    return pb.InterfaceAddress(address=ip, prefix_length=iface.network.prefixlen)


def _interface_to_py(reply: pb.NetworkGetInterfaceReply) -> NetworkInterface:
    import ipaddress

    i = reply.interface
    addresses = tuple(_address_to_py(a) for a in (*i.ipv4_config.addresses, *i.ipv6_config.addresses))
    gateway = str(ipaddress.IPv4Address(i.ipv4_config.gateway.address)) if i.ipv4_config.HasField("gateway") \
        else None
    return _r().NetworkInterface(
        index=i.index, name=i.name, type=enum_name(INTERFACE_TYPES, i.type), flags=i.flags,
        ext_flags=i.ext_flags,
        mac=format_mac(i.hw_address), mtu=i.mtu, metric=i.metric, profile=bytes(i.profile),
        addresses=addresses, gateway=gateway,
    )


def _interface_from_py(v: NetworkInterface) -> pb.NetworkGetInterfaceReply:
    import ipaddress

    parsed = [_address_from_py(a) for a in v.addresses]
    v4 = [a for a in parsed if a.address.HasField("v4")]
    v6 = [a for a in parsed if a.address.HasField("v6")]
    gateway = pb.Ipv4Address(address=int(ipaddress.IPv4Address(v.gateway))) if v.gateway else None
    return pb.NetworkGetInterfaceReply(interface=pb.Interface(
        index=v.index, name=v.name, type=enum_value(INTERFACE_TYPES, v.type), flags=v.flags,
        ext_flags=v.ext_flags, hw_address=parse_mac(v.mac), mtu=v.mtu, metric=v.metric, profile=v.profile,
        ipv4_config=pb.Ipv4Config(addresses=v4, gateway=gateway), ipv6_config=pb.Ipv6Config(addresses=v6),
    ))


R = RequestType
_CORE: dict[int, RequestSpec] = {s.id: s for s in (
    request_spec(R.DEVICE_ID, pb.GetDeviceIdRequest, proto_codec(
        pb.GetDeviceIdReply, DeviceId, lambda r: DeviceId(r.id), lambda v: pb.GetDeviceIdReply(id=v.id))),
    request_spec(R.SERIAL_NUMBER, pb.GetSerialNumberRequest, proto_codec(
        pb.GetSerialNumberReply, lambda: _r().SerialNumber, lambda r: _r().SerialNumber(r.serial),
        lambda v: pb.GetSerialNumberReply(serial=v.serial))),
    request_spec(R.SYSTEM_VERSION, pb.GetSystemVersionRequest, proto_codec(
        pb.GetSystemVersionReply, SystemVersion, lambda r: SystemVersion(r.version),
        lambda v: pb.GetSystemVersionReply(version=v.version))),
    request_spec(R.RESET, None, NO_REPLY),
    request_spec(R.DFU_MODE, None, NO_REPLY),
    request_spec(R.SAFE_MODE, None, NO_REPLY),
    request_spec(R.START_LISTENING, pb.StartListeningModeRequest, NO_REPLY),
    request_spec(R.STOP_LISTENING, pb.StopListeningModeRequest, NO_REPLY),
    request_spec(R.GET_DEVICE_MODE, pb.GetDeviceModeRequest, proto_codec(
        pb.GetDeviceModeReply, DeviceMode, lambda r: DeviceMode(enum_name(DEVICE_MODES, r.mode)),
        lambda v: pb.GetDeviceModeReply(mode=enum_value(DEVICE_MODES, v.mode)))),
    request_spec(R.GET_PROTECTED_STATE, pb.GetProtectedStateRequest, proto_codec(
        pb.GetProtectedStateReply, ProtectedState, lambda r: ProtectedState(r.state, r.overridden),
        lambda v: pb.GetProtectedStateReply(state=v.protected, overridden=v.overridden))),
    request_spec(R.GET_MODULE_INFO, pb.GetModuleInfoRequest, proto_codec(
        pb.GetModuleInfoReply, ModuleInfoReply, _modules_to_py, _modules_from_py)),
    request_spec(R.GET_ASSET_INFO, pb.GetAssetInfoRequest, proto_codec(
        pb.GetAssetInfoReply, lambda: _r().AssetInfoReply,
        lambda r: _r().AssetInfoReply([_asset_to_py(a) for a in r.available], [_asset_to_py(a) for a in r.required]),
        lambda v: pb.GetAssetInfoReply(available=[_asset_from_py(a) for a in v.available],
                                       required=[_asset_from_py(a) for a in v.required]))),
    # Request 100 must be empty (a payload makes Device OS answer -120) and replies JSON text
    # (system/src/control/diagnostics.cpp).
    request_spec(R.DIAGNOSTIC_INFO, None, ReplyCodec(_diagnostics_decode, _diagnostics_encode)),
    request_spec(R.CLOUD_GET_CONNECTION_STATUS, pb.CloudGetConnectionStatusRequest, proto_codec(
        pb.CloudGetConnectionStatusReply, lambda: _r().CloudStatus,
        lambda r: _r().CloudStatus(enum_name(CLOUD_STATUSES, r.status)),
        lambda v: pb.CloudGetConnectionStatusReply(status=enum_value(CLOUD_STATUSES, v.status)))),
    request_spec(R.NETWORK_GET_INTERFACE_LIST, pb.NetworkGetInterfaceListRequest, proto_codec(
        pb.NetworkGetInterfaceListReply, lambda: _r().InterfaceList,
        lambda r: _r().InterfaceList([_r().InterfaceEntry(e.index, e.name, enum_name(INTERFACE_TYPES, e.type))
                                 for e in r.interfaces]),
        lambda v: pb.NetworkGetInterfaceListReply(interfaces=[
            pb.InterfaceEntry(index=e.index, name=e.name, type=enum_value(INTERFACE_TYPES, e.type))
            for e in v.interfaces]))),
    request_spec(R.NETWORK_GET_INTERFACE, pb.NetworkGetInterfaceRequest, proto_codec(
        pb.NetworkGetInterfaceReply, lambda: _r().NetworkInterface, _interface_to_py, _interface_from_py)),
    # Firmware update over USB (requests 250-253): only START answers with a payload (storage.cpp).
    request_spec(R.START_FIRMWARE_UPDATE, fw.StartFirmwareUpdateRequest, proto_codec(
        fw.StartFirmwareUpdateReply, lambda: _r().FirmwareUpdateStart, lambda r: _r().FirmwareUpdateStart(r.chunk_size),
        lambda v: fw.StartFirmwareUpdateReply(chunk_size=v.chunk_size))),
    request_spec(R.FINISH_FIRMWARE_UPDATE, fw.FinishFirmwareUpdateRequest, NO_REPLY),
    request_spec(R.CANCEL_FIRMWARE_UPDATE, None, NO_REPLY),
    request_spec(R.FIRMWARE_UPDATE_DATA, fw.FirmwareUpdateDataRequest, NO_REPLY),
    request_spec(R.CELLULAR_GET_ICCID, pb.CellularGetIccidRequest, proto_codec(
        pb.CellularGetIccidReply, lambda: _r().CellularIds, lambda r: _r().CellularIds(r.iccid or None, r.imei or None),
        lambda v: pb.CellularGetIccidReply(iccid=v.iccid or "", imei=v.imei or ""))),
)}
del R



@cache
def _all_requests() -> dict[int, RequestSpec]:
    """With the bench-toolkit requests (setup done, server, rainbow signal, Wi-Fi, cellular), which live in their
    own module and are imported when first needed: listing devices uses only the core requests (start-up time)."""
    from particle_diag.protocol import toolkit_messages

    return {**_CORE, **{s.id: s for s in toolkit_messages.SPECS}}


def __getattr__(name: str) -> Any:
    if name == "REQUESTS":  # every request with a codec (the table is complete once asked for as a whole)
        return _all_requests()
    if name in _LAZY_REPLIES:  # `from particle_diag.protocol.messages import CloudStatus` (PEP 562)
        return getattr(_r(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def spec_for(type_id: int) -> RequestSpec:
    spec = _CORE.get(type_id) or _all_requests().get(type_id)
    if spec is None:
        raise ValueError(f"control request {type_id} has no codec in protocol.messages")
    return spec


# ---- the four directions -----------------------------------------------------------------------------------
def encode_request(type_id: int, **fields: Any) -> bytes:
    """Host side: the request payload, e.g. ``encode_request(401, index=2)``; b"" for empty requests."""
    spec = spec_for(type_id)
    if spec.request is None:
        if fields:
            raise ValueError(f"{spec.name} takes no fields, got {sorted(fields)}")
        return b""
    if not fields:
        return b""  # proto3: a message with every field at its default is encoded as nothing
    return spec.request(**fields).SerializeToString()


def decode_request(type_id: int, payload: bytes) -> dict[str, Any]:
    """Device side: the request's fields as a dict (proto3 defaults filled in)."""
    spec = spec_for(type_id)
    if spec.request is None:
        if payload:
            raise ProtocolError(f"{spec.name} takes no payload, got {len(payload)} bytes")
        return {}
    msg = parse_message(spec.request, payload)
    return {f.name: getattr(msg, f.name) for f in msg.DESCRIPTOR.fields}


def decode_reply(type_id: int, payload: bytes) -> Any:
    """Host side: the reply as a dataclass from this module (None for requests without a reply)."""
    return spec_for(type_id).reply.decode(payload)


def encode_reply(type_id: int, value: Any) -> bytes:
    """Device side: the reply payload for ``value`` (the dataclass ``decode_reply`` returns)."""
    return spec_for(type_id).reply.encode(value)

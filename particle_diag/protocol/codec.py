"""The codec building blocks of control-request payloads (protocol.messages builds its table from them):
open enums, MAC addresses, and the ``RequestSpec``/``ReplyCodec`` pair each request is described by."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from particle_diag.catalog.requests import RequestType
from particle_diag.errors import ProtocolError

_UNKNOWN_NAME = re.compile(r"unknown_(\d+)")


def enum_name(table: Mapping[int, str], value: int) -> str:
    """``table[value]``, or ``"unknown_<n>"`` for values newer firmware may send (proto3 enums are open)."""
    return table.get(value, f"unknown_{value}")


def enum_value(table: Mapping[int, str], name: str) -> int:
    """The inverse of ``enum_name`` (``"unknown_<n>"`` gives back ``n``)."""
    for value, known in table.items():
        if known == name:
            return value
    m = _UNKNOWN_NAME.fullmatch(name)
    if m:
        return int(m[1])
    raise ValueError(f"{name!r} is not one of {sorted(table.values())}")


def format_mac(hw_address: bytes) -> str | None:
    """``b"\\xaa\\xbb..."`` -> ``"aa:bb:..."`` (lowercase, like ``particle serial mac``); None when empty."""
    return ":".join(f"{b:02x}" for b in hw_address) or None


def parse_mac(mac: str | None) -> bytes:
    if not mac:
        return b""
    try:
        return bytes(int(part, 16) for part in mac.split(":"))
    except ValueError as exc:
        raise ValueError(f"not a MAC address: {mac!r}") from exc


# ---- the messages of control.proto -------------------------------------------------------------------------
class ProtoRef:
    """A message of one of pdiag's .proto files by name.  Replies are decoded by protocol.wire; building one (a
    request with fields, a virtual device's reply) calls protobuf's class, which is imported only then (start-up
    time)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module  # the generated module in protocol/pb, e.g. "control_pb2"
        self.name = name  # relative to the .proto's package; nested messages dotted

    def __getattr__(self, attr: str) -> Any:
        if attr[:1].isupper() and attr != "DESCRIPTOR":  # a nested message: FirmwareModule.Dependency
            return ProtoRef(self.module, f"{self.name}.{attr}")
        return getattr(self.resolve(), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    @property
    def full_name(self) -> str:
        from particle_diag.protocol.pb.wire_schema import PACKAGES

        return f"{PACKAGES[self.module]}.{self.name}"

    def resolve(self) -> Any:
        """protobuf's generated class."""
        import importlib

        found: Any = importlib.import_module(f"particle_diag.protocol.pb.{self.module}")
        for part in self.name.split("."):
            found = getattr(found, part)
        return found

    def __repr__(self) -> str:
        return f"ProtoRef({self.module!r}, {self.name!r})"


class _Messages:
    """Stands in for a generated module in the codec tables: ``pb.GetDeviceModeReply`` is a ProtoRef."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> ProtoRef:
        return ProtoRef(self._module, name)


def messages_of(module: str) -> Any:
    """The messages of ``protocol/pb/<module>.py`` (``"control_pb2"``), without importing protobuf."""
    return _Messages(module)


# ---- the codec table ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplyCodec:
    """Decodes reply bytes into a Python value (host side) and encodes one (device side)."""

    decode: Callable[[bytes], Any]
    encode: Callable[[Any], bytes]


@dataclass(frozen=True)
class RequestSpec:
    id: int
    name: str
    request: ProtoRef | None  # None: the request payload must be empty
    reply: ReplyCodec


def read_message(ref: ProtoRef, payload: bytes) -> Any:
    """Host side: a reply's bytes as a read-only message (protocol.wire, no protobuf runtime)."""
    from particle_diag.protocol.wire import WireError, decode

    try:
        return decode(ref.full_name, payload)
    except WireError as exc:
        raise _undecodable(ref.name, payload, exc) from exc


def parse_message(ref: ProtoRef, payload: bytes) -> Any:
    """Device side: the bytes as protobuf's message object (the virtual devices read requests so)."""
    from google.protobuf.message import DecodeError

    try:
        return ref.resolve().FromString(bytes(payload))
    except (DecodeError, UnicodeDecodeError, ValueError) as exc:
        raise _undecodable(ref.name, payload, exc) from exc


def _undecodable(name: str, payload: bytes, exc: Exception) -> ProtocolError:
    return ProtocolError(f"could not decode {name.rsplit('.', 1)[-1]} ({len(payload)} bytes: "
                         f"{bytes(payload[:32]).hex()}): {exc}")


def proto_codec(ref: ProtoRef, py_type: type | Callable[[], type], to_py: Callable[[Any], Any],
                 from_py: Callable[[Any], Any]) -> ReplyCodec:
    """``py_type``: the reply's Python class, or a function returning it (a class imported on first use)."""
    def decode(payload: bytes) -> Any:
        return to_py(read_message(ref, payload))

    def encode(value: Any) -> bytes:
        cls = py_type if isinstance(py_type, type) else py_type()
        if not isinstance(value, cls):
            raise TypeError(f"{ref.name} is built from a {cls.__name__}, not {value!r}")
        return from_py(value).SerializeToString()

    return ReplyCodec(decode, encode)


def _no_reply_decode(payload: bytes) -> None:
    return None  # RESET/DFU_MODE/...: nothing to read; stray bytes carry no meaning


def _no_reply_encode(value: None) -> bytes:
    if value is not None:
        raise TypeError(f"this request has no reply payload, got {value!r}")
    return b""


NO_REPLY = ReplyCodec(_no_reply_decode, _no_reply_encode)


def request_spec(type_id: RequestType, request: ProtoRef | None, reply: ReplyCodec) -> RequestSpec:
    return RequestSpec(int(type_id), type_id.name, request, reply)



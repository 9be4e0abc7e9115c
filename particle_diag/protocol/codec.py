"""The codec building blocks of control-request payloads (protocol.messages builds its table from them):
open enums, MAC addresses, and the ``RequestSpec``/``ReplyCodec`` pair each request is described by."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError, Message

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
    request: type[Message] | None  # None: the request payload must be empty
    reply: ReplyCodec


def parse_message(cls: type[Message], payload: bytes) -> Any:
    try:
        return cls.FromString(bytes(payload))
    except (DecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"could not decode {cls.DESCRIPTOR.name} ({len(payload)} bytes: "
                            f"{bytes(payload[:32]).hex()}): {exc}") from exc


def proto_codec(cls: type[Message], py_type: type, to_py: Callable[[Any], Any],
                 from_py: Callable[[Any], Message]) -> ReplyCodec:
    def decode(payload: bytes) -> Any:
        return to_py(parse_message(cls, payload))

    def encode(value: Any) -> bytes:
        if not isinstance(value, py_type):
            raise TypeError(f"{cls.DESCRIPTOR.name} is built from a {py_type.__name__}, not {value!r}")
        return from_py(value).SerializeToString()

    return ReplyCodec(decode, encode)


def _no_reply_decode(payload: bytes) -> None:
    return None  # RESET/DFU_MODE/...: nothing to read; stray bytes carry no meaning


def _no_reply_encode(value: None) -> bytes:
    if value is not None:
        raise TypeError(f"this request has no reply payload, got {value!r}")
    return b""


NO_REPLY = ReplyCodec(_no_reply_decode, _no_reply_encode)


def request_spec(type_id: RequestType, request: type[Message] | None, reply: ReplyCodec) -> RequestSpec:
    return RequestSpec(int(type_id), type_id.name, request, reply)



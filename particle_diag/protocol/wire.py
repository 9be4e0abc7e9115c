"""Replies decoded straight from the protobuf wire format, without the protobuf runtime.

Importing protobuf and control_pb2 costs about 25 ms, more than a whole `pdiag list` spends talking to a
bench of devices (start-up time, issue 12).  The host only ever *reads* replies, so it decodes them here, from
the same .proto files (their fields, generated into pb/wire_schema.py); requests with fields and everything the
virtual devices encode still go through protobuf.  ``decode`` gives a read-only message object with the
attribute access, proto3 defaults, ``HasField`` and ``WhichOneof`` of a protobuf message, so the codecs in
protocol.messages read both alike; tests/protocol/test_wire.py checks it against protobuf on generated and
random bytes.

Wire format: https://protobuf.dev/programming-guides/encoding/ (varints, zigzag, fixed widths, length-delimited
fields, packed repeated scalars, unknown fields skipped, the last value of a singular field wins, a repeated
occurrence of a singular message merges into it).
"""

from __future__ import annotations

import struct
from functools import cache
from typing import Any

# Wire types.
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5

# descriptor.proto FieldDescriptorProto.Type, as pb/wire_schema.py records them.
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, \
    SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)

_WIRE_TYPE = {DOUBLE: I64, FLOAT: I32, INT64: VARINT, UINT64: VARINT, INT32: VARINT, FIXED64: I64, FIXED32: I32,
              BOOL: VARINT, STRING: LEN, MESSAGE: LEN, BYTES: LEN, UINT32: VARINT, ENUM: VARINT, SFIXED32: I32,
              SFIXED64: I64, SINT32: VARINT, SINT64: VARINT}
_FIXED = {DOUBLE: "<d", FLOAT: "<f", FIXED64: "<Q", FIXED32: "<I", SFIXED32: "<i", SFIXED64: "<q"}
_DEFAULT: dict[int, Any] = {DOUBLE: 0.0, FLOAT: 0.0, BOOL: False, STRING: "", BYTES: b""}
_MASK32, _MASK64 = (1 << 32) - 1, (1 << 64) - 1


class WireError(ValueError):
    """Bytes that are not a valid encoding of the message."""


# name, descriptor type, repeated, message type, oneof, has presence
Field = tuple[str, int, bool, "str | None", "str | None", bool]


@cache
def _fields(message: str) -> dict[int, Field]:
    from particle_diag.protocol.pb.wire_schema import MESSAGES

    return MESSAGES[message]


@cache
def _by_name(message: str) -> dict[str, Field]:
    return {f[0]: f for f in _fields(message).values()}


class Message:
    """A decoded message: its fields as attributes (proto3 defaults for those not sent), read-only."""

    __slots__ = ("_name", "_values")

    def __init__(self, name: str) -> None:
        self._name = name
        self._values: dict[str, Any] = {}

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        field = _by_name(self._name).get(attr)
        if field is None:
            raise AttributeError(f"{self._name} has no field {attr!r}")
        if attr in self._values:
            return self._values[attr]
        _, kind, repeated, message, _, _ = field
        if repeated:
            return []
        if kind == MESSAGE:
            assert message is not None
            return Message(message)  # an unset message field reads as an empty one, as in protobuf
        return _DEFAULT.get(kind, 0)

    def HasField(self, name: str) -> bool:  # protobuf's name
        field = _by_name(self._name).get(name)
        if field is None or field[2] or not field[5]:
            raise ValueError(f"{self._name}.{name} has no presence")
        return name in self._values

    def WhichOneof(self, oneof: str) -> str | None:  # protobuf's name
        members = [f[0] for f in _fields(self._name).values() if f[4] == oneof]
        if not members:
            raise ValueError(f"{self._name} has no oneof {oneof!r}")
        return next((m for m in members if m in self._values), None)

    def __repr__(self) -> str:
        return f"{self._name}({self._values!r})"


def decode(message: str, data: bytes) -> Message:
    """``data`` as ``message`` (its full name: ``particle_diag.ctrl.FirmwareModule.Dependency``)."""
    out = Message(message)
    _merge(out, memoryview(bytes(data)))
    return out


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(10):
        if pos + i >= len(data):
            raise WireError("truncated varint")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value & _MASK64, pos + i + 1
        shift += 7
    raise WireError("varint longer than 10 bytes")


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _scalar(kind: int, value: int) -> Any:
    """A varint as the field's type."""
    if kind in (INT32, ENUM):
        return _signed(value, 32)
    if kind == INT64:
        return _signed(value, 64)
    if kind == UINT32:
        return value & _MASK32
    if kind == BOOL:
        return value != 0
    if kind in (SINT32, SINT64):
        value &= _MASK32 if kind == SINT32 else _MASK64
        return (value >> 1) ^ -(value & 1)
    return value  # UINT64


def _merge(out: Message, data: memoryview) -> None:
    fields = _fields(out._name)
    values = out._values
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0 or number > 0x1FFFFFFF:
            raise WireError(f"invalid field number {number}")
        field = fields.get(number)
        if field is None or (wire != _WIRE_TYPE[field[1]] and not (field[2] and wire == LEN
                                                                     and _WIRE_TYPE[field[1]] != LEN)):
            pos = _skip(data, pos, number, wire)  # unknown field, or known under another wire type
            continue
        name, kind, repeated, message, oneof, _ = field
        if wire == LEN:
            length, pos = _varint(data, pos)
            if length > end - pos:
                raise WireError("truncated length-delimited field")
            chunk, pos = data[pos:pos + length], pos + length
            if kind == MESSAGE:
                assert message is not None
                if repeated:
                    item = Message(message)
                    _merge(item, chunk)
                    values.setdefault(name, []).append(item)
                    continue
                item = values.get(name) or Message(message)
                _merge(item, chunk)  # a repeated occurrence of a singular message merges into it
                value: Any = item
            elif kind == STRING:
                try:
                    value = bytes(chunk).decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise WireError(f"field {name} is not valid UTF-8") from exc
            elif kind == BYTES:
                value = bytes(chunk)
            else:  # packed repeated scalars
                values.setdefault(name, []).extend(_packed(kind, chunk))
                continue
        elif wire == VARINT:
            raw, pos = _varint(data, pos)
            value = _scalar(kind, raw)
        else:
            width = 8 if wire == I64 else 4
            if pos + width > end:
                raise WireError("truncated fixed-width field")
            value, pos = struct.unpack_from(_FIXED[kind], data, pos)[0], pos + width
        if repeated:
            values.setdefault(name, []).append(value)
            continue
        if oneof is not None:  # setting one member of a oneof clears the others
            for other in fields.values():
                if other[4] == oneof and other[0] != name:
                    values.pop(other[0], None)
        values[name] = value


def _packed(kind: int, chunk: memoryview) -> list[Any]:
    if kind in _FIXED:
        fmt = _FIXED[kind]
        width = struct.calcsize(fmt)
        if len(chunk) % width:
            raise WireError("packed field of a broken length")
        return [v[0] for v in struct.iter_unpack(fmt, chunk)]
    out, pos = [], 0
    while pos < len(chunk):
        raw, pos = _varint(chunk, pos)
        out.append(_scalar(kind, raw))
    return out


def _skip(data: memoryview, pos: int, number: int, wire: int) -> int:
    if wire == VARINT:
        return _varint(data, pos)[1]
    if wire in (I64, I32):
        pos += 8 if wire == I64 else 4
    elif wire == LEN:
        length, pos = _varint(data, pos)
        pos += length
    elif wire == SGROUP:  # a group (proto2): skip to its matching end
        while True:
            key, pos = _varint(data, pos)
            if key & 7 == EGROUP:
                if key >> 3 != number:
                    raise WireError("mismatched end of group")
                return pos
            pos = _skip(data, pos, key >> 3, key & 7)
    else:  # an end of group without a start, or wire types 6 and 7
        raise WireError(f"invalid wire type {wire}")
    if pos > len(data):
        raise WireError("truncated field")
    return pos

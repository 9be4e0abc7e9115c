"""protocol.wire reads every message of pdiag's .proto files as protobuf does: generated messages of every type (every
field kind, packed and nested, oneofs), the same bytes mutated, and random bytes either decode to the same
values in both or are refused by both."""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.protobuf.message import DecodeError
from hypothesis import given
from hypothesis import strategies as st

from particle_diag.protocol import wire
from particle_diag.protocol.pb import control_pb2, firmware_update_pb2

MODULES = (control_pb2, firmware_update_pb2)


def _all(cls: Any) -> list[Any]:
    nested = [getattr(cls, d.name) for d in cls.DESCRIPTOR.nested_types]
    return [cls, *(n for inner in nested for n in _all(inner))]


CLASSES = {c.DESCRIPTOR.full_name: c for module in MODULES
           for name in module.DESCRIPTOR.message_types_by_name for c in _all(getattr(module, name))}
DESCRIPTORS = {name: cls.DESCRIPTOR for name, cls in CLASSES.items()}
# Messages without fields (empty requests) are never decoded by the host; upb even accepts some bytes that are
# not a valid encoding for them (a field number 0), so they are left out of the comparison.
NAMES = sorted(name for name, d in DESCRIPTORS.items() if d.fields)
F = control_pb2.DESCRIPTOR.message_types_by_name["FirmwareModule"].fields[0]  # for the TYPE_* constants
SCALARS = {
    F.TYPE_INT32: st.integers(-(2**31), 2**31 - 1), F.TYPE_ENUM: st.integers(-(2**31), 2**31 - 1),
    F.TYPE_SINT32: st.integers(-(2**31), 2**31 - 1), F.TYPE_SFIXED32: st.integers(-(2**31), 2**31 - 1),
    F.TYPE_INT64: st.integers(-(2**63), 2**63 - 1), F.TYPE_SINT64: st.integers(-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: st.integers(-(2**63), 2**63 - 1), F.TYPE_UINT32: st.integers(0, 2**32 - 1),
    F.TYPE_FIXED32: st.integers(0, 2**32 - 1), F.TYPE_UINT64: st.integers(0, 2**64 - 1),
    F.TYPE_FIXED64: st.integers(0, 2**64 - 1), F.TYPE_BOOL: st.booleans(),
    F.TYPE_FLOAT: st.floats(width=32), F.TYPE_DOUBLE: st.floats(), F.TYPE_STRING: st.text(max_size=12),
    F.TYPE_BYTES: st.binary(max_size=12),
}


def _repeated(field: Any) -> bool:
    is_repeated = getattr(field, "is_repeated", None)
    return bool(is_repeated) if is_repeated is not None else field.label == field.LABEL_REPEATED


def _values(descriptor: Any, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    fields = {}
    for field in descriptor.fields:
        if field.type == field.TYPE_MESSAGE:
            if depth >= 3:
                continue
            one = _values(field.message_type, depth + 1)
        else:
            one = SCALARS[field.type]
        fields[field.name] = st.lists(one, max_size=3) if _repeated(field) else one
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def encoded(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    cls = wire_class(name)
    return name, cls(**draw(_values(DESCRIPTORS[name]))).SerializeToString()


def wire_class(name: str) -> Any:
    return CLASSES[name]


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def assert_same(ours: wire.Message, theirs: Any, descriptor: Any) -> None:
    for field in descriptor.fields:
        a, b = getattr(ours, field.name), getattr(theirs, field.name)
        if field.type == field.TYPE_MESSAGE:
            if _repeated(field):
                assert len(a) == len(b), field.full_name
                for x, y in zip(a, b, strict=True):
                    assert_same(x, y, field.message_type)
            else:
                assert ours.HasField(field.name) == theirs.HasField(field.name), field.full_name
                assert_same(a, b, field.message_type)
        elif _repeated(field):
            assert len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True)), field.full_name
        else:
            assert _same_value(a, b), (field.full_name, a, b)
    for oneof in descriptor.oneofs:
        assert ours.WhichOneof(oneof.name) == theirs.WhichOneof(oneof.name)


def decode_both(name: str, data: bytes) -> tuple[Any, Any]:
    try:
        theirs = wire_class(name).FromString(data)
    except (DecodeError, UnicodeDecodeError, ValueError):
        theirs = None
    try:
        ours = wire.decode(name, data)
    except wire.WireError:
        ours = None
    return ours, theirs


@given(encoded())
def test_generated_messages_read_the_same(case: tuple[str, bytes]) -> None:
    name, data = case
    ours, theirs = decode_both(name, data)
    assert ours is not None and theirs is not None
    assert_same(ours, theirs, DESCRIPTORS[name])


@given(encoded(), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, 8))
def test_mutated_bytes_are_read_the_same_or_refused_by_both(case: tuple[str, bytes], changes: list[tuple[int, int]],
                                                            cut: int) -> None:
    name, data = case
    raw = bytearray(data)
    for where, byte in changes:
        if raw:
            raw[where % len(raw)] = byte
    raw = raw[: max(len(raw) - cut, 0)]
    ours, theirs = decode_both(name, bytes(raw))
    assert (ours is None) == (theirs is None), (name, bytes(raw).hex())
    if ours is not None:
        assert_same(ours, theirs, DESCRIPTORS[name])


@given(st.sampled_from(NAMES), st.binary(max_size=40))
def test_random_bytes_are_read_the_same_or_refused_by_both(name: str, data: bytes) -> None:
    ours, theirs = decode_both(name, data)
    assert (ours is None) == (theirs is None), (name, data.hex())
    if ours is not None:
        assert_same(ours, theirs, DESCRIPTORS[name])


@pytest.mark.parametrize("name", NAMES)
def test_an_empty_reply_is_every_default(name: str) -> None:
    ours, theirs = decode_both(name, b"")
    assert_same(ours, theirs, DESCRIPTORS[name])

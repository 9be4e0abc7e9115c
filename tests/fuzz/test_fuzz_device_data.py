"""Every parser of what a device sends turns any input into a value, None (not complete yet) or a typed
pdiag error; never another exception."""

from __future__ import annotations

import json
import struct

from hypothesis import example, given
from hypothesis import strategies as st

from particle_diag.errors import PdiagError
from particle_diag.protocol import listening, messages
from particle_diag.protocol.control import encode_service_reply, parse_service_reply
from particle_diag.protocol.dfu import DfuStatus
from particle_diag.protocol.memory_layout import parse_layout
from particle_diag.protocol.protection import parse_protection_state
from particle_diag.transport.usb import functional_transfer_size
from tests.fuzz.strategies import CONSOLE_TEXT, JSON, describe_modules

COMMANDS = sorted(listening.PARSERS)


def _parse_or_typed(command: str, text: str) -> object:
    try:
        return listening.parse(command, text)
    except PdiagError:
        return None


@given(st.sampled_from(COMMANDS), CONSOLE_TEXT)
@example("s", '{"p":1e999,"m":[]}\r\n')
@example("s", '{"p":6,"m":' + "[" * 50_000 + "\r\n")
@example("d", '{"a":' + "{" * 50_000 + "}\r\n")
@example("i", "Device ID: e00fce68aaaabbbbccccdddd\r\nIMEI: 1\r\nmore console text\r\n")
def test_console_replies(command: str, text: str) -> None:
    complete = listening.is_complete(command, text)
    value = _parse_or_typed(command, text)
    assert complete or value is None  # an incomplete reply never parses to a value


@given(st.sampled_from(COMMANDS), st.text(max_size=200))
def test_console_replies_any_text(command: str, text: str) -> None:
    listening.is_complete(command, text)
    _parse_or_typed(command, text)


@given(JSON)
def test_describe_of_any_json(value: object) -> None:
    text = json.dumps(value, allow_nan=True) + "\r\n"
    _parse_or_typed("s", text)
    _parse_or_typed("d", text)


@given(st.integers(-5, 2**40) | st.floats() | st.text(max_size=5), st.lists(describe_modules(), max_size=4))
def test_describe_with_odd_modules(platform: object, modules: list[dict]) -> None:
    text = json.dumps({"p": platform, "m": modules}) + "\r\n"
    describe = _parse_or_typed("s", text)
    if describe is not None:
        assert isinstance(describe, listening.SystemDescribe)
        assert len(describe.modules) + describe.empty_slots + len(describe.problems) == len(modules)


@given(st.dictionaries(st.text(max_size=6), JSON, max_size=5))
def test_diagnostics_json(values: dict) -> None:
    try:
        info = messages.parse_diagnostics_json(json.dumps(values, allow_nan=True))
    except PdiagError:
        return
    assert set(info.values) | set(info.errors) <= set(values)


@given(st.sampled_from(sorted(messages.REQUESTS)), st.binary(max_size=300))
def test_control_replies(type_id: int, payload: bytes) -> None:
    try:
        messages.decode_reply(type_id, payload)
    except PdiagError:
        pass


@given(st.sampled_from(sorted(messages.REQUESTS)), st.binary(max_size=300))
def test_control_requests_as_the_virtual_device_decodes_them(type_id: int, payload: bytes) -> None:
    try:
        messages.decode_request(type_id, payload)
    except PdiagError:
        pass


@given(st.binary(max_size=80))
@example(struct.pack("<IH", 0x0E, 0))  # every field but the status flag
def test_service_replies(data: bytes) -> None:
    try:
        reply = parse_service_reply(data)
    except PdiagError:
        return
    assert int.from_bytes(data[:4], "little") & 0x01  # particle-usb: the status field is mandatory
    assert parse_service_reply(encode_service_reply(reply)) == reply


@given(st.binary(max_size=12))
@example(b"\x05")
@example(b"\xff")
def test_dfu_status(data: bytes) -> None:
    try:
        DfuStatus.decode(data)
    except PdiagError:
        pass


@given(st.binary(max_size=40))
@example(bytes([9, 0x21, 0x0B, 0xFF, 0, 0, 0, 0x1A, 0x01]))  # wTransferSize 0
@example(bytes([0, 0x21, 0, 0, 0, 0, 0x10]))  # bLength 0
def test_dfu_functional_descriptor(extra: bytes) -> None:
    size = functional_transfer_size(extra)
    assert size is None or 0 <= size <= 0xFFFF


LAYOUT_PIECES = st.sampled_from(["@", "Internal Flash", "/", "0x", "00000000", "08000000", "*", "4", "16",
                                 "Ka", "Kg", "Kb", "Mg", " e", "B", ",", "0", "99999999999", " ", "\x00"])


@given(st.lists(LAYOUT_PIECES | st.text(max_size=5), max_size=25).map("".join))
@example("@Internal Flash   /0x00000000/1*4Ka,47*4Kg,192*4Kg")
@example("@x/0x0/999999999999999999*999999999999M" + "g")
@example("@x/0x0/0*4Kg")
@example("@x/0x123456789/1*4Kg")
@example("@x/12/1*4Kg")
def test_dfuse_layout_strings(text: str) -> None:
    try:
        layout = parse_layout(text)
    except PdiagError:
        return
    assert layout.segments and all(s.size > 0 for s in layout.segments)
    layout.describe_span()


@given(st.text(max_size=30) | st.lists(st.sampled_from(["sm=", "o", "p", "s", ";", "=", "x", "\x00"]),
                                       max_size=8).map("".join))
def test_protection_strings(text: str) -> None:
    assert parse_protection_state(text) in (None, "open", "protected", "service")

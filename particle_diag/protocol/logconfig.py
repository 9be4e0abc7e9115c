"""Log handlers over USB: control requests 1100-1102 (add, remove, list), both directions (pure).

Wire format: device-os-protobuf ``control/logging.proto``
(https://github.com/particle-iot/device-os-protobuf/blob/main/control/logging.proto): ``AddLogHandlerRequest``
{1 id, 2 handler_type, 3 level, 4 repeated filters, 5 stream_type, 6 serial {1 index, 2 baud_rate}},
``RemoveLogHandlerRequest`` {1 id}, ``GetLogHandlersReply`` {1 repeated {1 id}}.  particle-usb sends them from
``addLogHandler``/``removeLogHandler`` (src/device.js), marked deprecated there: "not guaranteed to work with
recent versions of Device OS".  Current Device OS answers NOT_SUPPORTED; which older versions answered them is
not verified here.  The messages are three small records, so the protobuf wire format is written out by hand
(varints and length-delimited fields) instead of generating classes for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from particle_diag.errors import ProtocolError

# logging.proto enums (values match Device OS services/inc/logging.h and system/inc/system_logging.h)
LEVELS = {"all": 1, "trace": 1, "info": 30, "warn": 40, "error": 50, "none": 70}
DEFAULT_STREAM_HANDLER = 1
JSON_STREAM_HANDLER = 2
USB_SERIAL_STREAM = 1
HW_SERIAL_STREAM = 2


@dataclass(frozen=True)
class AddLogHandler:
    id: str
    level: int
    handler_type: int = DEFAULT_STREAM_HANDLER
    stream_type: int = USB_SERIAL_STREAM
    serial_index: int = 0
    baud_rate: int = 0
    filters: tuple[tuple[str, int], ...] = field(default=())


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _int_field(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value) if value else b""  # proto3: defaults are not sent


def _bytes_field(number: int, value: bytes) -> bytes:
    return _key(number, 2) + _varint(len(value)) + value if value else b""


def encode_add(req: AddLogHandler) -> bytes:
    serial = _int_field(1, req.serial_index) + _int_field(2, req.baud_rate)
    filters = b"".join(_bytes_field(4, _bytes_field(1, cat.encode()) + _int_field(2, lvl)) for cat, lvl in req.filters)
    return (_bytes_field(1, req.id.encode()) + _int_field(2, req.handler_type) + _int_field(3, req.level) + filters
            + _int_field(5, req.stream_type) + _key(6, 2) + _varint(len(serial)) + serial)


def encode_remove(handler_id: str) -> bytes:
    return _bytes_field(1, handler_id.encode())


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field; ProtocolError for bytes that are not protobuf."""
    out: list[tuple[int, int, int | bytes]] = []
    i = 0

    def varint() -> int:
        nonlocal i
        value = shift = 0
        while True:
            if i >= len(data) or shift > 63:
                raise ProtocolError("truncated or oversized varint in a log-handler message")
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            out.append((number, wire, varint()))
        elif wire == 2:
            size = varint()
            if i + size > len(data):
                raise ProtocolError("a length-delimited field runs past the end of a log-handler message")
            out.append((number, wire, data[i:i + size]))
            i += size
        else:
            raise ProtocolError(f"unexpected wire type {wire} in a log-handler message")
    return out


def decode_add(data: bytes) -> AddLogHandler:
    """The device's side of ``encode_add`` (the virtual devices read requests with it)."""
    values: dict[int, int | bytes] = {}
    filters: list[tuple[str, int]] = []
    serial: dict[int, int | bytes] = {}
    for number, _wire, value in _fields(data):
        if number == 4 and isinstance(value, bytes):
            sub = {n: v for n, _w, v in _fields(value)}
            cat = sub.get(1, b"")
            filters.append((cat.decode("utf-8", "replace") if isinstance(cat, bytes) else "",
                            int(sub.get(2, 0)) if isinstance(sub.get(2, 0), int) else 0))
        elif number == 6 and isinstance(value, bytes):
            serial = {n: v for n, _w, v in _fields(value)}
        else:
            values[number] = value
    ident = values.get(1, b"")

    def num(source: dict[int, int | bytes], key: int) -> int:
        value = source.get(key, 0)
        return value if isinstance(value, int) else 0

    return AddLogHandler(ident.decode("utf-8", "replace") if isinstance(ident, bytes) else "", num(values, 3),
                         num(values, 2), num(values, 5), num(serial, 1), num(serial, 2), tuple(filters))


def decode_remove(data: bytes) -> str:
    for number, _wire, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            return value.decode("utf-8", "replace")
    return ""

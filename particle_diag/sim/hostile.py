"""Fault flags for hostile replies: a virtual device that answers what no healthy device would, so the abuse
tier can prove that every parser turns it into a value or a typed error.

These change WHAT a device answers, never how a healthy device answers (that is the realism of the rest of
``particle_diag.sim``).  ``VirtualDevice`` passes its replies through the hooks below when a flag is set.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from typing import TYPE_CHECKING

from particle_diag.catalog.requests import RequestType
from particle_diag.catalog.results import Result

if TYPE_CHECKING:
    from particle_diag.sim.descriptors import DescriptorSet
    from particle_diag.sim.usbdev import SetupPacket

FLAGS = {
    "deepjson": "the console's 's'/'d' replies and request 100 are JSON nested 100000 levels deep",
    "overflow": "the console's 's' reply says \"p\":1e999 (a number no integer holds)",
    "nandiag": "diagnostics (console 'd', request 100) hold NaN and Infinity values",
    "chatty": "the console prints a log line right after each reply",
    "nostatus": "control-service replies lack the status flag (particle-usb rejects them)",
    "zeroxfer": "the DFU functional descriptor says wTransferSize 0",
    "oddstate": "in DFU, GETSTATE and GETSTATUS answer state 0xFF (no DFU 1.1 state)",
    "oddlayout": "in DFU, the alt settings' strings do not follow the DfuSe memory-layout grammar",
}

DEEP = "[" * 100_000
CHATTY_LINE = "0000012345 [app] INFO: sensor ready\r\n"
_GETSTATUS, _GETSTATE = 3, 5
_SERVICE_REPLIES = (1, 2, 5)  # INIT, CHECK, RESET answer a service reply; RECV (4) answers data
_FLAG_STATUS = 0x01


def active(flags: frozenset[str]) -> frozenset[str]:
    return flags & FLAGS.keys()


def console(flags: frozenset[str], sent: bytes, out: bytes) -> bytes:
    """What the console prints for ``sent``, made hostile."""
    command = sent[-1:].decode("latin-1")
    if "deepjson" in flags and command in ("s", "d"):
        out = ('{"p":6,"m":' + DEEP + "}\r\n").encode() if command == "s" else ('{"a":' + DEEP + "}\r\n").encode()
    elif "overflow" in flags and command == "s" and out.startswith(b'{"p":'):
        out = b'{"p":1e999' + out[out.index(b","):]
    elif "nandiag" in flags and command == "d" and out.startswith(b"{"):
        out = b'{"sys:uptime":NaN,"mem:free":Infinity,"net:rssi":-Infinity,' + out[1:]
    if "chatty" in flags and out:
        out += CHATTY_LINE.encode()
    return out


def control_reply(flags: frozenset[str], type_id: int, result: int, reply: bytes) -> tuple[int, bytes]:
    if type_id == RequestType.DIAGNOSTIC_INFO and result == Result.OK:
        if "deepjson" in flags:
            return result, ('{"a":' + DEEP + "}").encode()
        if "nandiag" in flags:
            return result, b'{"sys:uptime":NaN,"mem:free":Infinity,' + reply[1:] if reply.startswith(b"{") \
                else b'{"sys:uptime":NaN}'
    return result, reply


def service_in(flags: frozenset[str], setup: SetupPacket, data: bytes) -> bytes:
    if "nostatus" in flags and setup.request in _SERVICE_REPLIES and len(data) >= 4:
        (bits,) = struct.unpack_from("<I", data)
        return struct.pack("<I", bits & ~_FLAG_STATUS) + data[4:]
    return data


def dfu_in(flags: frozenset[str], setup: SetupPacket, data: bytes) -> bytes:
    if "oddstate" in flags:
        if setup.request == _GETSTATE and data:
            return b"\xff"
        if setup.request == _GETSTATUS and len(data) >= 6:
            return data[:4] + b"\xff" + data[5:]
    return data


def descriptors(flags: frozenset[str], d: DescriptorSet) -> DescriptorSet:
    """The descriptor set with ``xfer0`` / ``oddlayout`` applied (DFU mode only)."""
    if not flags & {"zeroxfer", "oddlayout"}:
        return d
    config = d.configuration
    if "zeroxfer" in flags:
        at = _functional(config)
        if at is not None:
            config = config[: at + 5] + b"\x00\x00" + config[at + 7 :]
    strings = d.strings
    if "oddlayout" in flags:
        strings = {i: ("@Internal Flash  /0x00000000/lots*of*4Kg, and garbage" if s.startswith("@") else s)
                   for i, s in strings.items()}
    return replace(d, configuration=config, strings=strings)


def _functional(config: bytes) -> int | None:
    offset = 0
    while offset + 2 <= len(config):
        length = config[offset]
        if length < 2:
            return None
        if config[offset + 1] == 0x21 and length >= 7:
            return offset
        offset += length
    return None

"""Reading the cloud server's settings out of DCT bytes (catalog/dct.py says where they are).  Pure code."""

from __future__ import annotations

import ipaddress
import struct

from particle_diag.catalog import dct


def der_length(area: bytes) -> int | None:
    """The length of the DER SEQUENCE at the start of ``area`` (a stored public key); None for erased or
    unreadable bytes (0xff / 0x00 fill, or a header that does not fit the area)."""
    if len(area) < 2 or area[0] != 0x30:
        return None
    first = area[1]
    if first < 0x80:
        size, header = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 2 or len(area) < 2 + count:
            return None
        size, header = int.from_bytes(area[2:2 + count], "big"), 2 + count
    total = header + size
    return total if total <= len(area) else None


def server_address(block: bytes) -> tuple[str, int] | None:
    """(address, port) from a ServerAddress block; None when it holds no valid address (erased, bad length)."""
    if len(block) < dct.PORT_OFFSET + 2:
        return None
    kind, length = block[0], block[1]
    (port,) = struct.unpack_from("<H", block, dct.PORT_OFFSET)
    if kind == dct.ADDRESS_IP and length == 4:
        ip = int.from_bytes(block[2:6], "big")
        if ip in (0, 0xFFFFFFFF):
            return None
        return str(ipaddress.IPv4Address(ip)), port
    if kind == dct.ADDRESS_DOMAIN and 0 < length <= 63:
        try:
            return block[2:2 + length].decode("ascii"), port
        except UnicodeDecodeError:
            return None
    return None


def encode_server_address(address: str, port: int) -> bytes:
    """The device's side of ``server_address`` (the virtual devices' DCT)."""
    try:
        ip = ipaddress.IPv4Address(address)
        body = bytes([dct.ADDRESS_IP, 4]) + ip.packed
    except ipaddress.AddressValueError:
        name = address.encode("ascii")
        body = bytes([dct.ADDRESS_DOMAIN, len(name)]) + name
    block = bytearray(body.ljust(dct.PORT_OFFSET, b"\0") + struct.pack("<H", port))
    return bytes(block.ljust(dct.ADDRESS_SIZE, b"\xff"))

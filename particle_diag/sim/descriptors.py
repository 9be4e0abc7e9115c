"""USB descriptors of a virtual Particle device, as the raw bytes a real one sends.

Both attachments use these bytes: the pyusb backend parses them into pyusb's descriptor objects, and the
umockdev attachment publishes them as the sysfs ``descriptors`` attribute libusb reads.  Layouts follow
reference §1.5 (strings) and §4.2 (DfuSe functional descriptor of the Gen 3 / rtl872x bootloaders).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# String descriptor indexes (reference §1.5: iSerialNumber is the device ID in both modes).
MANUFACTURER_INDEX = 1
PRODUCT_INDEX = 2
SERIAL_INDEX = 3
FIRST_INTERFACE_STRING = 4
PROTECTION_STRING_INDEX = 0xFA  # DFU mode, Device OS >= 6.1.2 bootloaders: "sm=o|s|p" (reference §1.5)

DFU_TRANSFER_SIZE = 4096  # wTransferSize of every Particle bootloader (reference §4.2)
DFU_ATTRIBUTES = 0x0B  # will-detach, can-upload, can-download; not manifestation-tolerant
BCD_DFUSE = 0x011A


@dataclass(frozen=True)
class DescriptorSet:
    device: bytes
    configuration: bytes
    strings: dict[int, str]

    @property
    def raw(self) -> bytes:
        """Device descriptor followed by the configuration: the sysfs ``descriptors`` layout."""
        return self.device + self.configuration


def _device(vid: int, pid: int, device_class: tuple[int, int, int], bcd_device: int) -> bytes:
    cls, sub, proto = device_class
    return struct.pack(
        "<BBHBBBBHHHBBBB", 18, 1, 0x0200, cls, sub, proto, 64, vid, pid, bcd_device,
        MANUFACTURER_INDEX, PRODUCT_INDEX, SERIAL_INDEX, 1,
    )


def _config(body: bytes, interfaces: int) -> bytes:
    return struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), interfaces, 1, 0, 0x80, 250) + body


def _interface(number: int, alt: int, endpoints: int, cls: int, sub: int, proto: int, string: int) -> bytes:
    return struct.pack("<BBBBBBBBB", 9, 4, number, alt, endpoints, cls, sub, proto, string)


def _endpoint(address: int, attributes: int, max_packet: int, interval: int) -> bytes:
    return struct.pack("<BBBBHB", 7, 5, address, attributes, max_packet, interval)


def serial_mode(vid: int, pid: int, product: str, device_id: str) -> DescriptorSet:
    """CDC ACM (Serial) plus the vendor control interface, as Device OS presents them in normal mode."""
    iad = struct.pack("<BBBBBBBB", 8, 0x0B, 0, 2, 2, 2, 1, 0)
    cdc_functional = (
        struct.pack("<BBBH", 5, 0x24, 0x00, 0x0110)  # header
        + struct.pack("<BBBBB", 5, 0x24, 0x01, 0x00, 1)  # call management
        + struct.pack("<BBBB", 4, 0x24, 0x02, 0x02)  # ACM: line coding supported (magic baud, §3.2)
        + struct.pack("<BBBBB", 5, 0x24, 0x06, 0, 1)  # union
    )
    base = product.removesuffix(" CDC Mode")
    body = (
        iad
        + _interface(0, 0, 1, 0x02, 0x02, 0x01, FIRST_INTERFACE_STRING)
        + cdc_functional
        + _endpoint(0x82, 0x03, 8, 255)
        + _interface(1, 0, 2, 0x0A, 0x00, 0x00, 0)
        + _endpoint(0x81, 0x02, 64, 0)
        + _endpoint(0x01, 0x02, 64, 0)
        + _interface(2, 0, 0, 0xFF, 0xFF, 0xFF, FIRST_INTERFACE_STRING + 1)
    )
    strings = {
        MANUFACTURER_INDEX: "Particle",
        PRODUCT_INDEX: product,
        SERIAL_INDEX: device_id,
        FIRST_INTERFACE_STRING: f"{base} Serial",
        FIRST_INTERFACE_STRING + 1: f"{base} Control Interface",
    }
    return DescriptorSet(_device(vid, pid, (0xEF, 0x02, 0x01), 0x0250), _config(body, 3), strings)


def dfu_mode(
    vid: int, pid: int, product: str, device_id: str, alt_strings: tuple[str, ...], protection: str | None
) -> DescriptorSet:
    """One DFU interface with an alt setting per memory (DfuSe MAL), each named by its layout string."""
    body = b""
    strings = {MANUFACTURER_INDEX: "Particle", PRODUCT_INDEX: product, SERIAL_INDEX: device_id}
    for alt, layout in enumerate(alt_strings):
        body += _interface(0, alt, 0, 0xFE, 0x01, 0x02, FIRST_INTERFACE_STRING + alt)
        strings[FIRST_INTERFACE_STRING + alt] = layout
    body += struct.pack("<BBBHHH", 9, 0x21, DFU_ATTRIBUTES, 0x00FF, DFU_TRANSFER_SIZE, BCD_DFUSE)
    if protection is not None:
        strings[PROTECTION_STRING_INDEX] = protection
    return DescriptorSet(_device(vid, pid, (0, 0, 0), 0x0250), _config(body, 1), strings)


def string_descriptor(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return bytes([len(encoded) + 2, 3]) + encoded


LANGID_DESCRIPTOR = bytes([4, 3, 0x09, 0x04])  # US English: what pyusb and libusb ask for first

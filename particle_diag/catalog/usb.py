"""The numbers of USB 2.0 itself that pdiag and its virtual devices use: bmRequestType bits, the standard requests
and descriptor types.

Source: Universal Serial Bus Specification Revision 2.0, chapter 9 (9.3 "USB Device Requests", table 9-2
bmRequestType, table 9-4 standard request codes, table 9-5 descriptor types),
https://www.usb.org/document-library/usb-20-specification; the DFU functional descriptor type from the DFU 1.1
specification, section 4.1.3, https://www.usb.org/sites/default/files/DFU_1.1.pdf.
"""

from __future__ import annotations

from enum import IntEnum

# bmRequestType: bit 7 direction, bits 6..5 type, bits 4..0 recipient (table 9-2).
DIR_IN = 0x80
TYPE_MASK = 0x60
TYPE_SHIFT = 5
TYPE_STANDARD, TYPE_CLASS, TYPE_VENDOR = 0x00, 0x20, 0x40
RECIPIENT_MASK = 0x1F
RECIPIENT_DEVICE, RECIPIENT_INTERFACE = 0x00, 0x01

STANDARD_IN = DIR_IN | TYPE_STANDARD | RECIPIENT_DEVICE  # 0x80: GET_DESCRIPTOR and friends
STANDARD_OUT = TYPE_STANDARD | RECIPIENT_DEVICE  # 0x00: SET_CONFIGURATION
VENDOR_IN = DIR_IN | TYPE_VENDOR | RECIPIENT_DEVICE  # 0xC0: Particle's control requests, device to host
VENDOR_OUT = TYPE_VENDOR | RECIPIENT_DEVICE  # 0x40
CLASS_IN_INTERFACE = DIR_IN | TYPE_CLASS | RECIPIENT_INTERFACE  # 0xA1: DFU class requests
CLASS_OUT_INTERFACE = TYPE_CLASS | RECIPIENT_INTERFACE  # 0x21


class StandardRequest(IntEnum):
    """bRequest of the standard requests (table 9-4)."""

    GET_STATUS = 0
    CLEAR_FEATURE = 1
    SET_FEATURE = 3
    SET_ADDRESS = 5
    GET_DESCRIPTOR = 6
    SET_DESCRIPTOR = 7
    GET_CONFIGURATION = 8
    SET_CONFIGURATION = 9
    GET_INTERFACE = 10
    SET_INTERFACE = 11


class DescriptorType(IntEnum):
    """The high byte of GET_DESCRIPTOR's wValue (table 9-5; DFU_FUNCTIONAL from DFU 1.1)."""

    DEVICE = 1
    CONFIGURATION = 2
    STRING = 3
    INTERFACE = 4
    ENDPOINT = 5
    DFU_FUNCTIONAL = 0x21


def descriptor_value(kind: DescriptorType, index: int = 0) -> int:
    """GET_DESCRIPTOR's wValue: the type in the high byte, the index in the low one."""
    return int(kind) << 8 | index

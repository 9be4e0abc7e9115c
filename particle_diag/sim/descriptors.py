"""USB descriptors of a virtual Particle device, as the raw bytes a real one sends.

Both attachments use these bytes: the pyusb backend parses them into pyusb's descriptor objects, and the
umockdev attachment publishes them as the sysfs ``descriptors`` attribute libusb reads.  What varies by platform
and release (bcdDevice, bmAttributes, bMaxPower, configuration and interface strings, serial-number case) comes
from ``catalog/data/usb_descriptors.toml``; layouts follow the Device OS sources cited there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from particle_diag.catalog.usb_descriptors import ModeDescriptors

# String descriptor indexes (Device OS STRING_IDX_* / USBD_IDX_*_STR): iSerialNumber is the device ID in both modes.
MANUFACTURER_INDEX = 1
PRODUCT_INDEX = 2
SERIAL_INDEX = 3
CONFIG_INDEX = 4
INTERFACE_INDEX = 5  # DFU: the interface's own string; alt N's memory string is at INTERFACE_INDEX + N + 1
MSFT_INDEX = 0xEE  # MS OS 1.0 string "MSFT100" + vendor code 0xEE (WCID: Windows binds WinUSB by itself)
MSFT_STRING = "MSFT100\xee"
PROTECTION_STRING_INDEX = 0xFA  # DFU mode, Device OS >= 6.1.2 bootloaders: "sm=o|s|p" (device-os
# bootloader/src/nRF52840/usbd_device.cpp device_state_as_string)
# The bootloader sends the state from an 8-byte buffer: "sm=o" and four NULs (usbd_device.cpp
# device_state_as_string + getUnicodeString(..., sizeof(deviceStateStr)) in the nRF52840 and rtl872x sources).
PROTECTION_STRING_LENGTH = 8

DFU_TRANSFER_SIZE = 4096  # wTransferSize of every Particle bootloader (usbd_dfu.h)
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


def _config(body: bytes, interfaces: int, d: ModeDescriptors) -> bytes:
    configuration = d.configuration_index if d.configuration else 0
    return struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), interfaces, 1, configuration, d.attributes,
                       d.max_power_ma // 2) + body


def _interface(number: int, alt: int, endpoints: int, cls: int, sub: int, proto: int, string: int) -> bytes:
    return struct.pack("<BBBBBBBBB", 9, 4, number, alt, endpoints, cls, sub, proto, string)


def _endpoint(address: int, attributes: int, max_packet: int, interval: int) -> bytes:
    return struct.pack("<BBBBHB", 7, 5, address, attributes, max_packet, interval)


def _common_strings(d: ModeDescriptors, product: str, device_id: str) -> dict[int, str]:
    strings = {MANUFACTURER_INDEX: d.manufacturer, PRODUCT_INDEX: product, SERIAL_INDEX: d.serial_for(device_id)}
    if d.configuration and d.configuration_index not in strings:
        strings[d.configuration_index] = d.configuration
    if d.verified:
        strings[MSFT_INDEX] = MSFT_STRING
    return strings


def serial_mode(vid: int, pid: int, product: str, device_id: str, d: ModeDescriptors) -> DescriptorSet:
    """CDC ACM (Serial) plus the vendor control interface, as Device OS presents them in normal mode.

    ``d.interfaces`` names the CDC interface first and the control interface second; ``d.control_first`` puts
    the control interface at number 0 (rtl872x registers it before the CDC class)."""
    first_string = CONFIG_INDEX + 1 if d.configuration and d.configuration_index == CONFIG_INDEX else CONFIG_INDEX
    cdc_name, control_name = d.interfaces
    if d.string_indexes:
        cdc_string, control_string = d.string_indexes
    elif d.control_first:
        control_string, cdc_string = first_string, first_string + 1
    else:
        cdc_string, control_string = first_string, first_string + 1
    comm = 1 if d.control_first else 0
    control_number = 0 if d.control_first else 2
    iad = struct.pack("<BBBBBBBB", 8, 0x0B, comm, 2, 2, 2, 1, cdc_string if d.iad_function_string else 0)
    cdc_functional = (
        struct.pack("<BBBH", 5, 0x24, 0x00, 0x0110)  # header
        + struct.pack("<BBBBB", 5, 0x24, 0x01, 0x00, comm + 1)  # call management
        + struct.pack("<BBBB", 4, 0x24, 0x02, 0x02)  # ACM: line coding supported (the magic baud rates need it)
        + struct.pack("<BBBBB", 5, 0x24, 0x06, comm, comm + 1)  # union
    )
    cdc = (
        iad
        + _interface(comm, 0, 1, 0x02, 0x02, 0x01, cdc_string)
        + cdc_functional
        + _endpoint(0x82, 0x03, 8, 255)
        + _interface(comm + 1, 0, 2, 0x0A, 0x00, 0x00, 0)
        + _endpoint(0x81, 0x02, 64, 0)
        + _endpoint(0x01, 0x02, 64, 0)
    )
    control = _interface(control_number, 0, 0, 0xFF, 0xFF, 0xFF, control_string)
    body = control + cdc if d.control_first else cdc + control
    strings = _common_strings(d, product, device_id)
    strings.update({cdc_string: cdc_name, control_string: control_name})
    return DescriptorSet(_device(vid, pid, (0xEF, 0x02, 0x01), d.bcd_device), _config(body, 3, d), strings)


def dfu_mode(
    vid: int, pid: int, product: str, device_id: str, alt_strings: tuple[str, ...], protection: str | None,
    d: ModeDescriptors,
) -> DescriptorSet:
    """One DFU interface with an alt setting per memory (DfuSe MAL), each named by its layout string."""
    body = b""
    strings = _common_strings(d, product, device_id)
    if d.configuration_index == CONFIG_INDEX:
        strings[INTERFACE_INDEX] = d.configuration  # the nRF52840 / rtl872x bootloaders: "<Name> DFU Mode"
    for alt, layout in enumerate(alt_strings):
        body += _interface(0, alt, 0, 0xFE, 0x01, 0x02, INTERFACE_INDEX + alt + 1)
        strings[INTERFACE_INDEX + alt + 1] = layout
    body += struct.pack("<BBBHHH", 9, 0x21, DFU_ATTRIBUTES, 0x00FF, DFU_TRANSFER_SIZE, BCD_DFUSE)
    if protection is not None:
        strings[PROTECTION_STRING_INDEX] = protection.ljust(PROTECTION_STRING_LENGTH, "\0")
    return DescriptorSet(_device(vid, pid, (0, 0, 0), d.bcd_device), _config(body, 1, d), strings)


def edl_mode(vid: int, pid: int, soc_serial: str) -> DescriptorSet:
    """Qualcomm EDL (Sahara/Firehose) as the SoC boot ROM enumerates: one vendor interface with two bulk
    endpoints, the SoC serial at the end of the product string after "_SN:" (the only part particle-usb reads,
    src/edl-device.js).  The rest of the product string ("QUSB__BULK_CID:..."), the manufacturer string and the
    interface class/subclass/protocol are UNVERIFIED: modelled on Qualcomm's usual ones, not on a capture."""
    body = (_interface(0, 0, 2, 0xFF, 0xFF, 0x10, 0) + _endpoint(0x81, 0x02, 512, 0) + _endpoint(0x01, 0x02, 512, 0))
    configuration = struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), 1, 1, 0, 0x80, 1) + body
    device = struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0, 0, 0, 64, vid, pid, 0x0000,
                         MANUFACTURER_INDEX, PRODUCT_INDEX, 0, 1)
    strings = {MANUFACTURER_INDEX: "Qualcomm CDMA Technologies MSM",
               PRODUCT_INDEX: f"QUSB__BULK_CID:0414_SN:{soc_serial}"}
    return DescriptorSet(device, configuration, strings)


def string_descriptor(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return bytes([len(encoded) + 2, 3]) + encoded


LANGID_DESCRIPTOR = bytes([4, 3, 0x09, 0x04])  # US English: what pyusb and libusb ask for first

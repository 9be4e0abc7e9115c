"""Attachment 1: the virtual bench as a pyusb backend (pure Python, no root, no apt).

pdiag's real transport code calls ``usb.core.find(backend=...)`` and ``ctrl_transfer``; this backend answers
them from the virtual devices' own logic, translating Stall / NoReply / Unplugged into the USBError values
libusb would produce (EPIPE, LIBUSB_ERROR_TIMEOUT, ENODEV; EACCES for a device the user may not open).
"""

from __future__ import annotations

import errno
import struct
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import usb.backend
import usb.core

from particle_diag.catalog import usb as usb_spec
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall, Unplugged

if TYPE_CHECKING:
    from particle_diag.sim.bench import Bench
    from particle_diag.sim.device import VirtualDevice

# libusb error codes pyusb reports in USBError.backend_error_code
LIBUSB_ERROR_ACCESS = -3
LIBUSB_ERROR_NO_DEVICE = -4
LIBUSB_ERROR_TIMEOUT = -7
LIBUSB_ERROR_BUSY = -6
LIBUSB_ERROR_PIPE = -9

_DEVICE_FIELDS = (
    "bLength", "bDescriptorType", "bcdUSB", "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol", "bMaxPacketSize0",
    "idVendor", "idProduct", "bcdDevice", "iManufacturer", "iProduct", "iSerialNumber", "bNumConfigurations",
)


def _parse_configuration(raw: bytes) -> SimpleNamespace:
    """Split a configuration descriptor into the objects pyusb expects; class-specific descriptors become
    ``extra_descriptors`` of the interface (or configuration) they follow."""
    config: SimpleNamespace | None = None
    interface: SimpleNamespace | None = None
    i = 0
    while i < len(raw):
        length, kind = raw[i], raw[i + 1]
        chunk = raw[i : i + length]
        if kind == 2:
            f = struct.unpack("<BBHBBBBB", chunk[:9])
            config = SimpleNamespace(
                bLength=f[0], bDescriptorType=f[1], wTotalLength=f[2], bNumInterfaces=f[3],
                bConfigurationValue=f[4], iConfiguration=f[5], bmAttributes=f[6], bMaxPower=f[7],
                extra_descriptors=[], interfaces=[],
            )
        elif kind == 4 and config is not None:
            f = struct.unpack("<BBBBBBBBB", chunk[:9])
            interface = SimpleNamespace(
                bLength=f[0], bDescriptorType=f[1], bInterfaceNumber=f[2], bAlternateSetting=f[3],
                bNumEndpoints=f[4], bInterfaceClass=f[5], bInterfaceSubClass=f[6], bInterfaceProtocol=f[7],
                iInterface=f[8], extra_descriptors=[], endpoints=[],
            )
            config.interfaces.append(interface)
        elif kind == 5 and interface is not None:
            f = struct.unpack("<BBBBHB", chunk[:7])
            interface.endpoints.append(SimpleNamespace(
                bLength=f[0], bDescriptorType=f[1], bEndpointAddress=f[2], bmAttributes=f[3],
                wMaxPacketSize=f[4], bInterval=f[5], bRefresh=0, bSynchAddress=0, extra_descriptors=[],
            ))
        elif config is not None:
            (interface or config).extra_descriptors.extend(chunk)
        i += length
    assert config is not None, "configuration descriptor missing"
    return config


class _Handle:
    def __init__(self, device: VirtualDevice, generation: int) -> None:
        self.device = device
        self.generation = generation  # the enumeration this handle was opened on


class _DevId:
    """What enumerate_devices yields: one enumeration of a device (a re-enumeration is a new one)."""

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.generation = device.enumeration


class BenchBackend(usb.backend.IBackend):
    def __init__(self, bench: Bench) -> None:
        self.bench = bench

    # -- enumeration ------------------------------------------------------------------------------------
    def enumerate_devices(self) -> Any:
        return [_DevId(d) for d in self.bench.attached_devices()]

    def get_device_descriptor(self, dev: _DevId) -> SimpleNamespace:
        d = dev.device
        fields = dict(zip(_DEVICE_FIELDS, struct.unpack("<BBHBBBBHHHBBBB", d.descriptors.device), strict=True))
        # pyusb's Device also reads bus/address/port numbers/speed from here (usb/core.py Device.__init__)
        return SimpleNamespace(
            **fields, bus=d.bus, address=d.address, port_number=d.port_numbers[-1],
            port_numbers=d.port_numbers, speed=3,
        )

    def get_configuration_descriptor(self, dev: _DevId, config: int) -> SimpleNamespace:
        return _parse_configuration(dev.device.descriptors.configuration)

    def get_interface_descriptor(self, dev: _DevId, intf: int, alt: int, config: int) -> SimpleNamespace:
        cfg = self.get_configuration_descriptor(dev, config)
        matches = [i for i in cfg.interfaces if i.bInterfaceNumber == intf]
        return matches[alt]

    def get_endpoint_descriptor(self, dev: _DevId, ep: int, intf: int, alt: int, config: int) -> SimpleNamespace:
        return self.get_interface_descriptor(dev, intf, alt, config).endpoints[ep]

    # -- handles ----------------------------------------------------------------------------------------
    def open_device(self, dev: _DevId) -> _Handle:
        d = dev.device
        self._check_present(dev.device, dev.generation)
        if d.behaviour.no_access:
            raise usb.core.USBError("Access denied (insufficient permissions)", LIBUSB_ERROR_ACCESS, errno.EACCES)
        return _Handle(d, dev.generation)

    def close_device(self, dev_handle: _Handle) -> None:
        pass

    def get_configuration(self, dev_handle: _Handle) -> int:
        return 1

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        pass

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._check_present(dev_handle.device, dev_handle.generation)
        if dev_handle.device.behaviour.claimed and dev_handle.device.mode == "dfu":
            # another program (dfu-util) holds the DFU interface: libusb_claim_interface fails with BUSY
            raise usb.core.USBError("Resource busy", LIBUSB_ERROR_BUSY, errno.EBUSY)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._check_present(dev_handle.device, dev_handle.generation)
        dev_handle.device.select_alt(altsetting)

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    # -- transfers --------------------------------------------------------------------------------------
    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int, wValue: int,
                      wIndex: int, data: Any, timeout: int) -> int:
        device = dev_handle.device
        self._check_present(device, dev_handle.generation)
        is_in = bool(bmRequestType & usb_spec.DIR_IN)
        setup = SetupPacket(bmRequestType, bRequest, wValue, wIndex, len(data))
        try:
            if is_in:
                answer = device.handle_in(setup)[: len(data)]
                data[: len(answer)] = type(data)(data.typecode, answer)  # pyusb hands us a pre-sized array
                return len(answer)
            device.handle_out(setup, bytes(data))
            return len(data)
        except Stall:
            raise usb.core.USBError("Pipe error", LIBUSB_ERROR_PIPE, errno.EPIPE) from None
        except NoReply:
            raise usb.core.USBTimeoutError("Operation timed out", LIBUSB_ERROR_TIMEOUT, errno.ETIMEDOUT) from None
        except Unplugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", LIBUSB_ERROR_NO_DEVICE,
                                    errno.ENODEV) from None

    @staticmethod
    def _check_present(device: VirtualDevice, generation: int) -> None:
        if not device.attached or device.enumeration != generation:
            raise usb.core.USBError("No such device (it may have been disconnected)", LIBUSB_ERROR_NO_DEVICE,
                                    errno.ENODEV)

"""What the Linux kernel (and udev) would publish for a virtual device: its sysfs tree as umockdev text.

Pure functions of a snapshot of the device (no GI, no umockdev), so they are unit-testable anywhere.  The
umockdev attachment (``sim.umockdev``) feeds the text to ``UMockdev.Testbed.add_from_string``.

Layout, as on a PC with the device on root port N of bus B::

    /devices/pci0000:00/0000:00:14.0/usbB/B-N               usb_device  (/dev/bus/usb/BBB/DDD)
    /devices/pci0000:00/0000:00:14.0/usbB/B-N/B-N:1.I       usb_interface, one per interface
    /devices/pci0000:00/0000:00:14.0/usbB/B-N/B-N:1.0/tty/ttyACMn   the CDC port (serial modes only)

What the consumers need (found by removing one line at a time; the integration tests hold it):
* libusb 1.0.26 (libusb/os/linux_udev.c, linux_usbfs.c): ``N:`` node, SUBSYSTEM, DEVTYPE, DEVNAME, ``busnum``,
  ``devnum``, ``bConfigurationValue`` and the binary ``descriptors`` attribute (device + configuration descriptors).
* pyserial's list_ports (serial/tools/list_ports_linux.py): the tty's ``device`` link to its interface (umockdev
  does not create it) and ``bNumInterfaces`` on the USB device (pyserial 3.5 crashes without it).
* udev-based tools (node-serialport, ``udevadm info``): the ID_* properties udev's usb_id builtin adds.
The tty deliberately has no ``N:`` line: the attachment links ``/dev/ttyACMn`` to the device's own pty
(umockdev 0.17.16 aborts re-creating a removed pty node: "assertion failed: (!this.dev_fd.contains (devname))").
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from particle_diag.sim.descriptors import MANUFACTURER_INDEX, PRODUCT_INDEX, SERIAL_INDEX

HOST_CONTROLLER = "/devices/pci0000:00/0000:00:14.0"
USB_DEVICE_MAJOR = 189
ACM_MAJOR = 166
SPEED_MBPS = 12  # Particle devices are USB 2.0 full speed
CDC_COMM, CDC_DATA = 0x02, 0x0A


@dataclass(frozen=True)
class InterfaceInfo:
    """One interface of the configuration, as its alternate setting 0 describes it."""

    number: int
    alt_settings: int
    cls: int
    subclass: int
    protocol: int
    endpoints: tuple[int, ...]  # endpoint addresses of alt 0
    string_index: int

    @property
    def is_cdc(self) -> bool:
        return self.cls in (CDC_COMM, CDC_DATA)


@dataclass(frozen=True)
class ConfigInfo:
    value: int
    attributes: int
    max_power_ma: int
    interfaces: tuple[InterfaceInfo, ...]

    def interface(self, number: int) -> InterfaceInfo | None:
        return next((i for i in self.interfaces if i.number == number), None)

    @property
    def endpoints(self) -> frozenset[int]:
        return frozenset(ep for i in self.interfaces for ep in i.endpoints)


def parse_configuration(raw: bytes) -> ConfigInfo:
    """The parts of a configuration descriptor the kernel exposes (and checks usbfs requests against)."""
    alts: dict[int, int] = {}
    alt0: dict[int, tuple[int, int, int, int]] = {}
    endpoints: dict[int, list[int]] = {}
    current: int | None = None  # interface whose alt 0 the following endpoints belong to
    i = raw[0]
    while i + 1 < len(raw) and raw[i] >= 2:
        length, kind = raw[i], raw[i + 1]
        if kind == 4:  # INTERFACE
            number, alt, _n_ep, cls, sub, proto, string = struct.unpack_from("<BBBBBBB", raw, i + 2)
            alts[number] = alts.get(number, 0) + 1
            current = number if alt == 0 else None
            if alt == 0:
                alt0[number] = (cls, sub, proto, string)
                endpoints[number] = []
        elif kind == 5 and current is not None:  # ENDPOINT (of an alt 0)
            endpoints[current].append(raw[i + 2])
        i += length
    interfaces = tuple(
        InterfaceInfo(n, alts[n], *alt0[n][:3], tuple(endpoints[n]), alt0[n][3]) for n in sorted(alt0)
    )
    return ConfigInfo(raw[5], raw[7], raw[8] * 2, interfaces)


@dataclass(frozen=True)
class UsbSnapshot:
    """One enumeration of a device, frozen when it joined the bus."""

    bus: int
    address: int
    port_numbers: tuple[int, ...]
    device_descriptor: bytes
    configuration: bytes
    strings: dict[int, str]
    tty_index: int | None  # ttyACMn of its CDC port, None without one

    @property
    def usb_path(self) -> str:
        return f"{self.bus}-" + ".".join(str(p) for p in self.port_numbers)

    @property
    def devnode(self) -> str:
        return f"/dev/bus/usb/{self.bus:03d}/{self.address:03d}"

    @property
    def syspath(self) -> str:
        return f"{HOST_CONTROLLER}/usb{self.bus}/{self.usb_path}"

    @property
    def config(self) -> ConfigInfo:
        return parse_configuration(self.configuration)

    def interface_syspath(self, number: int) -> str:
        return f"{self.syspath}/{self.usb_path}:{self.config.value}.{number}"

    @property
    def tty_name(self) -> str | None:
        return None if self.tty_index is None else f"ttyACM{self.tty_index}"

    @property
    def tty_interface(self) -> InterfaceInfo | None:
        """cdc_acm creates the tty under the CDC communication interface."""
        if self.tty_index is None:
            return None
        return next((i for i in self.config.interfaces if i.cls == CDC_COMM), None)

    @property
    def tty_syspath(self) -> str | None:
        comm = self.tty_interface
        if comm is None or self.tty_name is None:
            return None
        return f"{self.interface_syspath(comm.number)}/tty/{self.tty_name}"

    def syspaths(self) -> list[str]:
        """Every sysfs device of this enumeration, parents first (remove them in reverse)."""
        paths = [self.syspath, *(self.interface_syspath(i.number) for i in self.config.interfaces)]
        if self.tty_syspath:
            paths.append(self.tty_syspath)
        return paths

    def bound_interfaces(self) -> frozenset[int]:
        """Interfaces the cdc_acm driver has bound (the kernel's answer to USBDEVFS_GETDRIVER)."""
        if self.tty_index is None:
            return frozenset()
        return frozenset(i.number for i in self.config.interfaces if i.is_cdc)


# -- the umockdev text -----------------------------------------------------------------------------------
def _fields(raw: bytes) -> dict[str, int]:
    names = ("bcdUSB", "cls", "sub", "proto", "mps0", "vid", "pid", "bcdDevice", "iManufacturer", "iProduct",
             "iSerial", "nconf")
    values = struct.unpack_from("<HBBBBHHHBBBB", raw, 2)
    return dict(zip(names, values, strict=True))


def _udev_ids(snap: UsbSnapshot) -> list[tuple[str, str]]:
    """What udev's usb_id builtin adds (tools reading ``udevadm info`` or libudev properties use them)."""
    f = _fields(snap.device_descriptor)
    vendor = snap.strings.get(MANUFACTURER_INDEX, "")
    model = snap.strings.get(PRODUCT_INDEX, "")
    serial = snap.strings.get(SERIAL_INDEX, "")
    enc = {"vendor": vendor.replace(" ", "_"), "model": model.replace(" ", "_")}
    ifaces = "".join(f":{i.cls:02x}{i.subclass:02x}{i.protocol:02x}" for i in snap.config.interfaces) + ":"
    ports = ".".join(str(p) for p in snap.port_numbers)
    return [
        ("ID_BUS", "usb"), ("ID_VENDOR", enc["vendor"]), ("ID_VENDOR_ID", f"{f['vid']:04x}"),
        ("ID_MODEL", enc["model"]), ("ID_MODEL_ID", f"{f['pid']:04x}"),
        ("ID_REVISION", f"{f['bcdDevice']:04x}"),
        ("ID_SERIAL", f"{enc['vendor']}_{enc['model']}_{serial}"), ("ID_SERIAL_SHORT", serial),
        ("ID_USB_INTERFACES", ifaces), ("ID_PATH", f"pci-0000:00:14.0-usb-0:{ports}"),
        ("ID_PATH_TAG", f"pci-0000_00_14_0-usb-0_{ports.replace('.', '_')}"),
    ]


def _block(path: str, props: list[tuple[str, str]], attrs: list[tuple[str, str]],
           extra: list[str] | None = None) -> str:
    lines = [f"P: {path}", *(extra or [])]
    lines += [f"E: {k}={v}" for k, v in props]
    lines += [f"A: {k}={_escape(v + chr(10))}" for k, v in attrs]  # sysfs text ends with a newline
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def usb_device_block(snap: UsbSnapshot) -> str:
    f = _fields(snap.device_descriptor)
    cfg = snap.config
    raw = snap.device_descriptor + snap.configuration
    minor = usb_minor(snap)
    props = [
        ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"), ("DEVNAME", snap.devnode), ("DRIVER", "usb"),
        ("PRODUCT", f"{f['vid']:x}/{f['pid']:x}/{f['bcdDevice']:x}"),
        ("TYPE", f"{f['cls']}/{f['sub']}/{f['proto']}"),
        ("BUSNUM", f"{snap.bus:03d}"), ("DEVNUM", f"{snap.address:03d}"),
        ("MAJOR", str(USB_DEVICE_MAJOR)), ("MINOR", str(minor)),
        *_udev_ids(snap),
    ]
    # Formats follow drivers/usb/core/sysfs.c (e.g. bNumInterfaces is "%2d", version "%2x.%02x").
    attrs = [
        ("idVendor", f"{f['vid']:04x}"), ("idProduct", f"{f['pid']:04x}"),
        ("bcdDevice", f"{f['bcdDevice']:04x}"),
        ("bDeviceClass", f"{f['cls']:02x}"), ("bDeviceSubClass", f"{f['sub']:02x}"),
        ("bDeviceProtocol", f"{f['proto']:02x}"), ("bMaxPacketSize0", str(f["mps0"])),
        ("bNumConfigurations", str(f["nconf"])), ("bNumInterfaces", f"{len(cfg.interfaces):2d}"),
        ("bConfigurationValue", str(cfg.value)), ("bmAttributes", f"{cfg.attributes:2x}"),
        ("bMaxPower", f"{cfg.max_power_ma}mA"), ("busnum", str(snap.bus)), ("devnum", str(snap.address)),
        ("devpath", snap.usb_path.split("-", 1)[1]), ("speed", str(SPEED_MBPS)),
        ("version", f"{f['bcdUSB'] >> 8:2x}.{f['bcdUSB'] & 0xFF:02x}"), ("maxchild", "0"),
        ("removable", "removable"), ("authorized", "1"), ("quirks", "0x0"), ("configuration", ""),
        ("dev", f"{USB_DEVICE_MAJOR}:{minor}"),
    ]
    for name, index in (("manufacturer", f["iManufacturer"]), ("product", f["iProduct"]),
                        ("serial", f["iSerial"])):
        if index and index in snap.strings:
            attrs.append((name, snap.strings[index]))
    # Reading a usbfs node gives the descriptors, as on a real system.
    node = f"N: {snap.devnode.removeprefix('/dev/')}={raw.hex().upper()}"
    return _block(snap.syspath, props, attrs, [node]) + f"H: descriptors={raw.hex().upper()}\n"


def interface_block(snap: UsbSnapshot, iface: InterfaceInfo) -> str:
    f = _fields(snap.device_descriptor)
    modalias = (f"usb:v{f['vid']:04X}p{f['pid']:04X}d{f['bcdDevice']:04X}dc{f['cls']:02X}dsc{f['sub']:02X}"
                f"dp{f['proto']:02X}ic{iface.cls:02X}isc{iface.subclass:02X}ip{iface.protocol:02X}"
                f"in{iface.number:02X}")
    props = [("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_interface"),
             ("PRODUCT", f"{f['vid']:x}/{f['pid']:x}/{f['bcdDevice']:x}"),
             ("TYPE", f"{f['cls']}/{f['sub']}/{f['proto']}"),
             ("INTERFACE", f"{iface.cls}/{iface.subclass}/{iface.protocol}"), ("MODALIAS", modalias)]
    if iface.number in snap.bound_interfaces():
        props.append(("DRIVER", "cdc_acm"))
    attrs = [
        ("bInterfaceNumber", f"{iface.number:02x}"), ("bAlternateSetting", f"{0:2d}"),
        ("bInterfaceClass", f"{iface.cls:02x}"), ("bInterfaceSubClass", f"{iface.subclass:02x}"),
        ("bInterfaceProtocol", f"{iface.protocol:02x}"), ("bNumEndpoints", f"{len(iface.endpoints):02x}"),
        ("authorized", "1"), ("supports_autosuspend", "1"), ("modalias", modalias),
    ]
    if iface.string_index and iface.string_index in snap.strings:
        attrs.append(("interface", snap.strings[iface.string_index]))
    return _block(snap.interface_syspath(iface.number), props, attrs)


def tty_block(snap: UsbSnapshot) -> str:
    comm, path, name = snap.tty_interface, snap.tty_syspath, snap.tty_name
    assert comm is not None and path is not None and name is not None and snap.tty_index is not None
    props = [("SUBSYSTEM", "tty"), ("DEVNAME", f"/dev/{name}"), ("MAJOR", str(ACM_MAJOR)),
             ("MINOR", str(snap.tty_index)), *_udev_ids(snap),
             ("ID_USB_INTERFACE_NUM", f"{comm.number:02x}"), ("ID_USB_DRIVER", "cdc_acm"),
             ("ID_TYPE", "generic")]
    attrs = [("dev", f"{ACM_MAJOR}:{snap.tty_index}")]
    # umockdev does not create the "device" link; pyserial needs it to find the USB identity
    # (list_ports_linux.py).
    link = f"L: device=../../../{snap.usb_path}:{snap.config.value}.{comm.number}"
    return _block(path, props, attrs) + link + "\n"


def umockdev_text(snap: UsbSnapshot) -> str:
    """The whole enumeration, parents first (umockdev sends an "add" uevent per paragraph, in order)."""
    blocks = [usb_device_block(snap), *(interface_block(snap, i) for i in snap.config.interfaces)]
    if snap.tty_index is not None and snap.tty_interface is not None:
        blocks.append(tty_block(snap))
    return "\n".join(blocks)


def usb_minor(snap: UsbSnapshot) -> int:
    """The usb_device char minor the kernel gives a device: (bus - 1) * 128 + address - 1."""
    return (snap.bus - 1) * 128 + snap.address - 1


def char_links(snap: UsbSnapshot) -> list[str]:
    """The /sys/dev/char/MAJOR:MINOR links of this enumeration (the device, and its tty if it has one)."""
    links = [f"/sys/dev/char/{USB_DEVICE_MAJOR}:{usb_minor(snap)}"]
    if snap.tty_index is not None:
        links.append(f"/sys/dev/char/{ACM_MAJOR}:{snap.tty_index}")
    return links

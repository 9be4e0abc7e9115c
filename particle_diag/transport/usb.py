"""USB through pyusb: enumeration of Particle devices and control transfers on endpoint 0.

The only module (with ``transport.serial``) that imports a device I/O library.  libusb comes from the
system, or from the ``libusb-package`` wheel where the system has none.  A pyusb backend can be injected
(the virtual bench does), so the same code paths run with or without hardware.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import usb.core
import usb.util

from particle_diag.catalog import timeouts
from particle_diag.catalog import usb as usb_spec
from particle_diag.catalog.usb import DescriptorType, StandardRequest
from particle_diag.errors import (
    DeviceGoneError,
    DeviceInUseError,
    DeviceTimeoutError,
    EnvironmentMissingError,
    PdiagError,
    PermissionDeniedError,
    ProtocolError,
    TransferStallError,
)
from particle_diag.transport.redact import hex_data, redact

Trace = Callable[[str], None]
DEFAULT_TRANSFER_TIMEOUT_MS = timeouts.TRANSFER_MS

_backend_cache: list[Any] = []
_backend_lock = threading.Lock()


def default_backend() -> Any:
    """The system's libusb 1.0, else the copy bundled by libusb-package (loaded once, whichever thread asks)."""
    with _backend_lock:
        return _load_backend()


def _load_backend() -> Any:
    if _backend_cache:
        return _backend_cache[0]
    import usb.backend.libusb1

    backend = usb.backend.libusb1.get_backend(find_library=_find_libusb)
    if backend is None:
        try:
            import libusb_package

            backend = libusb_package.get_libusb1_backend()
        except ImportError:  # pragma: no cover - libusb-package is a dependency
            backend = None
    if backend is None:
        raise EnvironmentMissingError(
            "libusb 1.0 was not found on this computer",
            "Install it (Debian/Ubuntu: sudo apt-get install libusb-1.0-0) or reinstall pdiag so that "
            "libusb-package provides it.",
            reference="host.libusb",
        )
    _backend_cache.append(backend)
    return backend


LIBUSB_SONAME = "libusb-1.0.so.0"


def _find_libusb(candidate: str) -> str | None:
    """Where pyusb should load libusb from.  ctypes.util.find_library runs `ldconfig -p` (and maybe gcc) in a
    subprocess, about 10 ms at every start; on Linux the dynamic loader finds libusb by its soname itself."""
    import ctypes

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(LIBUSB_SONAME)
            return LIBUSB_SONAME
        except OSError:
            pass
    import ctypes.util

    return ctypes.util.find_library(candidate)


def usb_path(bus: int, port_numbers: Iterable[int] | None) -> str:
    """Linux sysfs-style location: bus 1, ports (2, 3) -> '1-2.3'."""
    ports = list(port_numbers or [])
    return f"{bus}-" + ".".join(str(p) for p in ports) if ports else f"{bus}"


@dataclass(frozen=True)
class UsbIdentity:
    vid: int
    pid: int
    bus: int
    address: int
    path: str
    serial: str | None
    product: str | None
    manufacturer: str | None
    error: PdiagError | None = None  # why the strings could not be read (permission, gone, ...)


def translate(exc: Exception, what: str) -> PdiagError:
    """Map a pyusb error onto pdiag's typed errors."""
    if isinstance(exc, usb.core.USBTimeoutError):
        return DeviceTimeoutError(f"{what}: the device did not answer in time")
    if isinstance(exc, usb.core.NoBackendError):
        return EnvironmentMissingError(f"{what}: no libusb backend", reference="host.libusb")
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return PermissionDeniedError(f"{what}: permission denied opening the USB device")
    if code == errno.EBUSY:  # another program (dfu-util, particle-cli, a second pdiag) claimed the interface
        return DeviceInUseError(f"{what}: the device is in use by another program (its interface is claimed: "
                                f"Resource busy)", "Close the other program (dfu-util, particle-cli, another "
                                "pdiag) and run the command again; the device itself is fine.",
                                reference="device.in-use-other")
    if code == errno.EPIPE:
        return TransferStallError(f"{what}: the device refused the request (stall)")
    if code in (errno.ENODEV, errno.ENOENT, errno.ESHUTDOWN):
        return DeviceGoneError(f"{what}: the device was disconnected")
    if code == errno.ETIMEDOUT:
        return DeviceTimeoutError(f"{what}: the device did not answer in time")
    return ProtocolError(f"{what}: USB error: {exc}")


def functional_transfer_size(extra: bytes) -> int | None:
    """wTransferSize of the first DFU functional descriptor (bDescriptorType 0x21, 7+ bytes) among the class
    descriptors that follow an interface descriptor; None when there is none.  Walks by bLength and stops at
    a bLength that cannot be right (0, 1, or past the end), so odd descriptors end the walk, not the program.
    """
    offset = 0
    while offset + 2 <= len(extra):
        length, kind = extra[offset], extra[offset + 1]
        if length < 2 or offset + length > len(extra):
            return None
        if kind == 0x21 and length >= 7:
            return int.from_bytes(extra[offset + 5 : offset + 7], "little")
        offset += length
    return None


SYS_USB_DEVICES = "/sys/bus/usb/devices"


def sysfs_identities(vids: frozenset[int], paths: frozenset[str] | None = None,
                     root: str = SYS_USB_DEVICES) -> list[UsbIdentity] | None:
    """The devices of ``vids`` as the kernel lists them in sysfs, with the strings it read when they enumerated:
    no control transfer and no libusb (a device that is not ours is never opened, not even by the kernel's
    side of libusb).  None where there is no sysfs (not Linux).

    The USB port path is the sysfs name (``1-2.3``, as ``usb_path`` builds it); a device node pdiag may not
    open carries the PermissionDeniedError libusb would raise, so a listing says "inaccessible" as before.
    """
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return None
    found = []
    for name in names:
        if ":" in name or not name[:1].isdigit():  # interfaces (1-2:1.0) and root hubs (usb1)
            continue
        if paths is not None and name not in paths:
            continue
        identity = _sysfs_identity(os.path.join(root, name), name, vids)
        if identity is not None:
            found.append(identity)
    return found


def _attribute(directory: str, name: str) -> str | None:
    try:
        with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def _sysfs_identity(directory: str, path: str, vids: frozenset[int]) -> UsbIdentity | None:
    try:
        vid = int(_attribute(directory, "idVendor") or "", 16)
        if vid not in vids:
            return None
        pid = int(_attribute(directory, "idProduct") or "", 16)
        bus, address = int(_attribute(directory, "busnum") or ""), int(_attribute(directory, "devnum") or "")
    except ValueError:
        return None  # it left the bus while it was read
    node = f"/dev/bus/usb/{bus:03d}/{address:03d}"
    error: PdiagError | None = None
    if not os.access(node, os.F_OK):  # as libusb's open: ENOENT (udev has not made the node yet, or it left)
        error = DeviceGoneError(f"reading USB device {path}: the device was disconnected")
    elif not os.access(node, os.R_OK | os.W_OK):
        error = PermissionDeniedError(f"reading USB device {path}: permission denied opening the USB device")
    return UsbIdentity(vid, pid, bus, address, path, _attribute(directory, "serial"),
                       _attribute(directory, "product"), _attribute(directory, "manufacturer"), error)


class UsbBus:
    def __init__(self, backend: Any = None, trace: Trace | None = None,
                 observe: Callable[[Any], Any] | None = None) -> None:
        # This computer's USB (no backend given, nothing recorded): devices are listed from sysfs where it exists.
        self._system = backend is None and observe is None
        self._backend = backend
        self._trace = trace
        # `observe` wraps the backend once it is known (``--record``: transport.recording.RecordingBackend),
        # so everything pyusb asks of libusb, string and descriptor reads included, is seen.
        self._observe = observe

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = default_backend()
        if self._observe is not None:
            self._backend, self._observe = self._observe(self._backend), None
        return self._backend

    def _find(self, vids: frozenset[int]) -> list[Any]:
        try:
            # custom_match filters on the cached device descriptor: no other vendor's device is opened.
            return list(usb.core.find(find_all=True, backend=self.backend,
                                      custom_match=lambda d: d.idVendor in vids))
        except usb.core.USBError as exc:
            raise translate(exc, "listing USB devices") from exc

    def enumerate(self, vids: frozenset[int], paths: frozenset[str] | None = None) -> list[UsbIdentity]:
        """Particle devices on the bus with their strings; ``paths`` limits it to those USB port paths (the
        strings of other devices are then not read: no control transfer reaches them)."""
        if self._system:
            from_sysfs = sysfs_identities(vids, paths)
            if from_sysfs is not None:
                return from_sysfs
        out = []
        for dev in self._find(vids):
            path = usb_path(dev.bus, dev.port_numbers)
            if paths is not None and path not in paths:
                continue
            strings: dict[str, str | None] = {"serial": None, "product": None, "manufacturer": None}
            error: PdiagError | None = None
            try:
                # Read the LANGID table ourselves first: pyusb's get_string turns an open failure
                # (EACCES without udev rules) into a vague ValueError, this keeps the real errno.
                dev.ctrl_transfer(usb_spec.STANDARD_IN, StandardRequest.GET_DESCRIPTOR,
                                  usb_spec.descriptor_value(DescriptorType.STRING), 0, 254)
                for name, index in (("serial", dev.iSerialNumber), ("product", dev.iProduct),
                                    ("manufacturer", dev.iManufacturer)):
                    strings[name] = usb.util.get_string(dev, index) if index else None
            except (usb.core.USBError, ValueError) as exc:
                error = translate(exc, f"reading USB device {path}") if isinstance(exc, usb.core.USBError) \
                    else ProtocolError(f"reading USB device {path}: {exc}")
            finally:
                usb.util.dispose_resources(dev)
            out.append(UsbIdentity(dev.idVendor, dev.idProduct, dev.bus, dev.address, path,
                                   strings["serial"], strings["product"], strings["manufacturer"], error))
        return out

    def open(self, identity: UsbIdentity, *, out_needs_data_stage: bool = False) -> UsbDevice:
        for dev in self._find(frozenset({identity.vid})):
            if dev.bus == identity.bus and dev.address == identity.address:
                return UsbDevice(dev, identity, self._trace, out_needs_data_stage)
        raise DeviceGoneError(f"USB device {identity.path} is no longer connected")


class UsbDevice:
    """An opened device: implements protocol.transfer.ControlTransfers over pyusb."""

    def __init__(self, dev: Any, identity: UsbIdentity, trace: Trace | None, out_needs_data_stage: bool) -> None:
        self._dev = dev
        self.identity = identity
        self._trace = trace
        # rtl872x: an OUT transfer without payload must carry one byte (device-constants quirk
        # controlOutTransfersRequireDataStage; particle-usb src/usb-device-node.js transferOut)
        self._pad_empty_out = out_needs_data_stage
        self.transfers = 0

    def _log(self, text: str) -> None:
        if self._trace is not None:
            self._trace(redact(f"usb {self.identity.path} {text}"))

    def control_in(self, request_type: int, request: int, value: int, index: int, length: int,
                   timeout_ms: int = DEFAULT_TRANSFER_TIMEOUT_MS) -> bytes:
        self.transfers += 1
        setup = f"IN  {request_type:02x} {request:02x} v={value:04x} i={index:04x} len={length}"
        try:
            data = bytes(self._dev.ctrl_transfer(request_type, request, value, index, length, timeout_ms))
        except usb.core.USBError as exc:
            self._log(f"{setup} -> {exc}")
            raise translate(exc, f"USB device {self.identity.path}") from exc
        self._log(f"{setup} -> {hex_data(data)}")
        return data

    def control_out(self, request_type: int, request: int, value: int, index: int, data: bytes,
                    timeout_ms: int = DEFAULT_TRANSFER_TIMEOUT_MS) -> int:
        self.transfers += 1
        # Only Particle's vendor requests need the dummy byte; a DFU zero-length DNLOAD must stay empty (it is
        # the leave request, particle-usb src/dfu.js Dfu.leave).
        pad = self._pad_empty_out and not data and (request_type & usb_spec.TYPE_MASK) == usb_spec.TYPE_VENDOR
        payload = b"\x00" if pad else data
        setup = f"OUT {request_type:02x} {request:02x} v={value:04x} i={index:04x} data={hex_data(payload)}"
        try:
            sent = int(self._dev.ctrl_transfer(request_type, request, value, index, payload, timeout_ms))
        except usb.core.USBError as exc:
            self._log(f"{setup} -> {exc}")
            raise translate(exc, f"USB device {self.identity.path}") from exc
        self._log(f"{setup} -> ok")
        return sent if data else 0

    def string(self, index: int) -> str | None:
        try:
            return usb.util.get_string(self._dev, index)
        except usb.core.USBError as exc:
            if exc.errno == errno.EPIPE:
                return None
            raise translate(exc, f"USB device {self.identity.path}") from exc
        except ValueError as exc:
            # pyusb reports a failed LANGID read (typically a device leaving the bus) as ValueError.
            raise ProtocolError(f"USB device {self.identity.path}: its string descriptors cannot be read ({exc})",
                                reference="usb.strings") from exc

    def _configuration(self) -> Any:
        try:
            return self._dev.get_active_configuration()
        except usb.core.USBError as exc:
            raise translate(exc, f"USB device {self.identity.path}") from exc

    def interface_strings(self) -> list[str]:
        """iInterface strings of interface 0's alt settings (DfuSe memory layouts in DFU mode)."""
        cfg = self._configuration()
        return [self.string(intf.iInterface) or "" for intf in cfg if intf.bInterfaceNumber == 0]

    def dfu_transfer_size(self, default: int = 1024) -> int:
        """wTransferSize from the DFU functional descriptor (type 0x21); ``default`` when there is none or it
        says 0, as particle-usb does (``xferSize || DEFAULT_TRANSFER_SIZE`` with 1024, src/dfu.js,
        https://github.com/particle-iot/particle-usb/blob/master/src/dfu.js)."""
        cfg = self._configuration()
        for intf in cfg:
            size = functional_transfer_size(bytes(intf.extra_descriptors or b""))
            if size:
                return size
        return default

    def set_alt(self, alt: int) -> None:
        try:
            self._dev.set_interface_altsetting(interface=0, alternate_setting=alt)
        except usb.core.USBError as exc:
            raise translate(exc, f"USB device {self.identity.path}") from exc

    def close(self) -> None:
        usb.util.dispose_resources(self._dev)

    def __enter__(self) -> UsbDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

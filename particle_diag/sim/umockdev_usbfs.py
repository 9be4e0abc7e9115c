"""usbdevfs emulation for the umockdev attachment: the kernel's side of ``/dev/bus/usb/BBB/DDD``.

libusb (and so pyusb, dfu-util, lsusb -v) talks to a USB device through ioctls on its usbfs node.  Under
libumockdev-preload those ioctls are forwarded over a socket to ``UsbfsHandler.do_handle_ioctl``, which runs
in the testbed's worker thread of the ``pdiag sim run`` process.  The handler plays the kernel: it checks
requests against the configuration, turns control URBs into ``handle_in`` / ``handle_out`` calls on the
virtual device (the same calls the pyusb backend makes, so no protocol behaviour is written twice), and
queues their completions for REAPURB.

Mapping of the device logic's outcomes (sim/usbdev.py) onto what the kernel reports:
* ``Stall``      -> the URB completes with status -EPIPE (libusb: LIBUSB_TRANSFER_STALL, pyusb "Pipe error");
* ``NoReply``    -> the URB never completes; libusb times out, sends DISCARDURB and reaps it with -ENOENT;
* ``Unplugged``  -> SUBMITURB fails with ENODEV (libusb: LIBUSB_ERROR_NO_DEVICE).
A URB still pending when the device leaves the bus completes with -ESHUTDOWN, like an HCD does on
disconnect; after that every request fails with ENODEV.

Struct layouts are those of x86_64 (and every LP64 Linux); see linux/usbdevice_fs.h.
Quirks (umockdev's GObject API, https://github.com/martinpitt/umockdev src/umockdev-ioctl.vala): resolve pointers
with ``IoctlData.resolve``, write with ``update``, and point the REAPURB argument at a reaped URB with ``set_ptr``
(all in umockdev 0.17.16).
"""

from __future__ import annotations

import errno
import struct
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

from particle_diag.catalog import usb as usb_spec  # noqa: E402
from particle_diag.catalog.usb import StandardRequest  # noqa: E402
from particle_diag.sim.sysfs import UsbSnapshot  # noqa: E402
from particle_diag.sim.usbdev import NoReply, SetupPacket, Stall, Unplugged  # noqa: E402

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice

Trace = Callable[[str], None]

UNHANDLED = -100  # libumockdev-preload: "run the real ioctl" (umockdev src/libumockdev-preload.c)


# -- ioctl numbers (asm-generic/ioctl.h) -------------------------------------------------------------------
def _ioc(direction: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (ord("U") << 8) | nr


_NONE, _WRITE, _READ = 0, 1, 2  # _IOC_WRITE: the user passes data in; _IOC_READ: the kernel writes back

URB_SIZE = 56  # sizeof(struct usbdevfs_urb) on LP64
CTRLTRANSFER_SIZE = 24  # struct usbdevfs_ctrltransfer: 8-byte setup, u32 timeout, pad, void *data @16
IOCTL_SIZE = 16  # struct usbdevfs_ioctl: int ifno, int ioctl_code, void *data @8
GETDRIVER_SIZE = 260  # struct usbdevfs_getdriver: unsigned int interface, char driver[256]
DISCONNECT_CLAIM_SIZE = 264  # struct usbdevfs_disconnect_claim: interface, flags, char driver[256]

USBDEVFS_CONTROL = _ioc(_READ | _WRITE, 0, CTRLTRANSFER_SIZE)
USBDEVFS_SETINTERFACE = _ioc(_READ, 4, 8)
USBDEVFS_SETCONFIGURATION = _ioc(_READ, 5, 4)
USBDEVFS_GETDRIVER = _ioc(_WRITE, 8, GETDRIVER_SIZE)
USBDEVFS_SUBMITURB = _ioc(_READ, 10, URB_SIZE)
USBDEVFS_DISCARDURB = _ioc(_NONE, 11, 0)
USBDEVFS_REAPURB = _ioc(_WRITE, 12, 8)
USBDEVFS_REAPURBNDELAY = _ioc(_WRITE, 13, 8)
USBDEVFS_CLAIMINTERFACE = _ioc(_READ, 15, 4)
USBDEVFS_RELEASEINTERFACE = _ioc(_READ, 16, 4)
USBDEVFS_CONNECTINFO = _ioc(_WRITE, 17, 8)
USBDEVFS_IOCTL = _ioc(_READ | _WRITE, 18, IOCTL_SIZE)
USBDEVFS_RESET = _ioc(_NONE, 20, 0)
USBDEVFS_CLEAR_HALT = _ioc(_READ, 21, 4)
USBDEVFS_DISCONNECT = _ioc(_NONE, 22, 0)  # only inside USBDEVFS_IOCTL
USBDEVFS_CONNECT = _ioc(_NONE, 23, 0)  # only inside USBDEVFS_IOCTL
USBDEVFS_GET_CAPABILITIES = _ioc(_READ, 26, 4)
USBDEVFS_DISCONNECT_CLAIM = _ioc(_READ, 27, DISCONNECT_CLAIM_SIZE)
USBDEVFS_GET_SPEED = _ioc(_NONE, 31, 0)

NAMES = {v: k for k, v in dict(globals()).items() if k.startswith("USBDEVFS_")}

# struct usbdevfs_urb (LP64): type u8 @0, endpoint u8 @1, status int @4, flags @8, buffer ptr @16,
# buffer_length int @24, actual_length int @28, start_frame @32, number_of_packets @36, error_count @40,
# signr @44, usercontext ptr @48.
URB_TYPE_ISO, URB_TYPE_INTERRUPT, URB_TYPE_CONTROL, URB_TYPE_BULK = 0, 1, 2, 3
O_TYPE, O_ENDPOINT, O_STATUS, O_BUFFER, O_BUFFER_LENGTH, O_ACTUAL_LENGTH = 0, 1, 4, 16, 24, 28
SETUP_SIZE = 8

# Capabilities a 6.x kernel reports for a full-speed device on xHCI (minus MMAP and streams).
CAP_ZERO_PACKET, CAP_NO_PACKET_SIZE_LIM, CAP_REAP_AFTER_DISCONNECT = 0x01, 0x04, 0x10
CAPABILITIES = CAP_ZERO_PACKET | CAP_NO_PACKET_SIZE_LIM | CAP_REAP_AFTER_DISCONNECT
USB_SPEED_FULL = 2  # enum usb_device_speed


class PassthroughTty(UMockdev.IoctlBase):  # type: ignore[misc]
    """Attached to ``/dev/ttyACMn``: lets every ioctl through to the real pty.

    umockdev 0.17.16's default handler answers ENOTTY to TCGETS2/TCSETS2, so pyserial could not open the port
    at 14400 or 28800 baud, the magic rates (fixed upstream only in 0.19.5, umockdev NEWS).
    """

    def do_handle_ioctl(self, client: Any) -> bool:
        client.complete(UNHANDLED, 0)
        return True


@dataclass
class _Urb:
    urb: Any  # IoctlData of the client's struct usbdevfs_urb
    buffer: Any | None  # IoctlData of its buffer (setup packet + data stage for control URBs)
    status: int = 0
    data: bytes = b""  # IN data stage, written into the buffer after the setup packet when reaped
    actual: int = 0


@dataclass
class _ClientState:
    """Per open file descriptor, as in the kernel: each has its own URBs and claimed interfaces."""

    done: deque[_Urb] = field(default_factory=deque)  # completed, waiting for REAPURB
    stuck: list[_Urb] = field(default_factory=list)  # the device never answered (NoReply)
    claimed: set[int] = field(default_factory=set)


class UsbfsHandler(UMockdev.IoctlBase):  # type: ignore[misc]
    """The usbfs node of one enumeration of a virtual device."""

    def __init__(self, device: VirtualDevice, enumeration: int, snapshot: UsbSnapshot,
                 trace: Trace | None = None) -> None:
        super().__init__()
        self.device = device
        self.enumeration = enumeration
        self.snapshot = snapshot
        self.config = snapshot.config
        self._trace = trace
        self._lock = threading.RLock()
        self._clients: dict[Any, _ClientState] = {}
        self._bound = set(snapshot.bound_interfaces())  # interfaces cdc_acm holds (until DISCONNECT)
        self.submitted = 0  # control URBs the device logic has seen (tests wait on it)

    # -- GObject entry points ------------------------------------------------------------------------------
    def do_handle_ioctl(self, client: Any) -> bool:
        request = client.get_request()
        try:
            result, err = self._dispatch(client, request)
        except Exception as exc:  # a bug in the device logic must not hang the client: fail like a kernel EIO
            print(f"pdiag sim: usbfs {NAMES.get(request, hex(request))} failed: {exc!r}", file=sys.stderr)
            result, err = -1, errno.EIO
        if self._trace is not None:
            self._trace(f"usbfs {self.snapshot.devnode} {NAMES.get(request, hex(request))} -> {result} {err}")
        client.complete(result, err)
        return True

    def _prune(self) -> None:
        """Forget clients whose file descriptor is closed: their URBs and claimed interfaces die with it.
        (umockdev 0.17.16 never emits client-vanished, and PyGObject does not route client-connected to a
        do_ override; a closed client's ``connected`` property turns False.)"""
        with self._lock:
            for client in [c for c in self._clients if not c.get_connected()]:
                del self._clients[client]

    def in_flight(self) -> int:
        """URBs the device has not answered (NoReply) and nobody has discarded yet."""
        with self._lock:
            return sum(len(s.stuck) for s in self._clients.values())

    def close(self) -> None:
        """Forget every client (teardown: drops the references to umockdev objects now, not at GC)."""
        with self._lock:
            self._clients.clear()

    # -- dispatch --------------------------------------------------------------------------------------------
    @property
    def present(self) -> bool:
        return self.device.attached and self.device.enumeration == self.enumeration

    def _state(self, client: Any) -> _ClientState:
        with self._lock:
            if client not in self._clients:
                self._prune()
            return self._clients.setdefault(client, _ClientState())

    def _dispatch(self, client: Any, request: int) -> tuple[int, int]:
        arg = client.get_arg()
        state = self._state(client)
        if request in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
            return self._reap(arg, state)  # pending URBs stay reapable after a disconnect
        if request == USBDEVFS_DISCARDURB:
            return self._discard(arg, state)
        if not self.present:
            return -1, errno.ENODEV
        handlers: dict[int, Callable[[Any, _ClientState], tuple[int, int]]] = {
            USBDEVFS_SUBMITURB: self._submit,
            USBDEVFS_CONTROL: self._control,
            USBDEVFS_CLAIMINTERFACE: self._claim,
            USBDEVFS_RELEASEINTERFACE: self._release,
            USBDEVFS_SETINTERFACE: self._set_interface,
            USBDEVFS_SETCONFIGURATION: self._set_configuration,
            USBDEVFS_GETDRIVER: self._get_driver,
            USBDEVFS_IOCTL: self._driver_ioctl,
            USBDEVFS_DISCONNECT_CLAIM: self._disconnect_claim,
            USBDEVFS_GET_CAPABILITIES: self._capabilities,
            USBDEVFS_CONNECTINFO: self._connectinfo,
        }
        if request in handlers:
            return handlers[request](arg, state)
        if request == USBDEVFS_GET_SPEED:
            return USB_SPEED_FULL, 0
        if request in (USBDEVFS_RESET, USBDEVFS_CLEAR_HALT):
            return 0, 0
        return -1, errno.ENOTTY

    # -- URBs ------------------------------------------------------------------------------------------------
    def _submit(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        urb = arg.resolve(0, URB_SIZE)
        raw = bytes(urb.retrieve())
        kind, endpoint = raw[O_TYPE], raw[O_ENDPOINT]
        length = struct.unpack_from("<i", raw, O_BUFFER_LENGTH)[0]
        if kind != URB_TYPE_CONTROL:
            # The CDC data path is the tty (ptys), not usbfs: bulk/interrupt URBs are refused like the
            # kernel refuses an endpoint the interface has not got (ENOENT) or a busy one.
            return (-1, errno.ENOENT) if endpoint not in self.config.endpoints else (-1, errno.EBUSY)
        if length < SETUP_SIZE:
            return -1, errno.EINVAL
        buffer = urb.resolve(O_BUFFER, length)
        setup = SetupPacket(*struct.unpack_from("<BBHHH", bytes(buffer.retrieve()), 0))
        data_out = bytes(buffer.retrieve())[SETUP_SIZE : SETUP_SIZE + setup.length]
        entry = _Urb(urb, buffer)
        self.submitted += 1
        try:
            self._run_control(setup, data_out, entry)
        except Unplugged:
            return -1, errno.ENODEV
        except NoReply:
            with self._lock:
                state.stuck.append(entry)
            return 0, 0
        with self._lock:
            state.done.append(entry)
        return 0, 0

    def _run_control(self, setup: SetupPacket, data_out: bytes, entry: _Urb) -> None:
        """One control transfer through the device logic; the outcome is stored in ``entry``."""
        try:
            if setup.is_in:
                entry.data = bytes(self.device.handle_in(setup))[: setup.length]
                entry.actual = len(entry.data)
            else:
                self.device.handle_out(setup, data_out)
                entry.actual = setup.length
        except Stall:
            entry.status, entry.data, entry.actual = -errno.EPIPE, b"", 0

    def _reap(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        with self._lock:
            if not state.done and state.stuck and not self.present:
                state.done.extend(self._fail_all(state.stuck, -errno.ESHUTDOWN))
            entry = state.done.popleft() if state.done else None
        if entry is None:
            return (-1, errno.EAGAIN) if self.present else (-1, errno.ENODEV)
        if entry.data and entry.buffer is not None:
            entry.buffer.update(SETUP_SIZE, entry.data)
        entry.urb.update(O_STATUS, struct.pack("<i", entry.status))
        entry.urb.update(O_ACTUAL_LENGTH, struct.pack("<i", entry.actual))
        slot = arg.resolve(0, 8)  # the argument is a struct usbdevfs_urb **: point it at the reaped URB
        slot.set_ptr(0, entry.urb)
        return 0, 0

    @staticmethod
    def _fail_all(entries: list[_Urb], status: int) -> list[_Urb]:
        failed = list(entries)
        entries.clear()
        for e in failed:
            e.status, e.data, e.actual = status, b"", 0
        return failed

    def _discard(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        address = struct.unpack("<Q", bytes(arg.retrieve()))[0]  # the argument is the URB pointer itself
        with self._lock:
            hit = [e for e in state.stuck if e.urb.client_addr == address]
            for e in hit:
                state.stuck.remove(e)
            state.done.extend(self._fail_all(hit, -errno.ENOENT))
        # EINVAL: not pending (already completed); libusb then simply reaps it (linux_usbfs.c discard_urbs).
        return (0, 0) if hit else (-1, errno.EINVAL)

    def _control(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        """Synchronous USBDEVFS_CONTROL (libusb uses URBs; other tools may not)."""
        raw = arg.resolve(0, CTRLTRANSFER_SIZE)
        fields = bytes(raw.retrieve())
        setup = SetupPacket(*struct.unpack_from("<BBHHH", fields, 0))
        data = raw.resolve(16, setup.length) if setup.length else None
        entry = _Urb(raw, data)
        try:
            self._run_control(setup, bytes(data.retrieve()) if data is not None and not setup.is_in else b"",
                              entry)
        except Unplugged:
            return -1, errno.ENODEV
        except NoReply:
            return -1, errno.ETIMEDOUT  # the worker thread must not block for the caller's timeout
        if entry.status:
            return -1, -entry.status
        if entry.data and data is not None:
            data.update(0, entry.data)
        return entry.actual, 0

    # -- interfaces and configuration ---------------------------------------------------------------------
    def _u32(self, arg: Any) -> int:
        return int(struct.unpack("<I", bytes(arg.resolve(0, 4).retrieve()))[0])

    def _claim(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        number = self._u32(arg)
        if self.config.interface(number) is None:
            return -1, errno.ENOENT
        self._prune()
        if number in self._bound:
            return -1, errno.EBUSY  # cdc_acm holds it: detach the kernel driver first
        with self._lock:
            if any(number in s.claimed for s in self._clients.values() if s is not state):
                return -1, errno.EBUSY
            state.claimed.add(number)
        return 0, 0

    def _release(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        number = self._u32(arg)
        with self._lock:
            if number not in state.claimed:
                return -1, errno.EINVAL
            state.claimed.discard(number)
        return 0, 0

    def _set_interface(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        number, alt = struct.unpack("<II", bytes(arg.resolve(0, 8).retrieve()))
        iface = self.config.interface(number)
        if iface is None or alt >= iface.alt_settings:
            return -1, errno.EINVAL
        try:
            self.device.select_alt(alt)
        except Unplugged:
            return -1, errno.ENODEV
        except NoReply:
            return -1, errno.ETIMEDOUT
        except Stall:
            # usb_set_interface(): a stall is ignored when the interface has a single setting.
            if iface.alt_settings > 1:
                return -1, errno.EPIPE
        return 0, 0

    def _set_configuration(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        value = struct.unpack("<i", bytes(arg.resolve(0, 4).retrieve()))[0]
        if value not in (self.config.value, -1, 0):
            return -1, errno.EINVAL
        try:
            setup = SetupPacket(usb_spec.STANDARD_OUT, StandardRequest.SET_CONFIGURATION, max(value, 0), 0, 0)
            self.device.handle_out(setup, b"")
        except Unplugged:
            return -1, errno.ENODEV
        except (Stall, NoReply):
            return -1, errno.EPIPE
        return 0, 0

    def _get_driver(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        data = arg.resolve(0, GETDRIVER_SIZE)
        number = struct.unpack_from("<I", bytes(data.retrieve()), 0)[0]
        if number not in self._bound:
            return -1, errno.ENODATA
        data.update(4, b"cdc_acm\0")
        return 0, 0

    def _driver_ioctl(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        """USBDEVFS_IOCTL: libusb's detach/attach_kernel_driver (DISCONNECT / CONNECT of one interface)."""
        number, code = struct.unpack_from("<iI", bytes(arg.resolve(0, IOCTL_SIZE).retrieve()), 0)
        if code == USBDEVFS_DISCONNECT:
            if number not in self._bound:
                return -1, errno.ENODATA
            self._bound.discard(number)  # the tty itself stays: a simplification (no CDC data over usbfs)
            return 0, 0
        if code == USBDEVFS_CONNECT:
            if number in self.snapshot.bound_interfaces():
                self._bound.add(number)
            return 0, 0
        return -1, errno.ENOTTY

    def _disconnect_claim(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        number = struct.unpack_from("<I", bytes(arg.resolve(0, DISCONNECT_CLAIM_SIZE).retrieve()), 0)[0]
        self._bound.discard(number)
        with self._lock:
            state.claimed.add(number)
        return 0, 0

    def _capabilities(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        arg.resolve(0, 4).update(0, struct.pack("<I", CAPABILITIES))
        return 0, 0

    def _connectinfo(self, arg: Any, state: _ClientState) -> tuple[int, int]:
        arg.resolve(0, 8).update(0, struct.pack("<IB3x", self.snapshot.address, 0))  # devnum, slow=0
        return 0, 0

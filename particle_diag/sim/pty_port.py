"""A virtual device's USB CDC port as a real pseudo-terminal that pyserial opens.

The device side owns the pty master only (holding a slave fd would hide the client's close).  It learns
about the host through:
- inotify IN_OPEN / IN_CLOSE on /dev/pts/N: race-free, even for a client that opens and closes at once.  One
  inotify instance serves every port of the process (``_Watcher``): Linux allows 128 instances per user by
  default (fs.inotify.max_user_instances), and a bench may have 256 devices;
- TCGETS2 on the master for the baud rate: 14400 and 28800 are not POSIX Bxxx speeds, so pyserial sets them
  through BOTHER and ``termios.tcgetattr`` only reports BOTHER; termios survive the client's close.
(Found by experiment on Linux 6.x ptys; tests/sim/test_bench_scale.py and the integration tier exercise it.
TCGETS2/termios2: asm-generic/ioctls.h and asm-generic/termbits.h of the Linux UAPI headers.)
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import select
import struct
import threading
import tty
from collections.abc import Callable

from particle_diag.catalog import timeouts

TCGETS2 = 0x802C542A  # asm-generic ioctls.h, struct termios2 (44 bytes)
TCSETS2 = 0x402C542B
_TERMIOS2 = "<IIII" + "B" * 19 + "xII"  # iflag oflag cflag lflag line cc[19] (pad) ispeed ospeed
CBAUD, BOTHER = 0o010017, 0o010000
IN_OPEN, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE = 0x20, 0x08, 0x10
_EVENT = struct.Struct("iIII")

DataHandler = Callable[[bytes], bytes]
CloseHandler = Callable[[int], None]

_libc: ctypes.CDLL | None = None


def _inotify() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


class _Watcher:
    """The one inotify instance of the process: watches every port's /dev/pts/N and hands each port its events.

    A port's own thread calls ``drain()`` before it reads the master, so an open that happened before the
    client wrote is always known before its bytes are answered, whichever thread read the event.
    """

    _instance: _Watcher | None = None
    _create_lock = threading.Lock()

    def __init__(self) -> None:
        libc = _inotify()
        self._libc = libc
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._lock = threading.Lock()
        self._ports: dict[int, PtyPort] = {}
        self._thread = threading.Thread(target=self._run, name="pty inotify", daemon=True)
        self._thread.start()

    @classmethod
    def get(cls) -> _Watcher:
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def add(self, port: PtyPort) -> int:
        with self._lock:
            wd = self._libc.inotify_add_watch(self.fd, port.path.encode(), IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {port.path} failed")
            self._ports[wd] = port
            return wd

    def remove(self, wd: int) -> None:
        with self._lock:
            if self._ports.pop(wd, None) is not None:
                self._libc.inotify_rm_watch(self.fd, wd)

    def drain(self) -> None:
        """Read every pending event and queue it on its port (waking that port's thread)."""
        with self._lock:
            woken = set()
            while True:
                try:
                    raw = os.read(self.fd, 65536)
                except (BlockingIOError, OSError):
                    break
                if not raw:
                    break
                offset = 0
                while offset < len(raw):
                    wd, mask, _cookie, name_len = _EVENT.unpack_from(raw, offset)
                    offset += _EVENT.size + name_len
                    port = self._ports.get(wd)
                    if port is not None:
                        port._events.append(mask)
                        woken.add(port)
        for port in woken:
            port._wake()

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while True:
            poller.poll()
            self.drain()


def baud_of(fd: int) -> int:
    """The input speed the client set, read with TCGETS2 (works on a pty master)."""
    buf = bytearray(struct.calcsize(_TERMIOS2))
    fcntl.ioctl(fd, TCGETS2, buf)
    fields = struct.unpack(_TERMIOS2, buf)
    return int(fields[-2])


def set_baud(fd: int, speed: int) -> None:
    buf = bytearray(struct.calcsize(_TERMIOS2))
    fcntl.ioctl(fd, TCGETS2, buf)
    fields = list(struct.unpack(_TERMIOS2, buf))
    fields[2] = (fields[2] & ~CBAUD) | BOTHER
    fields[-2] = fields[-1] = speed
    fcntl.ioctl(fd, TCSETS2, struct.pack(_TERMIOS2, *fields))


class PtyPort:
    """One CDC port. ``on_data`` answers what the host writes; ``on_close`` gets the baud at each close."""

    def __init__(self, on_data: DataHandler, on_close: CloseHandler) -> None:
        self._on_data = on_data
        self._on_close = on_close
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        set_baud(self.master, 9600)
        os.set_blocking(self.master, False)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._events: list[int] = []  # inotify masks queued by the watcher, in order
        self._watcher = _Watcher.get()
        self._wd = self._watcher.add(self)
        self._opens = 0
        self._lock = threading.Lock()
        self._closed = False
        self.opened_bauds: list[int] = []
        self._thread = threading.Thread(target=self._run, name=f"pty {self.path}", daemon=True)
        self._thread.start()

    def has_host(self) -> bool:
        """Whether a host program has the port open (what Serial.isConnected() tells an application)."""
        with self._lock:
            return self._opens > 0 and not self._closed

    def write(self, data: bytes) -> None:
        """Output from the device.  Written even when no client seems to have the port open: a client may
        have opened it an instant ago, and stale bytes are harmless (hosts flush input before a command)."""
        with self._lock:
            if not self._closed:
                with contextlib.suppress(OSError):
                    os.write(self.master, data)

    def close(self) -> None:
        """The device leaves the bus: the port disappears."""
        if self._closed:
            return
        self._closed = True
        self._watcher.remove(self._wd)
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=timeouts.THREAD_STOP_S)
        for fd in (self.master, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe already wakes the thread
            os.write(self._wake_w, b"x")

    # -- the device's side of the port ---------------------------------------------------------------------
    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        master_registered = False
        while not self._closed:
            ready = {fd for fd, _ in poller.poll(1000)}
            if self._closed:
                return
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            # Open/close events first, always: a client that opens the port and writes at once must be
            # known to be there before its bytes are answered (or the answer would go nowhere).
            closed_now = self._read_events()
            want_master = self._opens > 0
            if want_master and not master_registered:
                poller.register(self.master, select.POLLIN)
                master_registered = True
            elif not want_master and master_registered:
                poller.unregister(self.master)
                master_registered = False
            # Several closes read in one batch all see the same termios: act once, like one
            # SET_LINE_CODING on a real device.
            for baud in closed_now[-1:]:
                self._on_close(baud)
            if self.master in ready and want_master:
                self._pump()

    def _read_events(self) -> list[int]:
        """Apply a batch of open/close events; returns the baud seen at each last close."""
        self._watcher.drain()  # events not yet handed over (the watcher thread may not have run yet)
        with self._watcher._lock:
            masks, self._events = self._events, []
        closes: list[int] = []
        for mask in masks:
            with self._lock:
                if mask & IN_OPEN:
                    self._opens += 1
                    self.opened_bauds.append(baud_of(self.master))
                if mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE):
                    self._opens = max(0, self._opens - 1)
                    if self._opens == 0:
                        closes.append(baud_of(self.master))
        if closes and self._opens == 0:
            # Bytes a client wrote just before closing (e.g. 'x') still count.  Only when nobody has the port
            # open by the end of the batch: otherwise they belong to the client that opened it since.
            self._pump()
        return closes

    def _pump(self) -> None:
        try:
            data = os.read(self.master, 4096)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        reply = self._on_data(data)
        if reply:
            self.write(reply)

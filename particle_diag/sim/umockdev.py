"""Attachment 2: the virtual bench as real USB devices, through a umockdev testbed (Linux).

Every process started with ``client_env()`` (LD_PRELOAD=libumockdev-preload, UMOCKDEV_DIR=testbed) sees each
attached virtual device as the kernel would show it:

* sysfs: ``/sys/bus/usb/devices/1-N`` with its attributes and interfaces (``sim.sysfs`` writes them);
* ``/dev/bus/usb/001/DDD``: usbfs, whose ioctls ``sim.umockdev_usbfs.UsbfsHandler`` answers from the same
  device logic the pyusb backend calls (so libusb, pyusb, dfu-util and lsusb work unchanged);
* ``/dev/ttyACMn``: the device's own CDC pty (``VirtualDevice.port``), which already detects the host's
  open/close and baud rate (magic 14400 / 28800);
* uevents: when the device leaves the bus (reset, mode change) its nodes are removed, and it comes back
  with its new PID at a new address, so libusb hotplug and udev monitors follow it.

The process that owns the testbed must itself run with libumockdev-preload, or uevents cannot be sent
(umockdev's uevent sender uses libudev in the owning process, https://github.com/martinpitt/umockdev
src/uevent_sender.c); ``pdiag sim run`` re-executes itself so.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from particle_diag.errors import EnvironmentMissingError, UsageError
from particle_diag.sim.bench import Bench
from particle_diag.sim.device import VirtualDevice
from particle_diag.sim.sysfs import UsbSnapshot, char_links, umockdev_text

PRELOAD_LIB = "libumockdev-preload.so.0"
REEXEC_MARK = "PDIAG_SIM_RUN_PRELOADED"  # set when `pdiag sim run` re-executed itself under the preload
INSIDE_MARK = "PDIAG_INSIDE_SIM_RUN"  # set for COMMAND: its pdiag uses the shared bench, whatever PDIAG_SIM says
DEFAULT_BENCH = "boron,argon:dfu,electron/1.5.2:listening"
INSTALL_HINT = (
    "Install umockdev and PyGObject 3.50.x. Debian/Ubuntu: sudo apt-get install umockdev gir1.2-umockdev-1.0 "
    "libgirepository1.0-dev libcairo2-dev pkg-config gcc, then pip install 'particle-diag[umockdev]' "
    "(PyGObject==3.50.2; 3.51+ needs girepository-2.0). See docs/sim-run.md."
)

Trace = Callable[[str], None]


def _missing(message: str) -> EnvironmentMissingError:
    return EnvironmentMissingError(message, INSTALL_HINT, reference="host.umockdev")


# -- what the host has -------------------------------------------------------------------------------------
def load_umockdev() -> Any:
    """The UMockdev GI module, or EnvironmentMissingError saying what to install."""
    if not sys.platform.startswith("linux"):
        raise EnvironmentMissingError("umockdev testbeds exist only on Linux",
                                      "Use --sim (the built-in virtual bench) on this system.",
                                      reference="host.umockdev")
    try:
        import gi
    except ImportError:
        raise _missing("PyGObject (the Python 'gi' module) is not installed") from None
    try:
        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev
    except (ValueError, ImportError):
        raise _missing("umockdev's GObject introspection data (UMockdev-1.0.typelib) was not found") from None
    if not preload_library_installed():
        raise _missing(f"{PRELOAD_LIB} (package umockdev / libumockdev0) was not found")
    return UMockdev


# umockdev serves each USB device node through a Unix socket under its testbed directory,
# <TMPDIR>/umockdev.XXXXXX/ioctl/dev/bus/usb/BBB/DDD (umockdev src/umockdev.vala, Testbed.attach_ioctl; the
# directory from g_dir_make_tmp("umockdev.XXXXXX")), and a socket path holds at most 107 bytes (sun_path is 108
# with its NUL, unix(7)).  Past that, a client's open() of the node fails inside the preload with "Failed to
# connect to ioctl socket" (seen here with TMPDIR 61 characters long: a 113-byte path).
_SOCKET_PATH_MAX = 107
_LONGEST_SOCKET_TAIL = "/umockdev.XXXXXX/ioctl/dev/bus/usb/001/001"


def check_socket_room() -> None:
    """EnvironmentMissingError when TMPDIR is too long for umockdev's device sockets (GLib's g_get_tmp_dir():
    $TMPDIR, else /tmp)."""
    tmpdir = os.environ.get("TMPDIR") or "/tmp"
    length = len(os.fsencode(tmpdir.rstrip("/") + _LONGEST_SOCKET_TAIL))
    if length > _SOCKET_PATH_MAX:
        raise EnvironmentMissingError(
            f"TMPDIR is too long for umockdev: its device sockets would need {length}-byte paths "
            f"(a Unix socket allows {_SOCKET_PATH_MAX})",
            f"Set TMPDIR to a directory of at most {_SOCKET_PATH_MAX - len(_LONGEST_SOCKET_TAIL)} characters, "
            "e.g. `TMPDIR=/tmp pdiag sim run ...`.", reference="host.tmpdir")


def preload_library_installed() -> bool:
    patterns = [f"{d}/{PRELOAD_LIB}" for d in ("/usr/lib", "/usr/lib64", "/lib", "/usr/local/lib")]
    patterns += [f"{d}/*/{PRELOAD_LIB}" for d in ("/usr/lib", "/lib", "/usr/local/lib")]
    return any(glob.glob(p) for p in patterns) or shutil.which("umockdev-wrapper") is not None


def preload_active() -> bool:
    """Whether libumockdev-preload is loaded into this process (not just named in LD_PRELOAD)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            return "libumockdev-preload" in maps.read()
    except OSError:
        return False


def with_preload(env: dict[str, str]) -> dict[str, str]:
    current = [p for p in env.get("LD_PRELOAD", "").replace(" ", ":").split(":") if p]
    if not any("libumockdev-preload" in p for p in current):
        current.insert(0, PRELOAD_LIB)
    return {**env, "LD_PRELOAD": ":".join(current)}


def reexec_under_preload(args: Sequence[str]) -> None:
    """Run ``python -m particle_diag ARGS`` again with libumockdev-preload, unless this process has it.

    The testbed's owner must be preloaded to send uevents (see the module docstring).  The marker variable
    stops a loop when the preload cannot be loaded (e.g. a wrong LD_PRELOAD, or a setuid interpreter).
    """
    if preload_active():
        return
    if os.environ.get(REEXEC_MARK):
        preload = os.environ.get("LD_PRELOAD")
        raise _missing(f"{PRELOAD_LIB} could not be preloaded into pdiag (LD_PRELOAD={preload})")
    env = with_preload(dict(os.environ))
    env[REEXEC_MARK] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "particle_diag", *args], env)


def _with_own_pdiag(env: dict[str, str]) -> dict[str, str]:
    """Put this installation's ``pdiag`` first on PATH (like an activated venv), so that a bare ``pdiag`` in
    COMMAND is the same pdiag, even when it was started as .venv/bin/pdiag."""
    bindir = os.path.dirname(sys.executable)
    if not os.access(os.path.join(bindir, "pdiag"), os.X_OK):
        return env
    path = env.get("PATH", os.defpath).split(os.pathsep)
    if bindir in path:
        return env
    return {**env, "PATH": os.pathsep.join([bindir, *path])}


# -- the attachment ----------------------------------------------------------------------------------------
@dataclass
class _Plug:
    """What one enumeration of a device put into the testbed."""

    snapshot: UsbSnapshot
    usbfs: Any  # UsbfsHandler
    tty_node: str | None  # /dev/ttyACMn


class UmockdevBench:
    """A bench's devices inside one umockdev testbed, following them as they leave and re-join the bus.

    Keep one alive per process and ``close()`` it deterministically: the Testbed's finalizer unsets
    $UMOCKDEV_DIR for the whole process, so a late garbage collection breaks the next testbed
    (umockdev src/umockdev.vala, Testbed's finalizer).
    """

    def __init__(self, bench: Bench, trace: Trace | None = None) -> None:
        umockdev = load_umockdev()
        from particle_diag.sim import umockdev_usbfs

        self._usbfs = umockdev_usbfs
        self.bench = bench
        self._trace = trace
        check_socket_room()
        self._testbed: Any = umockdev.Testbed.new()
        self.root: str = self._testbed.get_root_dir()
        # True only when this process is preloaded; in_mock_environment() is False before Testbed.new()
        # (caveat 6).  Without it add_from_string sends no uevents and we must not send "remove" ones.
        self.hotplug: bool = bool(umockdev.in_mock_environment())
        self._lock = threading.RLock()
        self._plugged: dict[VirtualDevice, _Plug] = {}
        # Handlers of devices that left the bus, kept attached: a client still holding the old node gets ENODEV
        # from them, as from the kernel, instead of a reset ioctl socket (which aborts its umockdev preload).
        self._retired: dict[str, Any] = {}
        self._closed = False
        self.errors: list[str] = []
        for device in bench.devices:
            device.listeners.append(self._on_event)
        for device in bench.attached_devices():
            self._plug(device)

    @classmethod
    def start(cls, spec: str, trace: Trace | None = None) -> UmockdevBench:
        from particle_diag.sim.timing import apply_from_env

        bench = Bench.from_spec(spec)
        apply_from_env(bench)  # PDIAG_SIM_TIMING, as for --sim (docs/factory.md)
        attachment = cls(bench, trace)
        try:
            bench.start()
        except BaseException:
            attachment.close()
            raise
        return attachment

    def __enter__(self) -> UmockdevBench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def client_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment a program needs to see the testbed."""
        env = with_preload(dict(os.environ if base is None else base))
        env["UMOCKDEV_DIR"] = self.root
        env[INSIDE_MARK] = "1"
        env.pop(REEXEC_MARK, None)
        return _with_own_pdiag(env)

    def usbfs_of(self, device: VirtualDevice) -> Any:
        """The UsbfsHandler of the device's current enumeration (None while it is off the bus)."""
        with self._lock:
            plug = self._plugged.get(device)
            return plug.usbfs if plug else None

    def devnode_of(self, device: VirtualDevice) -> str | None:
        with self._lock:
            plug = self._plugged.get(device)
            return plug.snapshot.devnode if plug else None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.bench.close()  # every device leaves the bus: their "remove" events unplug them
        with self._lock:
            for device in list(self._plugged):
                self._unplug(device)
            for devnode in list(self._retired):
                self._retire(devnode)
        for device in self.bench.devices:
            with contextlib.suppress(ValueError):
                device.listeners.remove(self._on_event)
        self._testbed = None
        gc.collect()  # run the Testbed's finalizer now (caveat 2)
        shutil.rmtree(self.root, ignore_errors=True)  # the finalizer removes it; make sure on every path

    # -- device events -------------------------------------------------------------------------------------
    def _on_event(self, event: str, device: VirtualDevice) -> None:
        try:
            if event == "add":
                self._plug(device)
            elif event == "remove":
                self._unplug(device)
        except Exception as exc:  # never break the device's own thread; report at the end of the run
            self.errors.append(f"{event} {device.device_id}: {exc!r}")
            print(f"pdiag sim: umockdev {event} of {device.device_id} failed: {exc!r}", file=sys.stderr)

    def _snapshot(self, device: VirtualDevice) -> tuple[UsbSnapshot, int, str | None] | None:
        with device.lock:
            if not device.attached:
                return None
            port = device.port.path if device.port is not None else None
            descriptors = device.descriptors
            snap = UsbSnapshot(device.bus, device.address, tuple(device.port_numbers), descriptors.device,
                               descriptors.configuration, dict(descriptors.strings),
                               self._tty_index(device) if port else None)
            return snap, device.enumeration, port

    def _tty_index(self, device: VirtualDevice) -> int:
        """The device's own ttyACM minor, the same at every enumeration.

        cdc_acm hands out the lowest free minor, but umockdev 0.17 keeps a removed tty's /sys/dev/char/166:N
        link, so a minor passed on to another device aborts the testbed ("failed to symlink ... File exists",
        a fatal GLib error) when several devices change mode at once.  A fixed minor per device avoids it.
        """
        return self.bench.devices.index(device)

    def _plug(self, device: VirtualDevice) -> None:
        with self._lock:
            if self._closed or self._testbed is None:
                return
            if device in self._plugged:
                self._unplug(device)
            taken = self._snapshot(device)
            if taken is None:
                return
            snap, enumeration, pts = taken
            # Handlers first, then the sysfs entries: add_from_string() sends the "add" uevent at once and a
            # hotplug client opening the node earlier would get umockdev's default handler (caveat 3).
            usbfs = self._usbfs.UsbfsHandler(device, enumeration, snap, self._trace)
            self._retire(snap.devnode)
            self._testbed.attach_ioctl(snap.devnode, usbfs)
            tty_node = f"/dev/{snap.tty_name}" if snap.tty_name and pts else None
            if tty_node and pts:
                self._link_tty(tty_node, pts)
            self._plugged[device] = _Plug(snap, usbfs, tty_node)
            self._testbed.add_from_string(umockdev_text(snap))
            if device.behaviour.no_access:
                os.chmod(os.path.join(self.root, snap.devnode.lstrip("/")), 0o000)  # effective for non-root
            self._log(f"plugged {device.device_id} as {snap.devnode} ({snap.usb_path})"
                      + (f" with {tty_node} -> {pts}" if tty_node else ""))

    def _link_tty(self, node: str, pts: str) -> None:
        """``/dev/ttyACMn`` -> the device's pty.  No ``N:`` line (umockdev 0.17.16 aborts when a removed pty
        node is added again, caveat 4) and no ``.ptymap`` entry: for a major other than 4 that entry makes
        the preload's isatty() answer 0, and a real ttyACM is a tty."""
        link = os.path.join(self.root, node.lstrip("/"))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(link)
        os.symlink(pts, link)
        # umockdev's default handler answers ENOTTY to TCGETS2/TCSETS2: pass them to the real pty (fixed upstream in
        # 0.19.5).
        self._testbed.attach_ioctl(node, self._usbfs.PassthroughTty())

    def _unplug(self, device: VirtualDevice) -> None:
        with self._lock:
            plug = self._plugged.pop(device, None)
            if plug is None or self._testbed is None:
                return
            snap = plug.snapshot
            # Children first, as the kernel does: the tty, the interfaces, then the device.  remove_device()
            # also deletes the node (/dev/bus/usb/..., our /dev/ttyACMn link) named by DEVNAME.
            for path in ["/sys" + p for p in reversed(snap.syspaths())]:
                if self.hotplug:
                    self._testbed.uevent(path, "remove")
                self._testbed.remove_device(path)
            # umockdev 0.17 leaves the /sys/dev/char/MAJOR:MINOR links behind; adding a device that gets the same
            # minor later (an address used again) then aborts the testbed with "failed to symlink ... File exists".
            for link in char_links(snap):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.root, link.lstrip("/")))
            # The usbfs handler stays attached (it answers ENODEV now) until its node name is used again.
            self._retired[snap.devnode] = plug.usbfs
            if plug.tty_node:
                self._testbed.detach_ioctl(plug.tty_node)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.root, plug.tty_node.lstrip("/")))
            self._log(f"unplugged {device.device_id} from {snap.devnode}")

    def _retire(self, devnode: str) -> None:
        """Detach the handler a departed device left on ``devnode`` (before the name is used again)."""
        old = self._retired.pop(devnode, None)
        if old is not None and self._testbed is not None:
            self._testbed.detach_ioctl(devnode)
            old.close()

    def _log(self, text: str) -> None:
        if self._trace is not None:
            self._trace(f"umockdev {text}")


# -- pdiag sim run -----------------------------------------------------------------------------------------
def run_command(spec: str, command: Sequence[str], trace: Trace | None = None) -> int:
    """Run COMMAND with the bench attached; returns its exit code (128+N when killed by signal N)."""
    if not command:
        raise UsageError("no command to run", "Example: pdiag sim run -- pdiag list",
                         reference="usage.invalid")
    if os.environ.get("UMOCKDEV_DIR"):
        raise UsageError("pdiag sim run is already inside a umockdev testbed (UMOCKDEV_DIR is set)",
                         "Run the commands directly: the devices are visible here.",
                         reference="usage.nested-sim")
    previous = {s: signal.signal(s, _exit_on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return _run_in_testbed(spec, command, trace)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM/SIGHUP while the bench starts or stops: unwind, so the testbed directory is removed."""
    raise SystemExit(128 + signum)


def _run_in_testbed(spec: str, command: Sequence[str], trace: Trace | None) -> int:
    from particle_diag.sim.status import STATUS_FILE, StatusFile

    with UmockdevBench.start(spec, trace) as testbed:
        status = StatusFile(testbed.bench, os.path.join(testbed.root, STATUS_FILE))  # for `pdiag sim status`
        try:
            env = testbed.client_env()
            try:
                child = subprocess.Popen(list(command), env=env)
            except FileNotFoundError:
                raise UsageError(f"command not found: {command[0]}", "Give a program on PATH or its full path.",
                                 reference="usage.command-not-found") from None
            except PermissionError:
                raise UsageError(f"cannot execute {command[0]}: permission denied",
                                 reference="usage.command-not-found") from None
            code = _wait_forwarding_signals(child)
        finally:
            status.close()
    return code if code >= 0 else 128 - code


def _wait_forwarding_signals(child: subprocess.Popen[bytes]) -> int:
    """Wait like a shell: Ctrl-C reaches the child through the terminal, so ignore it here; pass on
    SIGTERM / SIGHUP so that the bench is still torn down cleanly after the child ends."""
    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

"""One device, one pdiag: an advisory lock per device, held by every command that talks to the device.

The lock is ``flock`` on a file named after the device (its ID, else its USB port path) in the user's runtime
directory: ``$PDIAG_LOCK_DIR``, else ``$XDG_RUNTIME_DIR/pdiag``, else ``<tmp>/pdiag-<uid>`` (mode 0700, owned
by the user; a directory that is not is refused).  The kernel drops a flock when its process dies, so a crashed
pdiag never leaves a device locked.

* Commands that change or read a device hold it exclusively for their whole run (a mode change, its
  re-enumeration and the confirmation; a whole flash).  A second process gets ``DeviceInUseError`` naming the
  holder's pid and command line, or waits for it with ``--wait-lock`` (``Host.lock_wait_s``).
* Listing probes take it shared and never wait: a device held by another command is listed as ``in-use`` and
  not opened, so a listing never disturbs a flash.  A command that finds only a listing in its way waits for
  it (``timeouts.LOCK_PROBE_GRACE_S`` beyond the probe timeout: a probe lasts at most the probe timeout).
* The lock is per process and re-entrant: ``flash`` holds it and the mode changes it makes take it again.
* In-process virtual devices (``--sim``) are private to their process: their keys carry the pid, so two
  processes' benches never contend.  Devices inside ``pdiag sim run`` look real and are locked as real.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from particle_diag.catalog import timeouts
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import DeviceInUseError, EnvironmentMissingError

LOCK_DIR_ENV = "PDIAG_LOCK_DIR"

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class _Held:
    fd: int
    path: Path
    count: int
    exclusive: bool
    private: bool  # a --sim key: the file is ours alone and removed on the last release


_held: dict[str, _Held] = {}
# What other processes are told holds the device; the CLI sets it to the pdiag command line it runs.
command_line: str | None = None
_registry = threading.RLock()


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    kind: str  # "use" (a command) | "probe" (a listing)

    def describe(self) -> str:
        who = f"pid {self.pid}" if self.pid else "another pdiag process"
        return f"{who} ({self.command})" if self.command else who


def lock_dir() -> Path:
    """The directory of the lock files, created private to this user."""
    configured = os.environ.get(LOCK_DIR_ENV)
    if configured:
        path = Path(configured)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(os.environ["XDG_RUNTIME_DIR"]) / "pdiag"
    else:
        path = Path(tempfile.gettempdir()) / f"pdiag-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError as exc:
        raise EnvironmentMissingError(f"cannot create the lock directory {path}: {exc.strerror}",
                                      f"Set {LOCK_DIR_ENV} to a directory you own.", reference="host.lock-dir") \
            from None
    # A shared temp directory: someone else could have planted it (or a symlink) to steal or block our locks.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise EnvironmentMissingError(
            f"the lock directory {path} is not a private directory of this user",
            f"Remove it, or set {LOCK_DIR_ENV} to a directory only you can write.", reference="host.lock-dir")
    return path


def lock_key(record: DeviceRecord, host: Host) -> str | None:
    """The device's lock name: its ID, else its USB path, else its serial port (``None``: nothing to lock)."""
    if record.device_id:
        ident = record.device_id
    elif record.usb is not None:
        ident = f"usb-{record.usb.path}"
    elif record.serial_port:
        ident = f"port-{record.serial_port}"
    else:
        return None
    if host.simulated:
        ident = f"sim-{os.getpid()}-{ident}"  # a private in-process bench: another process's is another device
    return _SAFE_NAME.sub("_", ident)


def holder(record: DeviceRecord, host: Host) -> Holder | None:
    """Who holds ``record``'s lock in another process, or None when it is free (or held by this process)."""
    key = lock_key(record, host)
    if key is None:
        return None
    with _registry:
        if key in _held:
            return None
    path = lock_dir() / f"{key}.lock"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def device_lock(record: DeviceRecord, host: Host, *, shared: bool = False,
                wait_s: float | None = None) -> Iterator[None]:
    """Hold ``record``'s lock (exclusive unless ``shared``) for the ``with`` block.

    Waits up to ``wait_s`` (default ``host.lock_wait_s``; shared probes never wait) through the host's clock,
    so a Ctrl-C ends the wait; then raises DeviceInUseError naming the holder."""
    key = lock_key(record, host)
    if key is None:
        yield
        return
    wait = 0.0 if shared else (host.lock_wait_s if wait_s is None else wait_s)
    _acquire(key, record, host, shared, wait)
    try:
        yield
    finally:
        _release(key)


def _acquire(key: str, record: DeviceRecord, host: Host, shared: bool, wait_s: float) -> None:
    with _registry:
        held = _held.get(key)
        if held is not None and (held.exclusive or shared):
            held.count += 1
            return
    start = host.clock.monotonic()
    try:
        while True:
            with _registry:
                held = _held.get(key)
                if held is not None and (held.exclusive or shared):  # another thread of ours took it meanwhile
                    held.count += 1
                    return
                if _try_lock(key, shared, host.simulated):
                    return
            owner = _read_holder(lock_dir() / f"{key}.lock")
            allowed = wait_s
            if not shared and owner.kind == "probe":
                allowed = max(wait_s, host.probe_timeout_s + timeouts.LOCK_PROBE_GRACE_S)  # a listing: ends soon
            waited = host.clock.monotonic() - start
            if shared or waited >= allowed:
                raise DeviceInUseError(
                    f"{record.label} is in use by {owner.describe()}",
                    "Wait for that command to finish, or add --wait-lock [SECONDS] to wait for it "
                    "(`pdiag list` shows which devices are in use).")
            # --wait-lock without SECONDS waits without a limit (an infinite `allowed`)
            host.waiting(key, f"{record.label}, in use by {owner.describe()}", waited,
                         allowed if allowed != float("inf") else None)
            host.clock.sleep(timeouts.LOCK_POLL_S)
    finally:
        host.done_waiting(key)


def _try_lock(key: str, shared: bool, private: bool) -> bool:
    """Take (or upgrade to) the lock without blocking; registry lock held by the caller."""
    held = _held.get(key)
    if held is not None:  # held shared by this process, now wanted exclusive: convert in place
        try:
            fcntl.flock(held.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        held.exclusive = True
        held.count += 1
        _write_holder(held.fd, "use")
        return True
    path = lock_dir() / f"{key}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise EnvironmentMissingError(f"the lock file {path} is a symbolic link",
                                          f"Remove it; {LOCK_DIR_ENV} should be a private directory.",
                                          reference="host.lock-dir") from None
        raise EnvironmentMissingError(f"cannot open the lock file {path}: {exc.strerror}",
                                      reference="host.lock-dir") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held[key] = _Held(fd, path, 1, not shared, private)
    _write_holder(fd, "probe" if shared else "use")
    return True


def _release(key: str) -> None:
    with _registry:
        held = _held.get(key)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del _held[key]
        if held.private:
            with contextlib.suppress(OSError):
                held.path.unlink()
        os.close(held.fd)  # closing the last descriptor drops the flock


def _write_holder(fd: int, kind: str) -> None:
    """Say who holds the lock, for the error another process prints (best effort)."""
    command = (command_line or " ".join(sys.argv))[:200]
    text = f"{os.getpid()}\n{kind}\n{command}\n".encode()
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, text, 0)


def _read_holder(path: Path) -> Holder:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            text = os.read(fd, 512).decode("utf-8", errors="replace")
        finally:
            os.close(fd)
    except OSError:
        text = ""
    lines = text.split("\n")
    pid = int(lines[0]) if lines and lines[0].isdigit() else None
    kind = lines[1] if len(lines) > 1 and lines[1] in ("use", "probe") else "use"
    command = "".join(ch for ch in (lines[2] if len(lines) > 2 else "") if ch.isprintable())
    return Holder(pid, command, kind)

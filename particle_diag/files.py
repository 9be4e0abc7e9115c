"""Writing the files pdiag produces (DFU reads, flash backups, JUnit and troubleshoot reports) safely.

* Atomically: the bytes go to a temporary file in the destination's directory, are fsync'ed, and only then take
  the destination's name (a reader never sees half a file; a crash leaves the old file or none).
* Never through a symlink: the temporary file is created with O_EXCL and the final step renames or links it
  onto the name, which replaces a planted symlink itself instead of writing where it points.
* Never over an existing file unless the caller passes ``overwrite=True`` (the user's explicit consent); without
  it the final step is a hard link, which fails if the name appeared meanwhile.

A leaf helper: imports nothing from pdiag but ``errors``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from particle_diag.errors import ConsentRequiredError, UsageError


class FileExistsRefusedError(ConsentRequiredError):
    """The destination exists and overwriting it was not consented to."""

    reference = "file.exists"
    default_hint = "Nothing was written. Choose another path, or pass --yes to replace it."


class OutputPathError(UsageError):
    """The destination cannot be written (no such directory, a directory, not writable...)."""

    reference = "file.output"
    default_hint = "Choose a path in an existing directory that you can write to."


class InputFileError(UsageError):
    """The input file cannot be used: missing, not a regular file, or larger than anything it could be."""

    reference = "usage.file"
    default_hint = "Give the path of a regular file (not a device, FIFO or directory)."


def read_input(path: Path, limit: int, *, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, reading at most ``limit`` bytes: a device (/dev/zero,
    /dev/urandom), a FIFO or a directory is refused without reading, and so is a file larger than ``limit``
    (checked on its size, then enforced on the read itself, since a file may grow meanwhile)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputFileError(f"no such {what}: {path}", "Check the path.") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    _require_regular(path, st.st_mode, what)
    if st.st_size > limit:
        raise _too_large(path, st.st_size, limit, what)
    try:
        # O_NONBLOCK: if the name was swapped for a FIFO since the stat, opening it must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        _require_regular(path, os.fstat(fd).st_mode, what)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise _too_large(path, len(data), limit, what)
    return data


def _require_regular(path: Path, mode: int, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise InputFileError(f"{path} is {kind}, not a regular {what}", reference="file.not-regular")


def _too_large(path: Path, size: int, limit: int, what: str) -> InputFileError:
    return InputFileError(f"{path} is larger ({size}+ bytes) than any {what} pdiag could write ({limit} bytes)",
                          "Check that this is the right file.", reference="file.too-large")


def check_output(path: Path, *, overwrite: bool = False, what: str = "output file") -> Path:
    """Everything that can be known about writing ``path`` before any work is done (a pre-flight check):
    its directory exists and is writable, it is not a directory, and it does not exist unless ``overwrite``.
    Returns the path made absolute (not resolved: a symlink at the destination stays the destination)."""
    path = Path(os.path.abspath(path))
    directory = path.parent
    if not directory.is_dir():
        raise OutputPathError(f"cannot write the {what} {path}: {directory} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write the {what} {path}: {directory} is not writable")
    try:
        st = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise OutputPathError(f"cannot write the {what} {path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputPathError(f"cannot write the {what} {path}: it is a directory")
    if not overwrite:
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "a file"
        raise FileExistsRefusedError(f"the {what} {path} already exists ({kind}): not replacing it")
    return path


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file: equal resolved paths, or the same device and inode (hard
    links, bind mounts).  A missing file is the same as nothing."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        sa, sb = os.stat(a), os.stat(b)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def write_atomic(path: Path, data: bytes | str, *, overwrite: bool = False, what: str = "output file") -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); returns the absolute path written.

    FileExistsRefusedError (exit 13) if the destination exists and ``overwrite`` is false; OutputPathError
    (exit 2) when it cannot be written.
    """
    path = check_output(path, overwrite=overwrite, what=what)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp_name = _temp_file(path, what)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, path)  # replaces a symlink itself, never its target
        else:
            _link_no_clobber(tmp, path, what)
    except OSError as exc:
        raise OutputPathError(f"cannot write the {what} {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)
    return path


def _temp_file(path: Path, what: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputPathError(f"cannot write the {what} {path}: {exc.strerror}") from None


def _link_no_clobber(tmp: Path, path: Path, what: str) -> None:
    try:
        os.link(tmp, path)  # fails with EEXIST if the name appeared since the check: never overwrites
    except FileExistsError:
        raise FileExistsRefusedError(f"the {what} {path} already exists: not replacing it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links (e.g. some FUSE or FAT mounts): rename after a last check.
        if os.path.lexists(path):
            raise FileExistsRefusedError(f"the {what} {path} already exists: not replacing it") from None
        os.rename(tmp, path)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

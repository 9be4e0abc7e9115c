"""Firmware bundles for ``pdiag update``: a directory or a .zip of Particle module binaries, or several files.

Particle publishes a Device OS release as one module binary per part and platform on
https://github.com/particle-iot/device-os/releases (e.g. ``boron-bootloader@6.2.1.bin``, ``boron-softdevice@6.2.1.bin``,
``boron-system-part1@6.2.1.bin``, ``boron-tinker@6.2.1.bin``: the files setup.particle.io downloads,
tests/fixtures/captures/particle-cli/setup-web-bsom-6.2.1-forum-69317.txt); particle-cli bundles an application
as a zip with one ``.bin`` at the top and its assets under ``assets/`` (binary-version-reader
``unpackApplicationAndAssetBundle``).

Everything here runs before any device is looked at: each file is a regular file no larger than the largest
slot, a Particle module (header, length, CRC-32), of a kind ``pdiag update`` writes, every module for one
platform, no two for the same slot.  In a directory or a zip, files whose names end in ``.bin`` must be modules;
other files (a README, a manifest) are listed as ignored.  Files named on the command line must all be modules.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from particle_diag.catalog.module_functions import DFU_WRITABLE, THROUGH_DEVICE_OS
from particle_diag.catalog.platforms import by_id
from particle_diag.errors import UnsupportedError, UsageError
from particle_diag.files import InputFileError, read_input
from particle_diag.protocol.module_header import FirmwareFileError, ModuleHeader, parse_module

MAX_MODULES = 32  # a Device OS release has four or five modules per platform, an app bundle a few assets
UPDATABLE = (*DFU_WRITABLE, *THROUGH_DEVICE_OS)


class BundleError(UsageError):
    """The bundle cannot be used as a whole (mixed platforms, two modules for one slot, nothing in it...)."""

    reference = "update.bundle"
    default_hint = ("A bundle is a directory or .zip of Particle module binaries for one platform, e.g. the files of "
                    "a Device OS release (https://github.com/particle-iot/device-os/releases), or several .bin "
                    "files.")


@dataclass(frozen=True)
class BundleModule:
    name: str  # the file name (a zip member's name inside the zip)
    header: ModuleHeader
    image: bytes  # the module: exactly its declared size

    @property
    def function(self) -> str:
        return self.header.function

    @property
    def slot(self) -> tuple[str, int]:
        return self.header.function, self.header.index

    def describe(self) -> str:
        return f"{self.header.function.replace('_', ' ')} {self.header.index} v{self.header.version} ({self.name})"

    def to_dict(self) -> dict[str, object]:
        h = self.header
        return {"file": self.name, "function": h.function, "index": h.index, "version": h.version,
                "platform_id": h.platform_id, "start": h.start, "size": len(self.image), "sha256": h.sha256,
                "dependencies": [{"function": d.function, "index": d.index, "version": d.version}
                                 for d in h.dependencies]}


@dataclass(frozen=True)
class Bundle:
    source: str  # what the user named, for messages and the recovery command
    modules: tuple[BundleModule, ...]
    ignored: tuple[str, ...] = field(default=())

    @property
    def platform_id(self) -> int:
        return self.modules[0].header.platform_id

    @property
    def platform_name(self) -> str:
        return self.modules[0].header.platform_name

    @property
    def size(self) -> int:
        return sum(len(m.image) for m in self.modules)

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "platform_id": self.platform_id, "platform": self.platform_name,
                "size": self.size, "modules": [m.to_dict() for m in self.modules], "ignored": list(self.ignored)}


def load_bundle(paths: Sequence[Path]) -> Bundle:
    """Read and check every module of the bundle; a typed usage error for anything that cannot be updated."""
    from particle_diag.devices.flashing import largest_image

    if not paths:
        raise BundleError("no bundle given", reference="usage.invalid")
    limit = largest_image()
    found: list[BundleModule] = []
    ignored: list[str] = []
    for path in paths:
        explicit = not (path.is_dir() or _is_zip(path))  # a file named on the command line must be a module
        for name, data in _files(path, limit, ignored):
            if not explicit and not name.lower().endswith(".bin"):
                ignored.append(name)
                continue
            found.append(_module(name, data))
            if len(found) > MAX_MODULES:
                raise BundleError(f"{path} holds more than {MAX_MODULES} modules: not a firmware bundle")
    if not found:
        raise BundleError(f"no Particle module binaries (.bin) in {', '.join(map(str, paths))}")
    bundle = Bundle(" ".join(str(p) for p in paths), tuple(_unique(found)), tuple(ignored))
    _check_platform(bundle)
    return bundle


# -- reading ------------------------------------------------------------------------------------------------------
def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def _files(path: Path, limit: int, ignored: list[str]) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for entry in sorted(path.iterdir()):
            if entry.name == "assets" and entry.is_dir():
                _refuse_assets(path)
            if entry.is_file():
                yield entry.name, read_input(entry, limit, what="firmware file")
            else:
                ignored.append(entry.name + "/")
        return
    data = read_input(path, limit * MAX_MODULES, what="bundle" if _is_zip(path) else "firmware file")
    if not _is_zip(path):
        yield path.name, data
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(f"{path} is not a readable .zip file: {exc}", reference="update.zip") from None
    for info in members:
        if info.is_dir():
            continue
        if PurePosixPath(info.filename).parts[:1] == ("assets",):
            _refuse_assets(path)
        if info.file_size > limit:
            raise InputFileError(f"{path}: {info.filename} is {info.file_size} bytes, larger than any firmware slot",
                                 reference="file.too-large")
        try:
            with archive.open(info) as member:
                content = member.read(limit + 1)  # bounded whatever the member's header claims
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise InputFileError(f"{path}: {info.filename} cannot be read: {exc}", reference="update.zip") from None
        if len(content) > limit:
            raise InputFileError(f"{path}: {info.filename} is larger than any firmware slot",
                                 reference="file.too-large")
        yield info.filename, content


def _refuse_assets(path: Path) -> None:
    raise UnsupportedError(f"{path} carries application assets (assets/): pdiag does not write assets yet",
                           "Flash this bundle with particle-cli (`particle flash --local BUNDLE.zip`), or give pdiag "
                           "the application .bin alone.", reference="update.assets")


def _module(name: str, data: bytes) -> BundleModule:
    try:
        header = parse_module(data)  # firmware.header / firmware.truncated / firmware.crc
    except FirmwareFileError as exc:
        raise FirmwareFileError(f"{name}: {exc.message}", exc.hint, reference=exc.reference) from None
    if header.function not in UPDATABLE:
        raise FirmwareFileError(f"{name} is a {header.function.replace('_', ' ')} module, which pdiag update does "
                                "not write", f"pdiag update writes {', '.join(UPDATABLE)} modules.",
                                reference="firmware.function")
    return BundleModule(name, header, data[: header.declared_size])


def _unique(modules: list[BundleModule]) -> Iterator[BundleModule]:
    """One module per slot: the same file twice is fine, two different modules for one slot are not."""
    seen: dict[tuple[str, int], BundleModule] = {}
    for m in modules:
        other = seen.get(m.slot)
        if other is None:
            seen[m.slot] = m
            yield m
        elif other.image != m.image:
            raise BundleError(f"two modules for the same slot: {other.describe()} and {m.describe()}",
                              "Keep one of them.", reference="update.duplicate")


def _check_platform(bundle: Bundle) -> None:
    platforms = {m.header.platform_id for m in bundle.modules}
    if len(platforms) > 1:
        names = ", ".join(f"{m.name}: {m.header.platform_name}" for m in bundle.modules)
        raise BundleError(f"the bundle mixes platforms ({names})", "Give the modules of one platform.",
                          reference="update.platform-mixed")
    if by_id(bundle.platform_id) is None:
        raise BundleError(f"the bundle is for platform {bundle.platform_id}, which pdiag does not know",
                          reference="firmware.platform")

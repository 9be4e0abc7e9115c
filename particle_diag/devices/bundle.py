"""Firmware bundles for ``pdiag update``: a directory or a .zip of Particle module binaries, or several files.

Particle publishes a Device OS release as one module binary per part and platform on
https://github.com/particle-iot/device-os/releases (e.g. ``boron-bootloader@6.2.1.bin``, ``boron-softdevice@6.2.1.bin``,
``boron-system-part1@6.2.1.bin``, ``boron-tinker@6.2.1.bin``: the files setup.particle.io downloads,
tests/fixtures/captures/particle-cli/setup-web-bsom-6.2.1-forum-69317.txt); particle-cli bundles an application
as a zip with one ``.bin`` at the top and its assets under ``assets/`` (binary-version-reader
``unpackApplicationAndAssetBundle``: the files directly under ``assets/`` are the assets, ``env.json`` is not a
module); a directory laid out the same way is read the same way.  Each asset is wrapped in an asset module as
particle-cli does before flashing it (protocol/asset_module.py) and paired with the application's asset
dependencies (devices/bundle_assets.py).

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
from particle_diag.errors import UsageError
from particle_diag.files import InputFileError, read_input
from particle_diag.protocol import asset_module
from particle_diag.protocol.module_extensions import AssetRef
from particle_diag.protocol.module_header import FirmwareFileError, ModuleHeader, parse_module

MAX_MODULES = 32  # a Device OS release has four or five modules per platform, an app bundle a few assets
MAX_ASSET_FILE = 16 * 1024 * 1024  # read bound for one asset file: larger than any asset storage would take
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

    @property
    def asset_name(self) -> str | None:
        return self.header.asset.name if self.header.asset is not None else None

    def describe(self) -> str:
        if self.header.asset is not None:
            return f"asset {self.header.asset.name}"
        return f"{self.header.function.replace('_', ' ')} {self.header.index} v{self.header.version} ({self.name})"

    def to_dict(self) -> dict[str, object]:
        h = self.header
        if h.asset is not None:
            return {"file": self.name, "function": h.function, "asset": h.asset.name, "hash": h.asset.hash,
                    "size": len(self.image)}
        return {"file": self.name, "function": h.function, "index": h.index, "version": h.version,
                "platform_id": h.platform_id, "start": h.start, "size": len(self.image), "sha256": h.sha256,
                "dependencies": [{"function": d.function, "index": d.index, "version": d.version}
                                 for d in h.dependencies]}


@dataclass(frozen=True)
class Bundle:
    source: str  # what the user named, for messages and the recovery command
    modules: tuple[BundleModule, ...]
    ignored: tuple[str, ...] = field(default=())
    assets: tuple[BundleModule, ...] = ()  # asset modules built from assets/, in the order the application lists
    assets_given: bool = False  # the bundle has an assets/ folder (an application alone leaves it to the device)

    @property
    def platform_id(self) -> int:
        return self.modules[0].header.platform_id

    @property
    def platform_name(self) -> str:
        return self.modules[0].header.platform_name

    @property
    def size(self) -> int:
        return sum(len(m.image) for m in (*self.modules, *self.assets))

    @property
    def asset_dependencies(self) -> tuple[AssetRef, ...]:
        """What the bundle's application needs in the asset storage (empty without an application)."""
        return tuple(a for m in self.modules if m.function == "user_part" for a in m.header.asset_dependencies)

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "platform_id": self.platform_id, "platform": self.platform_name,
                "size": self.size, "modules": [m.to_dict() for m in self.modules],
                "assets": [m.to_dict() for m in self.assets],
                "asset_dependencies": [a.to_dict() for a in self.asset_dependencies], "ignored": list(self.ignored)}


def load_bundle(paths: Sequence[Path]) -> Bundle:
    """Read and check every module and asset of the bundle; a typed usage error for anything that cannot be
    updated (the assets: devices/bundle_assets.py check_assets)."""
    from particle_diag.devices.bundle_assets import check_assets, order_assets
    from particle_diag.devices.flashing import largest_image

    if not paths:
        raise BundleError("no bundle given", reference="usage.invalid")
    limit = largest_image()
    found: list[BundleModule] = []
    ignored: list[str] = []
    assets: dict[str, BundleModule] = {}
    given = False
    for path in paths:
        explicit = not (path.is_dir() or _is_zip(path))  # a file named on the command line must be a module
        for name, data in _files(path, limit, ignored):
            if _asset_name(name) is not None:
                given = True
                _add_asset(assets, name, data, ignored)
                continue
            if not explicit and not name.lower().endswith(".bin"):
                ignored.append(name)
                continue
            found.append(_module(name, data))
            if len(found) > MAX_MODULES:
                raise BundleError(f"{path} holds more than {MAX_MODULES} modules: not a firmware bundle")
    if not found:
        raise BundleError(f"no Particle module binaries (.bin) in {', '.join(map(str, paths))}")
    bundle = Bundle(" ".join(str(p) for p in paths), tuple(_unique(found)), tuple(ignored), assets_given=given)
    _check_platform(bundle)
    check_assets(bundle, assets)  # update.asset-missing / -unused / -too-large, assets-unsupported
    return Bundle(bundle.source, bundle.modules, bundle.ignored, order_assets(bundle, assets), given)


# -- reading ------------------------------------------------------------------------------------------------------
def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def _files(path: Path, limit: int, ignored: list[str]) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for entry in sorted(path.iterdir()):
            if entry.name == "assets" and entry.is_dir():
                yield from _asset_files(entry, ignored)
            elif entry.is_file():
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
        room = MAX_ASSET_FILE if _asset_name(info.filename) is not None else limit
        if info.file_size > room:
            raise InputFileError(f"{path}: {info.filename} is {info.file_size} bytes, larger than any firmware slot",
                                 reference="file.too-large")
        try:
            with archive.open(info) as member:
                content = member.read(room + 1)  # bounded whatever the member's header claims
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise InputFileError(f"{path}: {info.filename} cannot be read: {exc}", reference="update.zip") from None
        if len(content) > room:
            raise InputFileError(f"{path}: {info.filename} is larger than any firmware slot",
                                 reference="file.too-large")
        yield info.filename, content


def _asset_files(folder: Path, ignored: list[str]) -> Iterator[tuple[str, bytes]]:
    """The files directly in an assets/ folder (unpackApplicationAndAssetBundle takes no deeper ones)."""
    for entry in sorted(folder.iterdir()):
        if entry.is_file():
            yield f"assets/{entry.name}", read_input(entry, MAX_ASSET_FILE, what="asset")
        else:
            ignored.append(f"assets/{entry.name}/")


def _asset_name(member: str) -> str | None:
    """The asset a bundle member is, or None: a file whose folder is ``assets`` (at the top of the bundle, or
    under the one folder a zip may wrap everything in)."""
    parts = PurePosixPath(member).parts
    return parts[-1] if len(parts) >= 2 and parts[-2] == "assets" else None


def _add_asset(assets: dict[str, BundleModule], member: str, data: bytes, ignored: list[str]) -> None:
    name = _asset_name(member)
    assert name is not None
    if name.startswith("."):  # Finder's .DS_Store and the like (particle-cli's own test bundles carry one)
        ignored.append(member)
        return
    if name in assets:
        raise BundleError(f"two assets named {name}", "Keep one of them.", reference="update.duplicate")
    module = asset_module.build(name, data)
    assets[name] = BundleModule(f"assets/{name}", parse_module(module), module)


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

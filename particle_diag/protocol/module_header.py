"""Particle firmware module binaries: the ``module_info_t`` prefix, the suffix and the trailing CRC-32.

Layout facts (Device OS ``dynalib/inc/module_info.h``; particle-iot/binary-version-reader
``lib/HalModuleParser.js``, ``lib/moduleEncoding.js``, ``lib/ModuleInfo.js``):

* Prefix, 24 bytes, little-endian, packed: u32 module_start_address, u32 module_end_address (exclusive: the
  CRC-32 starts there), u8 reserved (MCU target on Gen 3), u8 flags, u16 module_version, u16 platform_id, u8
  module_function, u8 module_index, then two dependencies {u8 function, u8 index, u16 version}.
* The prefix sits at file offset 0 for most modules; where the MCU needs its interrupt vector table first it
  sits after it. binary-version-reader tries offsets 0, 0x200 (Gen 3 nRF52840), 0x184 (Gen 2 STM32F2), 0xC0,
  0x10C (Core) and then every 4-byte-aligned offset up to 8 KB, scoring each candidate by plausibility.
* Suffix, just before the CRC: [extensions...] [u16 product_id, u16 product_version] u16 reserved, 32-byte
  SHA-256, u16 suffix_size (36 = no product fields, 40 with them). The SHA-256 covers everything before the
  SHA field.
* Last 4 bytes: CRC-32 (zlib polynomial) of everything before them, stored big-endian.
* Declared module size = end - start + 4.

Pure code: no I/O.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from particle_diag.catalog.module_functions import ModuleDependency, ModuleFunction
from particle_diag.catalog.platforms import by_id
from particle_diag.errors import UsageError
from particle_diag.protocol import module_extensions as ext

PREFIX_SIZE = 24
MIN_SUFFIX_SIZE = 36  # reserved + SHA-256 + size
SUFFIX_SIZE_WITH_PRODUCT = 40  # + u16 product id + u16 product version
CRC_SIZE = 4
_PREFERRED_OFFSETS = (0, 0x200, 0x184, 0xC0, 0x10C)
_MAX_PREFIX_OFFSET = 8 * 1024
_KNOWN_FLAGS = 0x1F  # DROP_MODULE_INFO | COMPRESSED | COMBINED | ENCRYPTED | PREFIX_EXTENSIONS
# The module is written without its prefix (module_info.h MODULE_INFO_FLAG_DROP_MODULE_INFO): the Gen 3 SoftDevice
# and the rtl872x KM0 bootloader parts (build/create_module.py); particle-cli writes fileBuffer.slice(prefixSize)
# at the module start address (src/lib/flash-helper.js createFlashSteps).
DROP_MODULE_INFO = 0x01
_PREFIX = struct.Struct("<IIBBHHBBBBHBBH")


class FirmwareFileError(UsageError):
    """The firmware file is not a usable Particle module (truncated, corrupt, or for another device)."""

    reference = "firmware.invalid"
    default_hint = "Rebuild or re-download the binary; check that it was compiled for this device's platform."


@dataclass(frozen=True)
class ModuleHeader:
    start: int
    end: int
    version: int
    platform_id: int
    function: str
    index: int
    dependencies: tuple[ModuleDependency, ...]
    crc_ok: bool
    declared_size: int
    flags: int = 0
    prefix_offset: int = 0
    stored_crc: int = 0
    sha256: str | None = None
    product_id: int | None = None
    product_version: int | None = None
    # Asset OTA (Device OS >= 5.5.0; protocol/module_extensions.py): what an application needs, what an asset is
    asset_dependencies: tuple[ext.AssetRef, ...] = ()
    asset: ext.AssetRef | None = None

    @property
    def drops_prefix(self) -> bool:
        """Written without its prefix: the bytes from the end of the prefix go to the start address."""
        return bool(self.flags & DROP_MODULE_INFO)

    @property
    def platform_name(self) -> str:
        platform = by_id(self.platform_id)
        return platform.name if platform else f"platform {self.platform_id}"


def parse_module(data: bytes, *, verify_crc: bool = True) -> ModuleHeader:
    """Parse a module binary. FirmwareFileError with reference ``firmware.header`` (no module prefix),
    ``firmware.truncated`` (shorter than the size the prefix declares) or ``firmware.crc`` (CRC-32 mismatch,
    only when ``verify_crc``; otherwise ``crc_ok`` says it)."""
    if len(data) < PREFIX_SIZE + CRC_SIZE:
        raise FirmwareFileError(
            f"the file is {len(data)} bytes: too short for a Particle module", reference="firmware.truncated"
        )
    offset = _find_prefix(data)
    fields = _PREFIX.unpack_from(data, offset)
    start, end = fields[0], fields[1]
    declared = end - start + CRC_SIZE
    if len(data) < declared:
        raise FirmwareFileError(
            f"the file is truncated: {len(data)} bytes, but its module header declares {declared} "
            f"(0x{start:08X}-0x{end:08X} + CRC)",
            "The file was cut short (an interrupted download or copy): fetch or build it again.",
            reference="firmware.truncated",
        )
    body, stored = data[: declared - CRC_SIZE], int.from_bytes(data[declared - CRC_SIZE : declared], "big")
    crc_ok = zlib.crc32(body) == stored
    if verify_crc and not crc_ok:
        raise FirmwareFileError(
            f"the file is corrupt: CRC-32 0x{zlib.crc32(body):08X} does not match the stored 0x{stored:08X}",
            "The file was damaged or altered after it was built: fetch or build it again.",
            reference="firmware.crc",
        )
    return _header(fields, offset, declared, crc_ok, stored, data[:declared])


def check_platform(header: ModuleHeader, platform_id: int) -> None:
    """FirmwareFileError ``firmware.platform`` unless the module was built for ``platform_id``."""
    if header.platform_id != platform_id:
        wanted = by_id(platform_id)
        wanted_name = wanted.name if wanted else f"platform {platform_id}"
        raise FirmwareFileError(
            f"the binary was built for {header.platform_name} ({header.platform_id}), "
            f"but the device's platform is {wanted_name} ({platform_id})",
            "Build the firmware for this device's platform (e.g. `particle compile <platform>`).",
            reference="firmware.platform",
        )


def build_module(
    platform_id: int,
    function: ModuleFunction | str | int,
    start_address: int,
    payload: bytes,
    *,
    version: int = 6,
    index: int | None = None,
    deps: tuple[tuple[ModuleFunction | str | int, int, int], ...] = (),
    product_id: int = 0xFFFF,
    product_version: int = 0xFFFF,
    flags: int = 0,
    asset_deps: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """A valid module binary: prefix + payload + 40-byte suffix (with SHA-256) + big-endian CRC-32.

    ``deps`` holds up to two ``(function, index, version)`` dependencies; ``asset_deps`` ``(name, data)`` pairs
    become ASSET_DEPENDENCY extensions before the suffix, then END, as binary-version-reader's
    updateModuleAssetDependencies puts them on a Gen 3 application. For tests and the virtual bench.
    """
    func = _function(function)
    if len(deps) > 2:
        raise ValueError("module_info_t has room for two dependencies")
    if index is None:
        index = 1 if func in (ModuleFunction.USER_PART, ModuleFunction.SYSTEM_PART) else 0
    dep_fields: list[int] = []
    for dep_function, dep_index, dep_version in (*deps, *((0, 0, 0),) * (2 - len(deps))):
        dep_fields += [_function(dep_function), dep_index, dep_version]
    extensions = b"".join(ext.asset_dependency_ext(name, hashlib.sha256(data).digest()) for name, data in asset_deps)
    extensions += ext.end_ext() if extensions else b""
    suffix_size = SUFFIX_SIZE_WITH_PRODUCT + len(extensions)
    total = PREFIX_SIZE + len(payload) + suffix_size + CRC_SIZE
    end = start_address + total - CRC_SIZE
    prefix = _PREFIX.pack(start_address, end, 0, flags, version, platform_id, func, index, *dep_fields)
    head = prefix + payload + extensions + struct.pack("<HHH", product_id, product_version, 0)
    body = head + hashlib.sha256(head).digest() + struct.pack("<H", suffix_size)
    return body + zlib.crc32(body).to_bytes(4, "big")


# --------------------------------------------------------------------------------------------------
def _function(value: ModuleFunction | str | int) -> ModuleFunction:
    if isinstance(value, str):
        try:
            return ModuleFunction[value.upper().replace("-", "_")]
        except KeyError:
            raise ValueError(f"unknown module function {value!r}") from None
    return ModuleFunction(value)


def _score(data: bytes, offset: int) -> int:
    """Plausibility of a module prefix at ``offset`` (0 = impossible), as binary-version-reader scores."""
    if offset + PREFIX_SIZE > len(data):
        return 0
    f = _PREFIX.unpack_from(data, offset)
    start, end, flags, platform, function = f[0], f[1], f[3], f[5], f[6]
    deps = ((f[8], f[9], f[10]), (f[11], f[12], f[13]))
    if end <= start or function == 0 or function > max(ModuleFunction):
        return 0
    if any(fn == 0 and (ix or ver) for fn, ix, ver in deps) or any(
        fn > max(ModuleFunction) for fn, _, _ in deps
    ):
        return 0
    score = 1
    score += by_id(platform) is not None
    score += (flags & ~_KNOWN_FLAGS) == 0
    score += end - start + CRC_SIZE <= len(data)
    score += end - start + CRC_SIZE == len(data)
    return score


def _find_prefix(data: bytes) -> int:
    """The offset of the module prefix: a preferred offset with a structurally valid prefix for a known
    platform wins; otherwise the best-scoring 4-byte-aligned offset up to 8 KB (binary-version-reader)."""
    best_offset, best_score = -1, 0
    for offset in _PREFERRED_OFFSETS:
        score = _score(data, offset)
        if score >= 3:
            return offset
        if score > best_score:
            best_offset, best_score = offset, score
    limit = min(_MAX_PREFIX_OFFSET, len(data) - PREFIX_SIZE - CRC_SIZE)
    for offset in range(4, limit + 1, 4):
        if offset in _PREFERRED_OFFSETS:
            continue
        score = _score(data, offset)
        if score > best_score:
            best_offset, best_score = offset, score
    if best_offset < 0:
        raise FirmwareFileError(
            "no Particle module header found: this is not a Particle firmware binary",
            reference="firmware.header",
        )
    return best_offset


def _header(
    f: tuple[int, ...], offset: int, declared: int, crc_ok: bool, stored: int, module: bytes
) -> ModuleHeader:
    deps = tuple(
        ModuleDependency(ModuleFunction(fn).slug, ix, ver)
        for fn, ix, ver in ((f[8], f[9], f[10]), (f[11], f[12], f[13]))
        if fn != ModuleFunction.NONE
    )
    sha, product_id, product_version = _suffix(module)
    extensions = [*ext.prefix_extensions(module, offset, f[3]), *ext.suffix_extensions(module)]
    return ModuleHeader(
        start=f[0],
        end=f[1],
        version=f[4],
        platform_id=f[5],
        function=ModuleFunction(f[6]).slug,
        index=f[7],
        dependencies=deps,
        crc_ok=crc_ok,
        declared_size=declared,
        flags=f[3],
        prefix_offset=offset,
        stored_crc=stored,
        sha256=sha,
        product_id=product_id,
        product_version=product_version,
        asset_dependencies=ext.asset_dependencies(extensions),
        asset=ext.asset_identity(extensions) if f[6] == ModuleFunction.ASSET else None,
    )


def _suffix(module: bytes) -> tuple[str | None, int | None, int | None]:
    """(SHA-256 hex, product id, product version) read backwards from the CRC; Nones without a suffix."""
    n = len(module) - CRC_SIZE
    if n < PREFIX_SIZE + MIN_SUFFIX_SIZE:
        return None, None, None
    (size,) = struct.unpack_from("<H", module, n - 2)
    if not MIN_SUFFIX_SIZE <= size <= n - PREFIX_SIZE:
        return None, None, None
    sha = module[n - 34 : n - 2].hex()
    if size < SUFFIX_SIZE_WITH_PRODUCT:
        return sha, None, None
    product_id, product_version = struct.unpack_from("<HH", module, n - 40)
    return sha, product_id, product_version

"""Module info extensions: the typed records Device OS 5.x puts after a module's prefix or before its suffix, and
the ones pdiag reads: an application's asset dependencies and an asset module's name and hash.

Layout (device-os ``dynalib/inc/module_info.h`` module_info_extension_t and the ``module_info_*_ext_t`` structs,
https://github.com/particle-iot/device-os/blob/889b301c41651961131e1fae977c10c8162d5637/dynalib/inc/module_info.h;
binary-version-reader ``lib/ModuleInfo.js`` ModuleInfoExtension and ``lib/moduleEncoding.js``
encodeModuleExtension, https://github.com/particle-iot/binary-version-reader/blob/f041a787530ae7c01e01f04108faa98ec61121be/lib/moduleEncoding.js):

* every extension starts with u16 type, u16 length (little-endian; the length counts these 4 bytes);
* END 0x0000 (may be padded: its length says how far), PRODUCT_DATA 0x0001, DYNAMIC_LOCATION 0x0002,
  DEPENDENCY 0x0003, HASH 0x0010 {u8 hash type (0 = SHA-256), u8 hash length, hash}, NAME 0x0011 {name bytes, not
  NUL-terminated}, ASSET_DEPENDENCY 0x0012 {u8 hash type, u8 hash length, hash, name}, SECURITY_MODE 0x0013,
  ASSET_TYPE 0x0014;
* in the prefix when the module's flags have PREFIX_EXTENSIONS (0x10): right after the 24-byte module_info_t, up
  to and including END (binary-version-reader ``lib/HalModuleParser.js`` _parsePrefix; the rtl872x user part,
  which grows down, carries them there);
* in the suffix when its size is larger than the base suffix plus two extension headers: from ``end - suffix
  size`` on, up to END or the base suffix (device-os ``system/src/asset_manager.cpp`` requiredAssetsForModule,
  HalModuleParser.js _readSuffix).  The application's asset dependencies are read from both places, as Device OS
  does (asset_manager.cpp parseAssetDependencies).

Pure code: no I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

END, PRODUCT_DATA, HASH, NAME, ASSET_DEPENDENCY = 0x0000, 0x0001, 0x0010, 0x0011, 0x0012
INVALID = 0xFFFF
HEADER_SIZE = 4
HASH_SHA256 = 0
PREFIX_EXTENSIONS = 0x10  # module_info.h MODULE_INFO_FLAG_PREFIX_EXTENSIONS
_BASE_SUFFIX = 36  # module_info_suffix_base_t: u16 reserved, 32-byte SHA-256, u16 size
_HEADER = struct.Struct("<HH")


@dataclass(frozen=True)
class Extension:
    type: int
    body: bytes  # the bytes after the 4-byte header


@dataclass(frozen=True)
class AssetRef:
    """An asset by what Device OS compares: its name and the SHA-256 of its (uncompressed) data."""

    name: str
    hash: str  # lowercase hex

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "hash": self.hash}


def walk(data: bytes, start: int, stop: int) -> list[Extension]:
    """The extensions from ``start`` up to END or ``stop``; a malformed one ends the walk (what came before it
    is kept, as binary-version-reader's parser does)."""
    out: list[Extension] = []
    offset = start
    while offset + HEADER_SIZE <= stop:
        kind, length = _HEADER.unpack_from(data, offset)
        if kind == INVALID or length < HEADER_SIZE or offset + length > stop:
            break
        out.append(Extension(kind, data[offset + HEADER_SIZE : offset + length]))
        if kind == END:
            break
        offset += length
    return out


def prefix_extensions(module: bytes, prefix_offset: int, flags: int, prefix_size: int = 24) -> list[Extension]:
    if not flags & PREFIX_EXTENSIONS:
        return []
    return walk(module, prefix_offset + prefix_size, len(module) - 4 - _BASE_SUFFIX)


def suffix_extensions(module: bytes) -> list[Extension]:
    """``module`` ends with its CRC-32 (exactly the declared size)."""
    n = len(module) - 4
    if n < _BASE_SUFFIX:
        return []
    (size,) = struct.unpack_from("<H", module, n - 2)
    if size <= _BASE_SUFFIX + 2 * HEADER_SIZE or size > n:
        return []
    return walk(module, n - size, n - _BASE_SUFFIX)


def asset_dependencies(extensions: list[Extension]) -> tuple[AssetRef, ...]:
    """ASSET_DEPENDENCY records with a SHA-256 (Device OS skips other hash types: parseAssetDependencies)."""
    out = []
    for ext in extensions:
        if ext.type != ASSET_DEPENDENCY or len(ext.body) < 2:
            continue
        kind, length = ext.body[0], ext.body[1]
        if kind != HASH_SHA256 or 2 + length > len(ext.body):
            continue
        name = ext.body[2 + length :].decode("utf-8", "replace")
        out.append(AssetRef(name, ext.body[2 : 2 + length].hex()))
    return tuple(out)


def asset_identity(extensions: list[Extension]) -> AssetRef | None:
    """An asset module's NAME and HASH (asset_manager.cpp parseAssetInfo: both needed)."""
    name = next((e.body for e in extensions if e.type == NAME and e.body), None)
    digest = next((e.body for e in extensions if e.type == HASH and len(e.body) >= 2), None)
    if name is None or digest is None:
        return None
    return AssetRef(name.decode("utf-8", "replace"), digest[2 : 2 + digest[1]].hex())


# -- encoding (asset modules, and applications for tests and the virtual bench) --------------------------------
def encode(kind: int, body: bytes) -> bytes:
    return _HEADER.pack(kind, HEADER_SIZE + len(body)) + body


def hash_ext(digest: bytes) -> bytes:
    return encode(HASH, bytes([HASH_SHA256, len(digest)]) + digest)


def name_ext(name: str) -> bytes:
    return encode(NAME, name.encode())


def asset_dependency_ext(name: str, digest: bytes) -> bytes:
    return encode(ASSET_DEPENDENCY, bytes([HASH_SHA256, len(digest)]) + digest + name.encode())


def product_data_ext(product_id: int = 0xFFFF, product_version: int = 0xFFFF) -> bytes:
    """PRODUCT_DATA {u16 reserved 0xffff, u16 product id, u16 version}: its last four bytes sit where the
    legacy suffix keeps the product id and version (moduleEncoding.js updateModuleSuffix)."""
    return encode(PRODUCT_DATA, struct.pack("<HHH", 0xFFFF, product_id, product_version))


def end_ext() -> bytes:
    return encode(END, b"")

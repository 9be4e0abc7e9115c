"""Asset modules: how an application asset travels to Device OS (5.5.0 and later) and what Device OS checks.

An asset in a bundle is a plain file under ``assets/``; it is sent to the device wrapped in a module, built as
binary-version-reader ``createAssetModule`` builds it (``lib/moduleEncoding.js``,
https://github.com/particle-iot/binary-version-reader/blob/f041a787530ae7c01e01f04108faa98ec61121be/lib/moduleEncoding.js;
particle-cli ``src/cmd/bundle.js`` extractModulesFromBundle calls it for every asset of a bundle before flashing):

* prefix: module_info_t with start address 0, end address = the CRC's offset, module function ASSET (9), flags
  DROP_MODULE_INFO | COMPRESSED; version, platform, index and dependencies left 0 (an asset is for no platform);
* then the compressed-data header ``compressed_module_header`` (device-os ``dynalib/inc/module_info.h``): u16
  header size (8), u8 method (0 = raw Deflate), u8 window bits (0 = default), u32 uncompressed size; then the asset
  data compressed with raw Deflate (zlib.deflateRaw, no zlib header or checksum: compressModule);
* suffix: the extensions HASH (SHA-256 of the uncompressed data), NAME (the file name), PRODUCT_DATA (0xffff,
  0xffff), then u16 reserved, the module's SHA-256, u16 suffix size; then the CRC-32, big-endian.

Device OS stores a received asset module in its asset file system after checking what ``AssetReader::validate``
checks (device-os ``system/src/asset_manager.cpp``): function ASSET, DROP_MODULE_INFO set, no prefix extensions,
the size the prefix declares, compression method 0, the CRC-32, and a NAME and a HASH extension in the suffix.
``validate`` here checks the same, for the virtual devices.

Pure code: no I/O.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from particle_diag.catalog.module_functions import ModuleFunction
from particle_diag.protocol import module_extensions as ext

PREFIX_SIZE = 24
COMPRESSED_HEADER_SIZE = 8
DROP_MODULE_INFO, COMPRESSED = 0x01, 0x02
_PREFIX = struct.Struct("<IIBBHHBBBBHBBH")
_BASE_SUFFIX = 36


@dataclass(frozen=True)
class AssetModuleInfo:
    """What Device OS learns from a valid asset module (asset_manager.cpp AssetReader)."""

    asset: ext.AssetRef
    original_size: int  # of the uncompressed data (the compression header's, or the data's)
    module_size: int  # what the asset takes in storage before file-system overhead


def build(name: str, data: bytes, *, compress: bool = True) -> bytes:
    """The asset module for ``data`` named ``name``, byte for byte as createAssetModule makes it (compressed
    with zlib's default level, as Node's zlib.deflateRaw)."""
    digest = hashlib.sha256(data).digest()
    extensions = ext.hash_ext(digest) + ext.name_ext(name) + ext.product_data_ext()
    suffix_size = _BASE_SUFFIX + len(extensions)
    flags = DROP_MODULE_INFO
    if compress:
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        body = struct.pack("<HBBI", COMPRESSED_HEADER_SIZE, 0, 0, len(data)) + packed
        flags |= COMPRESSED
    else:
        body = data
    end = PREFIX_SIZE + len(body) + suffix_size
    prefix = _PREFIX.pack(0, end, 0, flags, 0, 0, ModuleFunction.ASSET, 0, 0, 0, 0, 0, 0, 0)
    head = prefix + body + extensions + struct.pack("<H", 0)
    module = head + hashlib.sha256(head).digest() + struct.pack("<H", suffix_size)
    return module + zlib.crc32(module).to_bytes(4, "big")


def validate(module: bytes) -> AssetModuleInfo | None:
    """What AssetReader::validate(full=true) accepts, or None for what Device OS refuses to store."""
    size = len(module)
    if size <= PREFIX_SIZE + COMPRESSED_HEADER_SIZE + _BASE_SUFFIX + 4:
        return None
    fields = _PREFIX.unpack_from(module, 0)
    start, end, flags, function = fields[0], fields[1], fields[3], fields[6]
    if function != ModuleFunction.ASSET or not flags & DROP_MODULE_INFO or flags & ext.PREFIX_EXTENSIONS:
        return None
    if size != end - start + 4:
        return None
    compressed = bool(flags & COMPRESSED)
    original = 0
    header_size = 0
    if compressed:
        header_size, method, _window, original = struct.unpack_from("<HBBI", module, PREFIX_SIZE)
        if header_size < COMPRESSED_HEADER_SIZE or method != 0:
            return None
    if zlib.crc32(module[:-4]) != int.from_bytes(module[-4:], "big"):
        return None
    (suffix_size,) = struct.unpack_from("<H", module, size - 6)
    if size < PREFIX_SIZE + COMPRESSED_HEADER_SIZE + suffix_size + 4 or suffix_size < _BASE_SUFFIX + 8:
        return None
    identity = ext.asset_identity(ext.walk(module, size - 4 - suffix_size, size - 4 - _BASE_SUFFIX))
    if identity is None:
        return None
    if not compressed:
        original = size - PREFIX_SIZE - 4 - suffix_size
    return AssetModuleInfo(identity, original, size)


def unwrap(module: bytes) -> bytes:
    """The asset's data (binary-version-reader unwrapAssetModule); ValueError when it is not an asset module."""
    info = validate(module)
    if info is None:
        raise ValueError("not a valid asset module")
    (suffix_size,) = struct.unpack_from("<H", module, len(module) - 6)
    flags = module[9]
    if not flags & COMPRESSED:
        return module[PREFIX_SIZE : len(module) - 4 - suffix_size]
    (header_size,) = struct.unpack_from("<H", module, PREFIX_SIZE)
    packed = module[PREFIX_SIZE + header_size : len(module) - 4 - suffix_size]
    data = zlib.decompress(packed, -15)
    if len(data) != info.original_size:
        raise ValueError("the asset's data does not have the size its header declares")
    return data

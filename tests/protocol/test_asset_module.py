"""Asset modules and asset dependencies, checked against what Particle's own tools produce.

* ``build`` was compared byte for byte with binary-version-reader 3.1.3's createAssetModule (npm package, run on
  2026-12-02 with Node 20): for the inputs below it made modules of exactly these SHA-256 digests.
* The reader was run on particle-cli's test bundle test/__fixtures__/third_party_ota/bundle.zip
  (https://github.com/particle-iot/particle-cli, commit b93c59b18780556ab69380b3d35ae78cfb9a7490): its app.bin (an
  Argon user part) lists cat.txt (b0f0d8ff8cc9...), house.txt (a78fb0e7df99...) and water.txt (3b0c25d6b8af...),
  the SHA-256 of the files under its assets/, and pdiag pairs them; bundle-missing-assets.zip is refused with
  update.asset-missing (water.txt), bundle-asset-hash-no-match.zip too (cat.txt differs).  The bundles are not
  copied here (their bytes are that repository's); test_an_application_lists_... rebuilds the same layout.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from particle_diag.protocol import asset_module
from particle_diag.protocol.module_extensions import AssetRef
from particle_diag.protocol.module_header import build_module, parse_module

BINARY_VERSION_READER_3_1_3 = {
    # (name, data) -> SHA-256 of createAssetModule(data, name)
    ("cat.txt", b"hello world" * 10): "83a98096cd4351cc312eaacaf0bd0b76340a1352de0844b83a6d15c5dccfa6d9",
    ("big.raw", bytes((i * 7) % 251 for i in range(300_000))):
        "bb623b83cf7ffe359dbcb6f9adfd88fbb6c55f09fb83902bf76d397b6fa2ced2",
}


@pytest.mark.parametrize(("key", "digest"), BINARY_VERSION_READER_3_1_3.items())
def test_asset_modules_are_those_binary_version_reader_makes(key, digest):
    name, data = key
    module = asset_module.build(name, data)
    assert hashlib.sha256(module).hexdigest() == digest
    header = parse_module(module)
    assert header.function == "asset" and header.flags == 0x03 and header.platform_id == 0
    assert header.asset == AssetRef(name, hashlib.sha256(data).hexdigest())
    assert asset_module.unwrap(module) == data


def test_what_device_os_checks_before_storing_an_asset():
    module = asset_module.build("font.bin", os.urandom(5000))
    info = asset_module.validate(module)
    assert info is not None and info.original_size == 5000 and info.module_size == len(module)
    corrupt = module[:100] + bytes([module[100] ^ 1]) + module[101:]
    assert asset_module.validate(corrupt) is None  # CRC-32
    not_dropped = module[:9] + bytes([module[9] & ~0x01]) + module[10:]
    assert asset_module.validate(not_dropped) is None  # DROP_MODULE_INFO must be set
    app = build_module(13, "user_part", 0xB4000, os.urandom(100))
    assert asset_module.validate(app) is None  # not an asset
    assert asset_module.validate(asset_module.build("x", b"plain text asset", compress=False)).original_size == 16


def test_an_application_lists_its_asset_dependencies_by_name_and_sha256():
    """The layout particle-cli's real app.bin has: ASSET_DEPENDENCY records, END, then the legacy product fields."""
    assets = {"cat.txt": b"meow\n", "house.txt": b"house\n"}
    app = build_module(12, "user_part", 0xB4000, os.urandom(1000), index=2, product_id=12, product_version=3,
                       asset_deps=tuple(assets.items()))
    header = parse_module(app)
    assert header.asset_dependencies == tuple(AssetRef(n, hashlib.sha256(d).hexdigest()) for n, d in assets.items())
    assert (header.product_id, header.product_version) == (12, 3) and header.crc_ok
    assert parse_module(build_module(12, "user_part", 0xB4000, b"x" * 100)).asset_dependencies == ()


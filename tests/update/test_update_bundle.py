"""Reading a bundle: a directory, a .zip or several files; every refusal before any device is looked at."""

from __future__ import annotations

import os
import zipfile

import pytest

from particle_diag.devices.bundle import BundleError, load_bundle
from particle_diag.devices.bundle_assets import AssetError
from particle_diag.errors import ExitCode, UnsupportedError
from particle_diag.files import InputFileError
from particle_diag.protocol.module_header import FirmwareFileError, build_module
from tests.update.conftest import release_modules

BORON, ARGON = 13, 12


def _write(folder, files: dict[str, bytes]):
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_release_directory_is_read_whole_and_other_files_are_ignored(tmp_path):
    files = release_modules("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))
    folder = _write(tmp_path / "release", {**files, "README.md": b"Device OS 6.2.0", "manifest.json": b"{}"})
    bundle = load_bundle([folder])
    assert sorted(m.name for m in bundle.modules) == sorted(files)
    assert bundle.ignored == ("README.md", "manifest.json") and bundle.platform_name == "boron"
    assert {m.function for m in bundle.modules} == {"bootloader", "radio_stack", "system_part", "user_part"}
    assert bundle.size == sum(len(d) for d in files.values())


def test_a_zip_and_loose_files_give_the_same_modules(tmp_path):
    files = release_modules("boron", "6.2.0")
    with zipfile.ZipFile(tmp_path / "release.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"boron/{name}", data)
        z.writestr("boron/NOTES.txt", "ignored")
    from_zip = load_bundle([tmp_path / "release.zip"])
    loose = _write(tmp_path / "loose", files)
    from_files = load_bundle([loose / name for name in files])
    assert {m.image for m in from_zip.modules} == {m.image for m in from_files.modules} == set(files.values())
    assert from_zip.ignored == ("boron/NOTES.txt",)


@pytest.mark.parametrize(("case", "error", "reference", "code"), [
    ("mixed-platforms", BundleError, "update.platform-mixed", ExitCode.USAGE),
    ("two-for-one-slot", BundleError, "update.duplicate", ExitCode.USAGE),
    ("not-a-module", FirmwareFileError, "firmware.header", ExitCode.USAGE),
    ("corrupt", FirmwareFileError, "firmware.crc", ExitCode.USAGE),
    ("unsupported-function", FirmwareFileError, "firmware.function", ExitCode.USAGE),
    ("empty", BundleError, "update.bundle", ExitCode.USAGE),
    ("assets", AssetError, "update.asset-unused", ExitCode.USAGE),
    ("gen2-assets", UnsupportedError, "update.assets-unsupported", ExitCode.UNSUPPORTED),
    ("bad-zip", InputFileError, "update.zip", ExitCode.USAGE),
    ("zip-member-too-large", InputFileError, "file.too-large", ExitCode.USAGE),
])
def test_refusals(tmp_path, case, error, reference, code):
    app = build_module(BORON, "user_part", 0xB4000, os.urandom(1000), index=2)
    files = {"app.bin": app}
    if case == "mixed-platforms":
        files["argon-app.bin"] = build_module(ARGON, "system_part", 0x30000, os.urandom(1000), index=1)
    elif case == "two-for-one-slot":
        files["other.bin"] = build_module(BORON, "user_part", 0xB4000, os.urandom(1000), index=2)
    elif case == "not-a-module":
        files["notes.bin"] = b"\x00" * 4096
    elif case == "corrupt":
        files["app.bin"] = app[:-1] + bytes([app[-1] ^ 1])
    elif case == "unsupported-function":
        files["settings.bin"] = build_module(BORON, "settings", 0, os.urandom(100))
    elif case == "empty":
        files = {"README.md": b"nothing"}
    target = _write(tmp_path / "b", files)
    if case == "assets":  # an asset the application does not list
        (target / "assets").mkdir()
        (target / "assets" / "cat.jpg").write_bytes(b"\xff\xd8")
    if case == "gen2-assets":  # a Photon application that lists an asset: Gen 2 Device OS stores none
        target = _write(tmp_path / "g2", {"app.bin": build_module(6, "user_part", 0x80A0000, os.urandom(1000),
                                                                  asset_deps=(("cat.jpg", b"\xff\xd8"),))})
        (target / "assets").mkdir()
        (target / "assets" / "cat.jpg").write_bytes(b"\xff\xd8")
    if case == "bad-zip":
        target = tmp_path / "b.zip"
        target.write_bytes(b"PK not really")
    if case == "zip-member-too-large":
        target = tmp_path / "big.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("huge.bin", b"\0" * (64 * 1024 * 1024))  # compresses to almost nothing
    with pytest.raises(error) as info:
        load_bundle([target])
    assert info.value.reference == reference and info.value.exit_code == code and info.value.message


def test_the_same_module_twice_is_one_module(tmp_path):
    app = build_module(BORON, "user_part", 0xB4000, os.urandom(1000), index=2)
    folder = _write(tmp_path / "b", {"app.bin": app})
    bundle = load_bundle([folder / "app.bin", folder / "app.bin"])
    assert len(bundle.modules) == 1


def test_a_file_named_on_the_command_line_must_be_a_module_whatever_its_name(tmp_path):
    (tmp_path / "notes.txt").write_text("not firmware, only notes about it. " * 20)
    with pytest.raises(FirmwareFileError) as info:
        load_bundle([tmp_path / "notes.txt"])
    assert info.value.reference == "firmware.header" and "notes.txt" in info.value.message

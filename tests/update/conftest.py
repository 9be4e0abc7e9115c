"""Fixtures for ``pdiag update``: bundles shaped like Particle's Device OS releases, built for the virtual devices.

``release(platform, version, tmp_dir, parts=...)`` writes the modules of a Device OS release as Particle names
them (``boron-bootloader@6.1.2.bin``, ``boron-softdevice@...``, ``boron-system-part1@...``, plus an application):
module numbers and dependencies from the virtual devices' own Device OS tables (sim/deviceos.py, generated from
device-os), the SoftDevice with DROP_MODULE_INFO as create_module.py makes it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from particle_diag.protocol.module_header import build_module
from particle_diag.sim import deviceos, flash_image
from particle_diag.sim.bench import Bench

FILE_NAMES = {"bootloader": "bootloader", "radio_stack": "softdevice", "system_part": "system-part{index}",
              "ncp_firmware": "ncp"}
BORON = 13


def release_modules(platform: str, version: str, parts: tuple[str, ...] = ("system_part", "user_part"),
                    app_size: int = 30_000) -> dict[str, bytes]:
    """File name -> module binary for the parts of a release, and an application built against it."""
    from particle_diag.catalog.platforms import by_name

    platform_id = by_name(platform).id
    files: dict[str, bytes] = {}
    modules = deviceos.module_set(platform, version)
    for module in modules:
        slot = module.slot
        if slot.store != "main" or not module.present or slot.function not in parts or slot.function == "user_part":
            continue
        if slot.address is None:  # NCP firmware: not in the MCU's flash
            image = flash_image.module_image(platform_id, module, 0, f"release {version}")
        else:
            _, image = flash_image.slot_image(platform_id, module, modules, f"release {version}")
        name = FILE_NAMES[slot.function].format(index=slot.index)
        files[f"{platform}-{name}@{version}.bin"] = image
    if "user_part" in parts:
        system = deviceos.release(version).system_module
        user = next(m.slot for m in reversed(deviceos.module_set(platform, version))
                    if m.slot.function == "user_part" and m.slot.store == "main")
        assert user.address is not None
        start = user.address + user.max_size - app_size - 68 if user.grows_down else user.address
        files["app.bin"] = build_module(platform_id, "user_part", start, os.urandom(app_size), version=6,
                                        index=user.index, deps=(("system_part", 1, system),))
    return files


@pytest.fixture
def release(tmp_path: Path) -> Callable[..., Path]:
    def write(platform: str, version: str, parts: tuple[str, ...] = ("system_part", "user_part"),
              name: str = "bundle", **options: int) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for file, data in release_modules(platform, version, parts, **options).items():
            (folder / file).write_bytes(data)
        return folder

    return write


@contextlib.contextmanager
def benches() -> Iterator[list[Bench]]:
    """The benches the in-process CLI starts from --sim, to look at the devices afterwards."""
    seen: list[Bench] = []
    Bench.observers.append(seen.append)
    try:
        yield seen
    finally:
        Bench.observers.remove(seen.append)


def application(platform: str, version: str, assets: dict[str, bytes], app_size: int = 20_000) -> bytes:
    """An application built against ``version`` that declares ``assets`` (name -> data) as its asset dependencies,
    the way binary-version-reader's updateModuleAssetDependencies marks it (ASSET_DEPENDENCY extensions, then END,
    before the suffix)."""
    from particle_diag.catalog.platforms import by_name

    system = deviceos.release(version).system_module
    user = next(m.slot for m in reversed(deviceos.module_set(platform, version))
                if m.slot.function == "user_part" and m.slot.store == "main")
    assert user.address is not None
    deps = tuple(assets.items())
    extra = sum(4 + 2 + 32 + len(name) for name in assets) + (4 if assets else 0)  # the extensions, END
    if user.grows_down:  # ends at the slot's end and starts on a 4 KB boundary, where the HAL looks for it
        app_size += -(app_size + 68 + extra) % 4096
    start = user.address + user.max_size - app_size - 68 - extra if user.grows_down else user.address
    return build_module(by_name(platform).id, "user_part", start, os.urandom(app_size), version=6, index=user.index,
                        deps=(("system_part", 1, system),), asset_deps=deps)


def asset_bundle(path: Path, app: bytes, assets: dict[str, bytes]) -> Path:
    """A bundle .zip laid out as binary-version-reader's createApplicationAndAssetBundle writes it: the application
    at the top, each asset as assets/NAME."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.bin", app)
        for name, data in assets.items():
            z.writestr(f"assets/{name}", data)
    return path

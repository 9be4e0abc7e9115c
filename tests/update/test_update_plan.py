"""The update plan: what is skipped, what is written, in which order and by which path, and which bundles are
refused for their dependencies (pure: a bundle against a module list)."""

from __future__ import annotations

import os

import pytest

from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.catalog.platforms import by_name
from particle_diag.devices.bundle import Bundle, BundleModule
from particle_diag.devices.update_plan import DependencyError, plan_update
from particle_diag.protocol.messages import ModuleInfo
from particle_diag.protocol.module_header import FirmwareFileError, build_module, parse_module

BORON = by_name("boron")
ALL = 0x1E  # every validity check run and passed


def _module(name: str, function: str, start: int, version: int, index: int, deps=(), platform: int = 13):
    image = build_module(platform, function, start, os.urandom(2000), version=version, index=index, deps=deps)
    return BundleModule(name, parse_module(image), image)


def _bundle(*modules: BundleModule) -> Bundle:
    return Bundle("b", modules)


def _info(function: str, index: int, version: int, deps=(), hash: str | None = None, passed: int = ALL):
    return ModuleInfo(function, index, version, checked_flags=ALL, passed_flags=passed, hash=hash,
                      dependencies=[ModuleDependency(*d) for d in deps])


BOOT = _module("boron-bootloader@6.2.0.bin", "bootloader", 0xF4000, 3100, 0)
SYSTEM = _module("boron-system-part1@6.2.0.bin", "system_part", 0x28000, 6200, 1,
                 (("bootloader", 0, 3100), ("radio_stack", 0, 202)))
APP = _module("app.bin", "user_part", 0xB4000, 6, 2, (("system_part", 1, 6200),))
DEVICE_611 = [_info("bootloader", 0, 3001), _info("system_part", 1, 6101, [("bootloader", 0, 3001),
                                                                           ("radio_stack", 0, 202)]),
              _info("user_part", 2, 6, [("system_part", 1, 6101)], hash="ab" * 32), _info("radio_stack", 0, 202)]


def test_order_path_and_reasons_of_a_release_onto_an_older_device():
    plan = plan_update(_bundle(APP, SYSTEM, BOOT), BORON, DEVICE_611)
    assert [(s.module.function, s.route, s.write, s.reason) for s in plan.steps] == [
        ("bootloader", "device-os", True, "the device has v3001"),  # the new system part needs it: first
        ("system_part", "dfu", True, "the device has v6101"),
        ("user_part", "dfu", True, "same version, another build (SHA-256 differs)"),
    ]
    assert [(route, [s.module.function for s in steps]) for route, steps in plan.phases()] == [
        ("device-os", ["bootloader"]), ("dfu", ["system_part", "user_part"])]


def test_what_is_already_there_is_skipped():
    device = [_info("bootloader", 0, 3100), _info("system_part", 1, 6200, [("bootloader", 0, 3100)]),
              _info("user_part", 2, 6, [("system_part", 1, 6200)], hash=APP.header.sha256),
              _info("radio_stack", 0, 202)]
    plan = plan_update(_bundle(BOOT, SYSTEM, APP), BORON, device)
    assert [s.write for s in plan.steps] == [False, False, False] and plan.phases() == []
    assert {s.reason for s in plan.steps} == {"already on the device"}


@pytest.mark.parametrize(("device_module", "reason"), [
    (_info("user_part", 2, 6, hash=None), "does not report a user part's hash"),
    (_info("user_part", 2, 6, hash="00" * 32, passed=ALL & ~0x02), "fails its integrity check"),
    (_info("user_part", 2, 5, hash="00" * 32), "the device has v5"),
])
def test_a_user_part_is_written_unless_the_very_same_build_is_there(device_module, reason):
    device = [_info("system_part", 1, 6200), device_module]
    (step,) = plan_update(_bundle(APP), BORON, device).steps
    assert step.write and reason in step.reason


def test_a_module_whose_dependency_neither_the_bundle_nor_the_device_has_is_refused():
    with pytest.raises(DependencyError) as info:
        plan_update(_bundle(SYSTEM, APP), BORON, DEVICE_611)  # 6.2.0 needs bootloader 3100; the device has 3001
    message = info.value.message
    assert "system part 1 v6200" in message and "bootloader 0 v3100 or newer (the device has v3001)" in message
    assert info.value.reference == "update.dependencies" and "Nothing was written" in info.value.hint


def test_a_bundle_that_would_break_a_module_left_on_the_device_is_refused():
    older = _module("boron-system-part1@6.0.0.bin", "system_part", 0x30000, 6000, 1, (("bootloader", 0, 3000),))
    with pytest.raises(DependencyError) as info:
        plan_update(_bundle(older), BORON, DEVICE_611)  # the device's app needs system part 6101
    assert "the device's user part 2 v6 needs system part 1 v6101 or newer" in info.value.message


def test_another_platform_is_refused():
    argon_app = _module("app.bin", "user_part", 0xB4000, 6, 2, platform=12)
    with pytest.raises(FirmwareFileError) as info:
        plan_update(_bundle(argon_app), BORON, DEVICE_611)
    assert info.value.reference == "firmware.platform"


def test_unknown_modules_dfu_first_and_only_the_bundle_counts():
    plan = plan_update(_bundle(BOOT, SYSTEM, APP, _module("sd.bin", "radio_stack", 0x1000, 202, 0)), BORON, None)
    assert [s.module.function for s in plan.steps] == ["radio_stack", "system_part", "user_part", "bootloader"]
    assert all(s.write for s in plan.steps) and not plan.installed_known and plan.notes
    repair = plan_update(_bundle(SYSTEM), BORON, None)  # a device without a running Device OS is being repaired
    assert [s.write for s in repair.steps] == [True]
    assert "not checked" in repair.notes[1] and "bootloader 0 v3100 or newer (the device's is unknown)" in \
        repair.notes[1]


def test_a_dependency_the_device_already_meets_does_not_order_the_bundle():
    """Boron 2.0.0 (a real `serial inspect`): the bootloader depends on system part 1102 and the system part on
    the bootloader: no cycle, because the device's system part already meets the bootloader's need."""
    boot = _module("b.bin", "bootloader", 0xF4000, 1003, 0, (("system_part", 1, 1102),))
    system = _module("s.bin", "system_part", 0x30000, 2007, 1, (("bootloader", 0, 1003),))
    device = [_info("bootloader", 0, 1002), _info("system_part", 1, 2006), _info("radio_stack", 0, 202)]
    plan = plan_update(_bundle(system, boot), BORON, device)
    assert [s.module.function for s in plan.steps] == ["bootloader", "system_part"]


def _asset(name: str, data: bytes) -> BundleModule:
    from particle_diag.protocol import asset_module

    image = asset_module.build(name, data)
    return BundleModule(f"assets/{name}", parse_module(image), image)


def test_assets_go_last_and_a_large_module_staged_over_the_asset_storage_rewrites_them():
    """Argon: Device OS stages a module sent to it in an OTA area that runs over the asset storage; past 592 KB it
    overwrites the stored assets (HAL_PLATFORM_ASSETS_OTA_OVERLAP), so assets the device lists are written again."""
    from particle_diag.protocol.messages import AssetInfo

    argon = by_name("argon")
    assets = {"a.txt": b"first asset", "b.txt": b"second asset"}
    app_image = build_module(12, "user_part", 0xB4000, os.urandom(2000), version=6, index=2,
                             asset_deps=tuple(assets.items()))
    app = BundleModule("app.bin", parse_module(app_image), app_image)
    stored = [AssetInfo(m.header.asset.name, m.header.asset.hash) for m in (_asset(n, d) for n, d in assets.items())]
    small_ncp = _module("argon-ncp.bin", "ncp_firmware", 0, 7, 0, platform=12)
    big = build_module(12, "ncp_firmware", 0, os.urandom(700_000), version=7, index=0)
    big_ncp = BundleModule("argon-ncp-big.bin", parse_module(big), big)
    for ncp, rewritten in ((small_ncp, False), (big_ncp, True)):
        bundle = Bundle("b", (app, ncp), assets=tuple(_asset(n, d) for n, d in assets.items()), assets_given=True)
        plan = plan_update(bundle, argon, [_info("ncp_firmware", 0, 5)], stored, "6.1.1")
        assert [s.module.function for s in plan.steps] == ["ncp_firmware", "user_part", "asset", "asset"]
        assert [s.write for s in plan.steps[2:]] == [rewritten] * 2
        if rewritten:
            assert plan.steps[2].reason == "ncp firmware 0 v7 (argon-ncp-big.bin) is staged over the asset storage"

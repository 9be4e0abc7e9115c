"""The plan of ``pdiag update``: which modules of a bundle a device needs, in which order, by which path.

Pure: it judges a bundle (devices/bundle.py) against what a device reports (module info, request 90 or the
listening-mode ``s`` reply) and touches nothing.

* Skipped: a module the device already has in its main store with the same function, index and version, whose
  integrity check passes; for a user part also the same SHA-256 (an application keeps its version number across
  builds).  Everything else is written.
* Dependencies: after the update every module of the bundle must find each dependency (same function and index,
  at least that version: Device OS ``module_info.h`` semantics) in the bundle or on the device; and a module left
  on the device whose dependencies hold now must still find them.  Otherwise the whole bundle is refused before
  anything is written: the device would end in safe mode (a failed dependency, device-os
  ``modules/shared/nRF52840/inc/system_part1_loader.c``) or refuse the module (OTA_DEPENDENCY_CHECK_FAILED).  A
  device that cannot report its modules (it does not start Device OS) is being repaired: what cannot be checked
  is said in the plan's notes, not refused.
* Order: a module goes after the bundle modules it needs (a new system part after the bootloader it depends on),
  otherwise in ``UPDATE_ORDER`` (bootloader, radio stack, system parts, NCP, application).  When the device could
  not report its modules (its Device OS does not run), the modules written over DFU go first, as particle-cli
  does for a device found in DFU mode (src/lib/flash-helper.js createFlashSteps): the bootloader needs a running
  Device OS.
* Path: over DFU for what DFU writes (``DFU_WRITABLE``), through Device OS (control requests 250-253) for the rest.
* Assets (Device OS >= 5.5.0) go last, each through Device OS, as particle-cli orders them (src/lib/flash-helper.js
  createFlashSteps returns ``[...normalModules, ...dfuModules, ...assetModules]``).  Device OS needs that order:
  it stores an asset only while the application that lists it runs, deleting every stored asset the running
  application does not list (system/src/asset_manager.cpp storeAsset -> clearUnusedAssets, requiredAssets read
  at boot), so the new application must be in place and booted first; and on the Argon, Boron and B SoM a module
  over 592 KB staged for Device OS overwrites the asset storage (catalog/capabilities.py ota_overwrites_assets).
  An asset is skipped when the device lists one of the same name and SHA-256 among its available assets (request
  91, Device OS >= 5.6.0; particle-cli _skipAsset compares the same two); a device that cannot list them (5.5.x)
  gets every asset written, as particle-cli does (getAssetInfo failing counts as none available).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from particle_diag.catalog import capabilities
from particle_diag.catalog.module_functions import DFU_WRITABLE, UPDATE_ORDER
from particle_diag.catalog.platforms import Platform
from particle_diag.devices.bundle import Bundle, BundleModule
from particle_diag.errors import UsageError
from particle_diag.protocol.messages import AssetInfo, ModuleInfo
from particle_diag.protocol.module_header import check_platform

DFU, DEVICE_OS = "dfu", "device-os"


class DependencyError(UsageError):
    """The bundle's modules cannot all find what they depend on, on this device: nothing is written."""

    reference = "update.dependencies"
    default_hint = ("Add the modules it needs to the bundle (a Device OS release comes with its bootloader and "
                    "radio stack), or use a bundle built for the Device OS on the device. Nothing was written.")


@dataclass(frozen=True)
class PlanStep:
    module: BundleModule
    route: str  # DFU | DEVICE_OS
    write: bool
    reason: str
    installed_version: int | None = None

    def to_dict(self) -> dict[str, object]:
        h = self.module.header
        asset = {"asset": h.asset.name, "hash": h.asset.hash} if h.asset is not None else {}
        return {"file": self.module.name, "function": h.function, "index": h.index, "version": h.version, **asset,
                "route": self.route, "action": "write" if self.write else "skip", "reason": self.reason,
                "installed_version": self.installed_version, "size": len(self.module.image)}


@dataclass(frozen=True)
class UpdatePlan:
    steps: tuple[PlanStep, ...]
    installed_known: bool
    notes: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[PlanStep, ...]:
        return tuple(s for s in self.steps if s.write)

    def phases(self) -> list[tuple[str, list[PlanStep]]]:
        """The writes grouped into runs of one path, in order: one DFU session or one Device OS update each."""
        out: list[tuple[str, list[PlanStep]]] = []
        for step in self.writes:
            if out and out[-1][0] == step.route and step.route == DFU:
                out[-1][1].append(step)
            else:
                out.append((step.route, [step]))
        return out

    def to_dict(self) -> dict[str, object]:
        return {"steps": [s.to_dict() for s in self.steps], "installed_known": self.installed_known,
                "notes": list(self.notes)}


def route_of(function: str) -> str:
    return DFU if function in DFU_WRITABLE else DEVICE_OS


def check_bundle_platform(bundle: Bundle, platform: Platform) -> None:
    """FirmwareFileError ``firmware.platform`` unless the bundle was built for ``platform``."""
    check_platform(bundle.modules[0].header, platform.id)


def plan_update(bundle: Bundle, platform: Platform, installed: Sequence[ModuleInfo] | None,
                assets: Sequence[AssetInfo] | None = None, device_os: str | None = None) -> UpdatePlan:
    """What to write and what to skip, in order; DependencyError when the result could not run.  ``assets``:
    what the device lists in its asset storage (None: it cannot say); ``device_os``: what it runs now."""
    from particle_diag.devices.bundle_assets import check_device_os

    check_bundle_platform(bundle, platform)
    check_device_os(bundle, device_os, f"the {platform.display}")  # update.assets-device-os
    main = None if installed is None else {
        (m.type, m.index): m for m in installed if (m.store or "main") == "main" and m.type != "invalid"}
    problems = unmet_dependencies(bundle, main)
    notes = []
    if main is None:
        notes.append("the device did not report its modules (no usable Device OS): every module is written, those "
                     "written over DFU first")
        if problems:  # a device that cannot run Device OS is repaired this way; say what could not be checked
            notes.append("not checked, the device could not tell: " + "; ".join(problems))
    elif problems:
        raise DependencyError(f"the bundle cannot be applied to this {platform.display}: {'; '.join(problems)}")
    steps = [_step(m, main) for m in _order(bundle.modules, main)]
    steps += _asset_steps(bundle, platform, steps, assets, notes)
    return UpdatePlan(tuple(steps), main is not None, tuple(notes))


def _asset_steps(bundle: Bundle, platform: Platform, steps: list[PlanStep], assets: Sequence[AssetInfo] | None,
                 notes: list[str]) -> list[PlanStep]:
    """After every module, the bundle's assets; or, for an application given without its assets, the check that
    the device already has them."""
    on_device = None if assets is None else {(a.name, a.hash.lower()) for a in assets}
    if not bundle.assets_given and bundle.asset_dependencies:
        lacking = [a.name for a in bundle.asset_dependencies if on_device is None or (a.name, a.hash) not in on_device]
        if lacking:
            from particle_diag.devices.bundle_assets import AssetError

            where = "the device cannot list its assets" if on_device is None else "the device does not have them"
            raise AssetError(f"the application needs the assets {', '.join(lacking)}: the bundle has no assets/ "
                             f"folder and {where}", "Give the bundle .zip with its assets/ folder (`particle "
                             "bundle`). Nothing was written.")
        notes.append("the application's assets are already on the device")
        return []
    wiped = next((s.module for s in steps if s.write and s.route == DEVICE_OS
                  and capabilities.ota_overwrites_assets(platform.name, len(s.module.image))), None)
    out = []
    for module in bundle.assets:
        ref = module.header.asset
        assert ref is not None
        if on_device is None:
            out.append(PlanStep(module, DEVICE_OS, True, "the device cannot list its assets (request 91: Device OS "
                                                         "5.6.0 or later)"))
        elif wiped is not None:
            out.append(PlanStep(module, DEVICE_OS, True, f"{wiped.describe()} is staged over the asset storage"))
        elif (ref.name, ref.hash) in on_device:
            out.append(PlanStep(module, DEVICE_OS, False, "already on the device"))
        elif any(name == ref.name for name, _ in on_device):
            out.append(PlanStep(module, DEVICE_OS, True, "the device has another file of that name (SHA-256 "
                                                         "differs)"))
        else:
            out.append(PlanStep(module, DEVICE_OS, True, "not on the device"))
    return out


def unmet_dependencies(bundle: Bundle, main: dict[tuple[str, int], ModuleInfo] | None) -> list[str]:
    """Every dependency the device would lack after the update, as a phrase each (empty: all met)."""
    on_device = {} if main is None else {slot: m.version for slot, m in main.items()}
    final = {**on_device, **{m.slot: m.header.version for m in bundle.modules}}
    problems = []
    for module in bundle.modules:
        for dep in module.header.dependencies:
            have = final.get((dep.function, dep.index))
            if have is not None and have >= dep.version:
                continue
            if (dep.function, dep.index) in {m.slot for m in bundle.modules}:
                where = f"the bundle's is v{have}"
            elif main is None:
                where = "the device's is unknown"
            else:
                where = f"the device has v{have}" if have is not None else "the device has none"
            problems.append(f"{module.describe()} needs {_name(dep.function, dep.index)} v{dep.version} or newer "
                            f"({where})")
    replaced = {m.slot for m in bundle.modules}
    for slot, info in (main or {}).items():
        if slot in replaced:
            continue
        for dep in info.dependencies:
            key = (dep.function, dep.index)
            before, after = on_device.get(key), final.get(key)
            if before is not None and before >= dep.version and (after is None or after < dep.version):
                problems.append(f"the device's {_name(*slot)} v{info.version} needs {_name(*key)} v{dep.version} "
                                f"or newer, and the bundle replaces it by v{after}")
    return problems


def _name(function: str, index: int) -> str:
    return f"{function.replace('_', ' ')} {index}"


def _step(module: BundleModule, main: dict[tuple[str, int], ModuleInfo] | None) -> PlanStep:
    route = route_of(module.function)
    if main is None:
        return PlanStep(module, route, True, "the device's modules are unknown")
    have = main.get(module.slot)
    if have is None:
        return PlanStep(module, route, True, "not on the device")
    h = module.header
    if have.version != h.version:
        return PlanStep(module, route, True, f"the device has v{have.version}", have.version)
    if "integrity" in have.failed_checks:
        return PlanStep(module, route, True, "the device's copy fails its integrity check", have.version)
    if module.function == "user_part":
        if not have.hash:
            return PlanStep(module, route, True, "same version, but the device does not report a user part's hash "
                                                 "(module info before Device OS 5.6.0)", have.version)
        if have.hash.lower() != (h.sha256 or "").lower():
            return PlanStep(module, route, True, "same version, another build (SHA-256 differs)", have.version)
    return PlanStep(module, route, False, "already on the device", have.version)


def _order(modules: Sequence[BundleModule],
           main: dict[tuple[str, int], ModuleInfo] | None) -> list[BundleModule]:
    """Modules after the bundle modules they need; otherwise in UPDATE_ORDER (DFU-written first when the
    device's modules are unknown).  A cycle is broken in that same order."""
    def rank(m: BundleModule) -> tuple[int, int, int]:
        dfu_first = 0 if main is not None or route_of(m.function) == DFU else 1
        return dfu_first, UPDATE_ORDER.index(m.function), m.header.index

    by_slot = {m.slot: m for m in modules}
    needs: dict[tuple[str, int], set[tuple[str, int]]] = {m.slot: set() for m in modules}
    for m in modules if main is not None else ():  # unknown modules: the DFU-written ones go first, whatever
        for dep in m.header.dependencies:
            key = (dep.function, dep.index)
            have = main[key].version if key in main else None
            if key in by_slot and key != m.slot and (have is None or have < dep.version):
                needs[m.slot].add(key)  # the device's own does not do: the bundle's must come first
    order: list[BundleModule] = []
    pending = sorted(modules, key=rank)
    while pending:
        done = {m.slot for m in order}
        ready = [m for m in pending if needs[m.slot] <= done] or pending[:1]
        order.append(ready[0])
        pending.remove(ready[0])
    return order

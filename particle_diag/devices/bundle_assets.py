"""A bundle's application assets against what its application needs and what the platform can store.

Checked before any device is looked at, so that nothing is written for a bundle whose application would start
without its assets or whose assets Device OS could not store:

* every asset the application declares (its ASSET_DEPENDENCY extensions: name and SHA-256 of the data) is in the
  bundle's ``assets/`` with that content (``update.asset-missing``), as particle-cli's ``binary inspect`` checks a
  bundle (src/cmd/binary.js _verifyBundle, binary-version-reader isAssetValid);
* every file in ``assets/`` is one the application declares (``update.asset-unused``): Device OS would delete it at
  the next asset it stores (system/src/asset_manager.cpp storeAsset -> clearUnusedAssets);
* the platform stores assets at all (``update.assets-unsupported``), each asset module fits in one go and all of
  them together fit the storage (``update.asset-too-large``; catalog/capabilities.py asset_storage_limit and
  asset_blocks, from asset_manager.cpp prepareForOta; the per-file overhead is UNVERIFIED).

A bundle with an application that declares assets but no ``assets/`` folder is left to the plan: the device may
have them already (devices/update_plan.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag.catalog import capabilities
from particle_diag.catalog.platforms import by_id
from particle_diag.errors import UnsupportedError, UsageError

if TYPE_CHECKING:
    from particle_diag.devices.bundle import Bundle, BundleModule


class AssetError(UsageError):
    """The bundle's assets do not match what its application needs, or do not fit the platform's storage."""

    reference = "update.asset-missing"
    default_hint = ("Rebuild the bundle with the assets the application was compiled with (`particle bundle` or "
                    "`particle compile` with assetOtaDir in project.properties). Nothing was written.")


def check_assets(bundle: Bundle, assets: dict[str, BundleModule]) -> None:
    needed = bundle.asset_dependencies
    if not assets:
        return
    wanted = {a.name: a for a in needed}
    unused = sorted(n for n in assets if n not in wanted)
    if unused:
        why = ("the bundle has no application that needs them" if not any(m.function == "user_part"
                                                                            for m in bundle.modules)
               else "its application does not list them")
        raise AssetError(f"assets nothing needs: {', '.join(unused)} ({why})",
                         "Remove them from assets/, or give the application that uses them; Device OS deletes "
                         "assets its application does not list. Nothing was written.",
                         reference="update.asset-unused")
    problems = []
    for ref in needed:
        have = assets.get(ref.name)
        if have is None:
            problems.append(f"{ref.name} is not in assets/")
        elif have.header.asset is not None and have.header.asset.hash != ref.hash:
            problems.append(f"assets/{ref.name} is not the file the application was built with (SHA-256 "
                            f"{have.header.asset.hash[:12]}..., the application needs {ref.hash[:12]}...)")
    if problems:
        raise AssetError("the application's assets are not all in the bundle: " + "; ".join(problems))
    _check_room(bundle, list(assets.values()))


def _check_room(bundle: Bundle, assets: list[BundleModule]) -> None:
    platform = by_id(bundle.platform_id)
    storage = platform.asset_storage if platform is not None else None
    if platform is None or storage is None:
        name = platform.display if platform is not None else bundle.platform_name
        raise UnsupportedError(f"the bundle carries assets, but the {name} has no asset storage (Device OS stores "
                               f"assets on Gen 3 and Gen 4 devices only)",
                               "Build the application without assets for this platform. Nothing was written.",
                               reference="update.assets-unsupported")
    limit = capabilities.asset_storage_limit(storage)
    for asset in assets:
        if len(asset.image) > limit:
            raise AssetError(f"{asset.describe()} is {len(asset.image)} bytes compressed; the {platform.display} "
                             f"takes assets of at most {limit} bytes ({storage // 1024} KB of asset storage less "
                             f"the free blocks Device OS keeps)", "Make the asset smaller. Nothing was written.",
                             reference="update.asset-too-large")
    blocks = sum(capabilities.asset_blocks(len(a.image)) for a in assets)
    room = capabilities.asset_storage_blocks(storage)
    if blocks > room:
        total = sum(len(a.image) for a in assets)
        raise AssetError(f"the assets take {total} bytes compressed ({blocks} blocks of 4 KB with their file "
                         f"overhead); the {platform.display}'s asset storage holds {room} blocks",
                         "Make the assets smaller or fewer. Nothing was written.", reference="update.asset-too-large")


def order_assets(bundle: Bundle, assets: dict[str, BundleModule]) -> tuple[BundleModule, ...]:
    """The assets in the order the application lists them (each is used by it, check_assets made sure)."""
    return tuple(assets[a.name] for a in bundle.asset_dependencies if a.name in assets)


def check_device_os(bundle: Bundle, device_os: str | None, label: str) -> None:
    """UnsupportedError ``update.assets-device-os`` when the device will not run a Device OS that stores assets
    after the update (its own, or the bundle's system part); nothing when its version is unknown."""
    platform = by_id(bundle.platform_id)
    if not bundle.assets or device_os is None or platform is None or \
            capabilities.assets_supported(platform.mcu, device_os):
        return
    systems = [m.header.version for m in bundle.modules if m.function == "system_part"]
    if systems and min(systems) >= capabilities.assets_system_module():
        return  # the bundle brings a Device OS that stores them; its system part is written first
    raise UnsupportedError(f"{label} runs Device OS {device_os}: Device OS stores application assets from "
                           f"{capabilities.assets_since()} on", "Update Device OS first (add a 5.5.0 or later release "
                           "to the bundle, or `particle update`). Nothing was written.",
                           reference="update.assets-device-os")

"""A virtual device's asset storage, as Device OS 5.5.0 and later keeps it (device-os system/src/asset_manager.cpp,
https://github.com/particle-iot/device-os/blob/889b301c41651961131e1fae977c10c8162d5637/system/src/asset_manager.cpp).

* An asset module arrives as a firmware update (requests 250-253).  At FINISH Device OS only reads its module info:
  fetch_module returns early for MODULE_FUNCTION_ASSET (hal/src/nRF52840/ota_module.cpp), so any readable asset
  module is accepted (sim/firmware_update.py validate).  After the reply, HAL_FLASH_End hands it to
  ``AssetManager::storeAsset`` (hal/src/nRF52840/ota_flash_hal.cpp), and the device restarts whether it was stored
  or not (system/src/system_update.cpp Spark_Finish_Firmware_Update: "reset the device regardless").
* storeAsset validates it as AssetReader::validate does (protocol/asset_module.py validate); an invalid one is not
  stored.  It first deletes every stored asset the running application does not list (clearUnusedAssets), then
  replaces a file of the same name.  A store that does not fit fails (littlefs out of space) and stores nothing;
  the file-system overhead counted here is catalog/capabilities.py asset_blocks (UNVERIFIED).
* The storage is flash: it outlives resets and mode changes (kept on the device object, like the MCU's flash).
  On the Argon, Boron and B SoM a firmware update staged past 592 KB overwrites it (sim/firmware_update.py).
* Request 91 (GET_ASSET_INFO, system/src/control/storage.cpp getAssetInfo) lists the valid stored assets
  (``available``: name, SHA-256 of the data, its size, the module's size) and the running application's asset
  dependencies (``required``: name and hash).

Storing takes the flash's erase and write time for the module in the realistic timing model (UNVERIFIED: littlefs
writes more than the module's bytes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag.catalog import capabilities
from particle_diag.protocol import asset_module
from particle_diag.protocol import messages as m
from particle_diag.protocol.module_extensions import AssetRef

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice


def accepts(device: VirtualDevice) -> bool:
    """Whether this device's Device OS takes asset modules (HAL_PLATFORM_ASSETS, 5.5.0 and later)."""
    return capabilities.assets_supported(device.platform.mcu, device.firmware.device_os) and \
        device.platform.asset_storage is not None


def store(device: VirtualDevice, module: bytes, required: tuple[AssetRef, ...]) -> bool:
    """storeAsset: validate, clear the assets the running application (``required``: its asset dependencies,
    sim/firmware.py required_assets) does not list, write; False when nothing was stored."""
    info = asset_module.validate(module)
    storage = device.platform.asset_storage
    if info is None or storage is None:
        return False
    needed = set(required)
    kept = {name: data for name, data in device.asset_store.items()
            if _identity(data) in needed and name != info.asset.name}
    used = sum(capabilities.asset_blocks(len(data)) for data in kept.values())
    if used + capabilities.asset_blocks(len(module)) > capabilities.asset_storage_blocks(storage):
        device.asset_store = kept  # cleared before the write that failed
        return False
    device.asset_store = {**kept, info.asset.name: module}
    return True


def asset_info(device: VirtualDevice, required: tuple[AssetRef, ...]) -> m.AssetInfoReply:
    available = []
    for data in device.asset_store.values():
        info = asset_module.validate(data)
        if info is not None:
            available.append(m.AssetInfo(info.asset.name, info.asset.hash, info.original_size, info.module_size))
    return m.AssetInfoReply(available, [m.AssetInfo(a.name, a.hash) for a in required])


def _identity(module: bytes) -> AssetRef | None:
    info = asset_module.validate(module)
    return info.asset if info is not None else None

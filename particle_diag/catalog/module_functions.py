"""``module_function_t``: what a Particle firmware module is (Device OS ``dynalib/inc/module_info.h``).

https://github.com/particle-iot/device-os/blob/889b301c41651961131e1fae977c10c8162d5637/dynalib/inc/module_info.h
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ModuleFunction(IntEnum):
    NONE = 0
    RESOURCE = 1
    BOOTLOADER = 2
    MONO_FIRMWARE = 3
    SYSTEM_PART = 4
    USER_PART = 5
    SETTINGS = 6
    NCP_FIRMWARE = 7
    RADIO_STACK = 8
    ASSET = 9

    @property
    def slug(self) -> str:
        return self.name.lower()


MODULE_FUNCTIONS = frozenset(f.slug for f in ModuleFunction)


@dataclass(frozen=True)
class ModuleDependency:
    """A module needs another: ``function`` (a ModuleFunction slug) number ``index`` at ``version`` or later
    (``module_dependency_t`` in dynalib/inc/module_info.h; request 90's ``Dependency``; the console's ``d``)."""

    function: str
    index: int
    version: int

# Module functions written over DFU at the start address their header declares (particle-cli src/lib/flash-helper.js
# createFlashSteps: everything that is not a bootloader, an asset or firmware of an external MCU).
DFU_WRITABLE = ("user_part", "system_part", "mono_firmware", "radio_stack")
# Module functions written through Device OS (control requests 250-253): it validates the module and applies it
# at the next boot (flash-helper.js: bootloader, asset, and storage "externalMcu" = NCP firmware; the Gen 3
# bootloader cannot be written over DFU while that bootloader is the one running).
THROUGH_DEVICE_OS = ("bootloader", "ncp_firmware")
# The order `pdiag update` writes a bundle in, where module dependencies leave a choice: the bootloader first (a
# new system part depends on it), then the radio stack and the system parts, the NCP firmware, the application.
UPDATE_ORDER = ("bootloader", "radio_stack", "system_part", "mono_firmware", "ncp_firmware", "user_part")

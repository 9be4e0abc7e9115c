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

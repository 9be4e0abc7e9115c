"""Device OS reset reasons (``System.resetReason()``, diagnostic ``sys:reset``).

Source: device-os ``hal/inc/core_hal.h`` enum ``System_Reset_Reason``
(https://github.com/particle-iot/device-os/blob/develop/hal/inc/core_hal.h) and the Device OS reference
(docs.particle.io, "resetReason()").  For a panic, ``System.resetReasonData()`` holds the SOS code
(services/src/panic.c calls ``HAL_Core_System_Reset_Ex(RESET_REASON_PANIC, code, NULL)``); no USB request
exposes that value, so pdiag can name a panic reset but not its code.
"""

from __future__ import annotations

RESET_REASONS: dict[int, tuple[str, str]] = {
    0: ("NONE", "no reset reason recorded"),
    10: ("UNKNOWN", "unknown reset reason"),
    20: ("PIN_RESET", "the RESET button or pin"),
    30: ("POWER_MANAGEMENT", "a low-power mode woke the device"),
    40: ("POWER_DOWN", "power-on after the power was removed"),
    50: ("POWER_BROWNOUT", "a brown-out: the supply voltage dropped too low"),
    60: ("WATCHDOG", "a watchdog reset"),
    70: ("UPDATE", "a firmware update"),
    80: ("UPDATE_ERROR", "a firmware update error"),
    90: ("UPDATE_TIMEOUT", "a firmware update timed out"),
    100: ("FACTORY_RESET", "a factory reset"),
    110: ("SAFE_MODE", "safe mode was requested"),
    120: ("DFU_MODE", "it left DFU mode"),
    130: ("PANIC", "a panic (the red SOS)"),
    140: ("USER", "the firmware or a USB request called System.reset()"),
    150: ("CONFIG_UPDATE", "a configuration change"),
}
UPDATE = 70
PANIC = 130
USER = 140
DFU_MODE = 120
POWER_DOWN = 40
SAFE_MODE = 110


def name(code: int) -> str:
    return RESET_REASONS.get(code, (f"UNKNOWN_{code}", ""))[0]


def meaning(code: int) -> str:
    return RESET_REASONS.get(code, ("", f"reset reason {code}"))[1]

"""The listening-mode serial console, device side: what Device OS prints for each byte the host sends
(device-os ``system/src/system_setup.cpp``, ``system/src/system_info.cpp``,
https://github.com/particle-iot/device-os; checked against the captures in tests/fixtures/captures).
A pure state machine, no I/O: ``feed(bytes) -> bytes``.

Simulated: ``i`` ``v`` ``m`` ``s`` ``c`` ``d`` print their replies; ``x`` and ``L`` raise flags for the device
model to act on (leave listening mode / reboot into safe listening mode); ``f`` prints the YModem prompt
(≤ 5.9.x) or the "no longer supported" notice (≥ 6.0.0).  Not simulated: the ``w`` and ``C`` dialogs and the
YModem receiver itself (``ymodem_requested`` is set instead).  Every other byte is ignored, as on a device.
A protected device (Device OS 6.x Device Protection) has no console: nothing is printed, nothing happens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag import semver
from particle_diag.protocol.messages import DiagnosticInfo, ModuleInfo, diagnostics_json

CRLF = "\r\n"
CAN = "\x18"
SOH, STX = 0x01, 0x02  # a YModem block start also starts a transfer on ≤ 5.9.x (system_setup.cpp, key `f`)
CORE_PLATFORM_ID = 0
YMODEM_PROMPT = "Waiting for the binary file to be sent ... (press 'a' to abort)"
YMODEM_GONE = "Serial/YModem flashing is no longer supported"
YMODEM_REMOVED_IN = "6.0.0"
# v0.7.0 printed `Device ID:`/`IMEI:`/`ICCID:` on the Electron and `Your device id is` elsewhere (system_setup.cpp
# at v0.7.0); the property lines (secret, serial number, cell radio version) are later.  0.7.x is the old release read.
PROPERTIES_SINCE = "0.8.0"
DIAGNOSTICS_SINCE = "1.5.0"  # `d` exists in 1.5.x and later, not in 0.7.0 (system_setup.cpp per tag)
# The cellular HALs add "cellfw" (printed as Cell Radio Version) from 2.1.0 (hal/src/boron|electron/
# ota_flash_hal.cpp: absent @ v2.0.1, present @ v2.1.0).
CELLFW_SINCE = "2.1.0"
# Before 2.2.0 the `s` JSON came from system_update.cpp's AppendJson, which ends every dependency object with
# "_":"" (end_list()); 2.2.0 moved to system_info.cpp's JSONWriter without it.  Every Gen 2 capture has the key.
JSON_WRITER_SINCE = "2.2.0"

FUNCTION_LETTER: dict[str, str] = {
    "resource": "r", "bootloader": "b", "mono_firmware": "m", "system_part": "s", "user_part": "u",
    "ncp_firmware": "c", "radio_stack": "a",
}
STORE_LETTER: dict[str, str] = {"main": "m", "backup": "b", "factory": "f", "scratchpad": "t"}
END_MARK: dict[bool, dict[str, str]] = {True: {"_": ""}, False: {}}  # AppendJson's end_list() before 2.2.0
EMPTY_SLOT = "none"  # ModuleInfo.type of a slot without a module (listed by Device OS < 1.1.0)


@dataclass
class ConsoleDevice:
    """The facts the console can print.  ``generation`` matters for ``i`` (Gen 3 always lists properties)."""

    device_id: str
    platform_id: int
    device_os: str
    generation: int = 3
    is_cellular: bool = False
    has_wifi: bool = False
    imei: str | None = None
    iccid: str | None = None
    mac: str | None = None
    serial_number: str | None = None
    device_secret: str | None = None
    cell_radio_version: str | None = None
    modules: list[ModuleInfo] = field(default_factory=list)
    claimed: bool = False
    diagnostics: DiagnosticInfo = field(default_factory=DiagnosticInfo)
    protected: bool = False
    minimal: bool = False  # a `minimal` Device OS build (suffix on `v`)


class ListeningConsole:
    """Feed it the bytes the host wrote; it returns the bytes the device prints back."""

    def __init__(self, device: ConsoleDevice) -> None:
        self.device = device
        self.exit_requested = False  # `x`: leave listening mode
        self.safe_listening_requested = False  # `L`: set the flag and reboot into safe mode
        self.ymodem_requested = False  # `f` (or SOH/STX) on ≤ 5.9.x
        self._commands: dict[str, Callable[[], str]] = {
            "i": self._identify, "v": self._version, "m": self._mac, "s": self._describe,
            "c": self._claimed, "d": self._diagnostics, "f": self._flash, "x": self._exit,
            "L": self._safe_listening,
        }

    def feed(self, data: bytes) -> bytes:
        if self.device.protected:
            return b""  # Device Protection disables the console (system/src/system_listening_mode.cpp)
        return b"".join(self._byte(b) for b in data)

    def _byte(self, b: int) -> bytes:
        if b in (SOH, STX) and not self._ymodem_removed:
            self.ymodem_requested = True
            return b""
        handler = self._commands.get(chr(b))
        return handler().encode("utf-8") if handler else b""

    # -- helpers ------------------------------------------------------------------------------------------
    def _older_than(self, version: str) -> bool:
        try:
            return not semver.at_least(self.device.device_os, version)
        except ValueError:
            return False  # an unparsable version string: behave like current firmware

    @property
    def _ymodem_removed(self) -> bool:
        return not self._older_than(YMODEM_REMOVED_IN)

    # -- commands -----------------------------------------------------------------------------------------
    def _identify(self) -> str:
        d = self.device
        # Gen 3 HALs always report the secret and serial number (add_system_properties, from the first Gen 3
        # pre-releases: a Boron on 0.8.0-rc.26 printed them); Gen 2 kept the 0.7.0 forms until its HAL grew them.
        if d.generation < 3 and self._older_than(PROPERTIES_SINCE):
            return self._identify_v07()
        if not self._lists_properties():
            return f"Your device id is {d.device_id}{CRLF}"
        props = [("Device Secret", d.device_secret), ("Serial Number", d.serial_number)]
        if d.is_cellular:
            props += [("IMEI", d.imei), ("ICCID", d.iccid), ("Cell Radio Version", self._cellfw)]
        return f"Device ID: {d.device_id}{CRLF}" + "".join(f"{k}: {v}{CRLF}" for k, v in props if v)

    @property
    def _cellfw(self) -> str | None:
        return None if self._older_than(CELLFW_SINCE) else self.device.cell_radio_version

    def _lists_properties(self) -> bool:
        """The HAL reports extra key/values on cellular devices, Gen 3, and Gen 2 units that stored a secret
        or serial number (system_setup.cpp)."""
        d = self.device
        return d.is_cellular or d.generation >= 3 or bool(d.device_secret or d.serial_number)

    def _identify_v07(self) -> str:
        d = self.device
        if d.is_cellular:  # the Electron
            props = [("IMEI", d.imei), ("ICCID", d.iccid)]
            return f"Device ID: {d.device_id}{CRLF}" + "".join(f"{k}: {v}{CRLF}" for k, v in props if v)
        who = "core" if d.platform_id == CORE_PLATFORM_ID else "device"
        return f"Your {who} id is {d.device_id}{CRLF}"

    def _version(self) -> str:
        suffix = " minimal" if self.device.minimal else ""
        return f"system firmware version: {self.device.device_os}{suffix}\n\r\n"  # LF CR LF, verbatim (system_info.cpp)

    def _mac(self) -> str:
        # Cellular devices have no Wi-Fi MAC: the reply is meaningless there (system_setup.cpp); print zeros.
        return f"Your device MAC address is{CRLF}{self.device.mac or '00:00:00:00:00:00'}{CRLF}"

    def _describe(self) -> str:
        return json.dumps(self._describe_body(), separators=(",", ":")) + CRLF

    def _describe_body(self) -> dict[str, object]:
        """`p`, the cloud-visible key/values (never the secret or serial number), then `m` (system_info.cpp)."""
        d = self.device
        body: dict[str, object] = {"p": d.platform_id}
        if d.is_cellular:
            extras = {"imei": d.imei, "iccid": d.iccid, "cellfw": self._cellfw}
            body.update({k: v for k, v in extras.items() if v})
        legacy = self._older_than(JSON_WRITER_SINCE)
        body["m"] = [_describe_module(m, legacy) for m in d.modules if _described(m)]
        return body

    def _claimed(self) -> str:
        return f"Device claimed: {'yes' if self.device.claimed else 'no'}{CRLF}"

    def _diagnostics(self) -> str:
        if self._older_than(DIAGNOSTICS_SINCE):
            return ""
        from particle_diag.catalog.capabilities import diagnostics_terminator

        terminator = diagnostics_terminator(self.device.device_os)
        return diagnostics_json(self.device.diagnostics, terminator=terminator) + CRLF

    def _flash(self) -> str:
        if self._ymodem_removed:
            return YMODEM_PROMPT + CRLF + CAN * 4 + YMODEM_GONE + CRLF
        self.ymodem_requested = True
        return YMODEM_PROMPT + CRLF

    def _exit(self) -> str:
        self.exit_requested = True
        return ""

    def _safe_listening(self) -> str:
        self.safe_listening_requested = True
        return ""


def _described(m: ModuleInfo) -> bool:
    """Modules without a function letter and factory modules that fail a check are left out (system_info.cpp).  A slot
    of type "none" is an empty slot the caller wants listed (Device OS < 1.1.0 listed every slot)."""
    if m.type == EMPTY_SLOT:
        return True
    if m.type not in FUNCTION_LETTER:
        return False
    return not (m.store == "factory" and m.failed_checks)


def _describe_module(m: ModuleInfo, legacy: bool = False) -> dict[str, object]:
    out: dict[str, object] = {
        "s": m.max_size or 0, "l": STORE_LETTER.get(m.store or "main", "m"),
        "vc": m.checked_flags, "vv": m.passed_flags,
    }
    if m.type == EMPTY_SLOT:
        # no module info: no u/f/n/v, an empty dependency list ({"s":131072,"l":"f","vc":30,"vv":0,"d":[]} in
        # real replies of a Photon on 0.4.6 and an Electron on 0.6.2-rc.1)
        out["d"] = []
        return out
    if m.type == "user_part" and m.hash:
        # system_info.cpp does not give the case here; Device OS's hex helper (bytes2hexbuf) writes upper case.
        out["u"] = m.hash.upper()
    out.update({
        "f": FUNCTION_LETTER[m.type], "n": str(m.index), "v": m.version,
        "d": [{"f": FUNCTION_LETTER[dep.function], "n": str(dep.index), "v": dep.version, **END_MARK[legacy]}
              for dep in m.dependencies if dep.function in FUNCTION_LETTER],
    })
    return out

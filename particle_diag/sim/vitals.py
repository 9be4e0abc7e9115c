"""What a virtual device reports as diagnostics (request 100, console ``d``), per platform and fault flag.

The encodings are Device OS's (catalog/diagnostics.py: percentages in unsigned Q8.8, dBm/dB in signed Q16.16,
enums by number); the values are chosen to look like a device on a bench, not taken from a capture, except
the Gen 2 RAM figures (the Photon capture in tests/fixtures/captures/diagnostics).  Which sources exist:
signal and network sources on every networked platform (system/src/system_network_diagnostics.cpp), cell
identity on cellular ones, battery and power source only where HAL_PLATFORM_POWER_MANAGEMENT is 1
(``POWER_MANAGED`` below, from hal/src/*/hal_platform_config.h and hal_platform_compat.h for the Electron).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag import semver
from particle_diag.catalog import diagnostics as d
from particle_diag.catalog.results import Result
from particle_diag.protocol.messages import DiagnosticInfo, enum_value

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice

POWER_MANAGED = frozenset({"electron", "argon", "boron", "bsom", "b5som", "esomx", "tracker", "trackerm", "msom"})
# A LiPo is attached on the bench where the product ships with one or is normally run on one (UNVERIFIED
# choice); the others report a disconnected battery, so batt:soc fails with INVALID_STATE (system_power.cpp).
BATTERY_ATTACHED = frozenset({"electron", "boron", "tracker", "trackerm", "msom"})
# The modem's radio access technology per platform (Boron LTE: SARA-R410M Cat M1; Electron: U260 3G;
# B5 SoM: BG96/EG91 LTE Cat 1): the common variant of each, not every SKU.
CELLULAR_RAT = {"electron": "umts", "b5som": "lte", "msom": "lte_cat_m1"}
RAM = {2: (83200, 32992), 3: (169984, 58112), 4: (3145728, 262144), 1: (20480, 8192), -1: (0, 0)}

# (strength %, strength value, quality %, quality value) per access technology: normal, then weak signal.
SIGNAL = {
    "wifi": ((72.0, -58.0, 80.0, 32.0), (8.0, -89.0, 12.0, 5.0)),
    "umts": ((58.0, -81.0, 62.0, -7.5), (6.0, -113.0, 10.0, -19.0)),
    "lte": ((62.5, -97.0, 60.0, -10.0), (5.0, -124.0, 9.0, -18.5)),
    "lte_cat_m1": ((62.5, -97.0, 60.0, -10.0), (5.0, -124.0, 9.0, -18.5)),
}


def q(value: float, encoding: str) -> int:
    """The integer Device OS stores for ``value`` in a fixed-point source."""
    return round(value * (256 if encoding == d.Q8_8 else 65536))


def access_technology(device: VirtualDevice) -> str | None:
    p = device.platform
    if p.has("cellular"):
        return CELLULAR_RAT.get(p.name, "lte_cat_m1")
    return "wifi" if p.has("wifi") else None


def diagnostics(device: VirtualDevice) -> DiagnosticInfo:
    fw, p, flags = device.firmware, device.platform, device.fault_flags
    values: dict[str, int | float] = {"sys:reset": fw.reset_reason,
                                      "sys:uptime": max(0, int(device.clock.monotonic() - fw.boot_time))}
    errors: dict[str, int] = {}
    total, used = RAM.get(p.generation, RAM[3])
    values.update({"sys:tram": total, "sys:uram": used})
    cloud = d.CLOUD_STATUSES
    values["cloud:stat"] = enum_value(cloud, fw.cloud)
    values["cloud:err"] = 8 if "clouderror" in flags else 6 if "wrongserver" in flags else 0
    values["cloud:dconnrsn"] = 4 if device.mode == "listening" else 1 if values["cloud:err"] else 0
    values["cloud:connatt"] = 6 if values["cloud:err"] else 1
    values["cloud:dconn"] = 0
    rat = access_technology(device)
    if rat is not None:
        _network(device, rat, values, errors)
    if p.name in POWER_MANAGED:
        _power(device, values, errors)
    return DiagnosticInfo(values, errors)


def network_up(device: VirtualDevice) -> bool:
    flags = device.fault_flags
    return device.mode != "listening" and not {"nosim", "weaksignal"} & flags


def _network(device: VirtualDevice, rat: str, values: dict[str, int | float], errors: dict[str, int]) -> None:
    flags, cellular = device.fault_flags, device.platform.has("cellular")
    up = network_up(device)
    values["net:stat"] = 4 if up else 2 if device.mode == "listening" else 3
    values["net:err"] = 0 if up or device.mode == "listening" else int(Result.TIMEOUT)
    values["net:dconnrsn"] = 4 if device.mode == "listening" else 0
    values["net:connatt"] = 1 if up else 12
    values["net:dconn"] = 0
    if cellular and "nosim" in flags:
        # No SIM: the modem never registers, reports no RAT and no signal; the strength sources then fail
        # with UNKNOWN (SignalStrengthDiagnosticData::get, getStrength() < 0).
        values["net:at"] = 0
        for name in ("net:sigstr", "net:sigstrv", "net:sigqual", "net:sigqualv"):
            errors[name] = int(Result.UNKNOWN)
        return
    strength, strength_value, quality, quality_value = SIGNAL[rat]["weaksignal" in flags]
    values.update({"net:at": enum_value(d.ACCESS_TECHNOLOGIES, rat), "net:sigstr": q(strength, d.Q8_8),
                   "net:sigstrv": q(strength_value, d.Q16_16), "net:sigqual": q(quality, d.Q8_8),
                   "net:sigqualv": q(quality_value, d.Q16_16)})
    if cellular and semver.at_least(device.firmware.device_os, "1.5.0"):
        # Cell identity sources exist since 1.5 (system_network_diagnostics.cpp); an MCC/MNC of AT&T US.
        values.update({"net:cell:cgi:mcc": 310, "net:cell:cgi:mnc": 410, "net:cell:cgi:lac": 0x2C0B,
                       "net:cell:cgi:ci": 0x0A1B2C3})


def _power(device: VirtualDevice, values: dict[str, int | float], errors: dict[str, int]) -> None:
    if device.platform.name not in BATTERY_ATTACHED:
        values["batt:state"] = enum_value(d.BATTERY_STATES, "disconnected")
        values["pwr:src"] = enum_value(d.POWER_SOURCES, "usb_host")
        errors["batt:soc"] = int(Result.INVALID_STATE)  # no SoC while the battery is disconnected
        return
    low = "lowbattery" in device.fault_flags
    values["batt:soc"] = q(6.0 if low else 87.5, d.Q8_8)
    values["batt:state"] = enum_value(d.BATTERY_STATES, "discharging" if low else "charging")
    values["pwr:src"] = enum_value(d.POWER_SOURCES, "battery" if low else "usb_host")

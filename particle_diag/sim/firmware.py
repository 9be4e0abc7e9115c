"""What the virtual device's Device OS answers: control-request handlers, the console, the bootloader.

Replies are built with the same codec the host decodes with (``protocol.messages``), so request and reply
formats exist once.  Which requests a version supports comes from ``data/capabilities.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.protocol import messages as m
from particle_diag.protocol.module_header import parse_module
from particle_diag.sim.flash import FlashTiming

if TYPE_CHECKING:
    from particle_diag.sim.console import ListeningConsole
    from particle_diag.sim.device import VirtualDevice
    from particle_diag.sim.dfu_target import DfuTarget

ALL_CHECKS = 0x02 | 0x04 | 0x08 | 0x10  # integrity, dependencies, address range, platform (reference §2.5)
DEPENDENCY_CHECK = 0x04
CURRENT_MODULE_FORMAT_SINCE = "5.6.0"
USER_PART_VERSION = 6

# Module functions as named by module_header.parse_module -> names used by request 90.
_FUNCTION_TO_TYPE = {"user_part": "user_part", "system_part": "system_part", "bootloader": "bootloader",
                     "mono_firmware": "mono_firmware", "radio_stack": "radio_stack", "ncp_firmware": "ncp_firmware"}


def _version_number(device_os: str) -> int:
    """Device OS module versions: 6.2.1 -> 6201 (the numbering used in module dependencies)."""
    from particle_diag import semver

    major, minor, patch, _ = semver.parse(device_os)
    return major * 1000 + minor * 100 + patch


def modules(device: VirtualDevice) -> list[m.ModuleInfo]:
    fw = device.firmware
    system_version = _version_number(fw.device_os)
    user = _flashed_user_part(device)
    user_checked = ALL_CHECKS
    user_passed = ALL_CHECKS & ~DEPENDENCY_CHECK if fw.failed_dependency else ALL_CHECKS
    needs = system_version + 100 if fw.failed_dependency else system_version
    out = [
        m.ModuleInfo("bootloader", 0, 3000 if device.platform.generation >= 3 else 1200, size=40000,
                     store="main", checked_flags=ALL_CHECKS, passed_flags=ALL_CHECKS),
        m.ModuleInfo("system_part", 1, system_version, size=600000, store="main",
                     checked_flags=ALL_CHECKS, passed_flags=ALL_CHECKS,
                     dependencies=[m.ModuleDependency("bootloader", 0, 3000)]),
        m.ModuleInfo("user_part", 1, user or USER_PART_VERSION, size=12000, store="main",
                     checked_flags=user_checked, passed_flags=user_passed,
                     dependencies=[m.ModuleDependency("system_part", 1, needs)]),
    ]
    if device.platform.generation == 3:
        out.append(m.ModuleInfo("radio_stack", 0, 202, size=150000, store="main",
                                checked_flags=ALL_CHECKS, passed_flags=ALL_CHECKS))
    if device.platform.name == "argon":
        out.append(m.ModuleInfo("ncp_firmware", 0, 7, size=1500000, store="main",
                                checked_flags=ALL_CHECKS, passed_flags=ALL_CHECKS))
    return out


def _flashed_user_part(device: VirtualDevice) -> int | None:
    """The version of a user part written over DFU at the user-firmware address, if one was."""
    target = device._dfu_target
    if target is None or device.platform.user_firmware is None:
        return None
    try:
        data = target.flashes[0].peek(device.platform.user_firmware, 512)
        header = parse_module(data + b"\x00" * 64, verify_crc=False)
    except Exception:
        return None
    return header.version if header.function == "user_part" else None


def diagnostics(device: VirtualDevice) -> m.DiagnosticInfo:
    cloud_code = {"disconnected": 0, "connecting": 1, "connected": 2, "disconnecting": 3}[device.firmware.cloud]
    return m.DiagnosticInfo(values={"sys:uptime": 3600, "mem:free": 81920, "net:stat": 4 if cloud_code else 1,
                                    "cloud:stat": cloud_code, "sys:reset": 40})


def handle(device: VirtualDevice, type_id: int, payload: bytes) -> tuple[int, bytes]:
    """Run one control request; returns (result, reply bytes)."""
    fw = device.firmware
    p = device.platform
    if type_id == R.ECHO:
        return Result.OK, payload
    if type_id == R.DEVICE_ID:
        return Result.OK, m.encode_reply(type_id, m.DeviceId(device.device_id))
    if type_id == R.SERIAL_NUMBER:
        return Result.OK, m.encode_reply(type_id, m.SerialNumber(fw.serial_number or ""))
    if type_id == R.SYSTEM_VERSION:
        return Result.OK, m.encode_reply(type_id, m.SystemVersion(fw.device_os))
    if type_id == R.GET_DEVICE_MODE:
        return Result.OK, m.encode_reply(type_id, m.DeviceMode("listening" if device.mode == "listening" else "normal"))
    if type_id == R.GET_PROTECTED_STATE:
        return Result.OK, m.encode_reply(type_id, m.ProtectedState(fw.protected))
    if type_id == R.GET_MODULE_INFO:
        from particle_diag import semver

        fmt = "current" if semver.at_least(fw.device_os, CURRENT_MODULE_FORMAT_SINCE) else "legacy"
        return Result.OK, m.encode_reply(type_id, m.ModuleInfoReply(modules(device), fmt))
    if type_id == R.DIAGNOSTIC_INFO:
        if payload:
            return Result.NOT_SUPPORTED, b""  # the request must be empty (reference §2.4)
        return Result.OK, m.encode_reply(type_id, diagnostics(device))
    if type_id == R.CLOUD_GET_CONNECTION_STATUS:
        return Result.OK, m.encode_reply(type_id, m.CloudStatus(fw.cloud))
    if type_id == R.NETWORK_GET_INTERFACE_LIST:
        return Result.OK, m.encode_reply(type_id, m.InterfaceList(_interfaces(device)))
    if type_id == R.NETWORK_GET_INTERFACE:
        index = m.decode_request(type_id, payload).get("index", 0)
        for entry in _interfaces(device):
            if entry.index == index:
                mac = fw.mac if entry.type == "wifi" else None
                return Result.OK, m.encode_reply(type_id, m.NetworkInterface(entry.index, entry.name, entry.type,
                                                                     mac=mac, mtu=1500))
        return Result.INVALID_ARGUMENT, b""
    if type_id == R.CELLULAR_GET_ICCID and p.has("cellular"):
        imei = fw.imei if capabilities.imei_in_iccid_reply(fw.device_os) else None
        return Result.OK, m.encode_reply(type_id, m.CellularIds(fw.iccid, imei))
    return _mode_request(device, type_id)


def _mode_request(device: VirtualDevice, type_id: int) -> tuple[int, bytes]:
    R = m.RequestType
    if type_id == R.RESET:
        device.reset_into(device._mode_after_reset())
        return Result.OK, b""
    if type_id == R.DFU_MODE:
        device.reset_into("dfu")
        return Result.OK, b""
    if type_id == R.SAFE_MODE:
        device.reset_into("safe")
        return Result.OK, b""
    if type_id == R.START_LISTENING:
        return device.enter_listening(), b""
    if type_id == R.STOP_LISTENING:
        device.exit_listening()
        return Result.OK, b""
    return Result.NOT_SUPPORTED, b""


def _interfaces(device: VirtualDevice) -> list[m.InterfaceEntry]:
    out = [m.InterfaceEntry(1, "lo0", "loopback")]
    if device.platform.has("wifi"):
        out.append(m.InterfaceEntry(4, "wl3", "wifi"))
    if device.platform.has("cellular"):
        out.append(m.InterfaceEntry(2, "pp3", "ppp"))
    return out


def console_for(device: VirtualDevice) -> ListeningConsole:
    if device._console is None:
        from particle_diag.sim.console import ConsoleDevice, ListeningConsole

        fw, p = device.firmware, device.platform
        device._console = ListeningConsole(ConsoleDevice(
            device_id=device.device_id, platform_id=p.id, device_os=fw.device_os, generation=p.generation,
            is_cellular=p.has("cellular"), has_wifi=p.has("wifi"), imei=fw.imei, iccid=fw.iccid, mac=fw.mac,
            serial_number=fw.serial_number, device_secret=fw.secret,
            cell_radio_version="R410MEU-1.0" if p.has("cellular") else None,
            modules=modules(device), claimed=fw.claimed, diagnostics=diagnostics(device),
            protected=fw.protected,
        ))
    return device._console


def console_reply(device: VirtualDevice, data: bytes) -> bytes:
    """What the listening-mode console prints for ``data``, and the mode changes its commands ask for."""
    console = console_for(device)
    out = console.feed(data)
    if console.exit_requested:
        console.exit_requested = False
        device.exit_listening()
    if console.safe_listening_requested:
        console.safe_listening_requested = False
        device.reset_into("listening")  # `L`: reboot into safe mode, straight into listening mode
    if device.behaviour.garbled_console and out:
        out = bytes(b ^ 0x5A if i % 3 == 1 else b for i, b in enumerate(out))  # a noisy line
    return out


def dfu_target_for(device: VirtualDevice) -> DfuTarget:
    target = device._dfu_target
    if target is None:
        from particle_diag.sim.dfu_target import GEN2_COMMANDS, GEN3_COMMANDS, DfuTarget

        gen2 = device.platform.generation <= 2
        target = DfuTarget(
            device.platform.dfu_alts,
            gen2_leave_quirk=gen2,
            commands=GEN2_COMMANDS if gen2 else GEN3_COMMANDS,
            protected=device.firmware.protected,
            timing=device.flash_timing or FlashTiming(0, 0),
            on_leave=lambda: device.reset_into(device._mode_after_reset(), 0.0),
            on_safe_mode=lambda: device.reset_into("safe", 0.0),
        )
        device._dfu_target = target
    if device._dfu is None:  # a new DFU session since the last enumeration
        target.power_on()
        device._dfu = target
    return target

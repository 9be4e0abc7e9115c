"""What the virtual device's Device OS answers: control-request handlers, the console, the bootloader.

Replies are built with the same codec the host decodes with (``protocol.messages``), so request and reply
formats exist once.  Which requests a version supports comes from ``data/capabilities.toml``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from particle_diag import semver
from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.protocol import messages as m
from particle_diag.protocol.module_extensions import AssetRef
from particle_diag.sim import deviceos, flash_image
from particle_diag.sim.flash import FlashTiming, VirtualFlash

if TYPE_CHECKING:
    from particle_diag.sim.console import ListeningConsole
    from particle_diag.sim.device import VirtualDevice
    from particle_diag.sim.dfu_target import DfuTarget

CURRENT_MODULE_FORMAT_SINCE = "5.6.0"
# Device OS 1.1.0 started leaving slots without a module out of its module listings (system_update.cpp: "Skip
# modules that do not contain binary at all"); before, an empty slot printed as {"s":..,"l":..,"vc":30,"vv":0,
# "d":[]} (real `s` replies of a Photon on 0.4.6 and an Electron on 0.6.2-rc.1).
EMPTY_SLOTS_LISTED_BEFORE = "1.1.0-rc.1"


def module_plan(device: VirtualDevice) -> tuple[deviceos.Module, ...]:
    """The modules this device was built with (sim.deviceos), with ``+faildep``/safe mode's unsatisfiable user
    part: one compiled against the next Device OS release, so its system-part dependency fails."""
    wanted, version = device.firmware.failed_dependency, device.firmware.device_os
    cached = device._module_plan
    if cached is None or cached[:2] != (wanted, version):
        plan = deviceos.module_set(device.platform.name, version)
        if wanted:
            plan = tuple(_needs_newer_system(mod, version) for mod in plan)
        device._module_plan = (wanted, version, plan)
        if cached is not None and cached[0] != wanted and device._dfu_target is not None and \
                device._dfu_target.flashes:
            # the user firmware was replaced (a test repairing a `:safe` device): install the new user part
            _reinstall_user_part(device._dfu_target.flashes[0], device, plan)
        return plan
    return cached[2]


def _reinstall_user_part(flash: VirtualFlash, device: VirtualDevice, plan: tuple[deviceos.Module, ...]) -> None:
    users = tuple(mod for mod in plan if mod.slot.function == "user_part" and mod.present and mod.slot.address)
    for mod in users:
        assert mod.slot.address is not None
        flash.poke(mod.slot.address, b"\xff" * mod.slot.max_size)
    flash_image.populate(flash, device.platform.id, users, _seed(device))


def _needs_newer_system(mod: deviceos.Module, device_os: str) -> deviceos.Module:
    if mod.slot.function != "user_part" or not mod.present:
        return mod
    key = semver.parse(device_os)
    newer = [v for v in deviceos.known_releases() if semver.parse(v)[:3] > key[:3]]
    # the next release the table knows, else the next minor release (x.y+1.0) in Device OS's numbering
    needed = deviceos.release(newer[0] if newer else f"{key[0]}.{key[1] + 1}.0").system_module
    deps = tuple(
        replace(d, version=needed)
        if d.function == "system_part" else d
        for d in mod.dependencies
    )
    return replace(mod, dependencies=deps)


def _seed(device: VirtualDevice) -> str:
    # Devices of one platform running one release carry the same images (and so report the same hashes).
    return f"{device.platform.name}:{device.firmware.device_os}"


def install_modules(device: VirtualDevice) -> None:
    """Write the device's firmware modules into its flash again (over whatever a test scribbled there), so that it
    still boots as before."""
    if device.platform.dfu_alts:
        flash_image.populate(flash_target(device).flashes[0], device.platform.id, module_plan(device), _seed(device))


def flash_modules(device: VirtualDevice) -> list[flash_image.FlashModule]:
    """Every module slot as the HAL reads it now, from the device's flash."""
    if not device.platform.dfu_alts:
        return []  # Tachyon: a Linux computer, no Particle modules
    target = flash_target(device)
    return flash_image.read_modules(target.flashes[0], device.platform.id, module_plan(device), _seed(device),
                                    device.external_modules)


def modules(device: VirtualDevice, *, include_empty: bool = False) -> list[m.ModuleInfo]:
    """Module info as Device OS reports it: empty slots and factory slots that fail integrity are left out
    (system_info.cpp), unless ``include_empty`` (the listing of Device OS < 1.1.0)."""
    out = []
    for entry in flash_modules(device):
        h = entry.header
        if h is None:
            if include_empty:
                out.append(m.ModuleInfo("none", 0, 0, store=entry.slot.store, max_size=entry.slot.max_size,
                                        checked_flags=entry.checked, passed_flags=entry.passed))
            continue
        if entry.slot.store == "factory" and not entry.passed & flash_image.INTEGRITY:
            continue
        out.append(m.ModuleInfo(
            h.function, h.index, h.version, size=entry.size, store=entry.slot.store, max_size=entry.slot.max_size,
            checked_flags=entry.checked, passed_flags=entry.passed, hash=h.sha256,
            dependencies=list(h.dependencies),
        ))
    return out


def required_assets(device: VirtualDevice) -> tuple[AssetRef, ...]:
    """The asset dependencies of the application in the flash (what Device OS parsed at boot: AssetManager
    requiredAssets)."""
    users = [f.header for f in flash_modules(device)
             if f.slot.store == "main" and f.header is not None and f.header.function == "user_part"]
    return tuple(a for h in users for a in h.asset_dependencies)


def diagnostics(device: VirtualDevice) -> m.DiagnosticInfo:
    from particle_diag.sim.vitals import diagnostics as vitals

    return vitals(device)


def diagnostics_reply(device: VirtualDevice) -> bytes:
    """The JSON text Device OS sends, with the legacy ``"_":""`` trailer where that version wrote one."""
    terminator = capabilities.diagnostics_terminator(device.firmware.device_os)
    return m.diagnostics_json(diagnostics(device), terminator=terminator).encode()


def server_settings(device: VirtualDevice) -> None:
    """What the DCT holds for the cloud connection: Particle's defaults (system/src/server_config.cpp:
    "$id.udp.particle.io":5684 for UDP; Gen 2 Photon/P1 connect over TCP, "device.spark.io":5683 in 0.x-3.x
    firmware, system_cloud_connection.cpp), or a local server with +wrongserver."""
    fw, p = device.firmware, device.platform
    if p.generation == 2 and not p.has("cellular"):
        fw.server_protocol, fw.server_address, fw.server_port = "tcp", "device.spark.io", 5683
    if "wrongserver" in device.fault_flags:
        fw.server_address = "192.168.1.50"


def server_key(device: VirtualDevice) -> bytes:
    """A DER public key in the shape Device OS stores (an EC P-256 SubjectPublicKeyInfo of 91 bytes for UDP, an
    RSA-2048 one of 294 bytes for TCP, as ota_flash_hal.h sizes them): made-up key material, deterministic per
    server address, so a +wrongserver device holds a different one."""
    import hashlib

    seed = f"server-key:{device.firmware.server_address}".encode()
    material = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(8))
    if device.firmware.server_protocol == "tcp":  # X.509 SPKI headers, rsaEncryption with e = 65537
        return (bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + material
                + bytes.fromhex("0203010001"))
    return bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004") + material[:64]


def write_dct(device: VirtualDevice, dct_flash: VirtualFlash) -> None:
    """The server key and address into the virtual DCT (DFU alt 1), where Device OS keeps them (catalog/dct.py)."""
    from particle_diag.catalog import dct
    from particle_diag.protocol.dct import encode_server_address

    fw = device.firmware
    key_at, key_size, address_at = dct.SERVER[fw.server_protocol]
    dct_flash.poke(key_at, server_key(device).ljust(key_size, b"\xff"))
    dct_flash.poke(address_at, encode_server_address(fw.server_address, fw.server_port))


def _toolkit_request(device: VirtualDevice, type_id: int, payload: bytes) -> tuple[int, bytes] | None:
    """Setup done, server settings, rainbow signal, Wi-Fi and cellular requests; None for any other."""
    from particle_diag.protocol import toolkit_messages as t
    from particle_diag.sim.network import handle as network_request

    fw, p = device.firmware, device.platform
    if type_id in (R.SET_DEVICE_SETUP_DONE, R.IS_DEVICE_SETUP_DONE):
        flag = capabilities.setup_done_flag(p.generation, fw.device_os)
        if type_id == R.IS_DEVICE_SETUP_DONE:
            if flag is None:
                return Result.NOT_SUPPORTED, b""
            return Result.OK, m.encode_reply(type_id, t.SetupDone(flag == "always" or fw.setup_done))
        done = bool(m.decode_request(type_id, payload)["done"])
        if flag is None or (flag == "always" and not done):
            return Result.NOT_SUPPORTED, b""
        if flag == "dct":
            fw.setup_done = done
            device.notify_state()
        return Result.OK, b""
    if type_id in (R.START_NYAN_SIGNAL, R.STOP_NYAN_SIGNAL):
        fw.nyan = type_id == R.START_NYAN_SIGNAL
        device.notify_state()
        return Result.OK, b""
    if type_id == R.GET_SERVER_PROTOCOL:
        return Result.OK, m.encode_reply(type_id, t.ServerProtocol(fw.server_protocol))
    if type_id == R.GET_SERVER_ADDRESS:
        protocol = t.SERVER_PROTOCOLS.get(m.decode_request(type_id, payload)["protocol"], "invalid")
        if protocol != fw.server_protocol:
            return Result.NOT_FOUND, b""  # nothing stored for the other protocol (UNVERIFIED which error)
        return Result.OK, m.encode_reply(type_id, t.ServerAddress(fw.server_address, fw.server_port))
    if type_id == R.GET_SECURITY_KEY:
        kind = m.decode_request(type_id, payload)["type"]
        if kind != t.SERVER_KEY_TYPE[fw.server_protocol]:
            return Result.NOT_SUPPORTED, b""  # pdiag's virtual DCT holds only the server's public key
        return Result.OK, m.encode_reply(type_id, t.SecurityKey(server_key(device)))
    return network_request(device, type_id, payload)


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
    if type_id == R.GET_ASSET_INFO:
        from particle_diag.sim import assets

        if not assets.accepts(device):
            return Result.NOT_SUPPORTED, b""
        return Result.OK, m.encode_reply(type_id, assets.asset_info(device, required_assets(device)))
    if type_id == R.DIAGNOSTIC_INFO:
        if payload:
            return Result.NOT_SUPPORTED, b""  # the request must be empty (system/src/control/diagnostics.cpp)
        return Result.OK, diagnostics_reply(device)
    if type_id == R.CLOUD_GET_CONNECTION_STATUS:
        return Result.OK, m.encode_reply(type_id, m.CloudStatus(fw.cloud))
    if type_id == R.CELLULAR_GET_ICCID and p.has("cellular"):
        if fw.iccid is None:
            # No SIM: the modem's CCID query fails (AT_NOT_OK; which error Device OS passes on is UNVERIFIED)
            return Result.AT_NOT_OK, b""
        imei = fw.imei if capabilities.imei_in_iccid_reply(fw.device_os) else None
        return Result.OK, m.encode_reply(type_id, m.CellularIds(fw.iccid, imei))
    toolkit = _toolkit_request(device, type_id, payload)
    if toolkit is not None:
        return toolkit
    return _mode_request(device, type_id)


def _mode_request(device: VirtualDevice, type_id: int) -> tuple[int, bytes]:
    R = m.RequestType
    if type_id == R.RESET:
        device.reset_into("boot")
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


def console_for(device: VirtualDevice) -> ListeningConsole:
    if device._console is None:
        from particle_diag.sim.console import ConsoleDevice, ListeningConsole

        fw, p = device.firmware, device.platform
        device._console = ListeningConsole(ConsoleDevice(
            device_id=device.device_id, platform_id=p.id, device_os=fw.device_os, generation=p.generation,
            is_cellular=p.has("cellular"), has_wifi=p.has("wifi"), imei=fw.imei, iccid=fw.iccid, mac=fw.mac,
            serial_number=fw.serial_number, device_secret=fw.secret,
            cell_radio_version="R410MEU-1.0" if p.has("cellular") else None,
            modules=modules(device, include_empty=not semver.at_least(fw.device_os, EMPTY_SLOTS_LISTED_BEFORE)),
            claimed=fw.claimed, diagnostics=diagnostics(device),
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
    if device.hostile and out:
        from particle_diag.sim import hostile

        out = hostile.console(device.hostile, data, out)
    if device.behaviour.garbled_console and out:
        out = bytes(b ^ 0x5A if i % 3 == 1 else b for i, b in enumerate(out))  # a noisy line
    return out


def flash_target(device: VirtualDevice) -> DfuTarget:
    """The bootloader and its flash (every DFU alt), created once per device and filled with its firmware: it
    persists across DFU sessions and mode changes, as flash does."""
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
            on_leave=lambda: device.reset_into("boot", 0.0),
            on_safe_mode=lambda: device.reset_into("safe", 0.0),
        )
        if target.flashes:
            flash_image.populate(target.flashes[0], device.platform.id, module_plan(device), _seed(device))
        if len(target.flashes) > 1:
            write_dct(device, target.flashes[1])
        device._dfu_target = target
    return target


def dfu_target_for(device: VirtualDevice) -> DfuTarget:
    target = flash_target(device)
    if device._dfu is None:  # a new DFU session since the last enumeration
        target.power_on()
        device._dfu = target
    return target

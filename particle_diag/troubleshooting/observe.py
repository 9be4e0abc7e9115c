"""Collect what ``pdiag doctor`` reasons about: device facts read over USB plus facts about this computer.

The result is the rule engine's :class:`~particle_diag.rules.engine.Facts` (pure data), so the findings come
from :func:`particle_diag.rules.engine.evaluate` and can be tested from fixtures.  Nothing here prints.

Device facts: mode (from discovery), Device OS, cloud status, firmware modules with their validity checks and
dependencies (request 90), diagnostics (request 100).  A device this user may not open gives
``permission_denied``; one whose control requests never complete gives ``device_unresponsive``.
Host facts come from :func:`particle_diag.devices.hostcheck.check_host`; on a virtual bench (``--sim``) they
describe the bench instead (see :func:`virtual_host_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.devices.hostcheck import HostFacts, check_host
from particle_diag.devices.record import DeviceRecord
from particle_diag.devices.select import select
from particle_diag.errors import (
    DeviceTimeoutError,
    EnvironmentMissingError,
    PdiagError,
    PermissionDeniedError,
    UnsupportedError,
)
from particle_diag.rules.engine import Facts, ModuleFact

# discovery's modes -> the engine's (a protected device's mode cannot be read)
_MODES = {"normal": "normal", "listening": "listening", "safe": "safe", "dfu": "dfu"}


@dataclass
class Observation:
    """One subject of ``pdiag doctor``: a device (or none, for the host-only check) and its facts."""

    record: DeviceRecord | None
    facts: Facts
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.record.to_dict() if self.record else None, "facts": self.facts.to_dict(),
                "notes": list(self.notes)}


@dataclass
class DoctorInput:
    """Everything doctor collected: the host facts and one observation per chosen device (none: host only)."""

    host: dict[str, Any]
    observations: list[Observation]
    devices_seen: int = 0


# -- host --------------------------------------------------------------------------------------------------------


def host_facts_from(hf: HostFacts) -> dict[str, Any]:
    """The engine's host facts from :class:`HostFacts` (udev facts only where udev applies)."""
    return {
        "host_os": hf.host_os,
        "libusb_present": hf.libusb_present,
        "udev_rules_installed": hf.udev_rules_installed,
        "modemmanager_running": hf.modemmanager_running,
        "user_groups": tuple(hf.user_groups) if hf.host_os == "linux" else None,
    }


def virtual_host_facts() -> dict[str, Any]:
    """Host facts for a virtual bench: its devices are reached through the bench's own pyusb backend, so the
    computer's udev rules, groups and ModemManager do not govern them (``+noaccess`` does).  libusb counts as
    present; udev and groups are unknown, so only a device's own ``permission_denied`` speaks about access."""
    return {"host_os": None, "libusb_present": True, "udev_rules_installed": None, "modemmanager_running": False,
            "user_groups": None}


def real_host_facts() -> dict[str, Any]:
    return host_facts_from(check_host())


# -- device ------------------------------------------------------------------------------------------------------


def _module_fact(m: Any) -> ModuleFact:
    return ModuleFact.from_dict({
        "type": m.type,
        "index": m.index,
        "version": m.version,
        "failed_checks": list(m.failed_checks),
        "dependencies": [{"type": d.function.replace("_", "-"), "index": d.index, "version": d.version}
                         for d in getattr(m, "dependencies", [])],
    })


def _read_over_usb(record: DeviceRecord, host: Host, notes: list[str]) -> dict[str, Any]:
    """Modules with dependencies (request 90) and diagnostics (request 100), when the firmware has them."""
    from particle_diag.devices.session import control_session
    from particle_diag.protocol import messages

    out: dict[str, Any] = {}
    p = record.platform
    if p is None or record.usb is None or record.mode not in ("normal", "listening", "safe"):
        return out
    if not capabilities.has_control_service(p.generation, record.device_os or "0.0.0"):
        return out
    with control_session(record, host) as client:
        try:
            out["modules"] = tuple(_module_fact(m) for m in
                                   messages.decode_reply(R.GET_MODULE_INFO, client.call(R.GET_MODULE_INFO)).modules)
        except UnsupportedError:
            pass
        try:
            info = messages.decode_reply(R.DIAGNOSTIC_INFO, client.call(R.DIAGNOSTIC_INFO))
        except UnsupportedError:
            notes.append("diagnostics (request 100) are not available on this firmware")
        else:
            out["diagnostics"] = dict(info.values)
            out.update(vitals_facts(info))
            if info.errors:
                notes.append("diagnostic sources that failed to report: " + ", ".join(sorted(info.errors)))
    return out


def vitals_facts(info: Any) -> dict[str, Any]:
    """The engine's facts from the diagnostics reply, decoded (protocol/vitals.py)."""
    from particle_diag.protocol.vitals import decode

    v = decode(info)
    return {"signal_percent": v.signal.strength_percent, "battery_percent": v.battery.charge_percent,
            "power_source": v.power_source, "network_status": v.network.status,
            "cloud_error": v.cloud.last_error.code if v.cloud.last_error else None}


def _server_facts(record: DeviceRecord, host: Host, notes: list[str]) -> dict[str, Any]:
    """The server address, where Device OS lets it be read over USB (devices/server.py)."""
    from particle_diag.devices.server import server_facts

    try:
        facts = server_facts(record, host)
    except PdiagError as exc:
        notes.append(f"server settings: {exc.message}")
        return {}
    if not facts.readable or facts.address is None:
        return {}
    return {"server_address": facts.address, "server_is_particle": facts.particle_cloud}


def observe_device(record: DeviceRecord, host: Host) -> Observation:
    """What the device says about itself, as engine facts.  Never raises for a device problem: an
    inaccessible or unresponsive device becomes a fact, other errors a note."""
    from particle_diag.devices.identify import identify

    p = record.platform
    base: dict[str, Any] = {"platform": p.name if p else None, "features": tuple(p.features) if p else (),
                            "mode": _MODES.get(record.mode, "unknown"), "device_found": True,
                            "device_os": record.device_os}
    notes: list[str] = []
    if record.status == "inaccessible":
        base["permission_denied"] = True
        if record.problem is not None:
            notes.append(record.problem.message)
        return Observation(record, Facts(**base), notes)
    base["permission_denied"] = False
    if record.status == "unresponsive":
        base["device_unresponsive"] = True
        if record.problem is not None:
            notes.append(record.problem.message)
        return Observation(record, Facts(**base), notes)
    if record.mode == "protected":
        notes.append("Device Protection is on: only the device ID can be read over USB")
        return Observation(record, Facts(**base), notes)
    try:
        ident = identify(record, host)
        base["device_os"] = ident.device_os or base["device_os"]
        base["cloud_status"] = ident.cloud_status
        if ident.modules is not None:
            base["modules"] = tuple(_module_fact(m) for m in ident.modules)
        notes.extend(ident.notes)
        if p is not None and p.has("cellular"):
            # True: the SIM answered; False: the modem could not read one (identify's note); None: not asked
            base["iccid_readable"] = True if ident.iccid else (
                False if any(n.startswith("ICCID not readable") for n in ident.notes) else None)
        base.update(_read_over_usb(record, host, notes))
        if record.mode in ("normal", "listening", "safe", "dfu"):  # DFU: from the DCT (devices/server.py)
            base.update(_server_facts(record, host, notes))
        if record.mode != "dfu":
            base["device_unresponsive"] = False
    except PermissionDeniedError as exc:
        base["permission_denied"] = True
        notes.append(exc.message)
    except DeviceTimeoutError as exc:
        base["device_unresponsive"] = True
        notes.append(exc.message)
    except PdiagError as exc:
        notes.append(f"{exc.message} ({exc.reference})")
    return Observation(record, Facts(**base), notes)


# -- doctor's input ----------------------------------------------------------------------------------------------


def collect(host: Host, selectors: list[str], *, all_devices: bool = False, led: str | None = None,
            host_facts: dict[str, Any] | None = None) -> DoctorInput:
    """Discover, choose and observe devices and merge in the host facts and the reported LED.

    With no device attached and no selector, the result has one device-less observation (the host check).
    A selector that matches nothing raises NoDeviceError; several devices without a selector raise
    AmbiguousSelectionError unless ``all_devices``.
    """
    hf = dict(host_facts if host_facts is not None else
              (virtual_host_facts() if host.simulated else real_host_facts()))
    notes: list[str] = []
    try:
        records = discover(host)
    except EnvironmentMissingError as exc:  # no libusb: nothing can be seen, say why
        records, hf["libusb_present"] = [], False
        notes.append(exc.message)
    extra = {"led_description": led} if led else {}
    if not records and not selectors:
        facts = Facts(**hf, device_found=False, **extra)
        return DoctorInput(hf, [Observation(None, facts, notes)], 0)
    chosen = select(records, selectors, all_devices=all_devices)
    observations = []
    for record in chosen:
        obs = observe_device(record, host)
        obs.facts = replace(obs.facts, **hf, **extra)
        obs.notes = notes + obs.notes
        observations.append(obs)
    return DoctorInput(hf, observations, len(records))


def describe_observation(obs: Observation) -> str:
    """One line: which device and what USB says about it."""
    r, f = obs.record, obs.facts
    if r is None:
        return "No Particle device found on USB."
    name = r.platform.display if r.platform else "unknown platform"
    parts = [f"{name} {r.device_id or '?'}" + (f" ({r.usb.path})" if r.usb else "")]
    if f.permission_denied:
        parts.append("cannot be opened (permission denied)")
    elif f.device_unresponsive:
        parts.append("does not answer over USB")
    else:
        parts.append(f"{f.mode} mode")
        if f.device_os:
            parts.append(f"Device OS {f.device_os}")
        if f.cloud_status:
            parts.append(f"cloud {f.cloud_status}")
        if f.modules is not None:
            bad = [m for m in f.modules if not m.valid]
            parts.append("modules valid" if not bad else
                         "failed modules: " + ", ".join(f"{m.type} {m.index} ({'/'.join(m.failed_checks)})"
                                                        for m in bad))
    return ", ".join(parts)

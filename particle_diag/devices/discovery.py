"""Discovery: one record per physical device, merging its USB identity with its serial port.

A device is matched to its CDC port by serial number (= device ID, lower case) and, failing that, by USB
path (Gen 2 firmware before 0.6.0 reported an STM32 default serial: particle-cli issues #10 and #131).  Devices of other
vendors are never opened: the USB filter works on the cached device descriptor.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from particle_diag.catalog import platforms
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord, device_id_from_serial
from particle_diag.errors import PermissionDeniedError
from particle_diag.transport.serial import PortInfo
from particle_diag.transport.usb import UsbIdentity


def _match_port(identity: UsbIdentity, device_id: str | None, ports: list[PortInfo]) -> PortInfo | None:
    for port in ports:
        if device_id and device_id_from_serial(port.serial_number) == device_id:
            return port
    return next((p for p in ports if p.usb_path and p.usb_path == identity.path), None)


EDL_SERIAL = "_SN:"  # the SoC serial follows this in an EDL device's product string (particle-usb edl-device.js)


def _edl_record(platform: platforms.Platform, identity: UsbIdentity) -> DeviceRecord:
    """A device in Qualcomm EDL mode: only the SoC's boot ROM answers, and it names the SoC serial, not the
    device ID (particle-usb derives the ID with device-constants' linux.machineIdToDeviceId, whose algorithm is
    not in a public source pdiag could check: the ID is left unknown)."""
    product = identity.product or ""
    soc = product.split(EDL_SERIAL, 1)[1].strip() if EDL_SERIAL in product else None
    note = (f"Qualcomm EDL (flashing) mode: SoC serial {soc}" if soc else "Qualcomm EDL (flashing) mode") + \
        "; the device ID is not shown in this mode. Particle's tools flash it with `particle flash --tachyon`."
    record = DeviceRecord(None, platform, "edl", "edl", usb=identity, notes=[note])
    if isinstance(identity.error, PermissionDeniedError):
        record.status, record.problem = "inaccessible", identity.error
    return record


def _ours(vid: int | None, pid: int | None) -> bool:
    """A Particle VID (any product), or another vendor's exact VID:PID of a Particle flashing mode."""
    return vid is not None and (platforms.owns_unknown_pids(vid) or platforms.by_usb_id(vid, pid or 0) is not None)


def _base_record(identity: UsbIdentity, ports: list[PortInfo]) -> DeviceRecord | None:
    if not _ours(identity.vid, identity.pid):
        return None  # another product of a vendor whose IDs pdiag watches for one flashing mode only
    found = platforms.by_usb_id(identity.vid, identity.pid)
    if found is not None and found[1] == "edl":
        return _edl_record(found[0], identity)
    device_id = device_id_from_serial(identity.serial)
    port = _match_port(identity, device_id, ports)
    if device_id is None and port is not None:
        device_id = device_id_from_serial(port.serial_number)  # sysfs needs no USB permission
    if found is None:
        return DeviceRecord(device_id, None, "unknown", "unknown-pid", usb=identity,
                            serial_port=port.device if port else None)
    platform, kind = found
    mode = "dfu" if kind == "dfu" else "unknown"
    status = "dfu" if kind == "dfu" else "normal"
    record = DeviceRecord(device_id, platform, mode, status, usb=identity,
                          serial_port=port.device if port else None)
    if isinstance(identity.error, PermissionDeniedError):
        record.status, record.problem = "inaccessible", identity.error
    elif identity.error is not None:
        record.status, record.problem = "unresponsive", identity.error
    return record


def discover(host: Host, *, probe: bool = True) -> list[DeviceRecord]:
    """Every Particle device attached, probed in parallel (a busy device does not slow the others)."""
    vids = platforms.particle_vids()
    identities = host.usb.enumerate(vids)
    ports = [p for p in host.list_ports() if _ours(p.vid, p.pid)]
    records = [r for r in (_base_record(i, ports) for i in identities) if r is not None]
    host.say(f"found {len(identities)} Particle USB device(s) and {len(ports)} Particle serial port(s)")
    claimed = {r.serial_port for r in records if r.serial_port}
    for port in ports:  # a CDC port whose USB side we could not see (no libusb access)
        if port.device in claimed:
            continue
        found = platforms.by_usb_id(port.vid or 0, port.pid or 0)
        records.append(DeviceRecord(device_id_from_serial(port.serial_number), found[0] if found else None,
                                    "unknown", "inaccessible" if found else "unknown-pid",
                                    serial_port=port.device,
                                    notes=["seen as a serial port only: USB access failed"]))
    if probe:
        todo = [r for r in records if r.usb is not None and r.status in ("normal", "dfu")]
        if todo:
            with ThreadPoolExecutor(max_workers=min(16, len(todo))) as pool:
                list(pool.map(lambda r: _probe(r, host), todo))
    records.sort(key=lambda r: (r.usb.path if r.usb else "~", r.serial_port or ""))
    return records


def refresh(record: DeviceRecord, host: Host) -> DeviceRecord | None:
    """The same physical device as it is now (after a reset it may have another address or PID)."""
    return locate(host, record.device_id, record.usb.path if record.usb else None)


def locate(host: Host, device_id: str | None, usb_path: str | None) -> DeviceRecord | None:
    """Find one physical device again (by device ID, else by USB port path) and probe only it.

    Cheaper than ``discover`` while waiting for a re-enumeration: other devices are not opened.
    """
    vids = platforms.particle_vids()
    ports = [p for p in host.list_ports() if _ours(p.vid, p.pid)]
    # A device usually comes back on the port it left: look there first, and read every device's strings
    # only when it is not there (moved to another port, or its path is unknown).
    identities = host.usb.enumerate(vids, frozenset({usb_path})) if usb_path else []
    if not any(device_id_from_serial(i.serial) == device_id for i in identities):
        identities = host.usb.enumerate(vids)
    records = [r for r in (_base_record(identity, ports) for identity in identities) if r is not None]
    same_id = [r for r in records if device_id and r.device_id == device_id]
    same_path = [r for r in records if usb_path and r.usb is not None and r.usb.path == usb_path]
    # Device ID first; the USB port path breaks ties (old DFU bootloaders share one serial) and finds a
    # device whose ID could not be read.
    candidates = [r for r in same_id if r in same_path] or same_id or same_path
    if not candidates:
        return None
    chosen = candidates[0]
    if chosen.usb is not None:
        _probe(chosen, host)
    return chosen


def _probe(record: DeviceRecord, host: Host) -> None:
    """Learn what only the device can say: its mode (normal PID) or its protection state (DFU PID)."""
    from particle_diag.devices.probe import probe_dfu_protection, probe_mode

    if record.status == "normal":
        probe_mode(record, host)
    elif record.status == "dfu":
        probe_dfu_protection(record, host)

"""Learning a discovered device's mode: control requests first, the serial console for old firmware."""

from __future__ import annotations

from particle_diag.catalog import timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord
from particle_diag.devices.session import control_session, open_usb
from particle_diag.errors import (
    DeviceInUseError,
    DeviceTimeoutError,
    PdiagError,
    PermissionDeniedError,
    TransferStallError,
)
from particle_diag.protocol.control import ControlClient

# Reply decoders (protocol.messages: protobuf), the console parser and pyserial are imported where they are used
# (start-up time: a listing of DFU-mode devices needs none of them).


def probe_mode(record: DeviceRecord, host: Host) -> None:
    """Fill in mode, status and Device OS of a device seen with its normal (serial) PID.

    A probe shares the device's lock with other listings and sends no RESET(0) on open, so it never cancels
    another process's requests; a device another command holds is marked ``in-use`` and not opened."""
    if record.platform is not None and not record.platform.runs_device_os:
        # Tachyon: device-constants marks it controlRequestsNotSupported and particle-usb sends it none; it is
        # running (Linux) whenever it shows its normal USB IDs.
        record.mode = record.status = "normal"
        return
    host.say(f"probing {record.device_id or record.usb.path if record.usb else '?'} over control requests")
    try:
        with control_session(record, host, request_timeout_s=host.probe_timeout_s, probe=True) as client:
            record.device_os = _raw_version(client)
            _probe_with_requests(record, client, host)
    except DeviceInUseError as exc:
        record.mode, record.status, record.problem = "unknown", "in-use", exc
    except DeviceTimeoutError as exc:
        record.mode, record.status, record.problem = "unknown", "unresponsive", exc
    except PdiagError as exc:
        record.mode = "unknown"
        record.status = "inaccessible" if isinstance(exc, PermissionDeniedError) else "unresponsive"
        record.problem = exc


def _raw_version(client: ControlClient) -> str | None:
    """Raw 'P' 30 is answered in the USB interrupt, even while the application is busy
    (device-os system/src/usb_control_request_channel.cpp processVendorRequest)."""
    try:
        text = client.raw_in(R.SYSTEM_VERSION).decode("ascii", errors="replace").strip()
    except PdiagError:
        return None  # firmware before 0.6.0
    return text or None


def _probe_with_requests(record: DeviceRecord, client: ControlClient, host: Host) -> None:
    try:
        reply = client.request(R.GET_DEVICE_MODE)
    except TransferStallError:
        reply = None  # no control-request service at all (old firmware)
    if reply is not None and reply.result == Result.PROTECTED:
        record.mode = record.status = "protected"
        return
    if reply is None or reply.result == Result.NOT_SUPPORTED:
        _probe_with_console(record, host)
        return
    if reply.result != Result.OK:
        record.mode, record.status = "unknown", "unresponsive"
        return
    from particle_diag.protocol import messages

    mode = messages.decode_reply(R.GET_DEVICE_MODE, reply.data).mode
    record.mode = record.status = mode
    failed = _failed_firmware(client) if mode == "normal" else None
    if failed:
        # Safe mode has no flag over USB (particle-usb's getDeviceMode knows normal and listening only); a user part
        # or a system part failing its checks is why a device sits in it (device-os
        # modules/shared/nRF52840/inc/system_part1_loader.c sets SAFE_MODE when HAL_Core_Validate_Modules fails or
        # the user module is invalid).  UNVERIFIED as the only causes on hardware.
        record.mode = "safe"
        record.notes.append(f"{failed} fails its module checks: the device runs in safe mode")


def _failed_firmware(client: ControlClient) -> str | None:
    """"user firmware" / "Device OS" when such a module fails a check, else None."""
    reply = client.request(R.GET_MODULE_INFO)
    if reply.result != Result.OK:
        return None
    from particle_diag.protocol import messages

    modules = messages.decode_reply(R.GET_MODULE_INFO, reply.data).modules
    if any(m.type == "user_part" and m.failed_checks for m in modules):
        return "user firmware"
    if any(m.type == "system_part" and m.failed_checks for m in modules):
        return "Device OS (a system part)"
    return None


def _probe_with_console(record: DeviceRecord, host: Host) -> None:
    """Firmware without control requests: only listening mode answers on the CDC port."""
    from particle_diag.protocol import listening
    from particle_diag.transport.serial import SerialConsole

    record.mode = record.status = "normal"
    if record.serial_port is None:
        record.mode = "unknown"
        record.notes.append("firmware predates USB control requests and no serial port was found")
        return
    try:
        with SerialConsole(record.serial_port, clock=host.clock, trace=host.trace) as console:
            text = console.command("v", lambda t: listening.is_complete("v", t), timeouts.SERIAL_PROBE_S,
                                   quiet_s=timeouts.CONSOLE_QUIET_S, stalled_s=timeouts.CONSOLE_STALLED_S)
    except DeviceTimeoutError:
        return  # application firmware: no console
    if not listening.is_complete("v", text) and _only_log_lines(text):
        return  # what came was the application's log (Device OS log lines), not a console reply
    version = listening.parse_version(text)
    record.mode = record.status = "listening"  # only the listening-mode console answers 'v'
    if version:
        record.device_os = version
    else:
        record.notes.append("the serial console answered, but its reply could not be read")


def _only_log_lines(text: str) -> bool:
    from particle_diag.protocol.logline import parse_log_line

    lines = [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
    return bool(lines) and all(parse_log_line(line).is_log for line in lines[1:] or lines)


def _dfu_protection(record: DeviceRecord, host: Host, *, shared: bool) -> tuple[str | None, str]:
    """(open | protected | service | None, how it was told): string 0xFA, else (older bootloaders) the alt
    settings' layouts, which are read only then (one control transfer each)."""
    from particle_diag.protocol.protection import parse_protection_state

    with open_usb(record, host, shared=shared) as dev:
        # the bootloader pads the state to 8 characters with NULs ("sm=p\0\0\0\0", usbd_device.cpp)
        reported = parse_protection_state((dev.string(0xFA) or "").rstrip("\x00") or None)
        if reported is not None:  # one `sm=` item of a `;` list, as particle-usb reads it
            return reported, "dfu string 0xFA"
        layouts = dev.interface_strings()
    from particle_diag.protocol.memory_layout import parse_layout

    # every segment erase-only ('b') means protected (raises for a non-DfuSe layout)
    protected = bool(layouts) and all(parse_layout(s).protected for s in layouts if s)
    return ("protected" if protected else "open"), "dfu layouts"


def dfu_protection_state(record: DeviceRecord, host: Host) -> tuple[str | None, str]:
    """A DFU-mode device's protection state (open, protected, service) and its source, read while holding the
    device's lock (``pdiag protection``)."""
    return _dfu_protection(record, host, shared=False)


def probe_dfu_protection(record: DeviceRecord, host: Host) -> None:
    """In DFU, string 0xFA says sm=p on protected 6.x bootloaders; older ones show all-'b' layouts."""
    try:
        protected = _dfu_protection(record, host, shared=True)[0] == "protected"
    except DeviceInUseError as exc:
        record.status, record.problem = "in-use", exc
        return
    except PdiagError as exc:  # unreadable, or a layout string that is not DfuSe: on the record, keep listing
        record.problem = exc
        return
    if protected:
        record.status = "protected"
        record.notes.append("Device Protection is on: DFU reads and writes are refused")

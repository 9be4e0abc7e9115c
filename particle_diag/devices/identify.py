"""``identify``: everything a device says about itself, over control requests or, for firmware that
predates them, over the listening-mode serial console.  The device secret printed by ``i`` is never kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from particle_diag.catalog import capabilities, timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord
from particle_diag.devices.session import control_session
from particle_diag.errors import (
    DeviceTimeoutError,
    PdiagError,
    ProtectedDeviceError,
    ProtocolError,
    UnsupportedError,
)
from particle_diag.protocol import listening, messages
from particle_diag.protocol.control import ControlClient
from particle_diag.transport.serial import SerialConsole


@dataclass
class ModuleSummary:
    type: str
    index: int
    version: int
    valid: bool
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class Identity:
    device_id: str | None
    platform: str | None
    platform_id: int | None
    mode: str
    device_os: str | None = None
    serial_number: str | None = None
    iccid: str | None = None
    imei: str | None = None
    mac: str | None = None
    modules: list[ModuleSummary] | None = None
    cloud_status: str | None = None
    serial_port: str | None = None
    usb_path: str | None = None
    source: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _summaries(modules: list[Any]) -> list[ModuleSummary]:
    return [ModuleSummary(m.type, m.index, m.version, not m.failed_checks, list(m.failed_checks)) for m in modules]


def identify(record: DeviceRecord, host: Host) -> Identity:
    """What the device says about itself, read while holding its lock (devices.lock)."""
    from particle_diag.devices.lock import device_lock
    from particle_diag.devices.modes import fresh_if_unprobed, unresponsive_error

    with device_lock(record, host):
        record = fresh_if_unprobed(record, host)
        if record.status == "unresponsive" and record.problem is not None:
            raise unresponsive_error(record, "normal")
        return _identify(record, host)


def _identify(record: DeviceRecord, host: Host) -> Identity:
    p = record.platform
    ident = Identity(record.device_id, p.name if p else None, p.id if p else None, record.mode,
                     device_os=record.device_os, serial_port=record.serial_port,
                     usb_path=record.usb.path if record.usb else None)
    if record.status in ("inaccessible", "unresponsive") and record.problem is not None:
        raise record.problem
    if record.mode == "dfu":
        ident.notes.append("in DFU mode only the bootloader runs: Device OS details need normal mode "
                           "(`pdiag enter normal`)")
        ident.source.append("usb")
        return ident
    if record.mode == "protected":
        ident.notes.append("Device Protection is on: only the device ID can be read over USB")
        _fill_protected(ident, record, host)
        return ident
    if p is not None and capabilities.has_control_service(p.generation, record.device_os or "0.0.0") \
            and record.usb is not None:
        with control_session(record, host) as client:
            _fill_from_requests(ident, client, record)
        ident.source.append("usb")
    missing = _missing_fields(ident, record)
    if missing and record.serial_port and record.mode == "listening":
        _fill_from_console(ident, record, host)
        ident.source.append("serial")
    elif missing and p is not None and not p.runs_device_os:
        ident.notes.append(f"a {p.display} runs Linux, not Device OS: it answers no Particle USB requests "
                           "(`particle tachyon identify` reads it in EDL mode)")
    elif missing:
        ident.notes.append(
            "not available over USB control requests on this firmware: " + ", ".join(missing)
            + "; put the device in listening mode (`pdiag enter listening`) to read them from the serial console")
    return ident


def _missing_fields(ident: Identity, record: DeviceRecord) -> list[str]:
    p = record.platform
    wanted = ["device_os", "modules"]
    if p is not None and p.has("cellular"):
        wanted += ["iccid", "imei"]
    if p is not None and p.has("wifi"):
        wanted.append("mac")
    return [name for name in wanted if getattr(ident, name) in (None, [])]


def _optional(client: ControlClient, type_id: int, payload: bytes = b"") -> bytes | None:
    """A request whose absence on older firmware is normal: None instead of an error."""
    try:
        return client.call(type_id, payload)
    except UnsupportedError:
        return None


def _fill_from_requests(ident: Identity, client: ControlClient, record: DeviceRecord) -> None:
    p = record.platform
    data = _optional(client, R.DEVICE_ID)
    if data is not None:
        ident.device_id = messages.decode_reply(R.DEVICE_ID, data).id or ident.device_id
    data = _optional(client, R.SERIAL_NUMBER)
    if data is not None:
        ident.serial_number = messages.decode_reply(R.SERIAL_NUMBER, data).serial or None
    data = _optional(client, R.SYSTEM_VERSION)
    if data is not None:
        ident.device_os = messages.decode_reply(R.SYSTEM_VERSION, data).version or ident.device_os
    data = _optional(client, R.GET_MODULE_INFO)
    if data is not None:
        ident.modules = _summaries(messages.decode_reply(R.GET_MODULE_INFO, data).modules)
    data = _optional(client, R.CLOUD_GET_CONNECTION_STATUS)
    if data is not None:
        ident.cloud_status = messages.decode_reply(R.CLOUD_GET_CONNECTION_STATUS, data).status
    if p is not None and p.has("cellular"):
        from particle_diag.protocol.control import RequestFailed

        try:
            data = _optional(client, R.CELLULAR_GET_ICCID)
        except RequestFailed as exc:  # the modem could not read the SIM (none inserted, or not powered yet)
            data = None
            ident.notes.append(f"ICCID not readable: the modem answered {exc.message.split(': ')[-1]} "
                               "(no SIM, or the modem is not up yet)")
        if data is not None:
            reply = messages.decode_reply(R.CELLULAR_GET_ICCID, data)
            ident.iccid, ident.imei = reply.iccid or None, reply.imei or None
    if p is not None and p.has("wifi"):
        ident.mac = _wifi_mac(client)


def _wifi_mac(client: ControlClient) -> str | None:
    data = _optional(client, R.NETWORK_GET_INTERFACE_LIST)
    if data is None:
        return None
    for entry in messages.decode_reply(R.NETWORK_GET_INTERFACE_LIST, data).interfaces:
        if entry.type == "wifi":
            payload = messages.encode_request(R.NETWORK_GET_INTERFACE, index=entry.index)
            raw = _optional(client, R.NETWORK_GET_INTERFACE, payload)
            if raw is not None:
                return messages.decode_reply(R.NETWORK_GET_INTERFACE, raw).mac or None
    return None


def _fill_protected(ident: Identity, record: DeviceRecord, host: Host) -> None:
    try:
        with control_session(record, host) as client:
            data = client.call(R.DEVICE_ID)
            ident.device_id = messages.decode_reply(R.DEVICE_ID, data).id or ident.device_id
            ident.source.append("usb")
    except ProtectedDeviceError:
        pass


def _fill_from_console(ident: Identity, record: DeviceRecord, host: Host) -> None:
    assert record.serial_port is not None
    with SerialConsole(record.serial_port, clock=host.clock, trace=host.trace) as console:
        def ask(key: str) -> str | None:
            try:
                return console.command(key, lambda t: listening.is_complete(key, t), listening.timeout_for(key),
                                       quiet_s=timeouts.CONSOLE_QUIET_S, stalled_s=timeouts.CONSOLE_STALLED_S)
            except DeviceTimeoutError:
                ident.notes.append(f"the serial console did not answer '{key}'")
                return None

        text = ask("i")
        if text is not None:
            info = listening.parse_identity(text)
            if info is None:
                raise ProtocolError(
                    f"the serial console's reply to 'i' on {record.serial_port} could not be read",
                    "Another program may be using the port (ModemManager, a serial monitor), or the cable is "
                    "faulty. Close other programs, try another cable, and run again with --trace.",
                    reference="serial.garbled",
                )
            ident.device_id = info.device_id or ident.device_id
            ident.iccid = ident.iccid or info.iccid
            ident.imei = ident.imei or info.imei
            ident.serial_number = ident.serial_number or info.serial_number
        if ident.device_os is None:
            text = ask("v")
            if text is not None:
                ident.device_os = listening.parse_version(text)
        if ident.mac is None and record.platform is not None and record.platform.has("wifi"):
            text = ask("m")
            if text is not None:
                ident.mac = listening.parse_mac(text)
        if ident.modules is None:
            text = ask("s")
            if text is not None:
                try:
                    describe = listening.parse_describe(text)
                except PdiagError as exc:
                    ident.notes.append(f"module list unreadable: {exc.message}")
                else:
                    if describe is not None:
                        ident.modules = _summaries(describe.modules)
                        ident.notes.extend(f"module list: {problem}" for problem in describe.problems)

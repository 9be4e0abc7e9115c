"""What firmware modules a device has: module info over USB (request 90), or the listening-mode ``s`` reply.

Request 90 answers in normal, safe and listening mode wherever the control-request service has it (Gen 3 from
0.9.0, Gen 2 from 1.5.0; catalog/data/capabilities.toml); its current format carries every module's SHA-256
(Device OS >= 5.6.0; device-os-protobuf cloud/describe.proto FirmwareModule), the deprecated one none.  Older
firmware describes its modules only on the listening-mode console (``s``, with the user part's SHA-256 as ``u``),
so such a device is put in listening mode first.  A device in DFU mode runs only its bootloader: it is restarted
to ask Device OS, and when it does not come back running (no usable Device OS), its modules are unknown.

The application assets in the device's asset storage come from request 91 (GET_ASSET_INFO, Device OS >= 5.6.0
on Gen 3 and Gen 4: catalog/data/capabilities.toml); before 5.6.0 Device OS stores assets but cannot list them
over USB, so they are unknown (None).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from particle_diag.catalog import capabilities, timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.errors import DeviceTimeoutError, PdiagError, ProtectedDeviceError, ProtocolError, UnsupportedError
from particle_diag.protocol import listening, messages
from particle_diag.protocol.control import ControlClient
from particle_diag.protocol.messages import AssetInfo, ModuleInfo


@dataclass
class Installed:
    """The device's modules (None: it could not say) and the record of the device as it is now."""

    record: DeviceRecord
    modules: list[ModuleInfo] | None
    source: str  # "usb" | "serial" | "none"
    notes: list[str] = field(default_factory=list)
    assets: list[AssetInfo] | None = None  # the valid assets in its asset storage (request 91); None: unknown


def read_installed(record: DeviceRecord, host: Host, *, timeout_s: float = timeouts.MODE_CHANGE_S,
                   assets: bool = False) -> Installed:
    """Ask the device for its modules (and with ``assets`` its application assets), switching it out of DFU mode
    (or, for firmware without request 90, into listening mode) when that is the only way; the caller holds the
    device's lock."""
    from particle_diag.devices import modes

    if record.status == "protected" or record.mode == "protected":
        raise ProtectedDeviceError(f"{record.label}: Device Protection is on: pdiag cannot update it over USB",
                                   "Put the device in service mode from the Particle console, then try again.",
                                   reference="update.protected")
    if record.mode == "dfu":
        try:
            record = _back(modes.reset(record, host, timeout_s=timeout_s), record)
        except (modes.ModeTimeoutError, modes.WrongModeError) as exc:
            return Installed(relocate(record, host), None, "none",
                             [f"in DFU mode, and it did not start Device OS when restarted ({exc.message})"])
        if record.mode == "dfu":
            return Installed(record, None, "none", ["it stays in DFU mode: no usable Device OS"])
    p = record.platform
    version = record.device_os or "0.0.0"
    if p is not None and capabilities.supports_request(p.generation, version, R.GET_MODULE_INFO) and record.usb:
        try:
            with control_session(record, host) as client:
                data = client.call(R.GET_MODULE_INFO)
                found = _assets(client, p.generation, version) if assets else None
            return Installed(record, list(messages.decode_reply(R.GET_MODULE_INFO, data).modules), "usb",
                             assets=found)
        except UnsupportedError:
            pass  # firmware without request 90: the console, below
    if record.serial_port is None:
        return Installed(record, None, "none", ["it reports its modules neither over USB nor on a serial port"])
    if record.mode != "listening":
        record = _back(modes.change_mode(record, "listening", host, timeout_s=timeout_s), record)
    return Installed(record, *_from_console(record, host))


def _assets(client: ControlClient, generation: int, version: str) -> list[AssetInfo] | None:
    if not capabilities.supports_request(generation, version, R.GET_ASSET_INFO):
        return None
    try:
        data = client.call(R.GET_ASSET_INFO)
    except (UnsupportedError, ProtocolError):
        return None  # a build without HAL_PLATFORM_ASSETS answers NOT_SUPPORTED: the assets stay unknown
    return list(messages.decode_reply(R.GET_ASSET_INFO, data).available)


def _back(change: object, record: DeviceRecord) -> DeviceRecord:
    fresh = getattr(change, "record", None)
    return fresh if fresh is not None else record


def relocate(record: DeviceRecord, host: Host) -> DeviceRecord:
    """The device as it is on the bus now (after a restart it has a new address), or ``record`` if not seen."""
    from particle_diag.devices.discovery import locate

    try:
        fresh = locate(host, record.device_id, record.usb.path if record.usb else None)
    except PdiagError:
        fresh = None
    return fresh if fresh is not None else record


def _from_console(record: DeviceRecord, host: Host) -> tuple[list[ModuleInfo] | None, str, list[str]]:
    """The listening-mode console's ``s`` reply (device-os system/src/system_info.cpp): every module with its
    checks, the user part's SHA-256 as ``u``."""
    from particle_diag.transport.serial import SerialConsole

    assert record.serial_port is not None
    with SerialConsole(record.serial_port, clock=host.clock, trace=host.trace) as console:
        try:
            text = console.command("s", lambda t: listening.is_complete("s", t), listening.timeout_for("s"),
                                   quiet_s=timeouts.CONSOLE_QUIET_S, stalled_s=timeouts.CONSOLE_STALLED_S)
        except DeviceTimeoutError:
            return None, "none", ["the serial console did not answer 's'"]
    try:
        describe = listening.parse_describe(text)
    except ProtocolError as exc:
        return None, "none", [f"its module list could not be read: {exc.message}"]
    if describe is None:
        return None, "none", ["its module list was cut short"]
    return list(describe.modules), "serial", [f"module list: {p}" for p in describe.problems]

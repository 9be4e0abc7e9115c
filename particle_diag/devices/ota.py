"""Writing a module through Device OS over USB: the firmware-update control requests 250-253.

The flow is particle-usb's ``updateFirmware`` (src/device.js): START_FIRMWARE_UPDATE with the size (the device
prepares its staging area and answers the chunk size it takes, 1024 in Device OS's
system/src/control/storage.cpp), FIRMWARE_UPDATE_DATA chunk by chunk, FINISH_FIRMWARE_UPDATE.  Device OS then
validates the module (integrity, platform, address, dependencies: system/src/firmware_update.cpp finishUpdate,
refusing with OTA_* result codes), replies, and restarts to apply it (``system_pending_shutdown
(RESET_REASON_UPDATE)``).  This is how the Gen 3 bootloader and NCP firmware are written (particle-cli
src/lib/flash-helper.js), since DFU cannot write them.

Before it, as particle-cli does before every ``updateFirmware`` (src/lib/flash-helper.js
_flashDeviceInNormalMode), the device is put in listening mode so that it is not busy connecting to the cloud, and
given a second; a device that refuses (listening mode disabled) is updated as it is.

A stop request (Ctrl-C) is honoured between two requests: the update is cancelled (CANCEL_FIRMWARE_UPDATE), the
device leaves the listening mode pdiag put it in, and it keeps what it had.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from particle_diag.catalog import timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result, result_name
from particle_diag.clock import StopRequested, checkpoint
from particle_diag.devices.bundle import BundleModule
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.modes import ModeChange, device_selector, wait_for_restart
from particle_diag.devices.session import control_session
from particle_diag.errors import OperationInterrupted, PdiagError, ProtocolError
from particle_diag.protocol import messages
from particle_diag.protocol.control import ControlClient, RequestFailed
from particle_diag.protocol.dfu import TransferProgress

DEVICE_CHUNK = 1024  # what Device OS answers START with (storage.cpp); used when a reply names no chunk size
MAX_CHUNK = 0xFFFF - 8  # a request payload is at most 65535 bytes; the protobuf field takes a few of them


class UpdateRefusedError(ProtocolError):
    """Device OS refused the module (it validates it before applying anything): the device keeps what it had."""

    reference = "update.refused"
    default_hint = ("Device OS checked the module and refused it; nothing was applied. Check that the module is for "
                    "this device and that the modules it depends on are on the device (`pdiag identify`).")


def send_through_device_os(record: DeviceRecord, host: Host, module: BundleModule, *,
                           progress: TransferProgress | None = None, say: Callable[[str], None] | None = None,
                           timeout_s: float = timeouts.MODE_CHANGE_S,
                           stop: threading.Event | None = None) -> ModeChange:
    """Send ``module`` with requests 250-253 and wait until the device has restarted to apply it.  ``stop`` (or
    the host clock's stop event) ends the transfer between two requests, cancelling the update."""
    tell = say or (lambda _text: None)
    what = module.describe()
    limit = timeouts.FIRMWARE_UPDATE_NCP_S if module.function == "ncp_firmware" else timeouts.FIRMWARE_UPDATE_S
    tell(f"sending {what} through Device OS")
    with control_session(record, host) as client:
        listening = False
        try:
            listening = _listen(client, record, tell)
            if listening:  # after the assignment: a Ctrl-C during this second still takes it out again
                host.clock.sleep(timeouts.LISTENING_BEFORE_UPDATE_S)
            _transfer(client, host, module.image, limit, progress, stop)
        except StopRequested:
            _cancel(client)
            back = _unlisten(client, listening)
            raise OperationInterrupted(f"sending {what} through Device OS",
                                       f"{record.mode} mode; the update was cancelled before it was finished: the "
                                       f"device keeps its {module.function.replace('_', ' ')}"
                                       + ("" if back else "; it is still in listening mode"),
                                       "" if back else f"pdiag reset {device_selector(record)}") from None
        except RequestFailed as exc:
            _cancel(client)
            back = _unlisten(client, listening)
            raise UpdateRefusedError(f"{device_selector(record)} refused {what}: {result_name(exc.result)}"
                                     + ("" if back else " (it is still in listening mode: `pdiag reset` restarts "
                                                        "it)")) from None
        except PdiagError:
            _cancel(client)
            _unlisten(client, listening)
            raise
    tell("the device restarts to apply it")
    try:
        return wait_for_restart(record, host, timeout_s=timeout_s)
    except StopRequested:
        raise OperationInterrupted(f"the restart that applies {what}",
                                   "restarting: Device OS applies the module by itself", "") from None


def _listen(client: ControlClient, record: DeviceRecord, tell: Callable[[str], None]) -> bool:
    """Listening mode for the transfer (see the module doc); whether pdiag put the device there."""
    if record.mode == "listening":
        return False
    if client.request(R.START_LISTENING).result != Result.OK:
        tell("the device refused listening mode; sending anyway")  # particle-cli ignores this too
        return False
    tell("listening mode for the update (as particle-cli does)")
    return True


def _unlisten(client: ControlClient, listening: bool) -> bool:
    """Leave the listening mode pdiag entered (best effort); whether the device is out of it."""
    if not listening:
        return True
    try:
        return client.request(R.STOP_LISTENING).result == Result.OK
    except (PdiagError, StopRequested):
        return False


def _transfer(client: ControlClient, host: Host, image: bytes, limit: float, progress: TransferProgress | None,
              stop: threading.Event | None) -> None:
    def safe_point() -> None:
        checkpoint(host.clock, "a firmware update")
        if stop is not None and stop.is_set():
            raise StopRequested("a firmware update")

    data = client.call(R.START_FIRMWARE_UPDATE, messages.encode_request(R.START_FIRMWARE_UPDATE, size=len(image)),
                       timeout_s=limit)
    chunk = messages.decode_reply(R.START_FIRMWARE_UPDATE, data).chunk_size
    chunk = chunk if 0 < chunk <= MAX_CHUNK else DEVICE_CHUNK
    for offset in range(0, len(image), chunk):
        safe_point()
        piece = image[offset : offset + chunk]
        client.call(R.FIRMWARE_UPDATE_DATA, messages.encode_request(R.FIRMWARE_UPDATE_DATA, data=piece))
        if progress is not None:
            progress(offset + len(piece), len(image))
    safe_point()
    client.call(R.FINISH_FIRMWARE_UPDATE, messages.encode_request(R.FINISH_FIRMWARE_UPDATE, validate_only=False),
                timeout_s=limit)


def _cancel(client: ControlClient) -> None:
    """CANCEL_FIRMWARE_UPDATE, best effort: Device OS drops what it received (storage.cpp cancelFirmwareUpdate).
    Unanswered (a second Ctrl-C, a device gone) the transfer is only abandoned: without FINISH nothing is
    applied, and the next START drops it."""
    try:
        client.call(R.CANCEL_FIRMWARE_UPDATE)
    except (PdiagError, StopRequested):
        pass

"""Mode control: enter DFU, listening, safe or normal mode, or reset, and confirm the device got there.

Paths (particle-usb ``src/device.js``; magic baud rates: device-os ``system/src/system_update.cpp``; leaving DFU:
particle-usb ``src/dfu.js`` ``Dfu.leave``), chosen from what the device's firmware supports:
- normal/listening/safe -> control requests 50 (DFU), 60 (safe), 70/71 (start/stop listening), 40 (reset);
- firmware without control requests -> magic baud rates on the CDC port: 14400 DFU (every version),
  28800 listening (before 6.0.0);
- DFU -> DfuSe leave (normal) or Particle's DfuSe command 0xFA (safe).
A change is confirmed only when the device is seen again in the mode asked for: matched by device ID, then
by USB port path.  Safe mode has no USB flag: it is confirmed by the re-enumeration after the request and,
where the module checks show it, by the failed user part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag.catalog import capabilities, timeouts
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.clock import StopRequested, checkpoint
from particle_diag.devices.discovery import locate
from particle_diag.devices.host import Host
from particle_diag.devices.lock import device_lock
from particle_diag.devices.record import DeviceRecord
from particle_diag.devices.session import control_session, open_usb
from particle_diag.errors import (
    DeviceGoneError,
    DeviceInUseError,
    DeviceTimeoutError,
    OperationInterrupted,
    PdiagError,
    ProtectedDeviceError,
    ProtocolError,
    UnsupportedError,
    UsageError,
    WrongModeError,
)
from particle_diag.protocol.control import RequestFailed

TARGETS = ("dfu", "listening", "safe", "normal")
VIAS = ("usb", "serial")


class ModeTimeoutError(DeviceTimeoutError):
    reference = "mode.timeout"
    default_hint = "The device did not come back: check it is still plugged in, then use the buttons (see below)."


class ListeningDisabledError(UnsupportedError):
    reference = "mode.listening-disabled"


@dataclass
class ModeChange:
    device_id: str | None
    old_mode: str
    new_mode: str
    elapsed_s: float
    path: str  # "none" | "usb-request" | "magic-baud" | "dfuse" | "serial-console"
    record: DeviceRecord | None = None
    confirmed_by: str = "mode"  # "mode" (observed) | "re-enumeration" (safe mode, not observable)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"device_id": self.device_id, "old_mode": self.old_mode, "new_mode": self.new_mode,
                "elapsed_s": round(self.elapsed_s, 3), "path": self.path, "confirmed_by": self.confirmed_by,
                "notes": self.notes}


def button_hint(record: DeviceRecord, target: str) -> str:
    """The documented button sequence for ``target``, in the device's own button names."""
    p = record.platform
    system = p.buttons.get("system", "MODE") if p else "MODE"
    reset = p.buttons.get("reset", "RESET") if p else "RESET"
    return {
        "dfu": f"Hold {system}, tap {reset}, keep holding {system} until the LED blinks yellow (after magenta), "
               f"then release.",
        "safe": f"Hold {system}, tap {reset}, release {system} when the LED blinks magenta: it then breathes "
                f"magenta.",
        "listening": f"Hold {system} for about three seconds until the LED blinks dark blue.",
        "normal": f"Tap {reset}.",
    }[target]


# -- the public API ------------------------------------------------------------------------------------------
def change_mode(record: DeviceRecord, target: str, host: Host, *, timeout_s: float = timeouts.MODE_CHANGE_S,
                via: str | None = None) -> ModeChange:
    """Put the device in ``target`` mode and return once it is confirmed there."""
    if target not in TARGETS:
        raise UsageError(f"unknown mode '{target}'", f"Modes: {', '.join(TARGETS)}.", reference="usage.mode")
    if via is not None and via not in VIAS:
        raise UsageError(f"unknown path '{via}'", "Use --via usb or --via serial.", reference="usage.via")
    start = host.clock.monotonic()
    step = _Step(record, target)
    try:
        with device_lock(record, host):
            record = fresh_if_unprobed(record, host)
            step.record = record
            _refuse_unreachable(record, target)
            if via == "usb" and record.mode != "dfu":
                _refuse_usb_path(record, target)  # before touching the device (DFU: its version is known later)
            if record.mode == target:
                change = ModeChange(record.device_id, record.mode, target, 0.0, "none", record)
                if target == "normal":
                    change.notes.append("safe mode cannot be seen over USB: if the LED breathes magenta, run "
                                        "`pdiag reset`")
                return change
            host.say(f"{record.device_id}: {record.mode} -> {target}")
            checkpoint(host.clock, "the switch")
            step.sent = True
            path, expect_reset, current = _request(record, target, host, via, start + timeout_s)
            host.say(f"{record.device_id}: request sent ({path}); waiting for the device in {target} mode")
            step.name = f"waiting for the device to come back in {target} mode"
            # A safe boundary even when the device is there at the first look (listening mode needs no restart):
            # a Ctrl-C while the request was on its way ends here, saying the switch was not confirmed.
            checkpoint(host.clock, step.name)
            change = _confirm(current, target, host, start, timeout_s, path, expect_reset)
    except StopRequested:
        raise step.interrupted() from None
    change.old_mode = record.mode
    return change


def reset(record: DeviceRecord, host: Host, *, timeout_s: float = timeouts.MODE_CHANGE_S) -> ModeChange:
    """Restart the device and wait until it is back (DFU: leave DFU)."""
    start = host.clock.monotonic()
    step = _Step(record, "normal", resetting=True)
    try:
        with device_lock(record, host):
            record = fresh_if_unprobed(record, host)
            step.record = record
            _refuse_unreachable(record, "normal", resetting=True)
            checkpoint(host.clock, "the reset")
            step.sent = True
            step.name = "waiting for the device to come back after the reset"
            if record.mode == "dfu":
                path = _leave_dfu(record, host)
                return _confirm(record, "normal", host, start, timeout_s, path, True, accept=("normal", "safe"))
            p = record.platform
            raw_reset = p is not None and capabilities.has_raw_out_requests(record.device_os or "0.0.0")
            if record.status == "unresponsive" and (not raw_reset or isinstance(record.problem, DeviceGoneError)):
                raise unresponsive_error(record, "normal")
            if record.status != "unresponsive" and p is not None and \
                    capabilities.has_control_service(p.generation, record.device_os or "0.0.0"):
                _send_request(record, host, R.RESET, "normal")
            elif raw_reset:  # answered in the USB interrupt: works while the application blocks the system thread
                with control_session(record, host) as client:
                    _ignore_reset_race(lambda: client.raw_out(R.RESET))
            else:
                raise UnsupportedError(f"{record.label} cannot be reset over USB", button_hint(record, "normal"),
                                       reference="mode.unsupported")
            return _confirm(record, "normal", host, start, timeout_s, "usb-request", True,
                            accept=("normal", "safe", "listening"), busy_is_back=True)
    except StopRequested:
        raise step.interrupted() from None


def wait_for_restart(record: DeviceRecord, host: Host, *, timeout_s: float = timeouts.MODE_CHANGE_S,
                     path: str = "device-os") -> ModeChange:
    """Wait for a device that restarts by itself (it applies a firmware update) to be seen again, in whatever
    mode its firmware starts in (normal, safe, listening; DFU when it has no usable Device OS)."""
    start = host.clock.monotonic()
    return _confirm(record, "normal", host, start, timeout_s, path, True,
                    accept=("normal", "safe", "listening", "dfu"))


# -- interruptions -------------------------------------------------------------------------------------------
class _Step:
    """Where a mode change is, so that a Ctrl-C can say what was interrupted and how to recover."""

    def __init__(self, record: DeviceRecord, target: str, *, resetting: bool = False) -> None:
        self.record = record
        self.target = target
        self.resetting = resetting
        self.sent = False
        self.name = "the reset" if resetting else f"the switch to {target} mode"

    def interrupted(self) -> OperationInterrupted:
        record = self.record
        who = device_selector(record)
        if not self.sent:  # stopped before anything was sent: the device is as it was found
            return OperationInterrupted(f"{self.name} of {who} (nothing was sent)",
                                        f"{record.mode} mode, unchanged", "")
        if self.resetting:
            return OperationInterrupted(f"{self.name} of {who}",
                                        "restarting: it comes back by itself in the mode its firmware starts in",
                                        f"pdiag reset {who}")
        return OperationInterrupted(
            f"{self.name} ({who})",
            f"switching from {record.mode} to {self.target} mode (the request was sent; not confirmed)",
            recovery_command(record))


def device_selector(record: DeviceRecord) -> str:
    """What names this device on a pdiag command line: its ID, else its USB path, else its serial port."""
    return record.device_id or (record.usb.path if record.usb else None) or record.serial_port or "?"


def recovery_command(record: DeviceRecord) -> str:
    """The command that puts ``record`` back in the mode it was found in (safe mode: its firmware does)."""
    who = device_selector(record)
    if record.mode in ("normal", "listening", "dfu"):
        return f"pdiag enter {record.mode} {who}"
    return f"pdiag reset {who}"


def fresh_if_unprobed(record: DeviceRecord, host: Host) -> DeviceRecord:
    """A device listed while another process held it was not probed: look at it again now that we hold it."""
    if record.status != "in-use":
        return record
    fresh = locate(host, record.device_id, record.usb.path if record.usb else None)
    if fresh is None:
        raise DeviceGoneError(f"{record.label} is no longer connected (another program was using it)",
                              reference="device.gone")
    return fresh


def unresponsive_error(record: DeviceRecord, target: str) -> PdiagError:
    """Why a device did not answer its probe, said as such (busy, mute, gone, in use), with its own reference."""
    problem = record.problem
    buttons = "use the buttons: " + button_hint(record, target)
    if isinstance(problem, DeviceInUseError):
        return problem
    if isinstance(problem, DeviceGoneError):
        return DeviceGoneError(f"{record.label} left the bus while pdiag was reading it ({problem.message})",
                               f"Plug it back in and run the command again; if it keeps vanishing, {buttons}",
                               reference="device.gone")
    if isinstance(problem, DeviceTimeoutError) and problem.reference == "device.request-timeout":
        return DeviceTimeoutError(
            f"{record.label} does not complete control requests: its application is blocking the system thread",
            "Restart it (`pdiag reset` answers even now, or tap RESET), put it in DFU mode with `pdiag enter dfu` "
            f"(the serial port still works), or {buttons}", reference="device.busy")
    if isinstance(problem, ProtocolError):
        return problem  # it answered, but not as the protocol says (e.g. a reply particle-usb rejects): say so
    return DeviceTimeoutError(f"{record.label} stopped answering on USB",
                              f"Unplug it and plug it back in; if it stays silent, {buttons}",
                              reference="device.mute")


# -- choosing and sending the request ------------------------------------------------------------------------
def _refuse_unreachable(record: DeviceRecord, target: str, *, resetting: bool = False) -> None:
    if record.status == "inaccessible" and record.problem is not None:
        raise record.problem
    what = "restart it" if resetting else f"switch it to {target} mode"
    if record.mode == "edl":
        # The Qualcomm boot ROM's Sahara/Firehose protocol, not Device OS (particle-usb src/edl-device.js): it
        # takes a flashing tool, and it ends when the SoC restarts.
        raise UnsupportedError(f"{record.label} is in Qualcomm EDL mode, where only the SoC's boot ROM answers: "
                               f"pdiag cannot {what}",
                               "Finish the flashing with particle-cli (`particle flash --tachyon`), or restart the "
                               "Tachyon (power it off and on) to leave EDL mode.", reference="mode.unsupported")
    if record.platform is not None and not record.platform.runs_device_os:
        raise UnsupportedError(f"{record.label}: a {record.platform.display} runs Linux, not Device OS: it takes "
                               f"no Particle USB requests and has no DFU, listening or safe mode, so pdiag cannot "
                               f"{what}",
                               "Restart it from Linux (`sudo reboot`); flash it with particle-cli "
                               "(`particle flash --tachyon`).", reference="mode.unsupported")
    # A device that did not answer its probe can still be put in DFU mode through its serial port (the magic
    # baud rate is handled by the USB stack, not the application), and reset by a raw request (answered in the
    # USB interrupt); every other switch needs it to answer.
    if record.status == "unresponsive" and not resetting and not (target == "dfu" and record.serial_port):
        raise unresponsive_error(record, target)
    if record.platform is None and not (target == "dfu" and record.serial_port):
        vid_pid = f"{record.usb.vid:04x}:{record.usb.pid:04x}" if record.usb else "unknown"
        raise UnsupportedError(f"{record.label}: pdiag does not know this product ID ({vid_pid}), so it cannot "
                               f"tell how to switch it to {target} mode",
                               "Use the device's buttons; if it is a new Particle product, report its USB IDs "
                               "(`pdiag list --json`).", reference="device.unknown-pid")
    if record.status == "protected" and record.mode != "dfu":
        raise ProtectedDeviceError(
            f"{record.label}: Device Protection refuses mode changes over USB",
            "`pdiag protection` explains what Device Protection allows. Put the device in service mode "
            "(`particle device-protection disable`), or use the buttons: " + button_hint(record, target),
        )


def _refuse_usb_path(record: DeviceRecord, target: str) -> None:
    """``--via usb`` on a device that cannot take USB control requests: say why instead of using serial."""
    p = record.platform
    version = record.device_os or "0.0.0"
    if p is None:
        why = "its platform is unknown"
    elif record.status == "unresponsive":
        why = "it does not answer USB requests"
    elif not capabilities.has_control_service(p.generation, version):
        why = (f"Device OS {record.device_os} predates USB control requests" if record.device_os else
               "its Device OS is too old for USB control requests (it does not even report its version)")
    else:
        return
    raise UnsupportedError(f"{record.label}: --via usb is not possible: {why}",
                           "Leave --via out (pdiag picks the serial path), or pass --via serial; or use the "
                           "buttons: " + button_hint(record, target), reference="mode.via-unavailable")


def _request(record: DeviceRecord, target: str, host: Host, via: str | None,
             deadline: float) -> tuple[str, bool, DeviceRecord]:
    """Send what makes the device change mode; returns (path, whether it resets on the way, the record to
    confirm against: a device that had to leave DFU first has a new address)."""
    if record.mode == "dfu":
        if target == "safe" and _dfu_safe_mode(record, host):
            return "dfuse", True, record
        path = _leave_dfu(record, host)
        if target == "normal":
            return path, True, record
        # DFU -> listening (or safe without 0xFA): back to the application first, then ask again, all within
        # the caller's --timeout.
        now = host.clock.monotonic()
        back = _confirm(record, "normal", host, now, max(0.0, deadline - now), path, True,
                        accept=("normal", "safe"))
        assert back.record is not None
        record = back.record
    p = record.platform
    version = record.device_os or "0.0.0"
    has_requests = p is not None and capabilities.has_control_service(p.generation, version) and \
        record.status != "unresponsive"
    if via == "usb" and not has_requests:
        _refuse_usb_path(record, target)
    if via == "serial" or not has_requests:
        return _serial_path(record, target, host, version), target in ("dfu",), record
    request = {"dfu": R.DFU_MODE, "safe": R.SAFE_MODE, "listening": R.START_LISTENING,
               "normal": R.STOP_LISTENING if record.mode == "listening" else R.RESET}[target]
    _send_request(record, host, request, target)
    return "usb-request", request in (R.DFU_MODE, R.SAFE_MODE, R.RESET), record


def _send_request(record: DeviceRecord, host: Host, request: int, target: str) -> None:
    try:
        with control_session(record, host) as client:  # RESET(0) on open is safe: we hold the device's lock
            reply = client.request(request)
    except DeviceGoneError as exc:
        raise DeviceGoneError(f"{record.label} was unplugged during the switch to {target} mode",
                              "Plug it back in; if it does not show up, use the buttons: "
                              + button_hint(record, target), reference="mode.unplugged") from exc
    if reply.result == Result.OK:
        return
    if reply.result == Result.PROTECTED:
        raise ProtectedDeviceError(f"{record.label}: Device Protection refused the switch to {target} mode",
                                   "Use the buttons: " + button_hint(record, target))
    if reply.result == Result.NOT_ALLOWED and request == R.START_LISTENING:
        raise ListeningDisabledError(
            f"{record.label}: the firmware has disabled listening mode (FEATURE_DISABLE_LISTENING_MODE)",
            "Flash firmware that allows listening mode, or configure the device another way.")
    if reply.result == Result.NOT_SUPPORTED:
        raise UnsupportedError(f"{record.label}: this Device OS does not support the request for {target} mode",
                               "Use the buttons: " + button_hint(record, target), reference="mode.unsupported")
    raise RequestFailed(request, reply.result)


def _serial_path(record: DeviceRecord, target: str, host: Host, version: str) -> str:
    """Firmware without control requests: the magic baud rates, or the console's 'x' to leave listening."""
    from particle_diag.transport.serial import SerialConsole, pulse_magic_baud

    if record.serial_port is None:
        raise UnsupportedError(
            f"{record.label}: the firmware predates USB control requests and no serial port was found",
            "Use the buttons: " + button_hint(record, target), reference="mode.unsupported")
    if target == "dfu" or (target == "listening" and capabilities.listening_baud_supported(version)):
        pulse_magic_baud(record.serial_port, capabilities.magic_baud(target), host.trace)
        host.clock.sleep(timeouts.MAGIC_BAUD_SETTLE_S)
        return "magic-baud"
    if target == "normal" and record.mode == "listening":
        with SerialConsole(record.serial_port, clock=host.clock, trace=host.trace) as console:
            console.send("x")  # listening-mode console: leave listening mode (system_setup.cpp)
        return "serial-console"
    raise UnsupportedError(
        f"{record.label}: no USB or serial path into {target} mode on Device OS {version}",
        "Use the buttons: " + button_hint(record, target), reference="mode.unsupported")


def _leave_dfu(record: DeviceRecord, host: Host) -> str:
    from particle_diag.devices.dfu_session import dfu_client

    host.say(f"{record.device_id}: leaving DFU (DfuSe zero-length download)")
    with open_usb(record, host) as dev:
        _ignore_reset_race(lambda: dfu_client(dev, host).leave())
    return "dfuse"


def _dfu_safe_mode(record: DeviceRecord, host: Host) -> bool:
    """Particle's DfuSe command 0xFA (reboot into safe mode), where GET_COMMANDS lists it; False otherwise."""
    from particle_diag.catalog.dfu import DfuseCommand
    from particle_diag.devices.dfu_session import dfu_client

    with open_usb(record, host) as dev:
        client = dfu_client(dev, host)
        if DfuseCommand.ENTER_SAFE_MODE not in client.get_commands():
            return False
        _ignore_reset_race(client.enter_safe_mode)
    return True


def _ignore_reset_race(action: Callable[[], object]) -> None:
    """A device that resets while answering may fail the last transfer; it did what was asked
    (dfu-util prints "Error during download get_status" then: particle-cli issues #68, #498)."""
    try:
        action()
    except (DeviceGoneError, DeviceTimeoutError):
        pass


# -- confirmation ------------------------------------------------------------------------------------------
def _confirm(record: DeviceRecord, target: str, host: Host, start: float, timeout_s: float, path: str,
             expect_reset: bool, accept: tuple[str, ...] | None = None, busy_is_back: bool = False) -> ModeChange:
    """Wait until the device is seen again in one of ``accept`` modes.  ``busy_is_back`` (a reset): a device that
    re-enumerated but whose application blocks the system thread again is back, and says so.  Each poll is
    reported to ``host.waiting`` (the CLI's progress line)."""
    try:
        return _wait_for_mode(record, target, host, start, timeout_s, path, expect_reset, accept, busy_is_back)
    finally:
        host.done_waiting(record.device_id or record.label)


def _wait_for_mode(record: DeviceRecord, target: str, host: Host, start: float, timeout_s: float, path: str,
                   expect_reset: bool, accept: tuple[str, ...] | None, busy_is_back: bool) -> ModeChange:
    accept = accept or (target,)
    deadline = start + timeout_s
    old_address = record.usb.address if record.usb else None
    old_pid = record.usb.pid if record.usb else None
    wrong_since: float | None = None
    seen: DeviceRecord | None = None
    while True:
        now = host.clock.monotonic()
        try:
            seen = locate(host, record.device_id, record.usb.path if record.usb else None)
        except PdiagError:
            seen = None  # the bus changes under us while the device re-enumerates
        fresh = seen is not None and (not expect_reset or seen.usb is None or old_address is None
                                      or (seen.usb.address, seen.usb.pid) != (old_address, old_pid))
        if seen is not None and fresh and seen.status == "unresponsive" and busy_is_back:
            change = ModeChange(record.device_id, record.mode, "unknown", now - start, path, seen)
            change.confirmed_by = "re-enumeration"
            why = unresponsive_error(seen, "safe")
            change.notes.append(f"it restarted, but still does not answer: {why.message.split(') ', 1)[-1]}")
            return change
        if seen is not None and fresh and seen.status != "unresponsive":
            mode = "safe" if target == "safe" and path != "none" and seen.mode == "normal" else seen.mode
            if mode in accept or (target == "normal" and seen.mode in accept):
                change = ModeChange(record.device_id, record.mode, mode, now - start, path, seen)
                if target == "safe" and seen.mode == "normal":
                    change.confirmed_by = "re-enumeration"
                    change.notes.append("safe mode is not reported over USB: confirmed by the restart after "
                                        "the request (the LED breathes magenta)")
                return change
            wrong_since = now if wrong_since is None else wrong_since
            if now - wrong_since >= timeouts.MODE_SETTLE_S and seen.mode not in ("unknown",):
                raise _wrong_mode(record, seen, target)
        if now >= deadline:
            if wrong_since is not None and seen is not None and seen.mode not in ("unknown",):
                # it did restart (fresh on the bus) but into another mode: that is what happened, not a timeout
                raise _wrong_mode(record, seen, target)
            where = "never came back" if seen is None else f"is still in {seen.mode} mode"
            raise ModeTimeoutError(
                f"{record.label} {where} after {timeout_s:g} s waiting for {target} mode",
                "Check the cable and power. To switch by hand: " + button_hint(record, target))
        host.waiting(record.device_id or record.label, f"{record.label} in {target} mode", now - start, timeout_s)
        host.clock.sleep(min(host.poll_interval_s, max(0.0, deadline - now)))


def _wrong_mode(record: DeviceRecord, seen: DeviceRecord, target: str) -> WrongModeError:
    hint = "Try again; if it keeps happening use the buttons: " + button_hint(record, target)
    if seen.mode == "safe":
        hint = ("The user firmware fails its module checks (usually it needs a newer Device OS), so the device keeps "
                "starting in safe mode: `pdiag identify` shows which check fails; flash a matching Device OS or "
                "other user firmware.")
    return WrongModeError(f"{record.label} came back in {seen.mode} mode instead of {target} mode", hint)

"""Typed errors shared by every layer.

Each error carries a stable ``reference`` (used in JSON output; every one is listed with its exit code, cause and
fix in error_references.py, from which docs/errors.md is generated), a one-line ``message`` and a ``hint`` saying
what to do next.  Only the CLI turns them into text and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (docs/exit-codes.md). Scripts depend on these numbers: never renumber."""

    OK = 0
    FAILURE = 1  # an unexpected internal error (a bug): reported without a traceback unless --trace
    USAGE = 2
    NO_DEVICE = 3
    AMBIGUOUS = 4
    PERMISSION = 5
    TIMEOUT = 6
    PROTOCOL = 7
    UNSUPPORTED = 8
    CHECK_FAILED = 9
    PROTECTED = 10
    NOT_FOUND = 11  # a lookup that matched nothing (e.g. an LED description, an SOS code)
    ENVIRONMENT = 12  # a host prerequisite is missing (umockdev, libusb, ...)
    REFUSED = 13  # an irreversible step (protected region, existing file) was not consented to
    IN_USE = 14  # the device is held by another pdiag process (or another program)
    WRONG_MODE = 15  # the device came back, but not in the mode that was asked for
    NOT_SEEN = 16  # `monitor --until`: the expected output did not appear before --duration ended
    INTERRUPTED = 130


def worst_exit_code(codes: Iterable[int]) -> int:
    """The exit code of several results at once (``--all``, a factory check): an interruption outranks every
    failure, and otherwise the highest code wins; 0 when nothing failed (docs/exit-codes.md)."""
    codes = [int(c) for c in codes if c]
    if ExitCode.INTERRUPTED in codes:
        return int(ExitCode.INTERRUPTED)
    return max(codes, default=int(ExitCode.OK))


def worst_error(errors: Iterable[PdiagError | None]) -> PdiagError | None:
    """The error whose exit code is :func:`worst_exit_code` of them all (the one a JSON envelope reports)."""
    found = [e for e in errors if e is not None]
    code = worst_exit_code(e.exit_code for e in found)
    return next((e for e in found if e.exit_code == code), None)


class PdiagError(Exception):
    """Base of every error pdiag raises on purpose."""

    reference: str = "pdiag.error"
    exit_code: ExitCode = ExitCode.FAILURE
    default_hint: str = ""

    def __init__(self, message: str, hint: str | None = None, *, reference: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        if reference is not None:
            self.reference = reference

    def as_dict(self) -> dict[str, str]:
        return {"reference": self.reference, "message": self.message, "hint": self.hint}


class UsageError(PdiagError):
    reference = "usage.invalid"
    exit_code = ExitCode.USAGE
    default_hint = "Run the command with --help to see its options."


class NoDeviceError(PdiagError):
    reference = "device.none"
    exit_code = ExitCode.NO_DEVICE
    default_hint = (
        "Check the USB cable (some are charge-only) and that the device is powered; "
        "run `pdiag doctor` to check this computer's USB set-up."
    )


class AmbiguousSelectionError(PdiagError):
    reference = "device.ambiguous"
    exit_code = ExitCode.AMBIGUOUS
    default_hint = "Name one device by ID prefix, serial port or USB path, or pass --all."

    def __init__(self, message: str, candidates: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.candidates = candidates


class PermissionDeniedError(PdiagError):
    reference = "host.permission"
    exit_code = ExitCode.PERMISSION
    default_hint = (
        "Install the udev rules: sudo cp udev/50-particle.rules /etc/udev/rules.d/ && "
        "sudo udevadm control --reload-rules, then unplug and replug the device."
    )


class DeviceTimeoutError(PdiagError):
    reference = "device.timeout"
    exit_code = ExitCode.TIMEOUT
    default_hint = "The device did not answer in time: it may be busy in a tight loop. Reset it and try again."


class ProtocolError(PdiagError):
    reference = "device.protocol"
    exit_code = ExitCode.PROTOCOL
    default_hint = "The device answered something unexpected. Run again with --trace and attach the output to a report."


class DeviceGoneError(ProtocolError):
    reference = "device.gone"
    default_hint = "The device was unplugged or reset during the operation. Plug it back in and run the command again."


class UnsupportedError(PdiagError):
    reference = "device.unsupported"
    exit_code = ExitCode.UNSUPPORTED
    default_hint = "This device or its Device OS version does not support the operation."


class ProtectedDeviceError(PdiagError):
    reference = "device.protected"
    exit_code = ExitCode.PROTECTED
    default_hint = (
        "Device Protection is on: over USB the device answers only its ID and protection state, and in DFU mode its "
        "memory can only be erased. `pdiag protection` explains what that allows; service mode "
        "(`particle device-protection disable`) lifts it to diagnose the device."
    )


class ConsentRequiredError(PdiagError):
    """An irreversible step needs explicit consent (``--force`` or a TTY confirmation) that was not given."""

    reference = "safety.consent"
    exit_code = ExitCode.REFUSED
    default_hint = "Nothing was changed. Pass --yes to confirm, or run it in a terminal to be asked."


class DeviceInUseError(PdiagError):
    reference = "device.in-use"
    exit_code = ExitCode.IN_USE
    default_hint = "Wait for the other command to finish, or pass --wait-lock to wait for it."


class WrongModeError(PdiagError):
    reference = "mode.wrong"
    exit_code = ExitCode.WRONG_MODE
    default_hint = "The device restarted but not into the requested mode; see docs/modes.md."


class NotSeenError(PdiagError):
    """``monitor --until``: the expected output did not appear before ``--duration`` ended."""

    reference = "monitor.not-seen"
    exit_code = ExitCode.NOT_SEEN


class NotFoundError(PdiagError):
    reference = "lookup.none"
    exit_code = ExitCode.NOT_FOUND


class EnvironmentMissingError(PdiagError):
    reference = "host.missing"
    exit_code = ExitCode.ENVIRONMENT


class CheckFailedError(PdiagError):
    reference = "check.failed"
    exit_code = ExitCode.CHECK_FAILED


class TransferStallError(ProtocolError):
    """The device stalled a control transfer (EPIPE): it refused the request."""

    reference = "usb.stall"


class ReplayMismatchError(PdiagError):
    """``--sim replay:FILE``: the command asked a replayed device for something its recording does not hold."""

    reference = "replay.mismatch"
    exit_code = ExitCode.PROTOCOL
    default_hint = ("The recording was made with another command, options or pdiag version: replay the command "
                    "line in its header record (docs/record-replay.md).")


class OperationInterrupted(PdiagError):
    """SIGINT/SIGTERM stopped an operation at a safe boundary.

    ``step`` names what was interrupted, ``device_state`` what the device is left in, and ``recovery`` the
    exact command that recovers it (empty when nothing needs recovering).  The CLI prints one line each.
    """

    reference = "interrupted"
    exit_code = ExitCode.INTERRUPTED

    def __init__(self, step: str, device_state: str = "", recovery: str = "", hint: str | None = None) -> None:
        super().__init__(f"interrupted during {step}", hint if hint is not None else (
            f"Run `{recovery}` to recover the device." if recovery else "Nothing needs recovering."))
        self.step = step
        self.device_state = device_state
        self.recovery = recovery

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "step": self.step, "device_state": self.device_state,
                "recovery": self.recovery}

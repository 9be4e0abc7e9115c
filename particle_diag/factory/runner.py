"""Running a station spec on many devices at once: one worker per device, every outcome kept.

A device that fails, times out or is unplugged mid-check becomes a record saying so; the other devices carry
on.  Waiting goes through ``host.clock`` (instant in tests with a fake clock).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from particle_diag.devices.host import Host
from particle_diag.devices.identify import Identity
from particle_diag.devices.record import DeviceRecord

if TYPE_CHECKING:
    from particle_diag.devices.bundle import Bundle
    from particle_diag.devices.update import UpdateResult
from particle_diag.errors import (
    CheckFailedError,
    DeviceGoneError,
    DeviceTimeoutError,
    ExitCode,
    PdiagError,
    ProtocolError,
    worst_exit_code,
)
from particle_diag.factory.expectations import ExpectationResult, evaluate
from particle_diag.factory.spec import StationSpec, Step

VERDICTS = ("pass", "fail", "error")


class StepIncompleteError(CheckFailedError):
    """An identify step whose required fields stayed unknown after every retry: the device fails the check."""

    reference = "check.step-incomplete"
    default_hint = "The device answered but never reported the field: check the SIM, antenna or module."


class CheckInterruptedError(PdiagError):
    reference = "interrupted"
    exit_code = ExitCode.INTERRUPTED


class _ModeResult(Protocol):
    record: DeviceRecord | None


@dataclass
class Operations:
    """What the runner does to devices; tests replace these with fakes."""

    change_mode: Callable[..., _ModeResult]
    reset: Callable[..., _ModeResult]
    identify: Callable[[DeviceRecord, Host], Identity]
    locate: Callable[[Host, str | None, str | None], DeviceRecord | None]
    vitals: Callable[[DeviceRecord, Host], Any] | None = None  # devices.vitals.read_vitals
    update: Callable[..., UpdateResult] | None = None  # the `update` step (None: devices.update)

    @classmethod
    def real(cls) -> Operations:
        from particle_diag.devices import modes
        from particle_diag.devices.discovery import locate
        from particle_diag.devices.identify import identify
        from particle_diag.devices.vitals import read_vitals

        return cls(modes.change_mode, modes.reset, identify, locate, read_vitals)


@dataclass
class DeviceProgress:
    """A worker's news for live displays: what one device is doing now."""

    key: str  # device ID, or USB path when the ID is unknown
    platform: str | None
    phase: str  # "step" | "retry" | "expect" | "done"
    text: str
    step: int = 0  # 1-based index of the current step
    steps: int = 0
    elapsed_s: float = 0.0
    verdict: str | None = None  # set when phase == "done"


@dataclass
class StepResult:
    index: int
    label: str
    action: str
    ok: bool
    attempts: int
    elapsed_s: float
    implicit: bool = False
    error: PdiagError | None = None
    notes: list[str] = field(default_factory=list)
    reached: bool = True
    data: dict[str, Any] | None = None  # what the step did, where it has more to say (update: every module)

    def to_dict(self) -> dict[str, Any]:
        out = {"index": self.index, "step": self.label, "action": self.action, "ok": self.ok,
               "attempts": self.attempts, "elapsed_s": round(self.elapsed_s, 3), "implicit": self.implicit,
               "error": self.error.as_dict() if self.error else None, "notes": self.notes}
        if self.data is not None:
            out["data"] = self.data
        return out


@dataclass
class DeviceResult:
    key: str
    device_id: str | None
    platform: str | None
    usb_path: str | None
    serial_port: str | None
    station: str
    steps: list[StepResult] = field(default_factory=list)
    expectations: list[ExpectationResult] = field(default_factory=list)
    identity: Identity | None = None
    vitals: Any = None  # protocol.vitals.Vitals, read when the spec expects vitals
    error: PdiagError | None = None
    mode: str | None = None
    elapsed_s: float = 0.0
    started_at: float = 0.0  # host clock (monotonic) when the worker began

    @property
    def failed_expectations(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.ok]

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "fail" if self.error.exit_code == ExitCode.CHECK_FAILED else "error"
        return "fail" if self.failed_expectations else "pass"

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return int(self.error.exit_code)
        return int(ExitCode.CHECK_FAILED) if self.failed_expectations else int(ExitCode.OK)

    @property
    def reason(self) -> str:
        """One line: why the device did not pass ("" when it passed)."""
        if self.error is not None:
            return self.error.message
        return "; ".join(e.message for e in self.failed_expectations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "platform": self.platform, "usb_path": self.usb_path,
            "serial_port": self.serial_port, "station": self.station, "verdict": self.verdict,
            "exit_code": self.exit_code, "elapsed_s": round(self.elapsed_s, 3), "mode": self.mode,
            "failed": [e.name for e in self.failed_expectations] + ([self.error.reference] if self.error else []),
            "reason": self.reason or None,
            "steps": [s.to_dict() for s in self.steps],
            "expectations": [e.to_dict() for e in self.expectations],
            "identity": self.identity.to_dict() if self.identity else None,
            "vitals": self.vitals.to_dict() if self.vitals is not None else None,
            "error": self.error.as_dict() if self.error else None,
        }


@dataclass
class CheckReport:
    station: str
    source: str
    devices: list[DeviceResult]
    elapsed_s: float
    interrupted: bool = False

    def count(self, verdict: str) -> int:
        return sum(1 for d in self.devices if d.verdict == verdict)

    @property
    def exit_code(self) -> int:
        return overall_exit_code(self.devices, self.interrupted)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def summary(self) -> dict[str, Any]:
        return {"devices": len(self.devices), "passed": self.count("pass"), "failed": self.count("fail"),
                "errors": self.count("error"), "elapsed_s": round(self.elapsed_s, 3), "exit_code": self.exit_code}

    def to_dict(self) -> dict[str, Any]:
        return {"station": self.station, "spec": self.source, "summary": self.summary(),
                "devices": [d.to_dict() for d in self.devices]}


def overall_exit_code(results: list[DeviceResult], interrupted: bool = False) -> int:
    """130 if interrupted; else the highest code of a device pdiag could not check (5 permission, 6 timeout,
    7 protocol or unplugged, ...); else 9 if a device failed an expectation; else 0 (docs/factory.md)."""
    if interrupted:
        return int(ExitCode.INTERRUPTED)
    errors = worst_exit_code(r.exit_code for r in results if r.verdict == "error")
    if errors:
        return errors
    if any(r.verdict == "fail" for r in results):
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)


# -- the runner ------------------------------------------------------------------------------------------------
class CheckRunner:
    def __init__(self, spec: StationSpec, host: Host, *, operations: Operations | None = None,
                 on_progress: Callable[[DeviceProgress], None] | None = None,
                 on_result: Callable[[DeviceResult], None] | None = None,
                 stop: threading.Event | None = None) -> None:
        self.spec = spec
        self.host = host
        self.ops = operations or Operations.real()
        self._on_progress = on_progress
        self._on_result = on_result
        self.stop = stop or threading.Event()

    def run(self, records: list[DeviceRecord]) -> CheckReport:
        """Check every record in parallel; results come back in the order of ``records``."""
        start = self.host.clock.monotonic()
        workers = len(records) if self.spec.parallel is None else min(self.spec.parallel, len(records))
        if len(records) <= 1:
            results = [self.check_one(r) for r in records]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pdiag-check") as pool:
                try:
                    results = list(pool.map(self.check_one, records))
                except BaseException:
                    self.stop.set()  # Ctrl-C: the workers stop at their next step or retry, then the pool joins
                    raise
        return CheckReport(self.spec.name, self.spec.source, results, self.host.clock.monotonic() - start,
                           interrupted=self.stop.is_set())

    def check_one(self, record: DeviceRecord) -> DeviceResult:
        """Run the steps, then judge the expectations.  Never raises: every outcome is a result."""
        clock = self.host.clock
        start = clock.monotonic()
        result = DeviceResult(record.key, record.device_id,
                              record.platform.name if record.platform else None,
                              record.usb.path if record.usb else None, record.serial_port, self.spec.name,
                              mode=record.mode, started_at=start)
        try:
            self._run(record, result, start)
        except PdiagError as exc:
            result.error = exc
        except Exception as exc:
            result.error = PdiagError(f"internal error: {type(exc).__name__}: {exc}",
                                      "This is a bug in pdiag. Run again with --trace and report it.",
                                      reference="internal")
        result.elapsed_s = clock.monotonic() - start
        self._mark_unreached(result)
        self._progress(result, "done", result.verdict.upper(), len(result.steps), verdict=result.verdict)
        if self._on_result is not None:
            self._on_result(result)
        return result

    def _run(self, record: DeviceRecord, result: DeviceResult, start: float) -> None:
        if record.status in ("inaccessible", "unresponsive") and record.problem is not None:
            raise record.problem
        identity: Identity | None = None
        steps = self.spec.steps
        for index, step in enumerate(steps, start=1):
            self._progress(result, "step", step.label, index)
            outcome = StepResult(index, step.label, step.action, False, 0, 0.0, step.implicit)
            result.steps.append(outcome)
            record, ident = self._run_step(step, index, record, result, outcome, start)
            result.mode = record.mode
            result.usb_path = record.usb.path if record.usb else result.usb_path
            result.serial_port = record.serial_port or result.serial_port
            result.device_id = result.device_id or record.device_id
            if ident is not None:
                identity = ident
        assert identity is not None  # the spec always ends with an identify step
        result.identity = identity
        self._progress(result, "expect", "expectations", len(steps))
        if self.spec.expect.needs_vitals:
            result.vitals = self._read_vitals(record, result)
        result.expectations = evaluate(self.spec.expect, identity, record, result.vitals)

    def _read_vitals(self, record: DeviceRecord, result: DeviceResult) -> Any:
        """The device's vitals for the [expect] vitals keys; with ``cloud`` read again every
        ``timeouts.CLOUD_POLL_S`` until the cloud status is one expected or ``cloud_timeout_s`` has passed."""
        from particle_diag.catalog import timeouts

        expect, clock = self.spec.expect, self.host.clock
        deadline = clock.monotonic() + expect.cloud_timeout_s
        assert self.ops.vitals is not None
        while True:
            if self.stop.is_set():
                raise CheckInterruptedError("interrupted")
            try:
                vitals = self.ops.vitals(record, self.host).vitals
            except PdiagError as exc:
                result.steps[-1].notes.append(f"vitals: {exc.message}")
                return None
            if not expect.cloud or vitals.cloud.status in expect.cloud or clock.monotonic() >= deadline:
                return vitals
            self._progress(result, "expect", f"waiting for the cloud ({vitals.cloud.status})", len(self.spec.steps))
            clock.sleep(min(timeouts.CLOUD_POLL_S, max(0.0, deadline - clock.monotonic())))

    def _expect_log(self, step: Step, record: DeviceRecord) -> None:
        """Follow the device's USB serial log until a line matches ``step.pattern`` (docs/monitor.md)."""
        import re

        from particle_diag.devices.monitor import Monitor

        assert step.pattern is not None
        monitor = Monitor(self.host, [record], stop=self.stop)
        seen = monitor.run(lambda item: None, duration_s=step.timeout_s, until=re.compile(step.pattern))
        if seen.reason == "stopped":
            raise CheckInterruptedError("interrupted")
        if seen.reason != "matched":
            raise CheckFailedError(f"no line of the device's USB serial log matched /{step.pattern}/ within "
                                   f"{step.timeout_s:g} s ({seen.lines} lines seen)",
                                   "Check that the application logs to USB serial (SerialLogHandler) and the "
                                   "pattern; `pdiag monitor` shows the log.", reference="check.log-not-seen")

    def _run_step(self, step: Step, index: int, record: DeviceRecord, result: DeviceResult,
                  outcome: StepResult, device_start: float) -> tuple[DeviceRecord, Identity | None]:
        clock = self.host.clock
        step_start = clock.monotonic()
        last: PdiagError | None = None
        try:
            for attempt in range(step.retries + 1):
                if self.stop.is_set():
                    raise CheckInterruptedError("interrupted")
                self._check_budget(device_start)
                outcome.attempts = attempt + 1
                if attempt:
                    self._progress(result, "retry", f"{step.label} (attempt {attempt + 1}/{step.retries + 1}: "
                                                    f"{last.message if last else ''})", index)
                    clock.sleep(step.retry_delay_s)
                try:
                    if attempt:
                        record = self._relocate(record)
                    record, ident = self._attempt(step, record, outcome)
                    outcome.ok = True
                    return record, ident
                except PdiagError as exc:
                    if not _retryable(exc):
                        raise
                    last = exc
                    outcome.notes.append(f"attempt {attempt + 1}: {exc.message}")
            assert last is not None
            raise last
        except PdiagError as exc:
            outcome.error = exc
            raise
        finally:
            outcome.elapsed_s = clock.monotonic() - step_start

    def _attempt(self, step: Step, record: DeviceRecord,
                 outcome: StepResult | None = None) -> tuple[DeviceRecord, Identity | None]:
        clock = self.host.clock
        start = clock.monotonic()
        if step.action == "update":
            return self._update(step, record, outcome), None
        if step.action == "setup_done":
            self._setup_done(record, outcome)
            return record, None
        if step.action == "wait":
            clock.sleep(step.seconds)
            return record, None
        if step.action == "expect_log":
            self._expect_log(step, record)
            return record, None
        if step.action in ("enter", "reset"):
            if step.action == "enter":
                change = self.ops.change_mode(record, step.mode, self.host, timeout_s=step.timeout_s)
            else:
                change = self.ops.reset(record, self.host, timeout_s=step.timeout_s)
            return change.record or record, None
        host = dataclasses.replace(self.host, request_timeout_s=min(self.host.request_timeout_s, step.timeout_s))
        identity = self.ops.identify(record, host)
        elapsed = clock.monotonic() - start
        if elapsed > step.timeout_s:
            raise DeviceTimeoutError(f"{step.label} took {elapsed:.1f} s, longer than its {step.timeout_s:g} s "
                                     "timeout", reference="check.step-timeout")
        missing = [name for name in step.require
                   if _applies(name, record) and getattr(identity, name) in (None, [], "")]
        if missing:
            raise _NotReadyError(f"{step.label}: {', '.join(missing)} still unknown")
        return record, identity

    def _update(self, step: Step, record: DeviceRecord, outcome: StepResult | None) -> DeviceRecord:
        """Bring the device to the step's bundle (docs/flashing.md): what it has already is skipped, so a retry
        or a second station run finishes the job instead of starting over."""
        assert step.bundle is not None
        update = self.ops.update or _update_device
        result = update(record, self.host, step.bundle, timeout_s=step.timeout_s)
        if outcome is not None:
            outcome.data = result.to_dict()
            outcome.notes = [*outcome.notes, *(f"{m.action} {m.step.module.describe()}" for m in result.modules)]
        if result.error is not None:
            raise result.error
        return result.record or record

    def _setup_done(self, record: DeviceRecord, outcome: StepResult | None) -> None:
        """Set the Gen 3 setup-done flag (requests 73/74, devices/setup_done.py), as Particle's manufacturing guide
        does in production.  A platform without the flag has nothing to set: the step passes and says so."""
        from particle_diag.catalog import capabilities
        from particle_diag.devices.setup_done import setup_done

        p = record.platform
        if p is not None and capabilities.setup_done_flag(p.generation, record.device_os or "0.0.0") is None:
            if outcome is not None:
                outcome.notes.append("this platform has no setup-done flag (only Gen 3 devices use one): nothing "
                                     "to set")
            return
        result = setup_done(record, self.host, set_to=True)
        if outcome is not None:
            outcome.data = result.to_dict()
            outcome.notes = [*outcome.notes, *result.notes]

    def _relocate(self, record: DeviceRecord) -> DeviceRecord:
        """Find the device again before a retry (a reset may have moved it to a new address)."""
        found = self.ops.locate(self.host, record.device_id, record.usb.path if record.usb else None)
        if found is None:
            raise DeviceGoneError(f"{record.key} is no longer attached (unplugged during the check?)",
                                  reference="check.unplugged")
        return found

    def _check_budget(self, device_start: float) -> None:
        budget = self.spec.device_timeout_s
        if budget is not None and self.host.clock.monotonic() - device_start > budget:
            raise DeviceTimeoutError(f"the device's {budget:g} s check budget ([station] device_timeout_s) ran out",
                                     reference="check.device-timeout")

    def _mark_unreached(self, result: DeviceResult) -> None:
        done = len(result.steps)
        for index, step in enumerate(self.spec.steps[done:], start=done + 1):
            result.steps.append(StepResult(index, step.label, step.action, False, 0, 0.0, step.implicit,
                                           reached=False))

    def _progress(self, result: DeviceResult, phase: str, text: str, step: int, verdict: str | None = None) -> None:
        if self._on_progress is None:
            return
        elapsed = self.host.clock.monotonic() - result.started_at
        self._on_progress(DeviceProgress(result.key, result.platform, phase, text, step, len(self.spec.steps),
                                   elapsed, verdict))


class _NotReadyError(StepIncompleteError):
    """Required identity fields still unknown: retried, and a check failure once retries run out."""


def _update_device(record: DeviceRecord, host: Host, bundle: Bundle, *, timeout_s: float) -> UpdateResult:
    from particle_diag.devices.update import prepare_update, update_device

    return update_device(prepare_update(record, bundle), host, timeout_s=timeout_s)


def _applies(name: str, record: DeviceRecord) -> bool:
    """ICCID and IMEI are only required of cellular devices, the MAC only of Wi-Fi ones."""
    need = {"iccid": "cellular", "imei": "cellular", "mac": "wifi"}.get(name)
    return need is None or record.platform is None or record.platform.has(need)


def _retryable(exc: PdiagError) -> bool:
    return isinstance(exc, DeviceTimeoutError | ProtocolError | _NotReadyError)


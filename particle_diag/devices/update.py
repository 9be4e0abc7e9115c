"""``pdiag update``: bring a device's firmware modules to those of a bundle, writing only what differs.

For one device (``update_device``), in order:

1. Pre-flight, before the device is touched: the bundle is for the device's platform, every module written over
   DFU lies in its slot (``flashing.prepare_flash``), a module sent through Device OS lies in its own, and the
   device is not protected.
2. Read what the device has (devices/installed.py: module info, or the ``s`` reply) and plan
   (devices/update_plan.py): skip what is there, check every dependency against the bundle and the device, order
   the rest.  A refusal here leaves the device in the mode it was found in.
3. Write the modules in plan order: runs of DFU modules in one DFU session through ``flashing.flash_modules``
   (erase, write, verify; its interruption and recovery rules), modules that need Device OS with the
   firmware-update requests (devices/ota.py); the device restarts after each run.  Application assets last, each
   as an asset module through Device OS (which stores it in its asset storage, then restarts).
4. Confirm: read the modules again; every written module must be reported with its version (and a user part
   with its SHA-256), passing its checks; every written asset must be listed with its SHA-256 (request 91; on
   Device OS 5.5.x, which cannot list assets, it stays unconfirmed).

Every outcome is kept: a failure or a Ctrl-C stops this device's update, and the result says what was written,
what was not and how to recover (the same command again: what is already there is skipped).

With ``backup`` (``pdiag update --backup DIR``), every module written over DFU first saves the flash sectors it
will erase, as ``pdiag flash --backup`` does (devices/backup.py: the raw bytes and a ``.json`` record, written
atomically; an existing file is replaced only with consent, except this device's own earlier backup of the same
range, which is kept), as ``DIR/<device ID>/<function>-<index>.bin``; ``pdiag flash --restore FILE DEVICE`` writes
one back.  What goes through Device OS cannot be saved that way, and the plan and the result say so: the
bootloader cannot be written back over DFU, NCP firmware lives in the network coprocessor's own flash, and assets in
Device OS's asset file system, neither of which USB reads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from particle_diag.catalog import timeouts
from particle_diag.clock import StoppableClock, StopRequested, stop_event
from particle_diag.devices.bundle import Bundle, BundleModule
from particle_diag.devices.bundle_assets import check_device_os
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.flashing import (
    PreparedFlash,
    deferred_interrupts,
    flash_modules,
    prepare_flash,
    refuse_protected,
)
from particle_diag.devices.host import Host
from particle_diag.devices.installed import Installed, read_installed, relocate
from particle_diag.devices.lock import device_lock
from particle_diag.devices.modes import device_selector
from particle_diag.devices.update_backup import backup_folder, collect_backups, make_folder, not_backed_up
from particle_diag.devices.update_plan import DFU, PlanStep, UpdatePlan, check_bundle_platform, plan_update
from particle_diag.errors import CheckFailedError, ExitCode, OperationInterrupted, PdiagError, UnsupportedError
from particle_diag.protocol.messages import ModuleInfo
from particle_diag.protocol.module_header import FirmwareFileError

WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"


class UpdateUnconfirmedError(CheckFailedError):
    """Written, but after the restart the device does not report the module (or reports it failing a check)."""

    reference = "update.unconfirmed"
    default_hint = ("`pdiag identify` shows the device's modules and which check fails; run the same update again, "
                    "or add the modules it depends on to the bundle.")


@dataclass(frozen=True)
class UpdateProgress:
    """News for live displays: what one device's update is doing now."""

    key: str  # device ID, or USB path when the ID is unknown
    text: str
    done: int = 0  # bytes of this device's writes done so far
    total: int = 0  # bytes to write on this device
    finished: bool = False


@dataclass
class ModuleOutcome:
    step: PlanStep
    action: str = FAILED  # written | skipped | failed (also: not reached)
    elapsed_s: float = 0.0
    confirmed: bool | None = None
    error: PdiagError | None = None
    reached: bool = True  # False: not attempted, the update stopped at an earlier module (``error`` says why)
    backup: str | None = None  # where the flash it replaced was saved (--backup), when it was
    restore: str | None = None  # the command that writes that backup back

    def to_dict(self) -> dict[str, Any]:
        h = self.step.module.header
        asset = {"asset": h.asset.name, "hash": h.asset.hash} if h.asset is not None else {}
        return {"file": self.step.module.name, "function": h.function, "index": h.index, "version": h.version,
                **asset, "route": self.step.route, "action": self.action, "elapsed_s": round(self.elapsed_s, 3),
                "reason": self.step.reason, "installed_version": self.step.installed_version,
                "confirmed": self.confirmed, "reached": self.reached, "backup": self.backup, "restore": self.restore,
                "error": self.error.as_dict() if self.error else None}


@dataclass
class UpdateResult:
    device_id: str | None
    platform: str | None
    plan: UpdatePlan
    modules: list[ModuleOutcome]
    planned_only: bool = False
    elapsed_s: float = 0.0
    device_os_before: str | None = None
    device_os_after: str | None = None
    mode_after: str | None = None
    error: PdiagError | None = None
    notes: list[str] = field(default_factory=list)
    record: DeviceRecord | None = None  # the device as it is on the bus afterwards (not in the JSON)

    @property
    def exit_code(self) -> int:
        return int(self.error.exit_code) if self.error is not None else int(ExitCode.OK)

    def count(self, action: str) -> int:
        return sum(1 for m in self.modules if m.action == action)

    def to_dict(self) -> dict[str, Any]:
        if self.planned_only:
            counts: dict[str, Any] = {"modules": [m.step.to_dict() for m in self.modules],
                                      "to_write": len(self.plan.writes),
                                      "to_skip": len(self.plan.steps) - len(self.plan.writes)}
        else:
            counts = {"modules": [m.to_dict() for m in self.modules], "written": self.count(WRITTEN),
                      "skipped": self.count(SKIPPED), "failed": self.count(FAILED)}
        return {"device_id": self.device_id, "platform": self.platform, "planned_only": self.planned_only,
                **counts, "elapsed_s": round(self.elapsed_s, 3),
                "device_os_before": self.device_os_before, "device_os_after": self.device_os_after,
                "mode_after": self.mode_after, "exit_code": self.exit_code, "notes": self.notes,
                "error": self.error.as_dict() if self.error else None}


# -- pre-flight (no device touched) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedUpdate:
    record: DeviceRecord
    bundle: Bundle
    prepared: dict[str, PreparedFlash]  # by module file name: the DFU-written ones, checked against the slots
    recovery: str
    backup: Path | None = None  # the folder this device's backups go to (--backup DIR/<device ID>)


def prepare_update(record: DeviceRecord, bundle: Bundle, *, recovery: str = "", backup: Path | None = None,
                   overwrite: bool = False, plan_only: bool = False) -> PreparedUpdate:
    """Everything that can be checked before the device is touched; a typed error otherwise.  ``backup``: a
    folder to save what each DFU write erases in (its device's subfolder is made here, unless ``plan_only``:
    then nothing is made or saved, the plan only says what could not be backed up); ``overwrite``: consent to
    replace files there (FileExistsRefusedError otherwise)."""
    platform = record.platform
    if platform is None:
        raise UnsupportedError(f"{record.label}: its platform is unknown, so the bundle cannot be checked against it",
                               reference="flash.platform-unknown")
    check_bundle_platform(bundle, platform)  # firmware.platform
    check_device_os(bundle, record.device_os, record.label)  # update.assets-device-os, when the version is known
    refuse_protected(record)
    rerun = recovery or f"pdiag update {bundle.source} {device_selector(record)}"
    folder = backup_folder(backup, record) if backup is not None else None
    if folder is not None and not plan_only:
        make_folder(folder)
    prepared: dict[str, PreparedFlash] = {}
    for module in bundle.modules:
        if module.function in ("bootloader",):
            _check_bootloader_slot(module, record)
        elif module.function != "ncp_firmware":
            saved = folder / f"{module.function}-{module.header.index}.bin" if folder and not plan_only else None
            prepared[module.name] = prepare_flash(record, module.image, recovery=rerun, backup=saved,
                                                  overwrite=overwrite)  # firmware.range, file.exists ...
    return PreparedUpdate(record, bundle, prepared, rerun, folder)


def _check_bootloader_slot(module: BundleModule, record: DeviceRecord) -> None:
    memory = record.platform.memory_map if record.platform else None
    h = module.header
    if memory is not None and not memory.fits("bootloader", 0, h.start, len(module.image)):
        slots = "; ".join(r.describe() for r in memory.slots_for("bootloader"))
        end = h.start + len(module.image) - 1
        raise FirmwareFileError(f"{module.name}: a bootloader for 0x{h.start:08X}-0x{end:08X} does not lie in the "
                                f"bootloader's slot ({slots})", reference="firmware.range")


# -- one device -----------------------------------------------------------------------------------------------------
def update_device(prepared: PreparedUpdate, host: Host, *, plan_only: bool = False,
                  progress: Callable[[UpdateProgress], None] | None = None,
                  timeout_s: float = timeouts.MODE_CHANGE_S) -> UpdateResult:
    """Plan, and unless ``plan_only`` write, restart and confirm.  Refusals before anything was written raise;
    afterwards every outcome (also a failure or an interruption) is in the result's ``error``."""
    record = prepared.record
    run = _Run(record.key, progress)
    start = host.clock.monotonic()
    with deferred_interrupts(host.clock) as stop, device_lock(record, host):
        if stop_event(host.clock) is None:  # a library call: every wait below ends on the same Ctrl-C
            host = dataclasses.replace(host, clock=StoppableClock(host.clock, stop))
        run.say("reading its modules")
        found_in = record.mode
        try:
            installed = read_installed(record, host, timeout_s=timeout_s, assets=_wants_assets(prepared.bundle))
        except StopRequested:
            raise OperationInterrupted(f"reading the modules of {record.key}", "nothing was written; it is in "
                                       f"{record.mode} mode or restarting into it", prepared.recovery) from None
        try:
            plan = plan_update(prepared.bundle, record.platform, installed.modules,  # type: ignore[arg-type]
                               installed.assets, installed.record.device_os)
        except PdiagError as exc:
            _put_back(installed.record, found_in, host, timeout_s, exc)
            raise
        result = UpdateResult(record.device_id, record.platform.name if record.platform else None, plan,
                              [ModuleOutcome(s, SKIPPED if not s.write else FAILED) for s in plan.steps],
                              planned_only=plan_only, device_os_before=installed.record.device_os,
                              notes=[*installed.notes, *plan.notes])
        run.total = sum(_size(prepared, s) for s in plan.writes)
        if prepared.backup is not None:
            result.notes += not_backed_up(plan)
        if plan_only or not plan.writes:
            _put_back(installed.record, found_in, host, timeout_s, None)
            result.device_os_after, result.mode_after = installed.record.device_os, installed.record.mode
            result.record = relocate(installed.record, host) if installed.record.mode != found_in else \
                installed.record
        else:
            _write_all(prepared, result, installed.record, host, run, stop, timeout_s, found_in)
        result.elapsed_s = host.clock.monotonic() - start
    run.say(_summary(result), finished=True)
    return result


def _wants_assets(bundle: Bundle) -> bool:
    return bool(bundle.assets or bundle.asset_dependencies)


def _size(prepared: PreparedUpdate, step: PlanStep) -> int:
    """The bytes a step sends: the image a DFU write puts in flash, or the whole module file."""
    flash = prepared.prepared.get(step.module.name) if step.route == DFU else None
    return len(flash.plan.image) if flash is not None else len(step.module.image)


class _Run:
    def __init__(self, key: str, progress: Callable[[UpdateProgress], None] | None) -> None:
        self.key, self.progress = key, progress
        self.total = 0
        self.done = 0
        self.text = ""

    def say(self, text: str, *, finished: bool = False) -> None:
        self.text = text
        if self.progress is not None:
            self.progress(UpdateProgress(self.key, text, self.done, self.total, finished))

    def bytes_of(self, base: int) -> Callable[[int, int], None]:
        def report(done: int, _total: int) -> None:
            self.done = base + done
            if self.progress is not None:
                self.progress(UpdateProgress(self.key, self.text, self.done, self.total))

        return report


def _write_all(prepared: PreparedUpdate, result: UpdateResult, record: DeviceRecord, host: Host, run: _Run,
               stop: threading.Event, timeout_s: float, found_in: str) -> None:
    from particle_diag.devices.ota import send_through_device_os

    outcome_of = {id(o.step): o for o in result.modules}
    written: list[ModuleOutcome] = []
    current: list[ModuleOutcome] = []
    try:
        for route, steps in result.plan.phases():
            current = [outcome_of[id(s)] for s in steps]
            if route == DFU:
                record = _dfu_phase(prepared, current, record, host, run, timeout_s, written)
            else:
                (outcome,) = current
                record = _device_os_phase(outcome, record, host, run, timeout_s, stop, send_through_device_os)
                written.append(outcome)
            current = []
        run.say("confirming: reading its modules again")
        after = read_installed(record, host, timeout_s=timeout_s, assets=_wants_assets(prepared.bundle))
        record = after.record
        _confirm(result, written, after)
        if record.mode == "listening" and found_in != "listening":  # only there to read the `s` reply
            _put_back(record, "normal", host, timeout_s, None)
            record = relocate(record, host)
    except (OperationInterrupted, StopRequested) as exc:
        if isinstance(exc, StopRequested):  # a wait no lower layer described (reading the modules again)
            exc = OperationInterrupted("confirming the update", "restarted with what was written", "")
        result.error = _interrupted(exc, written, prepared.recovery)
        _not_reached(result, current, result.error)
    except PdiagError as exc:
        result.error = exc
        _not_reached(result, current, exc)
        record = relocate(record, host)
    result.device_os_after, result.mode_after, result.record = record.device_os, record.mode, record
    collect_backups(prepared, result, record)


def _dfu_phase(prepared: PreparedUpdate, outcomes: list[ModuleOutcome], record: DeviceRecord, host: Host,
               run: _Run, timeout_s: float, written: list[ModuleOutcome]) -> DeviceRecord:
    items = [prepared.prepared[o.step.module.name] for o in outcomes]
    base = run.done
    offsets = [base + sum(len(i.plan.image) for i in items[:n]) for n in range(len(items))]
    index = [0]

    def each(done: int, total: int) -> None:
        run.bytes_of(offsets[index[0]])(done, total)

    def stage(text: str) -> None:
        verb = text.split(" ", 1)[0]
        if verb in ("erasing", "writing", "verifying", "invalidating"):
            text = f"{verb} {outcomes[index[0]].step.module.describe()}"
        run.say(text)

    def on_written(i: int, flashed: Any) -> None:
        outcomes[i].action, outcomes[i].elapsed_s = WRITTEN, flashed.elapsed_s
        written.append(outcomes[i])
        index[0] = min(i + 1, len(items) - 1)

    batch = flash_modules(record, host, items, progress=each, stage=stage, timeout_s=timeout_s,
                          on_written=on_written)
    run.done = base + sum(len(i.plan.image) for i in items)
    return batch.record if batch.record is not None else relocate(record, host)


def _device_os_phase(outcome: ModuleOutcome, record: DeviceRecord, host: Host, run: _Run, timeout_s: float,
                     stop: threading.Event, send: Callable[..., Any]) -> DeviceRecord:
    from particle_diag.devices import modes

    if record.mode == "dfu":  # Device OS must run to take the module
        run.say("leaving DFU mode: the next module goes through Device OS")
        change = modes.reset(record, host, timeout_s=timeout_s)
        record = change.record or relocate(record, host)
    module = outcome.step.module
    t0, base = host.clock.monotonic(), run.done
    back = send(record, host, module, progress=run.bytes_of(base), say=run.say, timeout_s=timeout_s, stop=stop)
    outcome.action, outcome.elapsed_s = WRITTEN, host.clock.monotonic() - t0
    run.done = base + len(module.image)
    return back.record or relocate(record, host)


def _confirm(result: UpdateResult, written: list[ModuleOutcome], after: Installed) -> None:
    """Every written module must be reported with its version (a user part with its SHA-256), passing its checks."""
    reported = {(m.type, m.index): m for m in after.modules or () if (m.store or "main") == "main"}
    problems = []
    for outcome in written:
        h = outcome.step.module.header
        if h.asset is not None:
            _confirm_asset(outcome, after, problems)
            continue
        have: ModuleInfo | None = reported.get((h.function, h.index))
        ok = (have is not None and have.version == h.version and not have.failed_checks
              and (h.function != "user_part" or not have.hash or have.hash.lower() == (h.sha256 or "").lower()))
        outcome.confirmed = ok
        if after.modules is None:
            outcome.confirmed = None
            continue
        if not ok:
            outcome.action = FAILED
            why = ("not reported after the restart" if have is None else
                   f"reported as v{have.version}" if have.version != h.version else
                   f"it fails its {', '.join(have.failed_checks)} check" if have.failed_checks else
                   "another build is reported (SHA-256 differs)")
            outcome.error = UpdateUnconfirmedError(f"{outcome.step.module.describe()} was written, but {why}")
            problems.append(outcome.error.message)
    if after.modules is None:
        result.notes.append("the written modules could not be confirmed: " + "; ".join(after.notes))
    if problems:
        result.error = UpdateUnconfirmedError(f"{result.device_id}: " + "; ".join(problems))


def _confirm_asset(outcome: ModuleOutcome, after: Installed, problems: list[str]) -> None:
    """A written asset is confirmed when the device lists it (name and SHA-256) among its available assets."""
    ref = outcome.step.module.header.asset
    assert ref is not None
    if after.assets is None:
        outcome.confirmed = None  # Device OS 5.5.x: stored or not, it cannot say over USB
        return
    outcome.confirmed = any(a.name == ref.name and a.hash.lower() == ref.hash for a in after.assets)
    if not outcome.confirmed:
        outcome.action = FAILED
        outcome.error = UpdateUnconfirmedError(f"{outcome.step.module.describe()} was sent, but the device does not "
                                               "list it among its assets after the restart (Device OS did not "
                                               "store it)")
        problems.append(outcome.error.message)


def _not_reached(result: UpdateResult, current: list[ModuleOutcome], exc: PdiagError) -> None:
    """The module being written failed with ``exc``; those after it were never written (``reached`` False),
    for the same reason."""
    failing = next((o for o in current if o.action == FAILED), None)
    for outcome in result.modules:
        if outcome.action == FAILED and outcome.error is None:
            outcome.error, outcome.reached = exc, outcome is failing


def _interrupted(exc: OperationInterrupted, written: list[ModuleOutcome], recovery: str) -> OperationInterrupted:
    """The flash's own account, plus what this update had written, and the command that finishes the job."""
    done = ", ".join(o.step.module.describe() for o in written)
    state = exc.device_state or "unknown"
    if done and done not in state:
        state = f"written and verified: {done}; then {state}"
    return OperationInterrupted(exc.step, state, recovery,
                                hint=f"Run `{recovery}` to finish the update: what is already on the device is "
                                     f"skipped.")


def _put_back(record: DeviceRecord, found_in: str, host: Host, timeout_s: float, exc: PdiagError | None) -> None:
    """Reading the modules took the device out of DFU (or into listening mode): return it to where it was."""
    if record.mode == found_in or found_in not in ("dfu", "normal"):
        return
    from particle_diag.devices.modes import change_mode

    try:
        change_mode(record, found_in, host, timeout_s=timeout_s)
        note = f"The device was put back in {found_in} mode."
    except PdiagError as again:
        note = f"Putting it back in {found_in} mode failed ({again.message}): run `pdiag enter {found_in}`."
    if exc is not None:
        exc.hint = f"{exc.hint} {note}".strip()


def _summary(result: UpdateResult) -> str:
    if result.planned_only:
        return f"plan: {len(result.plan.writes)} to write, {len(result.plan.steps) - len(result.plan.writes)} to skip"
    if isinstance(result.error, OperationInterrupted):
        return "interrupted"
    verdict = "failed" if result.error else "done"
    return (f"{verdict}: {result.count(WRITTEN)} written, {result.count(SKIPPED)} skipped, {result.count(FAILED)} "
            f"failed")

"""``pdiag flash``: check a Particle module binary against the device, back up, write it over DFU, verify, come back.

Where it goes: every module at the start address its own header declares, on alt 0, as
particle-cli's flashFiles does; ``--factory`` puts a user part in the platform's backup ("factory") slot.  The
range must lie inside the slot of its module function in the platform's memory map (catalog/memory_map.py) and
touch no region of another function.  Every check that does not need the device runs before it is touched
(``prepare_flash``); a refusal that only the device can give puts it back in the mode it was found in.

Stages: entering DFU, backup, erase, write, verify, leaving.  SIGINT/SIGTERM during them is deferred to the next
safe boundary (between two DFU requests) and raised as OperationInterrupted naming the stage, the device's state
and the command that recovers it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from particle_diag.catalog import timeouts
from particle_diag.catalog.memory_map import all_maps
from particle_diag.catalog.module_functions import DFU_WRITABLE
from particle_diag.catalog.platforms import Platform
from particle_diag.clock import Clock, StopRequested, stop_event
from particle_diag.devices.backup import Backup, BackupPlan, load_backup, plan_backup, save_backup
from particle_diag.devices.dfu_session import DfuSession, dfu_session, sector_span
from particle_diag.devices.host import Host
from particle_diag.devices.lock import device_lock
from particle_diag.devices.modes import ModeChange
from particle_diag.devices.protection import describe, regions_needing_consent
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import (
    ConsentRequiredError,
    OperationInterrupted,
    PdiagError,
    ProtectedDeviceError,
    UnsupportedError,
    WrongModeError,
)
from particle_diag.files import read_input
from particle_diag.protocol.dfu import DfuStatusError, DfuVerifyError, FlashInterruptedError, TransferProgress
from particle_diag.protocol.memory_layout import MemoryLayout
from particle_diag.protocol.module_header import (
    PREFIX_SIZE,
    FirmwareFileError,
    ModuleHeader,
    check_platform,
    parse_module,
)

DFU_FUNCTIONS = DFU_WRITABLE  # bootloaders and NCP firmware go through Device OS instead (`pdiag update`)
STAGES = ("entering DFU", "backup", "erase", "write", "verify", "leaving DFU")

Stage = Callable[[str], None]


def largest_image() -> int:
    """No firmware file can be larger than the largest slot of any platform: the bound for reading one."""
    return max(m.largest_slot for m in all_maps())


@dataclass(frozen=True)
class FlashPlan:
    header: ModuleHeader
    image: bytes  # exactly the module (declared size; without its prefix for DROP_MODULE_INFO); trailing bytes
    # of the file are not written
    alt: int
    address: int
    factory: bool
    invalidate: int | None = None  # Gen 3: first sector of the former 128 KB user part, to erase first
    invalidate_size: int = 0
    notes: tuple[str, ...] = ()
    restore: bool = False  # writing a pdiag backup back, byte for byte

    @property
    def end(self) -> int:
        return self.address + len(self.image)


@dataclass
class FlashResult:
    device_id: str | None
    plan: FlashPlan
    elapsed_s: float = 0.0
    write_s: float = 0.0
    control_transfers: int = 0
    backup: str | None = None
    backup_kept: bool = False
    came_back_in: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def bytes_per_second(self) -> float:
        return len(self.plan.image) / self.write_s if self.write_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        h = self.plan.header
        module = None if self.plan.restore else {
            "function": h.function, "index": h.index, "version": h.version, "platform_id": h.platform_id,
            "start": h.start, "sha256": h.sha256}
        return {
            "device_id": self.device_id, "alt": self.plan.alt, "address": self.plan.address,
            "length": len(self.plan.image), "bytes_per_second": round(self.bytes_per_second),
            "elapsed_s": round(self.elapsed_s, 3), "control_transfers": self.control_transfers,
            "module": module, "restore": self.plan.restore, "factory": self.plan.factory, "backup": self.backup,
            "backup_kept": self.backup_kept, "verified": True, "mode_after": self.came_back_in,
            "notes": [*self.plan.notes, *self.notes],
        }


# -- checking the file (no device needed) -------------------------------------------------------------------
def read_image(path: Path) -> bytes:
    """A firmware file: a regular file no larger than the largest slot of any platform (devices, FIFOs and
    directories are refused without reading; /dev/zero ends at once)."""
    return read_input(path, largest_image(), what="firmware file")


def plan_flash(image: bytes, platform: Platform | None, *, factory: bool = False) -> FlashPlan:
    """Where ``image`` goes on a ``platform`` device; a usage error for a file that must not go there."""
    if platform is None:
        raise UnsupportedError("the device's platform is unknown: pdiag cannot check the binary against it",
                               reference="flash.platform-unknown")
    header = parse_module(image)  # firmware.header / firmware.truncated / firmware.crc
    check_platform(header, platform.id)  # firmware.platform
    if header.function not in DFU_FUNCTIONS:
        raise FirmwareFileError(
            f"the binary is a {header.function} module, which is not written over DFU",
            f"pdiag flash writes {', '.join(DFU_FUNCTIONS)} modules; `pdiag update FILE` also writes bootloaders "
            "and NCP firmware (through Device OS).", reference="firmware.function")
    notes: list[str] = []
    if len(image) > header.declared_size:
        notes.append(f"{len(image) - header.declared_size} bytes after the module's CRC were not written")
    module = image[: header.declared_size]
    if header.drops_prefix:  # the SoftDevice: its data must start at the start address (create_module.py)
        module = module[header.prefix_offset + PREFIX_SIZE :]
        notes.append("written without its module prefix (DROP_MODULE_INFO), as Device OS expects")
    if factory:
        plan = _factory_plan(header, module, platform, notes)
    else:
        plan = FlashPlan(header, module, 0, header.start, False, notes=tuple(notes))
    _check_slot(plan, platform)
    return _with_former_user_part(plan, platform)


def _factory_plan(header: ModuleHeader, module: bytes, platform: Platform, notes: list[str]) -> FlashPlan:
    if platform.factory is None:
        raise UnsupportedError(f"the {platform.display} has no backup (factory) firmware slot",
                               "Flash without --factory.", reference="flash.no-factory")
    if header.function != "user_part":
        raise FirmwareFileError(f"only a user part can be the factory image, this is a {header.function}",
                                reference="firmware.function")
    # Gen 3 keeps it on external flash (alt 2) with the bootloader's +0x80000000 offset (device-os
    # bootloader/src/nRF52840/usbd_dfu_mal.cpp ExternalFlashMal::validate: where device-constants and the
    # bootloader disagree, the bootloader's rule wins).
    return FlashPlan(header, module, platform.factory.alt, platform.factory.address, True, notes=tuple(notes))


def _check_slot(plan: FlashPlan, platform: Platform) -> None:
    """The module's range must lie in the slot of its function and touch no region of another function."""
    memory = platform.memory_map
    if memory is None:
        raise UnsupportedError(f"pdiag has no flash memory map for the {platform.display}",
                               reference="flash.no-memory-map")
    function = plan.header.function
    if memory.fits(function, plan.alt, plan.address, len(plan.image)):
        return
    what = function.replace("_", " ")
    slots = "; ".join(r.describe() for r in memory.slots_for(function)) or "none on this platform"
    others = tuple(r for r in memory.touched(plan.alt, plan.address, len(plan.image)) if function not in r.functions)
    where = f"it would overwrite {describe(others, platform)}" if others else (
        "it runs outside every slot for it" if memory.unmapped(plan.alt, plan.address, len(plan.image))
        else "it does not fit in one slot")
    raise FirmwareFileError(
        f"refusing the {what} for 0x{plan.address:08X}-0x{plan.end - 1:08X} (alt {plan.alt}, {len(plan.image)} "
        f"bytes): {where}",
        f"A {what} must lie inside: {slots}. Nothing was written; check that the binary is the right one.",
        reference="firmware.range")


def _with_former_user_part(plan: FlashPlan, platform: Platform) -> FlashPlan:
    """Gen 3: a user part for Device OS >= 3.1.0 (system dependency 3103) lives at 0xB4000 (256 KB); the 128 KB
    user part of older versions started at 0xD4000 and must be invalidated, or the bootloader may still find it
    (@particle/device-constants formerUserPart, particle-cli src/lib/flash-helper.js)."""
    former = platform.memory_map.former_user_part if platform.memory_map else None
    h = plan.header
    if (former is None or plan.factory or h.function != "user_part" or not h.dependencies
            or h.dependencies[0].version < former.replaced_since or plan.address <= former.start < plan.end):
        return plan
    return FlashPlan(h, plan.image, plan.alt, plan.address, plan.factory, former.start, former.size, plan.notes)


def plan_restore(backup: Backup, platform: Platform | None) -> FlashPlan:
    """A pdiag backup written back where it came from (devices/backup.py checked it is whole)."""
    if platform is None or platform.name != backup.platform:
        raise UnsupportedError(f"the backup {backup.path} was made on a {backup.platform}, not on this device's "
                               f"platform", "Restore it onto the device it came from.", reference="flash.restore")
    header = ModuleHeader(backup.address, backup.address + backup.length, 0, platform.id, "backup", 0, (), True,
                          backup.length)
    return FlashPlan(header, backup.data, backup.alt, backup.address, False, restore=True)


def restore_consent_regions(plan: FlashPlan, platform: Platform | None) -> str | None:
    """What a restore would write that is not plain user data (it needs --yes), or None."""
    regions = regions_needing_consent(platform, plan.alt, plan.address, len(plan.image))
    return None if regions is None else describe(regions, platform)


@dataclass(frozen=True)
class PreparedFlash:
    """Everything decided before the device is touched."""

    plan: FlashPlan
    backup: BackupPlan | None
    recovery: str  # the command that starts the flash again (printed if it is interrupted)


def prepare_flash(record: DeviceRecord, image: bytes, *, image_path: Path | None = None, factory: bool = False,
                  backup: Path | None = None, overwrite: bool = False, recovery: str = "") -> PreparedFlash:
    """The pre-flight: file, header, platform, slot, device protection, backup path. Nothing touches the device."""
    plan = plan_flash(image, record.platform, factory=factory)
    refuse_protected(record)
    backup_plan = None
    if backup is not None:
        backup_plan = plan_backup(backup, image_path, record, plan.alt, plan.address, len(plan.image),
                                  overwrite=overwrite)
    return PreparedFlash(plan, backup_plan, recovery or _default_recovery(record, image_path, backup, factory))


def prepare_restore(record: DeviceRecord, backup_path: Path, *, consent: bool, recovery: str = "") -> PreparedFlash:
    backup = load_backup(backup_path, record.device_id)  # flash.backup-short / flash.backup-meta / ...
    plan = plan_restore(backup, record.platform)
    refuse_protected(record)
    protected = restore_consent_regions(plan, record.platform)
    if protected is not None and not consent:
        raise ConsentRequiredError(
            f"refusing to restore 0x{plan.address:08X}-0x{plan.end - 1:08X} on alt {plan.alt}: it touches "
            f"{protected}", "Nothing was changed. Pass --yes (-y) to restore it anyway, or run the command in a "
                            "terminal to be asked.", reference="safety.consent")
    rerun = f"pdiag flash --restore {backup_path} {record.device_id or ''}".strip()
    return PreparedFlash(plan, None, recovery or rerun)


def _default_recovery(record: DeviceRecord, image_path: Path | None, backup: Path | None, factory: bool) -> str:
    parts = ["pdiag", "flash", str(image_path) if image_path else "FILE"]
    if record.device_id:
        parts.append(record.device_id)
    if backup is not None:
        parts += ["--backup", str(backup)]
    if factory:
        parts.append("--factory")
    return " ".join(parts)


# -- flashing -------------------------------------------------------------------------------------------------
@dataclass
class FlashBatch:
    """Several modules written in one DFU session (``pdiag update``): one result each, then the restart."""

    results: list[FlashResult]
    record: DeviceRecord | None = None  # the device once it came back (None: it did not)
    came_back_in: str | None = None
    notes: list[str] = field(default_factory=list)


def flash_device(record: DeviceRecord, host: Host, image: bytes | PreparedFlash, *, factory: bool = False,
                 backup: Path | None = None, progress: TransferProgress | None = None, stage: Stage | None = None,
                 timeout_s: float = timeouts.MODE_CHANGE_S) -> FlashResult:
    """Check, (enter DFU,) back up, write, verify, leave DFU and confirm the device is back.

    ``image`` is the module's bytes (checked here) or a ``prepare_flash`` result (checked already)."""
    prepared = image if isinstance(image, PreparedFlash) else prepare_flash(record, image, factory=factory,
                                                                           backup=backup)
    start = host.clock.monotonic()
    batch = flash_modules(record, host, [prepared], progress=progress, stage=stage, timeout_s=timeout_s)
    result = batch.results[0]
    result.came_back_in = batch.came_back_in
    result.notes.extend(batch.notes)
    result.elapsed_s = host.clock.monotonic() - start
    return result


def flash_modules(record: DeviceRecord, host: Host, prepared: list[PreparedFlash], *,
                  progress: TransferProgress | None = None, stage: Stage | None = None,
                  timeout_s: float = timeouts.MODE_CHANGE_S,
                  on_written: Callable[[int, FlashResult], None] | None = None) -> FlashBatch:
    """(Enter DFU,) write and verify each prepared module in turn in one DFU session, leave DFU and wait for the
    device.  Each result's ``elapsed_s`` is that module's own time (backup, erase, write, verify);
    ``on_written(i, result)`` hears of each as soon as it is verified."""
    say = stage or (lambda _text: None)
    found_in = record.mode
    with deferred_interrupts(host.clock) as stop, device_lock(record, host):
        run = _Run(record, prepared[0], stop, say)
        try:
            back, results = _stages(run, host, prepared, progress, timeout_s, found_in, on_written)
        except (KeyboardInterrupt, StopRequested):  # a wait ended by Ctrl-C, or no deferring handler
            raise run.interrupted(run.step) from None
        if stop.is_set():  # Ctrl-C while the device restarted: it is done, say so
            where = f"it came back in {back.new_mode} mode" if back else "it did not come back"
            raise OperationInterrupted("leaving DFU", f"written and verified; {where}", "")
    batch = FlashBatch(results, back.record if back else None, back.new_mode if back else None)
    if back is None:
        batch.notes.extend(run.warnings)
    elif back.new_mode == "safe":
        batch.notes.append("the device came back in safe mode: the firmware's dependencies are not met "
                           "(`pdiag identify` shows which)")
    return batch


def _stages(run: _Run, host: Host, prepared: list[PreparedFlash], progress: TransferProgress | None, timeout_s: float,
            found_in: str, on_written: Callable[[int, FlashResult], None] | None,
            ) -> tuple[ModeChange | None, list[FlashResult]]:
    from particle_diag.devices import modes

    record = run.record
    if record.mode != "dfu":
        run.enter("entering DFU", f"entering DFU mode ({record.mode} -> dfu)")
        change = modes.change_mode(record, "dfu", host, timeout_s=timeout_s)
        assert change.record is not None
        record = run.record = change.record
        run.checkpoint("entering DFU")
    results: list[FlashResult] = []
    try:
        with dfu_session(record, host) as session:
            for item in prepared:
                run.prepared = item
                result = FlashResult(record.device_id, item.plan)
                t0 = host.clock.monotonic()
                try:
                    _write(session, run, result, progress)
                except (FlashInterruptedError, DfuStatusError) as exc:
                    raise _with_recovery_hint(exc, record, item.recovery) from exc
                result.control_transfers = session.control_transfers - sum(r.control_transfers for r in results)
                result.elapsed_s = host.clock.monotonic() - t0
                results.append(result)
                run.done.append(item)
                if on_written is not None:
                    on_written(len(results) - 1, result)
    except PdiagError as exc:
        if run.erased or isinstance(exc, OperationInterrupted):
            raise
        raise _put_back(exc, record, found_in, host, timeout_s) from exc
    run.enter("leaving DFU", "leaving DFU mode")
    try:
        return modes.reset(record, host, timeout_s=timeout_s), results
    except (modes.ModeTimeoutError, WrongModeError) as exc:
        # Written and verified: the flash succeeded.  That the new firmware does not come back (or not in the mode
        # expected) is a warning on a success, not a failure of the flash.
        run.warnings.append(f"warning: the image was written and verified, but the device did not come back "
                            f"afterwards ({exc.message}); {exc.hint}")
        return None, results
    except OperationInterrupted as stopped:  # the flash itself is complete: say so first
        raise OperationInterrupted(stopped.step, f"written and verified; {stopped.device_state}",
                                   stopped.recovery) from None


class _Run:
    """Where a flash is, so that an interruption can say what state it left the device in."""

    def __init__(self, record: DeviceRecord, prepared: PreparedFlash, stop: threading.Event, say: Stage) -> None:
        self.record, self.prepared, self.stop, self.say = record, prepared, stop, say
        self.step = "checking"
        self.erased = False
        self.done: list[PreparedFlash] = []  # written and verified (a batch)
        self.warnings: list[str] = []

    def enter(self, step: str, text: str) -> None:
        self.checkpoint(self.step)
        self.step = step
        self.say(text)

    def checkpoint(self, step: str | None = None) -> None:
        if self.stop.is_set():
            raise self.interrupted(step or self.step)

    def progress(self, outer: TransferProgress | None) -> TransferProgress:
        def report(done: int, total: int) -> None:
            if outer is not None:
                outer(done, total)
            self.checkpoint()

        return report

    def interrupted(self, step: str) -> OperationInterrupted:
        """Which step stopped, the device's state (with the modules of a batch already written) and the command
        that recovers it."""
        exc = self._interrupted(step)
        if self.done and exc.device_state:
            written = ", ".join(f"{p.plan.header.function.replace('_', ' ')} v{p.plan.header.version}"
                                for p in self.done)
            exc.device_state = f"{written} written and verified; then {exc.device_state}"
        return exc

    def _interrupted(self, step: str) -> OperationInterrupted:
        device = self.record.device_id or self.record.label
        plan = self.prepared.plan
        what = "the backup being restored" if plan.restore else f"the {plan.header.function.replace('_', ' ')}"
        if step == "entering DFU":
            return OperationInterrupted(step, "switching to DFU mode or already in it; its flash is unchanged",
                                        f"pdiag reset {device}")
        if step in ("checking", "backup"):
            return OperationInterrupted(step, "in DFU mode; its flash is unchanged (no backup was saved)",
                                        f"pdiag reset {device}")
        if step in ("erase", "write"):
            return OperationInterrupted(step, f"in DFU mode; {what} at 0x{plan.address:08X} is partly "
                                              f"{'erased' if step == 'erase' else 'written'} and will not run",
                                        self.prepared.recovery)
        if step == "verify":
            return OperationInterrupted(step, f"in DFU mode; {what} is written but not verified",
                                        self.prepared.recovery)
        return OperationInterrupted(step, "written and verified; it is restarting", "")


@contextlib.contextmanager
def deferred_interrupts(clock: Clock) -> Iterator[threading.Event]:
    """SIGINT/SIGTERM set a flag instead of raising, so the flash stops between two DFU requests, never inside
    one (a half-sent request leaves the bootloader's state machine in an unknown state).  The CLI's handler
    (cli/interrupt.py) already sets the stop event of the host's clock: use it.  Called as a library without
    one, install a handler for the flash (main thread only; elsewhere a KeyboardInterrupt is still turned into
    OperationInterrupted)."""
    existing = stop_event(clock)
    if existing is not None:
        yield existing
        return
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def defer(_signum: int, _frame: object) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, defer)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def refuse_protected(record: DeviceRecord) -> None:
    if record.status == "protected" or record.mode == "protected":
        from particle_diag.devices.dfu_session import PROTECTED_HINT

        raise ProtectedDeviceError(f"{record.label}: Device Protection is on, DFU writes are refused",
                                   PROTECTED_HINT, reference="dfu.protected")


def _write(session: DfuSession, run: _Run, result: FlashResult, progress: TransferProgress | None) -> None:
    plan, client = run.prepared.plan, session.client
    layout = session.select(plan.alt)
    layout.check_access(plan.address, len(plan.image), "write")  # dfu.protected / dfu.range / dfu.not-writable
    sectors = _sectors(layout, plan)
    if run.prepared.backup is not None:
        run.enter("backup", "backing up the sectors the flash will erase")
        _backup(session, run, result, layout)
    run.enter("erase", f"erasing {len(sectors)} sectors from 0x{sectors[0]:08X}" if sectors else "erasing")
    client.ensure_idle()
    for sector in sectors:
        client.erase_page(sector)  # a refused (stalled) erase changed nothing: the device can still be put back
        run.erased = True
        run.checkpoint()
    run.enter("write", f"writing {len(plan.image)} bytes at 0x{plan.address:08X} (alt {plan.alt})")
    t0 = session.clock.monotonic()
    client.write(layout, plan.address, plan.image, run.progress(progress), erase=False)
    result.write_s = session.clock.monotonic() - t0
    run.enter("verify", "verifying")
    back = client.read(layout, plan.address, len(plan.image), run.progress(None))
    if back != plan.image:
        first = next((i for i, (a, b) in enumerate(zip(back, plan.image, strict=False)) if a != b),
                     min(len(back), len(plan.image)))
        raise DfuVerifyError(f"verification failed: the flash differs from the image at "
                             f"0x{plan.address + first:08X}")
    run.checkpoint()


def _sectors(layout: MemoryLayout, plan: FlashPlan) -> list[int]:
    """Every erasable sector the module and the former user part's first sector touch, in order."""
    wanted = layout.sectors_in(plan.address, len(plan.image))
    if plan.invalidate is not None:
        wanted = layout.sectors_in(plan.invalidate, plan.invalidate_size) + wanted
    return [s for s in wanted if (seg := layout.segment_at(s)) is not None and seg.erasable]


def _sector_size(layout: MemoryLayout, sector: int) -> int:
    segment = layout.segment_at(sector)
    assert segment is not None
    return segment.sector_size


def _backup(session: DfuSession, run: _Run, result: FlashResult, layout: MemoryLayout) -> None:
    """Save every byte the flash will erase (whole sectors), unless the file already holds the backup of this
    very range of this device: a re-run after an interrupted flash keeps the original."""
    plan, backup = run.prepared.plan, run.prepared.backup
    assert backup is not None
    sectors = _sectors(layout, plan)
    if not sectors:
        span_start, span_length = sector_span(layout, plan.address, len(plan.image))
    else:  # one span from the first to the last erased sector (the former user part's sector is erased too)
        span_start = min(sectors)
        span_length = max(s + _sector_size(layout, s) for s in sectors) - span_start
    result.backup = str(backup.path)
    if backup.existing is not None:
        backup.existing.require_covers(plan.alt, span_start, span_length)
        result.backup_kept = True
        result.notes.append(f"kept the existing backup {backup.path} of 0x{backup.existing.address:08X} "
                            f"(+{backup.existing.length} bytes): it was made before an earlier flash of this range")
        run.say(f"keeping the existing backup {backup.path}")
        return
    layout.check_access(span_start, span_length, "read")
    run.say(f"saving 0x{span_start:08X}-0x{span_start + span_length - 1:08X} to {backup.path}")
    data = session.client.read(layout, span_start, span_length, run.progress(None))
    run.checkpoint()
    save_backup(backup, data, run.record, plan.alt, span_start)


def _put_back(exc: PdiagError, record: DeviceRecord, found_in: str, host: Host, timeout_s: float) -> PdiagError:
    """A refusal only the device could give, before anything was erased: leave DFU if pdiag entered it."""
    if found_in == "dfu" or record.mode != "dfu":
        return exc
    from particle_diag.devices import modes

    try:
        back = modes.reset(record, host, timeout_s=timeout_s)
        note = f"Nothing was written; the device was put back in {back.new_mode} mode."
    except PdiagError as again:
        note = f"Nothing was written; leaving DFU mode failed too ({again.message}): run `pdiag reset`."
    exc.hint = f"{exc.hint} {note}".strip()
    return exc


def _with_recovery_hint(exc: FlashInterruptedError | DfuStatusError, record: DeviceRecord,
                        recovery: str) -> PdiagError:
    """The same error, with the recovery steps in the device's own button names (catalog/platforms.py)."""
    from particle_diag.devices.modes import button_hint

    hint = (f"Nothing is lost that cannot be rewritten: plug the device back in; if it does not show up in DFU "
            f"mode (`pdiag list`), enter it with the buttons: {button_hint(record, 'dfu')} Then run the same "
            f"`pdiag flash` command again (`{recovery}`); it starts from the beginning and keeps an existing "
            f"backup of the original.")
    error: FlashInterruptedError | DfuStatusError = (
        FlashInterruptedError(exc.message, exc.last_written) if isinstance(exc, FlashInterruptedError)
        else DfuStatusError(exc.message, exc.status))
    error.hint = hint
    return error

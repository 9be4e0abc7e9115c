"""``pdiag flash``: check a Particle module binary against the device, write it over DFU, verify, come back.

Where it goes (reference §1.3): every module at the start address its own header declares, on alt 0, as
particle-cli's flashFiles does; ``--factory`` puts a user part in the platform's backup ("factory") slot from
the platform table instead. Nothing touches the device before the file has passed every check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from particle_diag.catalog import timeouts
from particle_diag.catalog.platforms import Platform
from particle_diag.devices.dfu_session import DfuSession, dfu_session, sector_span
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.errors import PdiagError, ProtectedDeviceError, UnsupportedError, UsageError
from particle_diag.protocol.dfu import DfuStatusError, DfuVerifyError, FlashInterruptedError, Progress
from particle_diag.protocol.module_header import FirmwareFileError, ModuleHeader, check_platform, parse_module

# Written over DFU by particle-cli too; bootloaders and NCP firmware go through normal-mode updates instead.
DFU_FUNCTIONS = ("user_part", "system_part", "mono_firmware", "radio_stack")
# Gen 3: a user part for Device OS >= 3.1.0 (system dependency 3103) lives at 0xB4000 (256 KB); the 128 KB
# user part of older versions started at 0xD4000 and must be invalidated, or the bootloader may still find
# it ([DC] formerUserPart, [CLI] flash-helper.js; reference §1.3).
FORMER_USER_PART = 0x000D4000
FORMER_USER_PART_SIZE = 4096
FORMAT_128K_USER_SINCE = 3103

Stage = Callable[[str], None]


class BackupError(UsageError):
    reference = "flash.backup"


@dataclass(frozen=True)
class FlashPlan:
    header: ModuleHeader
    image: bytes  # exactly the module (declared size); trailing bytes of the file are not written
    alt: int
    address: int
    factory: bool
    invalidate: int | None = None  # Gen 3: first sector of the former 128 KB user part, to erase first
    notes: tuple[str, ...] = ()


@dataclass
class FlashResult:
    device_id: str | None
    plan: FlashPlan
    elapsed_s: float = 0.0
    write_s: float = 0.0
    control_transfers: int = 0
    backup: str | None = None
    came_back_in: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def bytes_per_second(self) -> float:
        return len(self.plan.image) / self.write_s if self.write_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        h = self.plan.header
        return {
            "device_id": self.device_id, "alt": self.plan.alt, "address": self.plan.address,
            "length": len(self.plan.image), "bytes_per_second": round(self.bytes_per_second),
            "elapsed_s": round(self.elapsed_s, 3), "control_transfers": self.control_transfers,
            "module": {"function": h.function, "index": h.index, "version": h.version,
                       "platform_id": h.platform_id, "start": h.start, "sha256": h.sha256},
            "factory": self.plan.factory, "backup": self.backup, "verified": True,
            "mode_after": self.came_back_in, "notes": [*self.plan.notes, *self.notes],
        }


# -- checking the file ----------------------------------------------------------------------------------------
def plan_flash(image: bytes, platform: Platform | None, *, factory: bool = False) -> FlashPlan:
    """Where ``image`` goes on a ``platform`` device; FirmwareFileError (usage) for a file that must not go."""
    if platform is None:
        raise UnsupportedError("the device's platform is unknown: pdiag cannot check the binary against it",
                               reference="flash.platform-unknown")
    header = parse_module(image)  # firmware.header / firmware.truncated / firmware.crc
    check_platform(header, platform.id)  # firmware.platform
    if header.function not in DFU_FUNCTIONS:
        raise FirmwareFileError(
            f"the binary is a {header.function} module, which is not written over DFU",
            f"pdiag flash writes {', '.join(DFU_FUNCTIONS)} modules.", reference="firmware.function")
    notes: list[str] = []
    if len(image) > header.declared_size:
        notes.append(f"{len(image) - header.declared_size} bytes after the module's CRC were not written")
    module = image[: header.declared_size]
    if factory:
        return _factory_plan(header, module, platform, notes)
    invalidate = None
    if (header.function == "user_part" and platform.mcu == "nrf52840" and header.dependencies
            and header.dependencies[0].version >= FORMAT_128K_USER_SINCE
            and not header.start <= FORMER_USER_PART < header.start + len(module)):
        invalidate = FORMER_USER_PART
    return FlashPlan(header, module, 0, header.start, False, invalidate, tuple(notes))


def _factory_plan(header: ModuleHeader, module: bytes, platform: Platform, notes: list[str]) -> FlashPlan:
    if platform.factory is None:
        raise UnsupportedError(f"the {platform.display} has no backup (factory) firmware slot",
                               "Flash without --factory.", reference="flash.no-factory")
    if header.function != "user_part":
        raise FirmwareFileError(f"only a user part can be the factory image, this is a {header.function}",
                                reference="firmware.function")
    # Gen 3 keeps it on external flash (alt 2) with the bootloader's +0x80000000 offset (reference §1.2/§1.3:
    # where device-constants and the bootloader disagree, the bootloader's rule wins).
    return FlashPlan(header, module, platform.factory.alt, platform.factory.address, True, None, tuple(notes))


def read_image(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}", reference="usage.file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", reference="usage.file") from None


# -- flashing -------------------------------------------------------------------------------------------------
def flash_device(record: DeviceRecord, host: Host, image: bytes, *, factory: bool = False,
                 backup: Path | None = None, progress: Progress | None = None, stage: Stage | None = None,
                 timeout_s: float = timeouts.MODE_CHANGE_S) -> FlashResult:
    """Check, (enter DFU,) back up, write, verify, leave DFU and confirm the device is back."""
    from particle_diag.devices import modes

    say = stage or (lambda _text: None)
    plan = plan_flash(image, record.platform, factory=factory)
    _refuse_protected(record)
    start = host.clock.monotonic()
    if record.mode != "dfu":
        say(f"entering DFU mode ({record.mode} -> dfu)")
        change = modes.change_mode(record, "dfu", host, timeout_s=timeout_s)
        assert change.record is not None
        record = change.record
    result = FlashResult(record.device_id, plan)
    with dfu_session(record, host) as session:
        try:
            _write(session, plan, result, backup, progress, say)
        except (FlashInterruptedError, DfuStatusError) as exc:
            raise _with_recovery_hint(exc, record) from exc
        result.control_transfers = session.control_transfers
    say("leaving DFU mode")
    back = modes.reset(record, host, timeout_s=timeout_s)
    result.came_back_in = back.new_mode
    if back.new_mode == "safe":
        result.notes.append("the device came back in safe mode: the firmware's dependencies are not met "
                            "(`pdiag identify` shows which)")
    result.elapsed_s = host.clock.monotonic() - start
    return result


def _refuse_protected(record: DeviceRecord) -> None:
    if record.status == "protected" or record.mode == "protected":
        from particle_diag.devices.dfu_session import PROTECTED_HINT

        raise ProtectedDeviceError(f"{record.label}: Device Protection is on, DFU writes are refused",
                                   PROTECTED_HINT, reference="dfu.protected")


def _write(session: DfuSession, plan: FlashPlan, result: FlashResult, backup: Path | None,
           progress: Progress | None, say: Stage) -> None:
    layout = session.select(plan.alt)
    layout.check_access(plan.address, len(plan.image), "write")  # dfu.protected / dfu.range / dfu.not-writable
    if backup is not None:
        span_start, span_length = sector_span(layout, plan.address, len(plan.image))
        layout.check_access(span_start, span_length, "read")
        say(f"saving 0x{span_start:08X}-0x{span_start + span_length - 1:08X} to {backup}")
        data = session.client.read(layout, span_start, span_length)
        _save(backup, data)
        result.backup = str(backup)
    if plan.invalidate is not None:
        say(f"invalidating the former 128 KB user part at 0x{plan.invalidate:08X}")
        session.client.erase(layout, plan.invalidate, FORMER_USER_PART_SIZE)
    say(f"writing {len(plan.image)} bytes at 0x{plan.address:08X} (alt {plan.alt})")
    t0 = session.clock.monotonic()
    session.client.write(layout, plan.address, plan.image, progress)
    result.write_s = session.clock.monotonic() - t0
    say("verifying")
    back = session.client.read(layout, plan.address, len(plan.image))
    if back != plan.image:
        first = next((i for i, (a, b) in enumerate(zip(back, plan.image, strict=False)) if a != b),
                     min(len(back), len(plan.image)))
        raise DfuVerifyError(f"verification failed: the flash differs from the image at "
                             f"0x{plan.address + first:08X}")


def _save(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {path}: {exc.strerror}",
                          "Choose a writable path for --backup; nothing was written to the device.") from None


def _with_recovery_hint(exc: FlashInterruptedError | DfuStatusError, record: DeviceRecord) -> PdiagError:
    """The same error, with the recovery steps in the device's own button names (reference §4.1)."""
    from particle_diag.devices.modes import button_hint

    hint = (f"Nothing is lost that cannot be rewritten: plug the device back in; if it does not show up in DFU "
            f"mode (`pdiag list`), enter it with the buttons: {button_hint(record, 'dfu')} Then run the same "
            f"`pdiag flash` command again; it starts from the beginning.")
    error: FlashInterruptedError | DfuStatusError = (
        FlashInterruptedError(exc.message, exc.last_written) if isinstance(exc, FlashInterruptedError)
        else DfuStatusError(exc.message, exc.status))
    error.hint = hint
    return error

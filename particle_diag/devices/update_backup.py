"""``pdiag update --backup DIR``: where each device's backups go, which modules cannot be backed up and why, and
what the result says about the backups on disk (devices/update.py uses it; the saving itself is the DFU flash's,
devices/flashing.py with devices/backup.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.update_plan import DFU, UpdatePlan

if TYPE_CHECKING:
    from particle_diag.devices.update import PreparedUpdate, UpdateResult


def backup_folder(folder: Path, record: DeviceRecord) -> Path:
    return folder / (record.device_id or re.sub(r"[^\w.-]", "_", record.key))


def make_folder(folder: Path) -> Path:
    from particle_diag.devices.backup import BackupError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot make the backup folder {folder}: {exc.strerror}", "Choose another --backup "
                          "folder; nothing was written to the device.") from None
    return folder


def not_backed_up(plan: UpdatePlan) -> list[str]:
    why = {"bootloader": "DFU cannot write a bootloader back (the bootloader module of the Device OS release it "
                         "came with restores it)",
           "ncp_firmware": "it lives in the network coprocessor's own flash, which USB cannot read",
           "asset": "Device OS keeps assets in its asset file system, which USB cannot read (the bundle they came "
                    "with restores them)"}
    return [f"not backed up: {s.module.describe()} is written through Device OS, and "
            f"{why.get(s.module.function, 'USB cannot read it back')}" for s in plan.writes if s.route != DFU]


def collect_backups(prepared: PreparedUpdate, result: UpdateResult, record: DeviceRecord) -> None:
    """Each DFU write's backup that is on disk (saved, or kept from an earlier run), with its restore command;
    also for a write that failed or was interrupted after its backup was saved."""
    from particle_diag.devices.backup import record_path
    from particle_diag.devices.modes import device_selector

    for outcome in result.modules:
        flash = prepared.prepared.get(outcome.step.module.name)
        plan = flash.backup if flash is not None and outcome.step.write else None
        if plan is None or not (plan.path.is_file() and record_path(plan.path).is_file()):
            continue
        outcome.backup = str(plan.path)
        outcome.restore = f"pdiag flash --restore {plan.path} {device_selector(record)}"
        kept = " (kept from an earlier run: what was there before it)" if plan.existing is not None else ""
        result.notes.append(f"backup of what {outcome.step.module.describe()} replaced: {plan.path}{kept}; "
                            f"restore it with `{outcome.restore}`")

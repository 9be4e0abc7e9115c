"""Flash backups: the raw bytes of every sector a flash will erase, plus a small JSON record beside them
(``<backup>.json``: device, platform, alt, address, length, SHA-256) so that a restore can check it is whole.

The backup file holds exactly the flash bytes, so ``pdiag dfu write --alt A --address X BACKUP --yes`` restores
it too; ``pdiag flash --restore BACKUP`` does the same with the checks (length, checksum, device, platform).

A backup is never overwritten by a re-run: when the file already is the backup of the same range of the same
device (its record says so and its bytes match the record), the flash keeps it and goes on.  Any other existing
file at the path is refused unless the user consents.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import UsageError
from particle_diag.files import InputFileError, check_output, read_input, same_file, write_atomic

FORMAT = "pdiag-flash-backup/1"
MAX_BACKUP = 16 * 1024 * 1024  # larger than any DFU memory (devices/protection.py MAX_DFU_MEMORY)


class BackupError(UsageError):
    reference = "flash.backup"
    default_hint = "Choose another path for --backup; nothing was written to the device."


def record_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


@dataclass(frozen=True)
class Backup:
    """A backup as saved: where its bytes came from and the bytes themselves."""

    path: Path
    device_id: str | None
    platform: str
    alt: int
    address: int
    length: int
    sha256: str
    data: bytes = b""

    def require_covers(self, alt: int, address: int, length: int) -> None:
        """The kept backup must hold every byte the flash is about to erase."""
        if self.alt != alt or self.address > address or self.address + self.length < address + length:
            raise BackupError(
                f"{self.path} already holds a backup of 0x{self.address:08X}-0x{self.address + self.length - 1:08X}"
                f" (alt {self.alt}), which does not cover the 0x{address:08X}-0x{address + length - 1:08X} this "
                f"flash erases", "Choose another path for --backup; nothing was written to the device.",
                reference="flash.backup-mismatch")


@dataclass(frozen=True)
class BackupPlan:
    path: Path
    overwrite: bool
    existing: Backup | None  # the file already is this range's backup: keep it


def plan_backup(path: Path, image_path: Path | None, record: DeviceRecord, alt: int, address: int, length: int,
                *, overwrite: bool) -> BackupPlan:
    """Pre-flight for ``--backup``: distinct from the input (same resolved path or inode), its directory writable,
    and either new, this device's earlier backup of the range (kept), or consented to be replaced."""
    path = Path(os.path.abspath(path))
    if image_path is not None and (same_file(path, image_path) or same_file(record_path(path), image_path)):
        raise BackupError(f"the backup path {path} is the firmware file being flashed",
                          "Give --backup a new file; nothing was written to the device or the file.",
                          reference="flash.backup-is-input")
    existing = _earlier_backup(path, record, alt, address, length)
    if existing is not None:
        return BackupPlan(path, False, existing)
    check_output(path, overwrite=overwrite, what="backup")
    check_output(record_path(path), overwrite=overwrite, what="backup record")
    return BackupPlan(path, overwrite, None)


def _earlier_backup(path: Path, record: DeviceRecord, alt: int, address: int, length: int) -> Backup | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        backup = load_backup(path, record.device_id)
    except UsageError:
        return None
    platform = record.platform.name if record.platform else ""
    overlaps = backup.alt == alt and backup.address < address + length and address < backup.address + backup.length
    return backup if backup.platform == platform and overlaps else None


def save_backup(plan: BackupPlan, data: bytes, record: DeviceRecord, alt: int, address: int) -> Backup:
    """The bytes first, then the record: a backup without its record is never taken for a whole one."""
    backup = Backup(plan.path, record.device_id, record.platform.name if record.platform else "", alt, address,
                    len(data), hashlib.sha256(data).hexdigest(), data)
    write_atomic(plan.path, data, overwrite=plan.overwrite, what="backup")
    meta = {"format": FORMAT, "device_id": backup.device_id, "platform": backup.platform, "alt": alt,
            "address": address, "length": len(data), "sha256": backup.sha256}
    write_atomic(record_path(plan.path), json.dumps(meta, indent=2) + "\n", overwrite=plan.overwrite,
                 what="backup record")
    return backup


def load_backup(path: Path, device_id: str | None) -> Backup:
    """A backup and its record, checked: same device, the full length, the same SHA-256.  A backup shorter than
    its region is refused (``flash.backup-short``): restoring it would leave the rest of the region erased."""
    path = Path(os.path.abspath(path))
    meta = _read_record(path)
    data = read_input(path, MAX_BACKUP, what="backup")
    if len(data) != meta["length"]:
        raise BackupError(
            f"{path} holds {len(data)} bytes, but its backup record says {meta['length']} (0x{meta['address']:08X}-"
            f"0x{meta['address'] + meta['length'] - 1:08X}): it is not whole",
            "Restoring it would leave part of the region erased; use a complete backup.",
            reference="flash.backup-short" if len(data) < meta["length"] else "flash.backup-corrupt")
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise BackupError(f"{path} does not match its backup record (SHA-256 differs): it was changed after it was "
                          f"saved", "Use an unmodified backup.", reference="flash.backup-corrupt")
    if device_id and meta["device_id"] and meta["device_id"] != device_id:
        raise BackupError(f"{path} is the backup of device {meta['device_id']}, not of {device_id}",
                          "Restore it onto the device it came from.", reference="flash.backup-device")
    return Backup(path, meta["device_id"], meta["platform"], meta["alt"], meta["address"], meta["length"],
                  meta["sha256"], data)


def _read_record(path: Path) -> dict:
    where = record_path(path)
    try:
        raw = read_input(where, 64 * 1024, what="backup record")
    except InputFileError:
        raise BackupError(
            f"{path} has no backup record ({where.name}): pdiag cannot check that it is whole",
            f"Write it back by hand if you know where it came from: `pdiag dfu write --alt ALT --address ADDRESS "
            f"{path} --yes`.", reference="flash.backup-record") from None
    try:
        meta = json.loads(raw)
        ok = (isinstance(meta, dict) and meta.get("format") == FORMAT
              and all(isinstance(meta.get(k), int) and not isinstance(meta.get(k), bool)
                      for k in ("alt", "address", "length"))
              and isinstance(meta.get("sha256"), str) and isinstance(meta.get("platform"), str)
              and (meta.get("device_id") is None or isinstance(meta.get("device_id"), str))
              and meta["length"] > 0 and meta["address"] >= 0 and meta["alt"] >= 0)
    except (ValueError, RecursionError):
        ok = False
    if not ok:
        raise BackupError(f"{where} is not a pdiag backup record", "Use the .json file pdiag saved with the backup.",
                          reference="flash.backup-record")
    return meta

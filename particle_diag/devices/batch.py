"""Running one operation on many devices in parallel, keeping every device's outcome (none is dropped)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from particle_diag.devices.discovery import DeviceRecord
from particle_diag.errors import ExitCode, PdiagError, ProtocolError


@dataclass
class Outcome:
    record: DeviceRecord
    result: Any = None
    error: PdiagError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"device_id": self.record.device_id,
                                "platform": self.record.platform.name if self.record.platform else None,
                                "ok": self.ok, "error": self.error.as_dict() if self.error else None}
        if self.result is not None and hasattr(self.result, "to_dict"):
            data.update(self.result.to_dict())
        return data


def run_on_devices(records: list[DeviceRecord], action: Callable[[DeviceRecord], Any],
                   max_workers: int = 32) -> list[Outcome]:
    """One worker per device; results come back in the order of ``records``."""

    def one(record: DeviceRecord) -> Outcome:
        try:
            return Outcome(record, result=action(record))
        except PdiagError as exc:
            return Outcome(record, error=exc)
        except Exception as exc:
            return Outcome(record, error=ProtocolError(f"{type(exc).__name__}: {exc}", reference="internal"))

    if len(records) == 1:
        return [one(records[0])]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(records))) as pool:
        return list(pool.map(one, records))


def worst_exit_code(outcomes: list[Outcome]) -> int:
    codes = [int(o.error.exit_code) for o in outcomes if o.error is not None]
    if not codes:
        return int(ExitCode.OK)
    if int(ExitCode.INTERRUPTED) in codes:
        return int(ExitCode.INTERRUPTED)
    return max(codes)

"""Running one operation on many devices in parallel, keeping every device's outcome (none is dropped).

A stop request (Ctrl-C) reaches every worker through the host clock's stop event: each one ends at its next
safe boundary with its own ``OperationInterrupted`` (step, device state, recovery).  The caller does not wait
for stragglers longer than ``STOP_GRACE_S``: a worker stuck in one USB transfer is reported with its device
state unknown, and its daemon thread dies with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from particle_diag.catalog import timeouts
from particle_diag.clock import SYSTEM_CLOCK, Clock, StopRequested, stop_event
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import OperationInterrupted, PdiagError

STOP_GRACE_S = timeouts.STOP_GRACE_S
_JOIN_SLICE_S = timeouts.WORKER_POLL_S


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


def _one(record: DeviceRecord, action: Callable[[DeviceRecord], Any]) -> Outcome:
    try:
        return Outcome(record, result=action(record))
    except PdiagError as exc:
        return Outcome(record, error=exc)
    except StopRequested as exc:  # stopped where the action had nothing to say about the device
        return Outcome(record, error=OperationInterrupted(f"{exc.step} ({record.device_id or record.label})",
                                                          f"{record.mode} mode (as found)"))
    except Exception as exc:
        return Outcome(record, error=PdiagError(f"internal error: {type(exc).__name__}: {exc}",
                                                "This is a bug in pdiag. Run again with --trace and report it.",
                                                reference="internal"))


def run_on_devices(records: list[DeviceRecord], action: Callable[[DeviceRecord], Any],
                   clock: Clock = SYSTEM_CLOCK) -> list[Outcome]:
    """One worker per device; results come back in the order of ``records``.

    When ``clock`` has a stop event (the CLI's), a stop returns within ``STOP_GRACE_S`` with every device's
    outcome, interrupted or not."""
    stop = stop_event(clock)
    if len(records) == 1 and stop is None:
        return [_one(records[0], action)]
    outcomes: list[Outcome | None] = [None] * len(records)

    def work(index: int) -> None:
        outcomes[index] = _one(records[index], action)

    threads = [threading.Thread(target=work, args=(i,), daemon=True, name=f"pdiag-device-{i}")
               for i in range(len(records))]
    for t in threads:
        t.start()
    stopped_at: float | None = None
    for t in threads:
        while t.is_alive():
            t.join(_JOIN_SLICE_S)  # short joins: the main thread stays responsive to signals
            if stop is not None and stop.is_set():
                now = clock.monotonic()
                stopped_at = now if stopped_at is None else stopped_at
                if now - stopped_at >= STOP_GRACE_S:
                    break
    return [o if o is not None else _straggler(records[i]) for i, o in enumerate(outcomes)]


def _straggler(record: DeviceRecord) -> Outcome:
    from particle_diag.devices.modes import device_selector

    who = device_selector(record)
    return Outcome(record, error=OperationInterrupted(
        f"a USB transfer to {who} (it did not reach a safe point within {STOP_GRACE_S:g} s)",
        "unknown: it was in the middle of a request", "pdiag list",
        hint=f"Run `pdiag list` to see its mode, then `pdiag reset {who}` if it does not answer."))



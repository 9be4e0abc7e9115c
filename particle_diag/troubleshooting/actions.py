"""Bench actions the guided troubleshooting session can carry out on the attached device besides mode changes:
``pdiag vitals`` (a one-line summary) and ``pdiag locate`` (the rainbow, so the person is sure which board it is).
Each returns the lines the session shows."""

from __future__ import annotations

from collections.abc import Callable

from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host


def locate(record: DeviceRecord, host: Host) -> list[str]:
    from particle_diag.devices.locate import signal

    signal(record, host, on=True)
    return ["rainbow on: the board whose LED cycles through the colours is this one",
            f"stop it with `pdiag locate --off {record.device_id or ''}` (a reset also ends it)"]


def vitals(record: DeviceRecord, host: Host) -> list[str]:
    from particle_diag.devices.vitals import read_vitals

    v = read_vitals(record, host).vitals

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:g} %"

    return [f"signal {pct(v.signal.strength_percent)}, battery {pct(v.battery.charge_percent)}, "
            f"network {v.network.status or '?'}, cloud {v.cloud.status or '?'}"]


ACTIONS: dict[str, Callable[[DeviceRecord, Host], list[str]]] = {"locate": locate, "vitals": vitals}

"""``locate``: the rainbow ("nyan") signal on a device's status LED, started and stopped over USB, so a person can
pick one board out of a crowded bench (requests 230/231; device-os system/src/control/config.cpp
handleStartNyanRequest -> Spark_Signal(true), which activates the LEDCloudSignalStatus rainbow until
Spark_Signal(false), system/src/system_cloud_internal.cpp; particle-usb src/device.js startNyanSignal /
stopNyanSignal).  particle-cli offers it only through the cloud.

The signal lives in RAM: a reset ends it.  Nothing else on the device changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.devices.vitals import require_firmware


@dataclass
class Signal:
    device_id: str | None
    platform: str | None
    usb_path: str | None
    serial_port: str | None
    rainbow: bool  # True: the rainbow now shows; False: stopped

    def to_dict(self) -> dict[str, Any]:
        return {"usb_path": self.usb_path, "serial_port": self.serial_port, "rainbow": self.rainbow}


def signal(record: DeviceRecord, host: Host, *, on: bool = True) -> Signal:
    """Start (``on``) or stop the rainbow on one device."""
    require_firmware(record, "the rainbow signal")
    with control_session(record, host) as client:
        client.call(R.START_NYAN_SIGNAL if on else R.STOP_NYAN_SIGNAL)
    return Signal(record.device_id, record.platform.name if record.platform else None,
                  record.usb.path if record.usb else None, record.serial_port, on)


def cycle(records: list[DeviceRecord], host: Host, seconds: float,
          on_each: Callable[[int, DeviceRecord, Signal | None, Exception | None], None]) -> None:
    """Light each device in turn for ``seconds`` (the host's clock), stopping it before the next one, so a person
    can tell which board is which.  A device that cannot signal is reported and skipped; a stop (Ctrl-C) turns
    the current one off before it ends."""
    from particle_diag.clock import StopRequested
    from particle_diag.errors import OperationInterrupted, PdiagError

    for index, record in enumerate(records):
        try:
            shown = signal(record, host, on=True)
        except PdiagError as exc:
            on_each(index, record, None, exc)
            continue
        on_each(index, record, shown, None)
        try:
            host.clock.sleep(seconds)
        except StopRequested:
            signal(record, host, on=False)
            raise OperationInterrupted("locate --cycle",
                                       "as found: the rainbow of the lit device was stopped") from None
        signal(record, host, on=False)

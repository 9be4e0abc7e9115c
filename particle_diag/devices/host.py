"""What pdiag reaches devices through: the USB bus, the serial port lister, the clock, the trace sink.

The CLI builds one for the real computer or for a virtual bench; the layers below never know which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag.catalog import timeouts
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.transport.serial import PortLister, system_ports
from particle_diag.transport.usb import UsbBus

Trace = Callable[[str], None]


@dataclass
class Host:
    usb: UsbBus = field(default_factory=UsbBus)
    list_ports: PortLister = system_ports
    clock: Clock = SYSTEM_CLOCK
    trace: Trace | None = None
    log: Trace | None = None  # -v: what pdiag is doing, one line per step (stderr)
    probe_timeout_s: float = timeouts.PROBE_S  # --probe-timeout
    request_timeout_s: float = timeouts.REQUEST_S  # --request-timeout: every control request and DFU transfer
    simulated: bool = False
    poll_interval_s: float = timeouts.BUS_POLL_S  # how often waiting code looks at the bus again
    lock_wait_s: float = 0.0  # --wait-lock: how long to wait for a device another process holds

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log(text)

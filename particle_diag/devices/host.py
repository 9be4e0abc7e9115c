"""What pdiag reaches devices through: the USB bus, the serial port lister, the clock, the trace sink.

The CLI builds one for the real computer or for a virtual bench; the layers below never know which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from particle_diag.catalog import timeouts
from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.transport.serial import PortLister, system_ports
from particle_diag.transport.usb import UsbBus

Trace = Callable[[str], None]


class WaitReporter(Protocol):
    """Where waits are reported (the CLI shows those over a second): ``update`` at each poll, ``done`` at the end."""

    def update(self, key: str, what: str, elapsed_s: float, timeout_s: float | None) -> None: ...

    def done(self, key: str) -> None: ...


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

    progress: WaitReporter | None = None  # waits (mode changes): a live line on a terminal, -v lines

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log(text)

    def waiting(self, key: str, what: str, elapsed_s: float, timeout_s: float | None) -> None:
        """One poll of a wait for ``what`` (``timeout_s`` None: no limit); the CLI shows those over a second."""
        if self.progress is not None:
            self.progress.update(key, what, elapsed_s, timeout_s)

    def done_waiting(self, key: str) -> None:
        if self.progress is not None:
            self.progress.done(key)

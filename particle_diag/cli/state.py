"""Per-invocation state shared by the commands: output format, the host (real or virtual), tracing."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from particle_diag.catalog import timeouts

if TYPE_CHECKING:
    from particle_diag.devices.host import Host
    from particle_diag.sim.bench import Bench


@dataclass
class AppState:
    json: bool = False
    verbose: int = 0
    trace: bool = False
    sim: str | None = None
    timeout_s: float = timeouts.REQUEST_S
    probe_timeout_s: float = timeouts.PROBE_S
    color: bool = True
    _host: Host | None = None
    _bench: Bench | None = None
    _closers: list[Any] = field(default_factory=list)

    def log(self, text: str, level: int = 1) -> None:
        """Diagnostic lines for -v / --trace go to stderr, never stdout."""
        if self.trace or self.verbose >= level:
            print(text, file=sys.stderr, flush=True)

    def trace_line(self, text: str) -> None:
        print(f"trace: {text}", file=sys.stderr, flush=True)

    @property
    def host(self) -> Host:
        if self._host is None:
            from particle_diag.devices.host import Host
            from particle_diag.transport.serial import system_ports
            from particle_diag.transport.usb import UsbBus

            trace = self.trace_line if self.trace else None
            if self.sim:
                from particle_diag.sim.attach import start_bench

                self._bench, backend, lister = start_bench(self.sim)
                self._closers.append(self._bench.close)
                self._host = Host(UsbBus(backend, trace), lister, trace=trace, simulated=True)
            else:
                self._host = Host(UsbBus(None, trace), system_ports, trace=trace)
            if self.verbose or self.trace:
                self._host.log = self.log
            self._host.probe_timeout_s = self.probe_timeout_s
            self._host.request_timeout_s = self.timeout_s
        return self._host

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()

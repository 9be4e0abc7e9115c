"""A virtual bench: the devices of a ``--sim`` spec, plugged into one virtual USB bus."""

from __future__ import annotations

import threading
from collections.abc import Callable

from particle_diag.clock import SYSTEM_CLOCK, Clock
from particle_diag.sim.device import VirtualDevice
from particle_diag.sim.spec import DeviceSpec, parse_spec


class Bench:
    def __init__(self, specs: list[DeviceSpec], clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._next_address = 2  # address 1 is the root hub
        self._timers: list[threading.Timer] = []
        self.devices = [VirtualDevice(s, clock, port, self._schedule) for port, s in enumerate(specs, start=1)]
        self.events: list[tuple[str, str]] = []
        for d in self.devices:
            d.listeners.append(self._on_event)
            d.allocate_address = self._allocate_address
        self._closed = False

    @classmethod
    def from_spec(cls, spec: str, clock: Clock = SYSTEM_CLOCK) -> Bench:
        return cls(parse_spec(spec), clock)

    def start(self) -> Bench:
        for d in self.devices:
            d.attach()
        return self

    def close(self) -> None:
        self._closed = True
        with self._lock:
            timers, self._timers = self._timers, []
        for t in timers:
            t.cancel()
        for d in self.devices:
            d.detach()

    def __enter__(self) -> Bench:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def attached_devices(self) -> list[VirtualDevice]:
        return [d for d in self.devices if d.attached]

    def device(self, device_id_prefix: str) -> VirtualDevice:
        matches = [d for d in self.devices if d.device_id.startswith(device_id_prefix.lower())]
        if len(matches) != 1:
            raise KeyError(device_id_prefix)
        return matches[0]

    def _allocate_address(self) -> int:
        # A re-enumerated device gets a new address, as on a real bus.
        with self._lock:
            address = self._next_address
            self._next_address = 2 if address >= 127 else address + 1
            return address

    def _on_event(self, event: str, device: VirtualDevice) -> None:
        self.events.append((event, device.device_id))

    def _schedule(self, delay_s: float, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay_s`` on a timer thread, like the device's own reset timer."""
        if self._closed:
            return

        def fire() -> None:
            if not self._closed:
                action()

        timer = threading.Timer(max(0.0, delay_s), fire)
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

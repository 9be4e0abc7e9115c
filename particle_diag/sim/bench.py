"""A virtual bench: the devices of a ``--sim`` spec, plugged into one virtual USB bus."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar

from particle_diag.catalog import timeouts
from particle_diag.clock import SYSTEM_CLOCK, Cancel, Clock, call_later
from particle_diag.errors import UsageError
from particle_diag.sim.device import VirtualDevice
from particle_diag.sim.spec import DeviceSpec, parse_spec

# USB gives each bus 127 addresses (1 is the root hub).  A bench spreads its devices over several buses, as a
# station with several host controllers does, leaving each bus half its addresses free for re-enumeration.
DEVICES_PER_BUS = 63
MAX_DEVICES = 256


class Bench:
    # Called with every bench this process starts, before any host sees it: a test that runs the CLI in-process
    # (which starts its own bench from --sim) fills its flash first and inspects the devices afterwards.
    observers: ClassVar[list[Callable[[Bench], None]]] = []

    def __init__(self, specs: list[DeviceSpec], clock: Clock = SYSTEM_CLOCK) -> None:
        if len(specs) > MAX_DEVICES:
            raise UsageError(f"a virtual bench holds at most {MAX_DEVICES} devices ({len(specs)} given)",
                             f"Give at most {MAX_DEVICES} devices.", reference="usage.sim-spec")
        self.clock = clock
        self._lock = threading.Lock()
        self._next_address: dict[int, int] = {}
        self._timers: dict[object, Cancel] = {}  # pending timers, cancelled when the bench closes
        # Threads running a timer's action now: close() waits for them, so nothing a device does after a reset
        # (re-joining the bus, its listeners writing files) races the teardown of what it is attached to.
        self._running: set[int] = set()
        self._idle = threading.Condition(self._lock)
        self.devices = [VirtualDevice(s, clock, 1 + i % DEVICES_PER_BUS, self._schedule)
                        for i, s in enumerate(specs)]
        self.events: list[tuple[str, str]] = []
        for i, d in enumerate(self.devices):
            d.bus = 1 + i // DEVICES_PER_BUS
            d.listeners.append(self._on_event)
            d.allocate_address = lambda d=d: self._allocate_address(d)  # type: ignore[misc]
        self._closed = False

    @classmethod
    def from_spec(cls, spec: str, clock: Clock = SYSTEM_CLOCK) -> Bench:
        return cls(parse_spec(spec), clock)

    def start(self) -> Bench:
        for observe in list(Bench.observers):
            observe(self)
        for d in self.devices:
            d.attach()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
            timers, self._timers = list(self._timers.values()), {}
        for cancel in timers:
            cancel()
        me = threading.get_ident()
        with self._idle:  # an action already past its check finishes first (not one running on this thread)
            self._idle.wait_for(lambda: not (self._running - {me}), timeout=timeouts.SIM_CLOSE_WAIT_S)
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

    def _allocate_address(self, device: VirtualDevice) -> int:
        """The next free address on the device's bus: a re-enumerated device gets a new one, as on a real bus
        (the host controller counts up and skips addresses still in use)."""
        with self._lock:
            taken = {d.address for d in self.devices if d.bus == device.bus and d.attached and d is not device}
            address = self._next_address.get(device.bus, 2)
            while address in taken:
                address = 2 if address >= 127 else address + 1
            self._next_address[device.bus] = 2 if address >= 127 else address + 1
            return address

    def _on_event(self, event: str, device: VirtualDevice) -> None:
        self.events.append((event, device.device_id))

    def _schedule(self, delay_s: float, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay_s`` of the bench's clock, like the device's own reset timer: on a test's
        FakeClock inside the host's next wait that passes it (no wall time), else on a timer thread."""
        if self._closed:
            return

        token = object()

        def fire() -> None:
            me = threading.get_ident()
            with self._lock:
                self._timers.pop(token, None)
                if self._closed:
                    return
                self._running.add(me)
            try:
                action()
            finally:
                with self._idle:
                    self._running.discard(me)
                    self._idle.notify_all()

        cancel = call_later(self.clock, delay_s, fire)
        with self._lock:
            self._timers[token] = cancel

"""Timing models for virtual benches: how long real devices take, so a factory script can be timed on ``--sim``.

``apply_timing(bench_or_device, model)`` sets each virtual device's existing knobs (request processing time,
reset and re-enumeration delays, flash timing) and adds two behaviours of real hardware:

- USB latency: every control transfer takes ``transfer_latency_s`` (full-speed USB: about a 1 ms frame);
- modem power-up: a cellular device reports no ICCID or IMEI until ``modem_power_up_s`` after it (re)boots.

Switch it on with ``PDIAG_SIM_TIMING=realistic`` (see ``model_from_env``) once the bench start-up calls
``apply_from_env``; the figures are rough and documented in docs/factory.md.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from particle_diag.catalog import timeouts
from particle_diag.errors import UsageError

if TYPE_CHECKING:
    from particle_diag.sim.bench import Bench
    from particle_diag.sim.device import VirtualDevice

ENV = "PDIAG_SIM_TIMING"


@dataclass(frozen=True)
class TimingModel:
    name: str
    transfer_latency_s: float = 0.0  # each USB control transfer (host stack + bus frames)
    processing_s: float = 0.0  # the system thread running one control request's handler
    reset_delay_s: float = 0.0  # from a reset/mode request to leaving the bus
    enumerate_delay_s: float = 0.0  # from leaving the bus to re-appearing (bootloader + Device OS start-up)
    modem_power_up_s: float = 0.0  # cellular: until the ICCID/IMEI can be read after boot
    flash_erase_ms_per_4k: int = 0  # DFU flash timing (0: instant)
    flash_write_ms_per_4k: int = 0
    log_period_s: float = timeouts.SIM_LOG_PERIOD_S  # the virtual application's log line interval (sim/app_log.py)
    notes: tuple[str, ...] = field(default=())


INSTANT = TimingModel("instant")
# Rough figures from Gen 3 hardware (catalog/timeouts.py REAL_*; docs/factory.md).
REALISTIC = TimingModel(
    "realistic",
    transfer_latency_s=timeouts.REAL_TRANSFER_LATENCY_S,
    processing_s=timeouts.REAL_PROCESSING_S,
    reset_delay_s=timeouts.REAL_RESET_DELAY_S,
    enumerate_delay_s=timeouts.REAL_ENUMERATE_DELAY_S,
    modem_power_up_s=timeouts.REAL_MODEM_POWER_UP_S,
    flash_erase_ms_per_4k=timeouts.REAL_FLASH_ERASE_MS_PER_4K,
    flash_write_ms_per_4k=timeouts.REAL_FLASH_WRITE_MS_PER_4K,
    log_period_s=timeouts.REAL_LOG_PERIOD_S,
)
MODELS = {m.name: m for m in (INSTANT, REALISTIC)}


def model_named(name: str) -> TimingModel:
    """A model by name; ``NAME*FACTOR`` (e.g. ``realistic*0.25``) is that model with every delay and flash time
    multiplied by FACTOR, to run a long benchmark of real timings in a fraction of the time."""
    base, star, factor = name.strip().lower().partition("*")
    try:
        model = MODELS[base.strip()]
    except KeyError:
        raise UsageError(f"unknown simulation timing model '{name}'",
                         f"Models: {', '.join(MODELS)}, optionally scaled: realistic*0.25.",
                         reference="usage.sim-timing") from None
    if not star:
        return model
    try:
        scale = float(factor)
    except ValueError:
        scale = -1.0
    if not 0 < scale <= 1000:  # also refuses nan and inf
        raise UsageError(f"cannot scale the timing model by {factor.strip()!r}",
                         "Give a positive number, e.g. PDIAG_SIM_TIMING=realistic*0.25.",
                         reference="usage.sim-timing")
    return scaled(model, scale)


def scaled(model: TimingModel, scale: float) -> TimingModel:
    """``model`` with every delay multiplied by ``scale`` (flash times stay whole milliseconds, at least 1)."""
    def ms(value: int) -> int:
        return max(1, round(value * scale)) if value else 0

    return dataclasses.replace(
        model, name=f"{model.name}*{scale:g}", transfer_latency_s=model.transfer_latency_s * scale,
        processing_s=model.processing_s * scale, reset_delay_s=model.reset_delay_s * scale,
        enumerate_delay_s=model.enumerate_delay_s * scale, modem_power_up_s=model.modem_power_up_s * scale,
        flash_erase_ms_per_4k=ms(model.flash_erase_ms_per_4k), flash_write_ms_per_4k=ms(model.flash_write_ms_per_4k),
        log_period_s=model.log_period_s * scale)


def model_from_env(environ: dict[str, str] | None = None) -> TimingModel | None:
    value = (os.environ if environ is None else environ).get(ENV, "").strip()
    return model_named(value) if value else None


def apply_from_env(bench: Bench, environ: dict[str, str] | None = None) -> TimingModel | None:
    """Apply ``$PDIAG_SIM_TIMING`` to a bench (nothing when unset); returns the model applied."""
    model = model_from_env(environ)
    if model is not None:
        apply_timing(bench, model)
    return model


def apply_timing(target: Bench | VirtualDevice, model: TimingModel) -> None:
    """Set ``model`` on every device of a bench, or on one device.  Applying again replaces the model."""
    devices = getattr(target, "devices", None)
    for device in devices if devices is not None else [target]:
        _apply_device(device, model)


def _apply_device(device: Any, model: TimingModel) -> None:
    from particle_diag.sim.flash import FlashTiming

    b = device.behaviour
    b.service.processing_s = model.processing_s
    b.reset_delay_s = model.reset_delay_s
    b.enumerate_delay_s = model.enumerate_delay_s
    b.log_period_s = model.log_period_s
    device.flash_timing = FlashTiming(model.flash_erase_ms_per_4k, model.flash_write_ms_per_4k) \
        if model.flash_erase_ms_per_4k or model.flash_write_ms_per_4k else None
    _set_latency(device, model.transfer_latency_s)
    _Modem.install(device, model.modem_power_up_s)
    device.timing_model = model


def _set_latency(device: Any, latency_s: float) -> None:
    """Endpoint 0's handlers are wrapped (the wait happens outside the device lock, as the bus does not hold the
    firmware)."""
    originals = device.__dict__.setdefault("_untimed_ep0", (device.handle_in, device.handle_out))
    if latency_s <= 0:
        device.handle_in, device.handle_out = originals
        return
    handle_in, handle_out = originals

    def timed_in(setup: Any) -> bytes:
        device.clock.sleep(latency_s)
        return handle_in(setup)

    def timed_out(setup: Any, data: bytes) -> None:
        device.clock.sleep(latency_s)
        handle_out(setup, data)

    device.handle_in, device.handle_out = timed_in, timed_out


class _Modem:
    """A cellular modem that needs ``power_up_s`` after each boot before its SIM can be read."""

    def __init__(self, device: Any, power_up_s: float) -> None:
        self.device = device
        self.power_up_s = power_up_s
        self.iccid, self.imei = device.firmware.iccid, device.firmware.imei
        self.boot = 0
        self._lock = threading.Lock()

    @classmethod
    def install(cls, device: Any, power_up_s: float) -> None:
        old = device.__dict__.pop("_modem", None)
        if old is not None:
            old.uninstall()
        if power_up_s <= 0 or not device.platform.has("cellular"):
            return
        modem = cls(device, power_up_s)
        device._modem = modem
        device.listeners.append(modem.on_event)
        if device.attached and device.mode != "dfu":
            modem.power_up()  # a bench that is already running: its devices were just plugged in

    def uninstall(self) -> None:
        if self.on_event in self.device.listeners:
            self.device.listeners.remove(self.on_event)
        with self._lock:
            self.boot += 1
        self.device.firmware.iccid, self.device.firmware.imei = self.iccid, self.imei

    def on_event(self, event: str, device: Any) -> None:
        if event == "add" and device.mode != "dfu":
            self.power_up()
        elif event == "remove":
            with self._lock:
                self.boot += 1  # an earlier power-up timer must not fire into the next boot
            device.firmware.iccid, device.firmware.imei = None, None

    def power_up(self) -> None:
        with self._lock:
            self.boot += 1
            boot = self.boot
        self.device.firmware.iccid, self.device.firmware.imei = None, None

        def ready() -> None:
            with self._lock:
                if boot != self.boot:
                    return
            self.device.firmware.iccid, self.device.firmware.imei = self.iccid, self.imei

        self.device.schedule(self.power_up_s, ready)  # the bench's clock: no wall time on a test's FakeClock

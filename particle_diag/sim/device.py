"""One virtual Particle device: the single device logic behind every attachment.

It answers endpoint 0 (standard descriptors, Particle's control-request service in normal mode, DFU/DfuSe
in DFU mode), runs the listening-mode console on its CDC port, and leaves and re-joins the bus with the
other PID when its mode changes, as a real device does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from particle_diag import semver
from particle_diag.catalog import capabilities, reset_reasons, timeouts
from particle_diag.catalog import usb as usb_spec
from particle_diag.catalog.platforms import Platform
from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.catalog.usb import DescriptorType, StandardRequest
from particle_diag.clock import Clock
from particle_diag.protocol.memory_layout import protected_form
from particle_diag.sim import descriptors as desc
from particle_diag.sim import firmware_update, hostile
from particle_diag.sim.control_service import ControlService, ServiceBehaviour
from particle_diag.sim.spec import DeviceSpec
from particle_diag.sim.usbdev import SetupPacket, Stall, Unplugged

# Over USB a protected device accepts only these (device-os system/src/system_control_internal.cpp, the
# protected-device filter): APP_CUSTOM, DEVICE_ID and the protection state.
ALLOWED_WHEN_PROTECTED = frozenset({R.APP_CUSTOM, R.DEVICE_ID, R.GET_PROTECTED_STATE, R.SET_PROTECTED_STATE})
UNKNOWN_PID_OFFSET = 0x0F00  # an unknown-pid device uses serial_pid + this (still under Particle's VID)


@dataclass
class Behaviour:
    """Fault switches and timings of one virtual device (sim spec flags, tests, the timing model)."""

    no_access: bool = False
    listening_disabled: bool = False
    garbled_console: bool = False
    vanish_on_request: int | None = None  # leave the bus while handling this control request type
    reset_delay_s: float = timeouts.SIM_RESET_DELAY_S  # from a reset request to leaving the bus
    never_return: bool = False  # after leaving the bus, never come back
    wrong_mode: bool = False  # come back in normal mode whatever mode was asked for
    enumerate_delay_s: float = 0.0  # from leaving the bus to re-appearing
    claimed: bool = False  # another program holds the DFU interface (claiming it fails: Resource busy)
    service: ServiceBehaviour = field(default_factory=ServiceBehaviour)
    log_period_s: float = timeouts.SIM_LOG_PERIOD_S  # the virtual application's log interval (sim/app_log.py)
    panic_after_s: float | None = None  # +panic: the application crashes this long after boot


@dataclass
class FirmwareState:
    device_os: str
    cloud: str = "connected"  # disconnected | connecting | connected | disconnecting
    protected: bool = False
    failed_dependency: bool = False
    claimed: bool = True
    iccid: str | None = None
    imei: str | None = None
    mac: str | None = None
    serial_number: str | None = None
    secret: str | None = None
    reset_reason: int = reset_reasons.POWER_DOWN  # sys:reset: why the device last restarted
    boot_time: float = 0.0  # clock time of the last start (sys:uptime counts from it)
    nyan: bool = False  # the rainbow signal (requests 230/231): LED state, gone at a reset
    setup_done: bool = True  # the Gen 3 DCT flag of requests 73/74 (sim/firmware.py)
    server_protocol: str = "udp"  # what the DCT says the device connects with (requests 221/223)
    server_address: str = "$id.udp.particle.io"
    server_port: int = 5684


class VirtualDevice:
    def __init__(self, spec: DeviceSpec, clock: Clock, port_number: int,
                 scheduler: Callable[[float, Callable[[], None]], None]) -> None:
        self.platform: Platform = spec.platform
        self.device_id = spec.device_id
        self.mode = spec.mode
        self.clock = clock
        self.schedule = scheduler  # the bench's timers (its clock)
        self.lock = threading.RLock()
        self.bus = 1
        self.port_numbers = (port_number,)
        self.address = 0
        self.allocate_address: Callable[[], int] = lambda: self.address + 1  # the bench hands out addresses
        self.enumeration = 0
        self.attached = False
        self.unknown_pid = spec.has("unknownpid")
        self.hostile = hostile.active(spec.flags)  # hostile-reply fault flags (sim/hostile.py)
        self.behaviour = Behaviour(
            no_access=spec.has("noaccess"),
            listening_disabled=spec.has("nolisten"),
            garbled_console=spec.has("garbled"),
            vanish_on_request=R.GET_MODULE_INFO if spec.has("vanish") else None,
            never_return=spec.has("noreturn"),
            wrong_mode=spec.has("wrongmode"),
            claimed=spec.has("claimed"),
        )
        if spec.has("slowreset"):
            self.behaviour.reset_delay_s = timeouts.SIM_SLOW_RESET_DELAY_S
        if spec.has("panic"):
            self.behaviour.panic_after_s = timeouts.SIM_PANIC_AFTER_S
        self.log_handler_requests = spec.has("logconfig")  # answers requests 1100-1102 (sim/app_log.py)
        self.log_handlers: dict[str, int] = {}  # handler id -> level, added over USB (RAM: gone at reset)
        gen = self.platform.generation
        self.behaviour.service.busy = spec.has("busy")
        self.behaviour.service.mute_after_init = spec.has("mute")
        self.behaviour.service.raw_requests = capabilities.has_raw_requests(spec.device_os)
        self.behaviour.service.service_requests = capabilities.has_control_service(gen, spec.device_os)
        self.fault_flags = spec.flags  # the vitals faults (+weaksignal, +nosim, ...) read by sim/vitals.py
        self.behaviour.service.work_s = lambda type_id, payload: firmware_update.work_s(self, type_id, payload)
        self.firmware = FirmwareState(
            device_os=spec.device_os,
            protected=spec.has("protected"),
            failed_dependency=spec.has("faildep") or spec.mode == "safe",
            boot_time=clock.monotonic() - 3600.0,  # on the bench for an hour already
            setup_done=not spec.has("nosetup"),
            **_identity(spec),
        )
        self.firmware.cloud = "disconnected" if spec.mode == "listening" else self.cloud_when_running()
        from particle_diag.sim.firmware import server_settings

        server_settings(self)
        self.service = ControlService(self._run_request, clock, self.behaviour.service, self._raw_in, self._raw_out)
        self.alt = 0
        self.descriptors = hostile.descriptors(self.hostile, self._build_descriptors())
        self.port = None  # PtyPort while the CDC port exists
        self.app = None  # sim.app_log.VirtualApp: the application's log while it runs
        self._next_reset_reason: int | None = None
        self._console = None  # the listening-mode console (sim.firmware builds it on first use)
        self._dfu = None  # the DFU target of the current DFU session (None outside DFU mode)
        self._dfu_target = None  # the bootloader and its flash: persists across sessions and mode changes
        self._module_plan = None  # (failed_dependency, device_os, modules): sim.firmware.module_plan's cache
        self.update_state = firmware_update.UpdateState()  # requests 250-253 (sim/firmware_update.py)
        self.external_modules: dict[tuple[str, int], bytes] = {}  # modules applied outside the MCU's flash (NCP)
        self.asset_store: dict[str, bytes] = {}  # asset name -> asset module in the asset storage (sim/assets.py)
        self.flash_timing = None  # sim.flash.FlashTiming for the realistic timing model; None = instant
        self.listeners: list[Callable[[str, VirtualDevice], None]] = []
        self.request_log: list[int] = []
        # Called with each control request type the firmware runs (tests: press Ctrl-C at a known step).
        self.request_listeners: list[Callable[[int], None]] = []
        from particle_diag.sim.dfu_faults import apply_spec_flags

        apply_spec_flags(self, spec.flags)  # DFU-side flags: +unplugwrite, +slowflash

    # -- identity on the bus ------------------------------------------------------------------------------
    @property
    def usb_path(self) -> str:
        return f"{self.bus}-" + ".".join(str(p) for p in self.port_numbers)

    @property
    def pid(self) -> int:
        if self.mode == "edl":
            assert self.platform.edl_pid is not None
            return self.platform.edl_pid
        if self.mode == "dfu":
            assert self.platform.dfu_pid is not None
            return self.platform.dfu_pid
        return self.platform.serial_pid + (UNKNOWN_PID_OFFSET if self.unknown_pid else 0)

    @property
    def vid(self) -> int:
        return self.platform.edl_vid if self.mode == "edl" and self.platform.edl_vid else self.platform.vid

    @property
    def has_serial_port(self) -> bool:
        return self.mode not in ("dfu", "edl")

    def _build_descriptors(self) -> desc.DescriptorSet:
        from particle_diag.catalog import usb_descriptors

        p, version = self.platform, self.firmware.device_os
        if self.mode == "edl":
            return desc.edl_mode(self.vid, self.pid, self.device_id[-8:].upper())
        mode = "dfu" if self.mode == "dfu" else "serial"
        product = p.dfu_product if mode == "dfu" else p.default_product
        facts = usb_descriptors.for_platform(p, mode, version, product) or usb_descriptors.generic(product)
        if mode == "dfu":
            protection = None
            if semver.at_least(version, "6.1.2"):
                protection = "sm=p" if self.firmware.protected else "sm=o"
            alts = tuple(facts.alt_string(i, s, version) for i, s in enumerate(p.dfu_alts))
            if self.firmware.protected:
                alts = tuple(protected_form(s) for s in alts)  # all-'b' segments (usbd_dfu_mal.h *_IF_STRING_PROT)
            return desc.dfu_mode(p.vid, self.pid, product, self.device_id, alts, protection, facts)
        return desc.serial_mode(p.vid, self.pid, product, self.device_id, facts)

    # -- endpoint 0 -----------------------------------------------------------------------------------------
    def handle_in(self, setup: SetupPacket) -> bytes:
        with self.lock:
            if not self.attached:
                raise Unplugged()
            if setup.kind == 0:
                return self._standard_in(setup)
            # A platform without Device OS (Tachyon) stalls Particle's vendor requests: device-constants quirk
            # controlRequestsNotSupported (UNVERIFIED how a real Tachyon answers them; particle-usb never asks).
            if setup.kind == 2 and self.mode not in ("dfu", "edl") and self.platform.runs_device_os:
                return hostile.service_in(self.hostile, setup, self.service.handle_in(setup))
            if setup.kind == 1 and self.mode == "dfu":
                return hostile.dfu_in(self.hostile, setup, self.dfu.handle_in(setup))
            raise Stall()

    def handle_out(self, setup: SetupPacket, data: bytes) -> None:
        with self.lock:
            if not self.attached:
                raise Unplugged()
            if setup.kind == 2 and self.mode not in ("dfu", "edl") and self.platform.runs_device_os:
                self.service.handle_out(setup, data)
                return
            if setup.kind == 1 and self.mode == "dfu":
                self.dfu.handle_out(setup, data)
                return
            if setup.kind == 0:
                return  # SET_INTERFACE and friends: accepted
            raise Stall()

    def select_alt(self, alt: int) -> None:
        with self.lock:
            if self.mode != "dfu" or alt >= len(self.platform.dfu_alts):
                raise Stall()
            self.alt = alt
            self.dfu.select_alt(alt)

    def _standard_in(self, setup: SetupPacket) -> bytes:
        if setup.request == StandardRequest.GET_STATUS:
            # USB 2.0 §9.4.5: device recipient -> bit 0 self-powered (bmAttributes bit 6), bit 1 remote wakeup
            # (never armed here); interface and endpoint recipients -> zeros (no endpoint is halted).
            recipient = setup.request_type & usb_spec.RECIPIENT_MASK
            powered = self.descriptors.configuration[7] & 0x40 if len(self.descriptors.configuration) > 7 else 0
            return bytes([1 if recipient == usb_spec.RECIPIENT_DEVICE and powered else 0, 0])[: setup.length]
        if setup.request == StandardRequest.GET_CONFIGURATION:
            return b"\x01"[: setup.length]
        if setup.request == StandardRequest.GET_INTERFACE:
            return bytes([self.alt if self.mode == "dfu" else 0])[: setup.length]
        if setup.request != StandardRequest.GET_DESCRIPTOR:
            raise Stall()
        kind, index = setup.value >> 8, setup.value & 0xFF
        if kind == DescriptorType.DEVICE:
            return self.descriptors.device[: setup.length]
        if kind == DescriptorType.CONFIGURATION:
            return self.descriptors.configuration[: setup.length]
        if kind == DescriptorType.STRING:
            if index == 0:
                return desc.LANGID_DESCRIPTOR[: setup.length]
            text = self.descriptors.strings.get(index)
            if text is None:
                raise Stall()
            return desc.string_descriptor(text)[: setup.length]
        raise Stall()

    # -- raw 'P' requests (answered in the USB interrupt: work even when the application is busy) -----------
    def _raw_in(self, index: int) -> bytes | None:
        if index == R.DEVICE_ID:
            return self.device_id.upper().encode()  # bytes2hexbuf: upper case (usb_control_request_channel.cpp)
        if index == R.SYSTEM_VERSION:
            return self.firmware.device_os.encode()
        return None

    def _raw_out(self, index: int) -> None:
        if not capabilities.has_raw_out_requests(self.firmware.device_os):
            raise Stall()
        if index == R.RESET:
            self.reset_into("boot")
        elif index == R.CLOUD_DISCONNECT:
            self.firmware.cloud = "disconnected"
        else:
            raise Stall()

    # -- the firmware's request handlers ---------------------------------------------------------------------
    def _run_request(self, type_id: int, payload: bytes) -> tuple[int, bytes]:
        from particle_diag.sim import firmware

        self.request_log.append(type_id)
        for listener in list(self.request_listeners):
            listener(type_id)
        if type_id == self.behaviour.vanish_on_request:
            self.detach()  # unplugged mid-request: the host's next transfer finds no device
            raise Unplugged()
        if self.firmware.protected and type_id not in ALLOWED_WHEN_PROTECTED:
            return Result.PROTECTED, b""
        if not capabilities.supports_request(self.platform.generation, self.firmware.device_os, type_id):
            return Result.NOT_SUPPORTED, b""
        if type_id in (R.ADD_LOG_HANDLER, R.REMOVE_LOG_HANDLER, R.GET_LOG_HANDLERS):
            from particle_diag.sim.app_log import log_handler_request

            return log_handler_request(self, type_id, payload)
        if type_id in firmware_update.REQUESTS:
            return firmware_update.handle(self, type_id, payload)
        return hostile.control_reply(self.hostile, type_id, *firmware.handle(self, type_id, payload))

    # -- mode changes -------------------------------------------------------------------------------------
    def cloud_when_running(self) -> str:
        """The cloud status the application reaches on its own, given the fault flags (sim/vitals.py)."""
        flags = self.fault_flags
        if {"offline", "nosim", "weaksignal"} & flags:
            return "disconnected"
        return "connecting" if {"wrongserver", "clouderror"} & flags else "connected"

    def _mode_after_reset(self) -> str:
        """What Device OS starts in from the flash as it is (sim/firmware_update.py boot_mode), and listening
        mode for a Gen 3 device on Device OS < 4.0 without its setup-done flag."""
        mode = firmware_update.boot_mode(self)
        if mode == "normal" and not self.firmware.setup_done and capabilities.setup_done_flag(
                self.platform.generation, self.firmware.device_os) == "dct":
            return "listening"
        return mode

    def reset_into(self, mode: str, delay_s: float | None = None) -> None:
        """Leave the bus after the firmware's reset delay and come back in ``mode`` (with its PID); ``"boot"``:
        in the mode the firmware starts in (safe mode when a module fails its checks, DFU without Device OS)."""
        delay = self.behaviour.reset_delay_s if delay_s is None else delay_s
        self.schedule(delay, lambda: self._reenumerate(mode))

    def next_reset_reason(self, reason: int) -> None:
        """Why the next restart happens (``sys:reset``), when it is not the mode change itself."""
        self._next_reset_reason = reason

    def enter_listening(self) -> int:
        if self.behaviour.listening_disabled:
            return Result.NOT_ALLOWED
        with self.lock:
            self.mode = "listening"
            self.firmware.cloud = "disconnected"
        self._stop_app()  # Device OS does not log to Serial in listening mode (spark_wiring_logging.cpp)
        self._notify("mode")
        return Result.OK

    def exit_listening(self) -> None:
        with self.lock:
            if self.mode == "listening":
                self.mode = self._mode_after_reset()
                self.firmware.cloud = self.cloud_when_running()
        self._start_app(boot=False)
        self._notify("mode")

    def panic(self) -> None:
        """The application crashed: the log stops, the LED shows SOS, and the device restarts (reason PANIC)."""
        self._next_reset_reason = reset_reasons.PANIC
        self.reset_into("boot")

    def _reenumerate(self, mode: str) -> None:
        self.log_handlers.clear()  # they live in RAM
        with self.lock:
            before = self.mode
        reason = self._next_reset_reason
        self._next_reset_reason = None
        if reason is None:
            reason = (reset_reasons.DFU_MODE if before == "dfu" else reset_reasons.SAFE_MODE if mode == "safe"
                      else reset_reasons.USER)
        self.firmware.reset_reason = reason
        self.firmware.boot_time = self.clock.monotonic()
        self.firmware.nyan = False  # the LED signal lives in RAM
        if mode == "listening" or (mode != "dfu" and self._mode_after_reset() == "listening"):
            self.firmware.cloud = "disconnected"
        elif mode != "dfu":
            self.firmware.cloud = self.cloud_when_running()
        self.detach()
        if self.behaviour.never_return:
            return
        if mode == "boot":  # the bootloader applies a pending update, then Device OS starts (or does not)
            firmware_update.apply_pending(self)
            mode = self._mode_after_reset()
        if self.behaviour.wrong_mode:
            mode = "normal"
        self.schedule(self.behaviour.enumerate_delay_s, lambda: self.attach(mode))

    def attach(self, mode: str | None = None) -> None:
        from particle_diag.sim.pty_port import PtyPort

        with self.lock:
            if mode is not None:
                self.mode = mode
            self.enumeration += 1
            self.address = self.allocate_address()
            self.alt = 0
            self.service.cancel_all()
            self.descriptors = hostile.descriptors(self.hostile, self._build_descriptors())
            self._dfu = None
            self._console = None
            if self.has_serial_port:
                self.port = PtyPort(self._console_input, self._port_closed)
            self.attached = True
        self._start_app()
        self._notify("add")

    def detach(self) -> None:
        with self.lock:
            if not self.attached:
                return
            self.attached = False
            self.service.cancel_all()
            port, self.port = self.port, None
        self._stop_app()
        if port is not None:
            port.close()
        self._notify("remove")

    def notify_state(self) -> None:
        """Firmware state a person would see changed (the LED, the setup flag): attachments may show it."""
        self._notify("state")

    def _notify(self, event: str) -> None:
        for listener in list(self.listeners):
            listener(event, self)

    # -- the application's log ---------------------------------------------------------------------------------
    def _start_app(self, boot: bool = True) -> None:
        from particle_diag.sim.app_log import VirtualApp

        with self.lock:
            port = self.port
            if port is None or self.mode not in ("normal", "safe") or self.app is not None:
                return
            if not self.platform.runs_device_os:
                return  # no Device OS application logging (what a Tachyon's own serial function prints: unknown)
            self.app = VirtualApp(self, port.write, port.has_host, period_s=self.behaviour.log_period_s,
                                  panic_after_s=self.behaviour.panic_after_s, boot=boot)
            app = self.app
        app.start()

    def _stop_app(self) -> None:
        with self.lock:
            app, self.app = self.app, None
        if app is not None:
            app.stop()

    # -- CDC port ---------------------------------------------------------------------------------------------
    def _console_input(self, data: bytes) -> bytes:
        with self.lock:
            if self.mode != "listening":
                app = self.app
                if app is not None:
                    app.echo(data)  # the virtual application reads what the host sends (monitor --send)
                return b""
        from particle_diag.sim.firmware import console_reply

        return console_reply(self, data)

    def _port_closed(self, baud: int) -> None:
        """Device OS acts on the line coding the host left (system/src/system_update.cpp
        system_lineCodingBitRateHandler)."""
        version = self.firmware.device_os
        if baud == capabilities.magic_baud("dfu"):
            self.reset_into("dfu")
        elif (baud == capabilities.magic_baud("listening") and capabilities.listening_baud_supported(version)
              and self.mode != "listening"):
            self.enter_listening()

    @property
    def dfu(self):  # type: ignore[no-untyped-def]
        from particle_diag.sim.firmware import dfu_target_for

        return dfu_target_for(self)

    def dfu_flash(self, alt: int = 0):  # type: ignore[no-untyped-def]
        """The bootloader's memory behind DFU alt ``alt`` (persists across modes): for tests and benches."""
        from particle_diag.sim.firmware import dfu_target_for

        target = self._dfu_target if self._dfu_target is not None else dfu_target_for(self)
        return target.flashes[alt]

    def describe(self) -> dict[str, object]:
        return {
            "device_id": self.device_id, "platform": self.platform.name, "mode": self.mode,
            "device_os": self.firmware.device_os, "usb_path": self.usb_path, "attached": self.attached,
            "serial_port": self.port.path if self.port else None,
        }


def _identity(spec: DeviceSpec) -> dict[str, str | None]:
    """Deterministic identifiers derived from the device ID, so every run shows the same bench."""
    digits = "".join(str(int(c, 16) % 10) for c in spec.device_id)
    p = spec.platform
    out: dict[str, str | None] = {}
    if p.has("cellular"):
        # 20 digits, as real ICCIDs print (FACTS.md: 89010303300014910310); none without a SIM (+nosim)
        out["iccid"] = None if spec.has("nosim") else "89014103" + digits[:12]
        out["imei"] = "35" + digits[-13:]  # 15 digits
    if p.has("wifi"):
        # Gen 2 Wi-Fi modules are USI's (particle-cli src/cmd/serial.js patches the USI OUIs 6c:0b:84, 44:39:c4);
        # the OUI of the others is UNVERIFIED.
        oui = ["6c", "0b", "84"] if p.generation == 2 else ["e0", "4f", "43"]
        out["mac"] = ":".join(oui + [spec.device_id[i : i + 2] for i in (18, 20, 22)])
    if p.generation >= 3:
        # Gen 3 and later HALs always carry a mobile secret and a serial number (add_system_properties);
        # virtual Gen 2 units are older ones without them (Gen 2 HALs report them only where they were stored).
        out["secret"] = "SIMSECRET" + spec.device_id[-6:].upper()
        out["serial_number"] = (p.name[:4].upper() + "AB" + digits[:9])[:15]  # format UNVERIFIED
    return out

"""Every default timeout and interval pdiag uses, in one table, each with where its value comes from.

Code never writes a timeout as a literal: it names one of these.  Where a value can be changed by the user,
the option and environment variable are given next to it (docs/modes.md, README "Global options").

Sources:
- [PU] particle-usb, https://github.com/particle-iot/particle-usb: ``src/config.js`` (requestTimeout 60000 ms),
  ``src/usb-device-node.js`` (``dev.timeout = 5000`` per transfer), ``src/usb-device.js`` (CHECK poll delays).
- [CLI] particle-cli, https://github.com/particle-iot/particle-cli: ``src/lib/serial-batch-parser.js`` (250 ms
  of silence ends a console reply), ``src/cmd/serial.js`` (identify/inspect 20000 ms, other commands 5000 ms,
  PR #530), ``src/cmd/usb-util.js`` (GET_DEVICE_MODE 10 s while listing).
- [DOS] Device OS, https://github.com/particle-iot/device-os: ``build/serial_switcher.py`` (waits about a second
  after a magic-baud pulse).
- "pdiag" marks a choice of this tool, not a fact about the device; the reason is given.
"""

from __future__ import annotations

# -- control requests ----------------------------------------------------------------------------------------
# One control request from INIT to the last RECV.  [CLI] gives a request 10 s while listing (usb-util.js);
# [PU]'s library default is 60 s, long enough to hide a hung device from a person waiting.
# Option --request-timeout, env PDIAG_REQUEST_TIMEOUT.
REQUEST_S = 10.0
# One USB control transfer (a single stage of a request or a DFU transfer): [PU] ``dev.timeout = 5000``.
TRANSFER_MS = 5000
# Delays between CHECKs of a pending request, then the last one forever: [PU] usb-device.js.
REQUEST_POLL_SCHEDULE_S = (0.05, 0.05, 0.1, 0.1, 0.25, 0.25, 0.5, 0.5, 1.0)

# -- discovery -----------------------------------------------------------------------------------------------
# pdiag: how long `list` waits for one device's mode before calling it unresponsive (a busy application
# blocks the system thread; particle-cli PR #588).  Option --probe-timeout, env PDIAG_PROBE_TIMEOUT.
PROBE_S = 2.0
# pdiag: how long discovery waits for the listening-mode console to answer 'v' on firmware without control
# requests (a listening console answers in well under 100 ms; an application never does).
SERIAL_PROBE_S = 1.0

# -- mode changes --------------------------------------------------------------------------------------------
# From the request to the device seen again in the new mode: [CLI] waits up to 60 s for a device to
# re-enumerate (REOPEN_TIMEOUT) after a reset or mode change.  Option --timeout, env PDIAG_MODE_TIMEOUT.
MODE_CHANGE_S = 60.0
# pdiag: a device back in another mode for this long came back wrong (not merely still booting).
MODE_SETTLE_S = 2.0
# After a magic-baud pulse [DOS] serial_switcher.py waits about a second before looking for the device again;
# re-opening the port sooner could reset the line coding before the device has acted on it.
MAGIC_BAUD_SETTLE_S = 1.0
# pdiag: how often code waiting for a device looks at the bus again.
BUS_POLL_S = 0.25

# -- the listening-mode serial console -----------------------------------------------------------------------
# A reply is over after this much silence: [CLI] serial-batch-parser.js (250 ms).
CONSOLE_QUIET_S = 0.25
# pdiag: text arrived but never became a complete reply; hand it to the parser to judge.
CONSOLE_STALLED_S = 2.0
# A console command's answer: [CLI] serial.js gives 5 s (PR #530), 20 s to `i` and `s` ("An LTE device may take
# up to 18 seconds to power up the modem"), and 0.5 s to its cheap "is this listening mode?" probe `c`.
CONSOLE_REPLY_S = 5.0
CONSOLE_COMMAND_S: dict[str, float] = {"i": 20.0, "s": 20.0, "c": 0.5}
# pdiag: pyserial read timeout per poll, write timeout, and the idle pause between empty reads.
SERIAL_READ_POLL_S = 0.02
SERIAL_WRITE_S = 2.0
SERIAL_IDLE_S = 0.01

# -- DFU -----------------------------------------------------------------------------------------------------
# pdiag: the longest a DfuSe command may keep the device in dfuDNBUSY (a sector erase takes well under a
# second on every Particle MCU; a whole-bank erase a few seconds).
DFU_BUSY_S = 30.0

# pdiag: the longest pause between two GETSTATUS polls, whatever bwPollTimeout the device asks for.  The field
# is 24 bits (up to 4.6 hours); Particle's bootloaders ask for tens of milliseconds per block, so a device asking
# for minutes is faulty or hostile.  Polling sooner is harmless: the bootloader does the work right after its
# dfuDNBUSY answer (device-os bootloader/src/nRF52840/usbd_dfu.cpp) and answers dfuDNBUSY again while busy.
# Capped, a wait stays bounded by DFU_BUSY_S and notices Ctrl-C.
DFU_POLL_CAP_S = 1.0
# pdiag: the most GETSTATUS polls of one DFU command, whatever the clock says (a bound even for a device that
# answers dfuDNBUSY with no poll timeout forever, or a clock that does not advance).
DFU_MAX_POLLS = 10_000

# -- firmware updates through Device OS (control requests 250-253, `pdiag update`) --------------------------
# START (the device erases its staging area) and FINISH (it validates the module): [PU] device.js
# DEFAULT_FIRMWARE_UPDATE_TIMEOUT = 120000 ms for the whole transfer; each FIRMWARE_UPDATE_DATA request gets the
# ordinary request timeout.  NCP firmware: [CLI] flash-helper.js FLASH_TIMEOUT, 4 min ("Flashing an NCP firmware
# can take a few minutes").
FIRMWARE_UPDATE_S = 120.0
# Before each module sent through Device OS, particle-cli puts the device in listening mode (so that it is not
# trying to connect to the cloud meanwhile) and waits 1 s "just in case": [CLI] flash-helper.js
# _flashDeviceInNormalMode; device-os-flash-util's prepareToFlash does the same.
LISTENING_BEFORE_UPDATE_S = 1.0
FIRMWARE_UPDATE_NCP_S = 240.0

# -- interruptions and device locks (docs/modes.md) ---------------------------------------------------------
# pdiag: from Ctrl-C to every device of `--all` reported (the brief: within 2 s).  A worker in a wait stops at
# once; one inside a single USB transfer is reported with its state unknown after this.
STOP_GRACE_S = 1.2
# pdiag: from the first Ctrl-C to a forced KeyboardInterrupt in code that never waits through the clock
# (a prompt): longer than STOP_GRACE_S, shorter than the 2 s a person is promised.
STOP_FORCE_S = 1.8
# pdiag: how often a process waiting for a device's lock (--wait-lock) looks again.
LOCK_POLL_S = 0.05
# pdiag: what a command adds to the probe timeout when a listing's shared probe holds the device (it ends
# within the probe timeout, so the command waits for it instead of failing "in use").
LOCK_PROBE_GRACE_S = 0.5

# -- factory station -----------------------------------------------------------------------------------------
# Default step budgets of a station spec (docs/factory.md; each step's ``timeout_s`` overrides them).
# `update`: how long each restart of the device may take, as for `pdiag update --timeout`.
STEP_S: dict[str, float] = {"enter": MODE_CHANGE_S, "reset": MODE_CHANGE_S, "identify": 30.0, "wait": 3600.0,
                            "expect_log": 60.0, "update": MODE_CHANGE_S, "setup_done": REQUEST_S}
STEP_RETRY_DELAY_S = 1.0
# `pdiag watch`: bus poll interval (option --interval) and how long a device must be stable to count.
WATCH_INTERVAL_S = 1.0
WATCH_SETTLE_S = 2.0

# ---- pdiag monitor -----------------------------------------------------------------------------------------
# How long one read of a followed serial port blocks: short, so Ctrl-C, --duration and a vanished port are
# noticed at once; the device's own output is not delayed by it (pyserial returns as soon as bytes arrive).
MONITOR_READ_S = 0.1
# How often a monitor looks for a device that left the bus (reset, DFU, re-plug) to come back.
MONITOR_REPLUG_POLL_S = 0.25
# A device seen back on the bus may not have its CDC port ready yet (udev creates /dev/ttyACMn a little
# later, and ModemManager may hold it for a moment): how long to keep retrying the open.
MONITOR_OPEN_RETRY_S = 3.0
# A followed port silent this long is checked once for a mode without a log (listening mode entered without a
# restart); one GET_DEVICE_MODE request, sent without RESET(0).
MONITOR_MODE_CHECK_S = 2.0

# -- what a person sees --------------------------------------------------------------------------------------
# pdiag: the LED animation's frame interval (`pdiag led`, troubleshoot): 20 frames a second, fine enough for the
# 50 ms fast-blink phases of the LED patterns.
LED_FRAME_MS = 50
# pdiag: a wait shorter than this passes without a progress line; with -v a plain line when it starts to show,
# then one every PROGRESS_LOG_EVERY_S.
PROGRESS_SHOW_AFTER_S = 1.0
PROGRESS_LOG_EVERY_S = 5.0

# -- threads -------------------------------------------------------------------------------------------------
# pdiag: how often a batch (--all) looks whether its workers are done or Ctrl-C arrived.
WORKER_POLL_S = 0.05
# pdiag: how long closing waits for a reader thread (a followed serial port, a pty's watcher) to end.  It ends
# within one read timeout; this only bounds a thread stuck in the operating system.
THREAD_STOP_S = 2.0

# -- virtual devices (sim/) ----------------------------------------------------------------------------------
# How long real devices take, for the realistic timing model (PDIAG_SIM_TIMING=realistic, docs/factory.md):
# rough figures from Gen 3 hardware (nRF52840 full-speed USB, u-blox SARA modems).  UNVERIFIED against a
# capture: they shape a factory script's timing on --sim, never a verdict.
REAL_TRANSFER_LATENCY_S = 0.001  # one USB control transfer (host stack + full-speed frames: about 1 ms)
REAL_PROCESSING_S = 0.01  # the system thread running one control request's handler
REAL_RESET_DELAY_S = 0.5  # from a reset or mode request to leaving the bus
REAL_ENUMERATE_DELAY_S = 1.5  # from leaving the bus to re-appearing (bootloader + Device OS start-up)
REAL_MODEM_POWER_UP_S = 6.0  # cellular: until the ICCID/IMEI can be read after boot
REAL_FLASH_ERASE_MS_PER_4K = 85  # nRF52840 page erase (about 85 ms), scaled by sector size
REAL_FLASH_WRITE_MS_PER_4K = 42  # about 41 us per 32-bit word
REAL_DFU_COMMAND_MS = 1  # a DfuSe command that touches no flash (SET_ADDRESS): bootloaders never promise less
REAL_LOG_PERIOD_S = 1.0  # the virtual application's log line interval
# The virtual bench's own defaults: as fast as a host can follow, so tests do not wait.
SIM_RESET_DELAY_S = 0.05  # Device OS waits about a second before it resets; REAL_RESET_DELAY_S models that
SIM_SLOW_RESET_DELAY_S = 5.0  # +slowreset: a device slow to leave the bus after a reset request
SIM_PANIC_AFTER_S = 1.5  # +panic: the application crashes this long after boot
SIM_LOG_PERIOD_S = 0.25  # the virtual application logs a line this often
# Longest a closing bench waits for a device action already running (a re-enumeration takes milliseconds; a wedged
# one must not hang the end of `pdiag sim run`).
SIM_CLOSE_WAIT_S = 5.0
SIM_LONG_POLL_MS = 200_000  # +longpoll: bwPollTimeout after every DNLOAD (hypothetical: no bootloader does it)
# The virtual application starts with waitFor(Serial.isConnected, 10000), as the application of the captured
# logs does (tests/fixtures/captures/logs): its first lines wait for a host to open the port.
APP_WAIT_FOR_HOST_S = 10.0
# A station spec's `cloud = "connected"`: how often the device's cloud status is read again while waiting (up to
# the spec's cloud_timeout_s): pdiag's choice, a request a second is light for the device.
CLOUD_POLL_S = 1.0

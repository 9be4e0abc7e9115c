"""Every error reference pdiag reports, with its exit code, what causes it and how to fix it.

A reference is the stable name of a failure (``"reference"`` in JSON output, the ``[...]`` after an error line).
docs/errors.md is generated from this table (``scripts/gen_errors_doc.py``); tests/test_errors_doc.py fails when
a reference used in the code is missing here, when one listed here is no longer used, when a class or a raise
site disagrees with the exit code given here, or when docs/errors.md is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.errors import ExitCode as E


@dataclass(frozen=True)
class Reference:
    exit_code: E
    cause: str
    fix: str


R = Reference
REFERENCES: dict[str, Reference] = {
    # -- the command line ------------------------------------------------------------------------------------
    "usage.invalid": R(E.USAGE, "The command line is wrong: an unknown option, a bad value or a combination "
                                "that cannot work.", "Run `pdiag COMMAND --help`."),
    "usage.address": R(E.USAGE, "`--address` (or `--length`) is missing or not a 32-bit number.",
                       "Give it in hex (`0x08060000`) or decimal."),
    "usage.command-not-found": R(E.USAGE, "`pdiag sim run` was given a program that is not on PATH or cannot be "
                                          "executed.", "Give a program on PATH or its full path."),
    "usage.device": R(E.USAGE, "`--platform` names a device type the LED knowledge does not know.",
                      "Use one of the names the message lists."),
    "usage.file": R(E.USAGE, "The input file is missing, empty or cannot be read.", "Give the path of a regular, "
                                                                                     "readable file."),
    "usage.interactive": R(E.USAGE, "`pdiag troubleshoot` was run without a terminal.",
                           "Run it in a terminal; in scripts use `pdiag led DESCRIPTION` or `pdiag doctor`."),
    "usage.led": R(E.USAGE, "`--led` was given an empty description.", "Describe the LED, e.g. `--led 'breathing "
                                                                       "green'`."),
    "usage.magic-baud": R(E.USAGE, "A serial port was to be opened at 14400 or 28800 baud: those speeds switch a "
                                   "Particle device's mode.", "Use `pdiag enter dfu` or `pdiag enter listening`."),
    "usage.mode": R(E.USAGE, "An unknown mode was asked for.", "Use normal, listening, dfu or safe."),
    "usage.monitor": R(E.USAGE, "`pdiag monitor` was given an unknown log level.",
                       "Use trace, info, warn, error (or panic for --level)."),
    "usage.monitor-dir": R(E.USAGE, "`pdiag monitor --dir` is not a directory, or a device ID cannot name a file.",
                           "Give --dir a directory (it is created when missing)."),
    "usage.nested-sim": R(E.USAGE, "`pdiag sim run` was started inside another `pdiag sim run`.",
                          "Run the commands directly: the virtual devices are already visible."),
    "usage.platform": R(E.USAGE, "`--platform` names no Particle platform.", "Use a platform name from `pdiag "
                                                                             "list --json` or the message."),
    "usage.replay-file": R(E.USAGE, "`--sim replay:FILE` names a file that is not a pdiag recording.",
                           "Give a file written by `pdiag --record FILE` (docs/record-replay.md)."),
    "usage.selector": R(E.USAGE, "A device selector is empty, or selectors were given together with --all.",
                        "Name devices by ID prefix, serial port or USB path, or pass --all alone."),
    "usage.sim-spec": R(E.USAGE, "The `--sim` bench specification cannot be read (unknown platform, mode or "
                                 "flag, too many devices).", "See docs/virtual-bench.md for the format."),
    "usage.sim-timing": R(E.USAGE, "PDIAG_SIM_TIMING names an unknown timing model.", "Use instant or realistic."),
    "usage.sos": R(E.USAGE, "`pdiag sos` was given something other than a number.",
                   "Give the number of red blinks between two SOS patterns, e.g. `pdiag sos 8`."),
    "usage.via": R(E.USAGE, "`--via` names an unknown path.", "Use --via usb or --via serial."),
    # -- files -----------------------------------------------------------------------------------------------
    "file.exists": R(E.REFUSED, "The output file exists (or a symlink sits at its path) and replacing it was not "
                                "consented to.", "Choose another path, or pass --yes to replace it."),
    "file.not-regular": R(E.USAGE, "The input is a directory, a device or a FIFO, not a regular file.",
                          "Give the path of a regular file."),
    "file.output": R(E.USAGE, "The output path cannot be written (no such directory, a directory, no "
                              "permission).", "Choose a path in an existing directory you can write to."),
    "file.too-large": R(E.USAGE, "The input file is larger than anything pdiag could write to a device.",
                        "Check that this is the right file."),
    # -- firmware files --------------------------------------------------------------------------------------
    "firmware.invalid": R(E.USAGE, "The file is not a usable Particle module.",
                          "Rebuild or re-download it for this device's platform."),
    "firmware.crc": R(E.USAGE, "The module's CRC-32 does not match: the file was damaged or changed after it "
                               "was built.", "Fetch or build it again."),
    "firmware.function": R(E.USAGE, "The module is of a kind `pdiag flash` does not write (e.g. a bootloader), "
                                    "or not a user part for --factory.", "Flash a user part, system part or "
                                                                         "radio stack module."),
    "firmware.header": R(E.USAGE, "No Particle module header was found: the file is not a Particle firmware "
                                  "binary.", "Check that this is the .bin particle compile produced."),
    "firmware.platform": R(E.USAGE, "The binary was built for another platform than the device's.",
                           "Build it for this device's platform."),
    "firmware.range": R(E.USAGE, "The module would be written outside the slot of its kind, or over another "
                                 "kind's region.", "Check that the binary is the right one; nothing was "
                                                   "written."),
    "firmware.truncated": R(E.USAGE, "The file is shorter than its module header declares.",
                            "Fetch or build it again (an interrupted download or copy)."),
    # -- flashing and backups --------------------------------------------------------------------------------
    "flash.backup": R(E.USAGE, "`--backup` cannot be written.", "Choose another path; nothing was written to "
                                                                "the device."),
    "flash.backup-corrupt": R(E.USAGE, "The backup no longer matches its record (its SHA-256 or length "
                                       "changed).", "Use an unmodified backup."),
    "flash.backup-device": R(E.USAGE, "The backup was made on another device.", "Restore it onto the device it "
                                                                                "came from."),
    "flash.backup-is-input": R(E.USAGE, "`--backup` names the firmware file being flashed.",
                               "Give --backup a new file."),
    "flash.backup-mismatch": R(E.USAGE, "`--backup` already holds a backup of another range.",
                               "Choose another path for --backup."),
    "flash.backup-record": R(E.USAGE, "The backup has no record (`<backup>.json`), or it is not a pdiag record.",
                             "Use the .json file pdiag saved with the backup, or write it back with `pdiag dfu "
                             "write`."),
    "flash.backup-short": R(E.USAGE, "The backup holds fewer bytes than its record says.",
                            "Use a complete backup."),
    "flash.no-factory": R(E.UNSUPPORTED, "The platform has no backup (factory) firmware slot.",
                          "Flash without --factory."),
    "flash.no-memory-map": R(E.UNSUPPORTED, "pdiag has no flash memory map for this platform, so it cannot "
                                            "check where the module goes.", "Flash it with particle-cli."),
    "flash.platform-unknown": R(E.UNSUPPORTED, "The device's platform is unknown, so the binary cannot be "
                                               "checked against it.", "Check `pdiag list`; report the USB IDs "
                                                                      "of a new product."),
    "flash.restore": R(E.UNSUPPORTED, "The backup was made on another platform.",
                       "Restore it onto the device it came from."),
    # -- updates (`pdiag update`, station step `update`) --------------------------------------------------------
    "update.bundle": R(E.USAGE, "The bundle cannot be used: nothing in it is a Particle module, or it holds more "
                                "than a firmware bundle can.", "Give a directory or .zip of module binaries (a "
                                "Device OS release from https://github.com/particle-iot/device-os/releases), or "
                                "several .bin files."),
    "update.platform-mixed": R(E.USAGE, "The bundle holds modules for several platforms.",
                               "Keep the modules of one platform."),
    "update.duplicate": R(E.USAGE, "The bundle holds two different modules for one slot.", "Keep one of them."),
    "update.zip": R(E.USAGE, "The .zip cannot be read (damaged, or not a zip).", "Download or build it again."),
    "update.asset-missing": R(E.USAGE, "The application needs an asset (name and SHA-256 in its module) that the "
                                       "bundle's assets/ does not hold with that content, nor the device already "
                                       "has; nothing was written.", "Give the bundle .zip made with the application "
                                       "(`particle bundle`, or `particle compile` with assetOtaDir)."),
    "update.asset-unused": R(E.USAGE, "A file in the bundle's assets/ is not listed by its application: Device OS "
                                      "would delete it at the next asset it stores; nothing was written.",
                             "Remove it, or give the application that uses it."),
    "update.asset-too-large": R(E.USAGE, "An asset, or all of them together, does not fit the platform's asset "
                                         "storage after compression (1.125 MB, 2 MB on 8 MB devices, less 64 KB "
                                         "Device OS keeps free); nothing was written.", "Make the assets smaller."),
    "update.assets-unsupported": R(E.UNSUPPORTED, "The bundle carries assets for a platform whose Device OS stores "
                                                  "none (Gen 2).", "Build the application without assets."),
    "update.assets-device-os": R(E.UNSUPPORTED, "The bundle carries assets, and the device runs Device OS older "
                                                "than 5.5.0 (no Asset OTA) and the bundle brings no newer one; "
                                                "nothing was written.", "Update Device OS first, or add a 5.5.0 or "
                                                                        "later release to the bundle."),
    "update.dependencies": R(E.USAGE, "A module of the bundle would not find a module it depends on (in the bundle "
                                      "or on the device), or would break one the device keeps; nothing was "
                                      "written.", "Add the modules it needs (a Device OS release's bootloader and "
                                                  "radio stack), or use a bundle built for the device's Device OS."),
    "update.protected": R(E.PROTECTED, "Device Protection is on: the device refuses updates over USB.",
                          "Put it in service mode from the Particle console, then update it."),
    "update.refused": R(E.PROTOCOL, "Device OS validated a module sent to it and refused it (OTA_* result); it "
                                    "applied nothing.", "Check the module is for this device and that what it "
                                                        "depends on is on the device (`pdiag identify`)."),
    "update.unconfirmed": R(E.CHECK_FAILED, "A module was written, but after the restart the device does not "
                                            "report it, or reports it failing a check.",
                            "`pdiag identify` shows which check fails; run the update again, or add the modules it "
                            "depends on."),
    # -- devices ---------------------------------------------------------------------------------------------
    "device.none": R(E.NO_DEVICE, "No Particle device is attached (or none pdiag may see).",
                     "Check the cable (some are charge-only) and power; `pdiag doctor` checks this computer."),
    "device.no-match": R(E.NO_DEVICE, "No attached device matches the selector.",
                         "Use an ID prefix, serial port or USB path from `pdiag list`."),
    "device.ambiguous": R(E.AMBIGUOUS, "Several devices are attached and none was named, or the selector "
                                       "matches several.", "Name one device, or pass --all."),
    "device.busy": R(E.TIMEOUT, "The device's application blocks the system thread: control requests never "
                                "complete.", "Reset it (`pdiag reset`), or put it in DFU mode with `pdiag enter "
                                             "dfu`."),
    "device.gone": R(E.PROTOCOL, "The device left the bus during the operation (unplugged, reset, or taken by "
                                 "another program).", "Plug it back in and run the command again."),
    "device.in-use": R(E.IN_USE, "Another pdiag process holds the device.",
                       "Wait for it, or pass --wait-lock to wait."),
    "device.in-use-other": R(E.IN_USE, "Another program (dfu-util, particle-cli) has claimed the device's "
                                       "interface.", "Close the other program; the device itself is fine."),
    "device.mute": R(E.TIMEOUT, "The device stopped answering on USB.",
                     "Unplug it and plug it back in; if it stays silent, use its buttons."),
    "device.protected": R(E.PROTECTED, "Device Protection is on: only the device ID can be read over USB.",
                          "Put the device in service mode from the Particle console."),
    "device.protocol": R(E.PROTOCOL, "The device answered something pdiag cannot read.",
                         "Run again with --trace and attach the output to a report."),
    "device.request-failed": R(E.PROTOCOL, "The device ran a control request and returned an error result.",
                               "The message names the result; run again with --trace for the exchange."),
    "device.request-timeout": R(E.TIMEOUT, "A control request did not complete within --request-timeout.",
                                "Reset the device or enter safe mode; raise --request-timeout for a slow device."),
    "device.request-unsupported": R(E.UNSUPPORTED, "The device's Device OS does not support the control "
                                                   "request.", "Update Device OS, or use the serial console."),
    "device.timeout": R(E.TIMEOUT, "The device did not answer in time.", "Reset it and try again."),
    "device.unknown-pid": R(E.UNSUPPORTED, "pdiag does not know the device's USB product ID.",
                            "Use the device's buttons; report the USB IDs (`pdiag list --json`)."),
    "device.unsupported": R(E.UNSUPPORTED, "The device or its Device OS cannot do what was asked.",
                            "Update Device OS, or use another path (see the message)."),
    "device.wrong-mode": R(E.UNSUPPORTED, "The command needs Device OS running, and the device is in DFU mode "
                                          "(only the bootloader runs).", "Leave DFU mode first: `pdiag reset`."),
    "usb.stall": R(E.PROTOCOL, "The device stalled a USB control transfer: it refused the request.",
                   "Run again with --trace and attach the output to a report."),
    "usb.strings": R(E.PROTOCOL, "The device's USB string descriptors cannot be read.",
                     "Replug the device; try another cable or port."),
    # -- modes -----------------------------------------------------------------------------------------------
    "mode.listening-disabled": R(E.UNSUPPORTED, "The firmware disabled listening mode "
                                                "(FEATURE_DISABLE_LISTENING_MODE).", "Use the buttons, or "
                                                                                     "enable the feature."),
    "mode.timeout": R(E.TIMEOUT, "The device did not come back in the new mode within --timeout.",
                      "Check it is plugged in, then use its buttons (the message says which)."),
    "mode.unplugged": R(E.PROTOCOL, "The device was unplugged during the mode change.",
                        "Plug it back in; if it does not show up, use its buttons."),
    "mode.unsupported": R(E.UNSUPPORTED, "There is no USB or serial path into the mode on this Device OS.",
                          "Use the device's buttons (the message says which)."),
    "mode.via-unavailable": R(E.UNSUPPORTED, "`--via usb` was asked for a device without control requests.",
                              "Leave --via out or pass --via serial."),
    "mode.wrong": R(E.WRONG_MODE, "The device came back, but in another mode (e.g. safe mode: its firmware fails "
                                  "a dependency check).", "See docs/modes.md; `pdiag identify` shows the modules."),
    # -- DFU -------------------------------------------------------------------------------------------------
    "dfu.alt": R(E.USAGE, "The device has no DFU alt setting with that number.", "`pdiag dfu info` lists them."),
    "dfu.busy": R(E.TIMEOUT, "The device stayed busy (dfuDNBUSY) longer than a flash operation can take.",
                  "Put it in DFU mode again and retry."),
    "dfu.command": R(E.PROTOCOL, "The bootloader kept stalling a DfuSe command.",
                     "Put it in DFU mode again; run with --trace if it persists."),
    "dfu.interrupted": R(E.PROTOCOL, "The device vanished in the middle of a DFU write.",
                         "Put it in DFU mode with its buttons and write the same image again from the start."),
    "dfu.layout": R(E.PROTOCOL, "The device described a memory with a string that does not follow the DfuSe "
                                "grammar.", "Run with --trace and report the string."),
    "dfu.not-allowed": R(E.USAGE, "A segment of the range does not allow the operation.",
                         "Check the range against `pdiag dfu info`."),
    "dfu.not-erasable": R(E.USAGE, "A segment of the range cannot be erased.", "Check the range against `pdiag dfu "
                                                                               "info`."),
    "dfu.not-readable": R(E.USAGE, "A segment of the range cannot be read (a protected device shows every segment "
                                   "so).", "Check the range against `pdiag dfu info`."),
    "dfu.not-writable": R(E.USAGE, "A segment of the range cannot be written.", "Check the range against `pdiag "
                                                                                 "dfu info`."),
    "dfu.not-in-dfu": R(E.USAGE, "The operation needs DFU mode and the device is not in it.",
                        "Pass --enter, or run `pdiag enter dfu` first."),
    "dfu.protected": R(E.PROTECTED, "Device Protection refuses DFU reads, writes and erases.",
                       "Put the device in service mode from the Particle console."),
    "dfu.range": R(E.USAGE, "The address range lies outside the memory map of the alt setting.",
                   "Check the address and length against `pdiag dfu info`."),
    "dfu.reply": R(E.PROTOCOL, "A DFU status reply has the wrong length or an unknown value.",
                   "Run with --trace and report the output."),
    "dfu.state": R(E.PROTOCOL, "The device is in a DFU state the operation cannot continue from.",
                   "Put it in DFU mode again and retry."),
    "dfu.status": R(E.PROTOCOL, "The bootloader reported an error status (the message names it).",
                    "Put the device in DFU mode again and retry."),
    "dfu.verify": R(E.PROTOCOL, "What was read back differs from what was written.",
                    "Write the image again; if it keeps failing the flash may be worn."),
    # -- the serial console ----------------------------------------------------------------------------------
    "serial.garbled": R(E.PROTOCOL, "The serial console's reply could not be read.",
                        "Close other programs using the port (ModemManager, a serial monitor); try another cable."),
    "serial.timeout": R(E.TIMEOUT, "The serial console did not give a complete reply in time.",
                        "Put the device in listening mode first (`pdiag enter listening`)."),
    "listening.factory-firmware": R(E.PROTOCOL, "The device runs factory firmware older than Device OS 0.4.4 "
                                                "that cannot report its MAC address.", "Update Device OS."),
    # -- this computer ---------------------------------------------------------------------------------------
    "host.permission": R(E.PERMISSION, "This user may not open the device's USB interface.",
                         "Install the udev rules (`sudo cp udev/50-particle.rules /etc/udev/rules.d/`, reload them), "
                         "then replug the device."),
    "host.serial-permission": R(E.PERMISSION, "This user may not open the serial port.",
                                "Join the dialout group (then log in again) or install udev/50-particle.rules."),
    "host.missing": R(E.ENVIRONMENT, "A prerequisite is missing on this computer.", "Install what the message "
                                                                                    "names."),
    "host.libusb": R(E.ENVIRONMENT, "libusb 1.0 is not installed.", "Install libusb-1.0-0 (or reinstall pdiag)."),
    "host.lock-dir": R(E.ENVIRONMENT, "The device lock directory is not a private directory of this user.",
                       "Remove it, or set PDIAG_LOCK_DIR to a directory only you can write."),
    "host.umockdev": R(E.ENVIRONMENT, "`pdiag sim run` needs umockdev and PyGObject (Linux only).",
                       "Install them (docs/sim-run.md), or use --sim."),
    "host.tmpdir": R(E.ENVIRONMENT, "`pdiag sim run`: TMPDIR is so long that umockdev's device sockets would "
                                    "exceed the 107 bytes a Unix socket path allows.",
                     "Set TMPDIR to a shorter directory (the message says how short), e.g. TMPDIR=/tmp."),
    # -- lookups and troubleshooting -------------------------------------------------------------------------
    "led.no-match": R(E.NOT_FOUND, "No documented LED state fits the description.",
                      "Check colour and pattern; the message lists the nearest documented states."),
    "lookup.none": R(E.NOT_FOUND, "A lookup matched nothing.", "See the message for what is known."),
    "lookup.sos": R(E.NOT_FOUND, "There is no SOS code with that number.", "Count the red blinks between two SOS "
                                                                           "patterns again."),
    "knowledge.invalid": R(E.FAILURE, "A file of the LED knowledge base is malformed (a bug in pdiag).",
                           "Report it; `pytest tests/knowledge` validates every file."),
    # -- factory checks and monitoring -----------------------------------------------------------------------
    "check.failed": R(E.CHECK_FAILED, "A device failed an expectation of the station spec.",
                      "Each device's record says which expectations failed."),
    "check.log-not-seen": R(E.CHECK_FAILED, "An expect_log step saw no matching log line in time.",
                            "Check that the application logs to USB serial; `pdiag monitor` shows the log."),
    "check.step-incomplete": R(E.CHECK_FAILED, "An identify step never got a required field.",
                               "Check the SIM, antenna or module."),
    "check.device-timeout": R(E.TIMEOUT, "The device's whole check took longer than device_timeout_s.",
                              "Raise [station] device_timeout_s, or find the slow step."),
    "check.step-timeout": R(E.TIMEOUT, "A step took longer than its timeout_s.", "Raise the step's timeout_s."),
    "check.unplugged": R(E.PROTOCOL, "The device was unplugged during the check.", "Plug it in and check it "
                                                                                  "again."),
    "check.spec": R(E.USAGE, "The station spec cannot be used (the message names the file and key).",
                    "See docs/factory.md and docs/examples/station.toml."),
    "check.spec-missing": R(E.USAGE, "The station spec does not exist or cannot be read.", "Check the path."),
    "monitor.not-seen": R(E.NOT_SEEN, "`pdiag monitor --until` did not see the pattern before --duration ended.",
                          "Check the pattern, or give a longer --duration."),
    "replay.mismatch": R(E.PROTOCOL, "A replayed device was asked for something its recording does not hold.",
                         "Replay the command line in the recording's header (docs/record-replay.md)."),
    # -- consent, interruptions, bugs ------------------------------------------------------------------------
    "safety.consent": R(E.REFUSED, "An irreversible step needs consent that was not given (a write or erase "
                                   "outside plain user data).", "Nothing was changed: pass --yes, or run it in a "
                                                                "terminal to be asked."),
    "interrupted": R(E.INTERRUPTED, "Ctrl-C or SIGTERM stopped the command.",
                     "The message says the step, the device's state and the command that recovers it."),
    "internal": R(E.FAILURE, "A bug in pdiag.", "Run again with --trace and report the output."),
    "pdiag.error": R(E.FAILURE, "An error without a reference of its own (a bug in pdiag).",
                     "Run again with --trace and report the output."),
}

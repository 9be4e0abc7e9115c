"""Faults of a virtual bootloader for tests and benches, armed on a :class:`~particle_diag.sim.device.VirtualDevice`:
the cable pulled mid-write, a bootloader asking for very long polls, Ctrl-C at a chosen stage of a flash.

Virtual-bench flags (sim/spec.py FLAGS lists them for users); VirtualDevice calls :func:`apply_spec_flags` once its
spec is known.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from particle_diag.catalog import timeouts
from particle_diag.sim.dfu_target import DfuTarget
from particle_diag.sim.firmware import flash_target

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice


def arm_unplug(device: VirtualDevice, after_blocks: int) -> DfuTarget:
    """Fault for tests and benches: ``device`` is unplugged (leaves the bus) when the host sends data block
    number ``after_blocks + 1`` of its next DFU write. Re-plug it with ``device.attach("dfu")``."""
    target: DfuTarget = device.dfu
    target.unplug_after_blocks = after_blocks
    target.blocks_written = 0
    target.on_unplug = device.detach
    return target


UNPLUG_AFTER_BLOCKS = 5


# +longpoll: a bootloader asking for a 200 s wait after every DNLOAD (the 24-bit field allows 4.6 hours);
# hypothetical, no Particle bootloader is known to do it: it drives pdiag's cap on device-requested waits.
LONG_POLL_MS = timeouts.SIM_LONG_POLL_MS

# ``+int<stage>``: SIGINT when a flash reaches that stage (the first ERASE, the third WRITE block, the first UPLOAD
# before / after writing, the leave request, or the device showing up in DFU mode).
INTERRUPT_FLAGS = {"intenter": "enter", "intbackup": "backup", "interase": "erase", "intwrite": "write",
                   "intverify": "verify", "intleave": "leave"}


def apply_spec_flags(device: VirtualDevice, flags: frozenset[str]) -> None:
    from particle_diag.sim.flash import REALISTIC

    if "slowflash" in flags:
        device.flash_timing = REALISTIC
    if "unplugwrite" in flags:
        arm_unplug(device, UNPLUG_AFTER_BLOCKS)
    if "longpoll" in flags:
        flash_target(device).long_poll_ms = LONG_POLL_MS
    for flag, stage in INTERRUPT_FLAGS.items():
        if flag in flags:
            arm_interrupt(device, stage)
    if "intupdate" in flags:  # the same Ctrl-C in a firmware update sent through Device OS
        from particle_diag.sim import firmware_update

        firmware_update.arm_interrupt(device)


def arm_interrupt(device: VirtualDevice, stage: str) -> None:
    """One SIGINT to this process when a flash reaches ``stage`` (see INTERRUPT_FLAGS)."""
    if stage != "enter":
        flash_target(device).interrupt_at = stage
        return
    armed = [True]

    def on_event(event: str, dev: VirtualDevice) -> None:
        if event == "add" and dev.mode == "dfu" and armed[0]:
            armed[0] = False
            signal.raise_signal(signal.SIGINT)

    device.listeners.append(on_event)

"""The virtual bench specification: ``platform[/deviceos][@deviceid][:mode][+flag...]``, comma-separated.

Examples: ``boron``, ``argon:dfu``, ``electron/1.5.2:listening``, ``boron@e00fce68aaaabbbbccccdddd``,
``p2+protected``, ``argon+busy`` (firmware blocks the system thread), ``boron+noaccess`` (no USB permission).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from particle_diag.catalog.platforms import Platform, by_name
from particle_diag.errors import UsageError
from particle_diag.sim import hostile

MODES = ("normal", "listening", "safe", "dfu", "edl")  # edl: Qualcomm EDL, only where the platform has one

# What each flag does to the virtual device (docs/virtual-bench.md lists them for users).
FLAGS = {
    "protected": "Device Protection on: only the device ID is readable over USB (Device OS 6.x)",
    "busy": "the application blocks the system thread: control requests never complete",
    "mute": "the device stops answering in the middle of a control request",
    "noaccess": "this user may not open the USB device (no udev rule)",
    "nolisten": "firmware disabled listening mode (FEATURE_DISABLE_LISTENING_MODE)",
    "garbled": "the listening-mode console sends corrupted replies",
    "offline": "the cloud connection is down (breathing green)",
    "faildep": "the user firmware needs a newer Device OS: its dependency check fails (safe mode)",
    "unknownpid": "a Particle vendor ID with a product ID pdiag does not know",
    "noreturn": "after a reset the device never comes back on the bus",
    "wrongmode": "after a reset the device comes back in normal mode whatever was asked",
    "slowreset": "the device takes 5 s to reset (Device OS waits about 1 s)",
    "vanish": "the device is unplugged while it answers a module-info request (request 90)",
    "unplugwrite": "the cable is pulled during a DFU write (after 5 data blocks); re-plugged, the device works",
    "longpoll": "in DFU the bootloader asks for a 200 s poll wait (bwPollTimeout) after every download request",
    "claimed": "another program (dfu-util) holds the DFU interface: claiming it fails with Resource busy",
    "slowflash": "realistic flash timing in DFU: ~85 ms per 4 KB erase, ~42 ms per 4 KB write (bwPollTimeout)",
    "intenter": "Ctrl-C (SIGINT to pdiag) as the device shows up in DFU mode",
    "intbackup": "Ctrl-C (SIGINT to pdiag) at the first DFU read before anything is written (a flash's backup)",
    "interase": "Ctrl-C (SIGINT to pdiag) at the first DFU sector erase",
    "intwrite": "Ctrl-C (SIGINT to pdiag) at the third DFU data block written",
    "intverify": "Ctrl-C (SIGINT to pdiag) at the first DFU read after writing (a flash's verification)",
    "intleave": "Ctrl-C (SIGINT to pdiag) at the request to leave DFU mode",
    "intupdate": "Ctrl-C (SIGINT to pdiag) at the third chunk of a firmware update sent through Device OS",
    "panic": "the application crashes 1.5 s after each boot: its log stops, the device restarts (reset reason 130)",
    "logconfig": "the firmware answers the log-handler requests 1100-1102 (unverified which Device OS did)",
    "weaksignal": "the antenna barely reaches the network: signal about 5 %, the device keeps looking for it "
                  "(blinking green)",
    "nosim": "cellular without a SIM: no ICCID, no access technology, no signal, never online (blinking green)",
    "lowbattery": "the battery is at 6 % and powers the device (batt:soc, pwr:src battery)",
    "wrongserver": "the server address is not Particle's cloud and its key does not match: the handshake fails "
                   "with a decryption error (cyan, then 1 orange blink)",
    "clouderror": "the cloud refuses the device's key: the handshake fails with an authentication error "
                  "(cyan, then 1 magenta blink)",
    "nosetup": "the Gen 3 setup-done flag is cleared: on Device OS < 4.0 the device boots into listening mode",
    **hostile.FLAGS,  # hostile replies for the abuse tier (sim/hostile.py)
}

# Device OS a virtual device runs when the spec does not say (the newest each platform supports).
DEFAULT_DEVICE_OS = {1: "1.4.4", 2: "3.3.1", 3: "6.2.1", 4: "6.2.1", -1: "1.0.0"}
# Xenon (mesh-only) lost support when mesh was removed in Device OS 2.0.0.
NEWEST_SUPPORTED = {"xenon": "1.5.2"}
ID_PREFIX = {1: "53ff", 2: "3c00", 3: "e00fce68", 4: "0a10aced", -1: "0a10aced"}

_ITEM = re.compile(
    r"^(?P<platform>[a-z0-9][a-z0-9 _-]*?)"
    r"(?:/(?P<os>\d+\.\d+\.\d+(?:-[a-z]+\.\d+)?))?"
    r"(?:@(?P<id>[0-9a-fA-F]{24}))?"
    r"(?::(?P<mode>[a-z]+))?"
    r"(?P<flags>(?:\+[a-z]+)*)$"
)


@dataclass(frozen=True)
class DeviceSpec:
    platform: Platform
    device_os: str
    device_id: str
    mode: str
    flags: frozenset[str] = field(default_factory=frozenset)

    def has(self, flag: str) -> bool:
        return flag in self.flags


def deterministic_id(platform: Platform, ordinal: int) -> str:
    digest = hashlib.sha256(f"pdiag-sim:{platform.name}:{ordinal}".encode()).hexdigest()
    if platform.generation == 2:
        # The STM32F2 unique ID as real Photons/Electrons show it: xx00yy00zz47 (Photon, P1) or ...51 (Electron)
        # then six ASCII digits, e.g. 3b0021001747353236343033, 3b0027000647373336373936 (captures, FACTS.md).
        tail = "".join("3" + str(int(c, 16) % 10) for c in digest[6:12])
        return f"{digest[0:2]}00{digest[2:4]}00{digest[4:6]}{'51' if platform.has('cellular') else '47'}{tail}"
    return (ID_PREFIX[platform.generation] + digest)[:24]


def parse_spec(spec: str) -> list[DeviceSpec]:
    if spec.strip().lower() == "none":
        return []  # an empty bench: what a computer with nothing plugged in looks like
    items = [part.strip() for part in spec.split(",") if part.strip()]
    if not items:
        raise UsageError("the virtual bench specification is empty",
                         "Give a comma-separated list such as --sim boron,argon:dfu,electron/1.5.2:listening.",
                         reference="usage.sim-spec")
    devices: list[DeviceSpec] = []
    seen_ids: set[str] = set()
    per_platform: dict[str, int] = {}
    for item in items:
        m = _ITEM.match(item.lower())
        if not m:
            raise UsageError(f"cannot read virtual device '{item}'",
                             "Write each device as platform[/deviceos][@deviceid][:mode][+flag], "
                             "e.g. electron/1.5.2:listening.", reference="usage.sim-spec")
        platform = by_name(m["platform"])
        mode = m["mode"] or "normal"
        if mode not in MODES:
            raise UsageError(f"unknown mode '{mode}' in '{item}'", f"Modes: {', '.join(MODES)}.",
                             reference="usage.sim-spec")
        if mode == "edl" and platform.edl_pid is None:
            raise UsageError(f"a {platform.display} has no EDL mode ('{item}')", "Only Tachyon has one.",
                             reference="usage.sim-spec")
        flags = frozenset(f for f in (m["flags"] or "").split("+") if f)
        unknown = flags - FLAGS.keys()
        if unknown:
            raise UsageError(f"unknown flag '+{sorted(unknown)[0]}' in '{item}'",
                             f"Flags: {', '.join('+' + f for f in FLAGS)}.", reference="usage.sim-spec")
        ordinal = per_platform.get(platform.name, 0)
        per_platform[platform.name] = ordinal + 1
        device_id = (m["id"] or deterministic_id(platform, ordinal)).lower()
        if device_id in seen_ids:
            raise UsageError(f"device ID {device_id} appears twice in the virtual bench",
                             "Give each virtual device its own @deviceid.", reference="usage.sim-spec")
        seen_ids.add(device_id)
        version = m["os"] or NEWEST_SUPPORTED.get(platform.name) or DEFAULT_DEVICE_OS[platform.generation]
        devices.append(DeviceSpec(platform, version, device_id, mode, flags))
    return devices

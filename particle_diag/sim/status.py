"""What a person at the virtual bench would see: each device's status LED (the rainbow of ``pdiag locate``), its
mode and its setup-done flag, for ``pdiag sim status``.

Real devices have no USB request that reads their LED back; a person looks at it.  Inside ``pdiag sim run`` the
bench lives in another process, so that process keeps ``$UMOCKDEV_DIR/pdiag-bench.json`` up to date (written
atomically after every change) and ``pdiag sim status`` in the command reads it.  With ``--sim`` the status is
the in-process bench's.  The LED names are the knowledge base's (docs/led-reference.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from particle_diag.sim.bench import Bench
    from particle_diag.sim.device import VirtualDevice

STATUS_FILE = "pdiag-bench.json"
_CLOUD_ERROR_LED = {"wrongserver": "blinking cyan, then 1 orange blink", "clouderror":
                    "blinking cyan, then 1 magenta blink"}


def led(device: VirtualDevice) -> str:
    from particle_diag.sim.vitals import network_up

    if not device.attached:
        return "off"
    if device.firmware.nyan:
        return "rainbow"
    mode = device.mode
    if mode == "dfu":
        return "blinking yellow"
    if mode == "listening":
        return "blinking dark blue"
    if mode == "safe":
        return "breathing magenta"
    if not network_up(device):
        return "blinking green"
    cloud = device.firmware.cloud
    if cloud == "connected":
        return "breathing cyan"
    if cloud == "connecting":
        errors = [led for flag, led in _CLOUD_ERROR_LED.items() if flag in device.fault_flags]
        return errors[0] if errors else "blinking cyan"
    return "breathing green"


def device_status(device: VirtualDevice) -> dict[str, Any]:
    return {"device_id": device.device_id, "platform": device.platform.name, "mode": device.mode,
            "attached": device.attached, "led": led(device), "setup_done": device.firmware.setup_done,
            "cloud": device.firmware.cloud}


def bench_status(bench: Bench) -> list[dict[str, Any]]:
    return [device_status(d) for d in bench.devices]


class StatusFile:
    """Keeps ``path`` holding the bench's status while the bench runs (``pdiag sim run``)."""

    def __init__(self, bench: Bench, path: str) -> None:
        self.bench = bench
        self.path = path
        self._lock = threading.Lock()
        self._closed = False
        for device in bench.devices:
            device.listeners.append(self._on_event)
        self.write()

    def close(self) -> None:
        """Stop writing (before the testbed directory is removed: umockdev aborts the process when a file appears
        in it during removal, umockdev src/umockdev-utils.vala remove_dir)."""
        with self._lock:  # waits for a write in progress
            self._closed = True
        for device in self.bench.devices:
            with contextlib.suppress(ValueError):
                device.listeners.remove(self._on_event)

    def _on_event(self, event: str, device: VirtualDevice) -> None:
        self.write()

    def write(self) -> None:
        with self._lock:
            if self._closed:
                return
            tmp = f"{self.path}.tmp"
            Path(tmp).write_text(json.dumps({"devices": bench_status(self.bench)}))
            os.replace(tmp, self.path)  # readers see the old or the new file, never half of one


def read_status_file(directory: str) -> list[dict[str, Any]] | None:
    """The status a ``pdiag sim run`` process keeps in its testbed ``directory``; None when there is none."""
    try:
        return json.loads(Path(directory, STATUS_FILE).read_text())["devices"]
    except (OSError, ValueError, KeyError):
        return None

"""Attach a virtual bench for ``--sim``: a pyusb backend for USB plus ptys listed as CDC ports."""

from __future__ import annotations

from typing import Any

from particle_diag.sim.bench import Bench
from particle_diag.transport.serial import PortInfo, PortLister


def port_lister(bench: Bench) -> PortLister:
    """What pyserial's list_ports would report for the bench's CDC ports (ptys have no USB identity)."""

    def ports() -> list[PortInfo]:
        out = []
        for d in bench.attached_devices():
            port = d.port
            if port is None:
                continue
            out.append(PortInfo(port.path, d.vid, d.pid, d.device_id, f"{d.usb_path}:1.0",
                                d.descriptors.strings.get(2), "Particle"))
        return out

    return ports


def start_bench(spec: str) -> tuple[Bench, Any, PortLister]:
    if spec.startswith("replay:"):  # a `pdiag --record` file answers instead (docs/record-replay.md)
        from particle_diag.sim.replay import start_replay

        return start_replay(spec.removeprefix("replay:"))  # type: ignore[return-value]
    from particle_diag.sim.pyusb_backend import BenchBackend
    from particle_diag.sim.timing import apply_from_env

    bench = Bench.from_spec(spec)
    apply_from_env(bench)  # PDIAG_SIM_TIMING=realistic: real-hardware delays (docs/factory.md)
    bench.start()
    return bench, BenchBackend(bench), port_lister(bench)

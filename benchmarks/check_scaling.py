"""How `pdiag check` scales with the number of devices: 1, 8 and 32 virtual Borons with the realistic timing
model (USB latency, request processing, modem power-up, reset and re-enumeration delays).

Each device runs a typical station: enter listening, enter DFU, back to normal (a reboot), read the SIM
(retried until the modem is up again), judge.  Wall time covers discovery and the check.
Goal: 32 devices <= 1.5x one.

Run: .venv/bin/python benchmarks/check_scaling.py [--sizes 1,8,32] [--model realistic] [--no-modem] [--spec FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.factory.runner import CheckRunner
from particle_diag.factory.spec import StationSpec, load_spec, parse_spec_text
from particle_diag.sim.attach import port_lister
from particle_diag.sim.bench import Bench
from particle_diag.sim.pyusb_backend import BenchBackend
from particle_diag.sim.timing import TimingModel, apply_timing, model_named
from particle_diag.transport.usb import UsbBus

STATION = """
[station]
name = "scaling"

[expect]
platform = "boron"
min_device_os = "4.0.0"
mode = "normal"
modules_valid = true
iccid = true

[[step]]
action = "enter"
mode = "listening"

[[step]]
action = "enter"
mode = "dfu"

[[step]]
action = "enter"
mode = "normal"

[[step]]
name = "read the SIM"
action = "identify"
require = ["iccid"]
retries = 30
retry_delay_s = 0.5
"""


def run(size: int, spec: StationSpec, model: TimingModel) -> tuple[float, float, int]:
    """(wall seconds for discovery + check, of which the check, devices passed)."""
    bench = Bench.from_spec(",".join(["boron"] * size))
    apply_timing(bench, model)  # before start: every device powers its modem up on attach
    bench.start()
    try:
        host = Host(UsbBus(BenchBackend(bench)), port_lister(bench), simulated=True)
        start = time.perf_counter()
        records = discover(host)
        check_start = time.perf_counter()
        report = CheckRunner(spec, host).run(records)
        end = time.perf_counter()
    finally:
        bench.close()
    if report.count("pass") != size:
        failed = [f"{d.key}: {d.reason}" for d in report.devices if d.verdict != "pass"]
        raise SystemExit(f"{size} devices: {len(failed)} did not pass: " + "; ".join(failed[:3]))
    return end - start, end - check_start, report.count("pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,8,32", help="comma-separated device counts")
    parser.add_argument("--model", default="realistic", help="timing model (realistic, instant)")
    parser.add_argument("--spec", type=Path, help="a station spec instead of the built-in one")
    parser.add_argument("--no-modem", action="store_true",
                        help="modems ready at once: measures the bus-bound part (mode changes, identify) alone")
    args = parser.parse_args()
    model = model_named(args.model)
    if args.no_modem:
        model = dataclasses.replace(model, name=f"{model.name}, no modem wait", modem_power_up_s=0.0)
    spec = load_spec(args.spec) if args.spec else parse_spec_text(STATION, "built-in")
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, float] = {}
    print(f"timing model: {model.name}; steps: {', '.join(s.label for s in spec.steps)}")
    for size in sizes:
        wall, check, passed = run(size, spec, model)
        results[size] = wall
        print(f"{size:3d} devices: {wall:6.2f} s wall (check {check:6.2f} s), {passed} passed")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = results[large] / results[small]
        verdict = "ok" if ratio <= 1.5 else "ABOVE GOAL"
        print(f"ratio {large}/{small}: {ratio:.2f}x (goal <= 1.5x: {verdict})")


if __name__ == "__main__":
    main()

"""How `pdiag update` scales with a bench: 1, 8 and 16 virtual Borons on Device OS 6.1.1 brought to a 6.2.0
bundle of about 1 MiB (bootloader through Device OS, SoftDevice, system part and a 256 KB application over DFU),
with the realistic timing model; then the same update again, which finds everything in place.

Each run covers discovery, reading every device's modules, the writes, the restarts and the confirmation, all
devices in parallel (the code `pdiag update --all` runs).  Goals (docs/flashing.md): 16 devices within 1.5x the
wall time of one; the second, unchanged run under 10 % of the first.

With ``--assets`` the application also lists two assets (a 96 KB incompressible one and 48 KB of text), written
last through Device OS and listed by request 91 the second time (docs/flashing.md Application assets).

Run: .venv/bin/python benchmarks/update_bench.py [--sizes 1,8,16] [--timing realistic] [--assets]
     PDIAG_SIM_TIMING=realistic*0.25 .venv/bin/python benchmarks/update_bench.py   (the same, 4x faster)
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from particle_diag.devices.batch import run_on_devices
from particle_diag.devices.bundle import Bundle, load_bundle
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.devices.update import UpdateResult, prepare_update, update_device
from particle_diag.protocol.module_header import build_module
from particle_diag.sim import deviceos, flash_image
from particle_diag.sim.attach import port_lister
from particle_diag.sim.bench import Bench
from particle_diag.sim.pyusb_backend import BenchBackend
from particle_diag.sim.timing import ENV, TimingModel, apply_timing, model_named
from particle_diag.transport.usb import UsbBus

PLATFORM, PLATFORM_ID, FROM, TO = "boron", 13, "6.1.1", "6.2.0"
APP_SIZE = 0x40000 - 68 - 1024  # an application that fills most of the 256 KB user part


ASSETS = {"sprites.bin": random.Random(2).randbytes(96 * 1024),
          "strings.txt": b"".join(b"message %05d: the quick brown fox\n" % i for i in range(1400))}


def write_bundle(folder: Path, with_assets: bool = False) -> None:
    """The 6.2.0 release as Particle names its files, built from the virtual devices' own Device OS tables (and
    with ``with_assets`` the application's assets under assets/, as particle-cli bundles them)."""
    modules = deviceos.module_set(PLATFORM, TO)
    names = {"bootloader": "bootloader", "radio_stack": "softdevice", "system_part": "system-part1"}
    for module in modules:
        if module.slot.store != "main" or module.slot.function not in names or module.slot.address is None:
            continue
        _, image = flash_image.slot_image(PLATFORM_ID, module, modules, f"release {TO}")
        (folder / f"{PLATFORM}-{names[module.slot.function]}@{TO}.bin").write_bytes(image)
    assets = ASSETS if with_assets else {}
    app = build_module(PLATFORM_ID, "user_part", 0xB4000, random.Random(1).randbytes(APP_SIZE), version=6, index=2,
                       deps=(("system_part", 1, deviceos.release(TO).system_module),),
                       asset_deps=tuple(assets.items()))
    (folder / f"{PLATFORM}-app@{TO}.bin").write_bytes(app)
    if assets:
        (folder / "assets").mkdir()
        for name, data in assets.items():
            (folder / "assets" / name).write_bytes(data)


def update_all(bench: Bench, bundle: Bundle) -> tuple[float, list[UpdateResult]]:
    host = Host(UsbBus(BenchBackend(bench)), port_lister(bench), simulated=True)
    start = time.perf_counter()
    records = discover(host)
    outcomes = run_on_devices(records, lambda r: update_device(prepare_update(r, bundle), host), host.clock)
    elapsed = time.perf_counter() - start
    failed = [f"{o.record.key}: {o.error.message if o.error else o.result.error.message}" for o in outcomes
              if o.error is not None or o.result.error is not None]
    if failed or len(outcomes) != len(bench.devices):
        raise SystemExit(f"{len(failed)} of {len(bench.devices)} devices failed: " + "; ".join(failed[:3]))
    return elapsed, [o.result for o in outcomes]


def run(size: int, bundle: Bundle, model: TimingModel) -> tuple[float, float, int, int]:
    """(first run s, second run s, bytes written per device, modules skipped per device the second time)."""
    bench = Bench.from_spec(",".join([f"{PLATFORM}/{FROM}"] * size))
    apply_timing(bench, model)
    bench.start()
    try:
        first, results = update_all(bench, bundle)
        written = {sum(len(m.step.module.image) for m in r.modules if m.action == "written") for r in results}
        second, again = update_all(bench, bundle)
        skipped = {r.count("skipped") for r in again}
        assert len(written) == 1 and skipped == {len(bundle.modules) + len(bundle.assets)}, (written, skipped)
        assert all(d.firmware.device_os == TO for d in bench.devices)
    finally:
        bench.close()
    return first, second, written.pop(), skipped.pop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,8,16")
    parser.add_argument("--timing", default=os.environ.get(ENV) or "realistic",
                        help="timing model, e.g. realistic or realistic*0.25 (default: $PDIAG_SIM_TIMING or "
                             "realistic)")
    parser.add_argument("--assets", action="store_true", help="the application lists two assets (144 KB)")
    args = parser.parse_args()
    model = model_named(args.timing)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        write_bundle(Path(tmp), args.assets)
        bundle = load_bundle([Path(tmp)])
    assets = f"{len(bundle.assets)} assets, " if bundle.assets else ""
    print(f"pdiag update: {len(bundle.modules)} modules, {assets}{bundle.size} bytes ({bundle.size / 2**20:.2f} MiB), "
          f"{PLATFORM} {FROM} -> {TO}, timing model {model.name}")
    print(f"{'devices':>8} {'first run':>11} {'vs one':>7} {'second run':>11} {'second/first':>13}  written/device")
    base = None
    for size in sizes:
        first, second, written, skipped = run(size, bundle, model)
        base = first if base is None else base
        print(f"{size:>8} {first:>10.2f}s {first / base:>6.2f}x {second:>10.2f}s {second / first:>12.1%}  "
              f"{written} bytes; then {skipped} skipped")


if __name__ == "__main__":
    main()

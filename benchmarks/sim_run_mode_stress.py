"""Many devices changing mode at once inside `pdiag sim run`: how many runs in a row pass.

Each run starts a fresh umockdev testbed with an 8-device bench and runs, inside it,
`pdiag enter dfu --all`, `pdiag enter normal --all` and `pdiag --json list`.  A run passes when the command exits 0
and every device is listed back in normal mode.  Every device leaves the bus and comes back twice, all at the same
time, while each inner pdiag probes them from several threads: the load under which umockdev's preload used to
abort a client (docs/sim-run.md, "Known limits of umockdev").  Goal (issue 14): 20 of 20.

Run: .venv/bin/python benchmarks/sim_run_mode_stress.py [-n RUNS] [--bench SPEC]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PDIAG = [sys.executable, "-m", "particle_diag"]
BENCH = "boron,argon,electron,photon,boron,argon,p2,bsom"
INNER = "pdiag enter dfu --all >&2 && pdiag enter normal --all >&2 && pdiag --json list"


def one_run(bench: str, timeout_s: float) -> tuple[bool, str, float]:
    """(passed, why not, seconds)."""
    env = {k: v for k, v in os.environ.items() if k not in ("UMOCKDEV_DIR", "PDIAG_SIM", "PYTHONDONTWRITEBYTECODE")}
    started = time.perf_counter()
    try:
        done = subprocess.run([*PDIAG, "sim", "run", "--bench", bench, "--", "sh", "-c", INNER], env=env,
                              capture_output=True, text=True, timeout=timeout_s,
                              cwd=Path(__file__).resolve().parents[1])
    except subprocess.TimeoutExpired:
        return False, f"no result within {timeout_s:g} s", time.perf_counter() - started
    seconds = time.perf_counter() - started
    tail = " | ".join(line for line in done.stderr.splitlines()[-6:] if line.strip())
    if done.returncode != 0:
        return False, f"exit {done.returncode}: {tail}", seconds
    try:
        devices = json.loads(done.stdout)["data"]["devices"]
    except (ValueError, KeyError, TypeError):
        return False, f"no JSON list: {done.stdout[:200]!r}", seconds
    expected = len(bench.split(","))
    modes = [d["mode"] for d in devices]
    if len(devices) != expected or any(m != "normal" for m in modes):
        return False, f"listed {len(devices)} of {expected} devices, modes {modes}", seconds
    return True, "", seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--bench", default=BENCH, help=f"bench spec (default {BENCH})")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    args = parser.parse_args()
    passed, times = 0, []
    for number in range(1, args.runs + 1):
        ok, why, seconds = one_run(args.bench, args.timeout)
        times.append(seconds)
        passed += ok
        if not ok:
            print(f"run {number}: FAILED ({why})", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench: {args.bench} ({len(args.bench.split(','))} devices); median run {statistics.median(times):.2f} s; "
          f"load average {load:.2f} on {os.cpu_count()} CPUs")
    print(f"passed {passed}/{args.runs}")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())

"""Start-up time of `pdiag --version`, `--help`, `list --help` and `pdiag --sim boron list` (median, wall time).

Run: .venv/bin/python benchmarks/startup.py [-n RUNS]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PDIAG = [sys.executable, "-m", "particle_diag"]
CASES = {
    "pdiag --version": ["--version"],
    "pdiag --help": ["--help"],
    "pdiag list --help": ["list", "--help"],
    "pdiag --sim boron list": ["--sim", "boron", "list"],
}


def measure(args: list[str], runs: int) -> list[float]:
    # .pyc caches as an installed package has them (the warm-up run writes them where they are missing).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(PDIAG + args, check=True, stdout=subprocess.DEVNULL, env=env,
                       cwd=Path(__file__).resolve().parents[1])
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--runs", type=int, default=10)
    runs = parser.parse_args().runs
    for name, args in CASES.items():
        measure(args, 1)  # warm the page cache and .pyc files
        times = measure(args, runs)
        print(f"{name:28s} median {statistics.median(times) * 1000:7.1f} ms   "
              f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   ({runs} runs)")


if __name__ == "__main__":
    main()

"""`pdiag list` against `particle usb list --ids-only` (particle-cli 3.43.1), side by side on one virtual bench.

Both run, alternately, inside one `pdiag sim run` bench of four devices in different modes, so they see the
same USB devices through libusb (umockdev).  Prints each tool's median wall time and the ratio.

Run: .venv/bin/python benchmarks/list_vs_particle_cli.py [-n RUNS] [--particle PATH]

particle-cli is looked for at --particle, then $PARTICLE_CLI, then benchmarks/.particle-cli (installed there
on first use with `npm install particle-cli@3.43.1 execa@5` where npm exists), then `particle` on PATH.  Without
it the particle-cli half is skipped with a message.  Needs umockdev (docs/sim-run.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = "boron,argon:dfu,electron/1.5.2:listening,photon:safe"  # normal, DFU, listening and safe mode
PARTICLE_VERSION = "3.43.1"
LOCAL = ROOT / "benchmarks" / ".particle-cli"


def find_particle(explicit: str | None) -> list[str] | None:
    for candidate in (explicit, os.environ.get("PARTICLE_CLI")):
        if candidate:
            return [candidate]
    local = LOCAL / "node_modules" / ".bin" / "particle"
    if not local.exists() and shutil.which("npm") and shutil.which("node"):
        print(f"installing particle-cli {PARTICLE_VERSION} into {LOCAL} (once) ...", file=sys.stderr)
        LOCAL.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", f"particle-cli@{PARTICLE_VERSION}",
                        "execa@5"], cwd=LOCAL, check=False, stdout=subprocess.DEVNULL)
    if local.exists():
        return [str(local)]
    on_path = shutil.which("particle")
    return [on_path] if on_path else None


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[:400]}")
    return elapsed, done.stdout


def inside(runs: int, particle: list[str] | None) -> None:
    """Runs inside the bench: both tools, alternately, RUNS times each after one warm-up run."""
    pdiag = [sys.executable, "-m", "particle_diag", "list"]
    cli = [*particle, "usb", "list", "--ids-only"] if particle else None
    _, listed = timed(pdiag)
    print(f"pdiag sees:\n{listed.rstrip()}")
    if cli:
        _, ids = timed(cli)
        print(f"particle-cli sees:\n{ids.rstrip() or '(nothing)'}")
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        ours.append(timed(pdiag)[0])
        if cli:
            theirs.append(timed(cli)[0])
    line = "{:38s} median {:7.1f} ms   min {:7.1f} ms   max {:7.1f} ms   ({} runs)"
    print(line.format("pdiag list", statistics.median(ours) * 1000, min(ours) * 1000, max(ours) * 1000, runs))
    if not cli:
        print("particle usb list --ids-only: skipped (particle-cli not found and npm/node not available; "
              "see --particle)")
        return
    print(line.format("particle usb list --ids-only", statistics.median(theirs) * 1000, min(theirs) * 1000,
                      max(theirs) * 1000, runs))
    print(f"ratio: pdiag list is {statistics.median(theirs) / statistics.median(ours):.1f}x faster "
          "(median against median)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=10)
    parser.add_argument("--particle", help="the particle executable (default: see above)")
    parser.add_argument("--bench", default=BENCH, help=f"virtual devices (default {BENCH})")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.runs, [args.particle] if args.particle else None)
        return
    particle = find_particle(args.particle)
    command = [sys.executable, "-m", "particle_diag", "sim", "run", "--bench", args.bench, "--",
               sys.executable, str(Path(__file__).resolve()), "--inside", "-n", str(args.runs)]
    if particle:
        command += ["--particle", particle[0]]
    # Bytecode caches as an installed package has them (pip compiles .pyc): without them every run compiles
    # pdiag's sources again, which measures the interpreter rather than pdiag.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDIAG_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    raise SystemExit(subprocess.run(command, cwd=ROOT, env=env).returncode)


if __name__ == "__main__":
    main()

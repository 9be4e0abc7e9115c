"""Write 1 MiB into a virtual Boron's writable flash: pdiag against the dfu-util way of doing it.

    .venv/bin/python benchmarks/dfu_write.py [--size BYTES] [--realistic] [--no-peer]

Three runs, each counting the DFU control transfers the device received and the time taken:

1. pdiag (``pdiag dfu write``'s code path, in-process through pyusb into the virtual bench);
2. the dfu-util sequence (dfu-util src/dfuse.c dfuse_dnload_element: SET_ADDRESS before every chunk,
   always block 2) replayed in-process
   over the same pyusb path, so the two are measured with the same meter;
3. the real dfu-util inside ``pdiag sim run`` (umockdev), when both are available: its time, and its
   transfer count from libusb's debug log. If either is missing, that is said and the rest still printed.

``--realistic`` switches on the virtual flash timing model (sim.flash.REALISTIC: ~85 ms per 4 KB erase,
~42 ms per 4 KB program, reported as bwPollTimeout; ``+slowflash`` inside ``pdiag sim run``), so times
include the waits a real Boron imposes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from particle_diag.devices.dfu_session import dfu_session, write_memory
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.protocol.dfu import DfuClient
from particle_diag.protocol.memory_layout import MemoryLayout
from particle_diag.sim.attach import port_lister
from particle_diag.sim.bench import Bench
from particle_diag.sim.flash import REALISTIC
from particle_diag.sim.pyusb_backend import BenchBackend
from particle_diag.transport.usb import UsbBus

# Boron alt 0 has no contiguous 1 MiB of writable flash (usbd_dfu_mal.h); alt 2, the 4 MB external flash, has.
EXTERNAL = 0x80000000
MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    name: str
    seconds: float | None
    transfers: int | None
    note: str = ""


def _bench(realistic: bool) -> tuple[Bench, Host]:
    bench = Bench.from_spec("boron:dfu").start()
    host = Host(UsbBus(BenchBackend(bench)), port_lister(bench), simulated=True)
    if realistic:
        bench.devices[0].dfu.set_timing(REALISTIC)
    return bench, host


def best_of(runs: int, measure, *args) -> Run:  # type: ignore[no-untyped-def]
    """The fastest of ``runs`` runs (the in-process ones are short enough for start-up noise to matter)."""
    return min((measure(*args) for _ in range(runs)), key=lambda r: r.seconds)


def run_pdiag(data: bytes, realistic: bool) -> Run:
    bench, host = _bench(realistic)
    try:
        target = bench.devices[0].dfu
        with dfu_session(discover(host)[0], host) as session:
            target.requests.clear()
            start = time.perf_counter()
            write_memory(session, 2, EXTERNAL, data)
            elapsed = time.perf_counter() - start
        assert target.flashes[2].peek(EXTERNAL, len(data)) == data
        return Run("pdiag", elapsed, target.control_transfers)
    finally:
        bench.close()


def dfu_util_style_write(client: DfuClient, layout: MemoryLayout, address: int, data: bytes) -> None:
    """dfu-util's dfuse_dnload_element (and particle-usb's doDownload), erase every page, then
    for each chunk SET_ADDRESS + DNLOAD block 2, each followed by GETSTATUS polling."""
    client.ensure_idle()
    for sector in layout.sectors_in(address, len(data)):
        client.erase_page(sector)
    size = client.transfer_size
    for offset in range(0, len(data), size):
        client.set_address(address + offset)
        client.download_block(2, data[offset : offset + size])


def run_dfu_util_style(data: bytes, realistic: bool) -> Run:
    bench, host = _bench(realistic)
    try:
        target = bench.devices[0].dfu
        with dfu_session(discover(host)[0], host) as session:
            layout = session.select(2)
            target.requests.clear()
            start = time.perf_counter()
            dfu_util_style_write(session.client, layout, EXTERNAL, data)
            elapsed = time.perf_counter() - start
        assert target.flashes[2].peek(EXTERNAL, len(data)) == data
        return Run("dfu-util sequence (in-process)", elapsed, target.control_transfers)
    finally:
        bench.close()


def run_in_sim(data: bytes, realistic: bool, timeout_s: float = 300.0) -> list[Run]:
    """dfu-util 0.11, then pdiag as a separate process, each inside ``pdiag sim run`` (umockdev: the bench
    appears as a real /dev/bus/usb device). Wall time of each command; transfers counted from libusb's debug
    log (LIBUSB_DEBUG=4: one ``libusb_submit_transfer`` line per transfer, both tools use libusb)."""
    names = ("dfu-util (pdiag sim run)", "pdiag (pdiag sim run)")
    if shutil.which("dfu-util") is None:
        return [Run(names[0], None, None, "dfu-util is not installed")]
    pdiag = [sys.executable, "-m", "particle_diag"]
    probe = _run([*pdiag, "sim", "--help"], 30)
    if probe is None or probe.returncode != 0 or "run" not in probe.stdout:
        return [Run(n, None, None, "`pdiag sim run` is not available in this pdiag") for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "image.bin"
        image.write_bytes(data)
        commands = (f"dfu-util -d 2b04:d00d -a 2 -s 0x{EXTERNAL:08X} -D {image}",
                    f"{sys.executable} -m particle_diag dfu write --alt 2 --address 0x{EXTERNAL:08X} {image}")
        bench = "boron:dfu+slowflash" if realistic else "boron:dfu"
        return [_timed_in_sim(pdiag, name, command, Path(tmp) / f"libusb{i}.log", timeout_s, bench)
                for i, (name, command) in enumerate(zip(names, commands, strict=True))]


def _timed_in_sim(pdiag: list[str], name: str, command: str, log: Path, timeout_s: float, bench: str) -> Run:
    script = (f"start=$(date +%s.%N); LIBUSB_DEBUG=4 {command} 2>{log} >/dev/null; rc=$?; "
              f"end=$(date +%s.%N); echo \"$rc $start $end\"")
    done = _run([*pdiag, "sim", "run", "--bench", bench, "--", "sh", "-c", script], timeout_s)
    if done is None:
        return Run(name, None, None, f"`pdiag sim run` did not finish within {timeout_s:g} s")
    match = re.search(r"^(\d+) ([\d.]+) ([\d.]+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None or match[1] != "0":
        text = log.read_text(errors="replace") if log.exists() else done.stderr or done.stdout
        tail = [line for line in text.splitlines() if "libusb:" not in line][-1:] or ["no output"]
        return Run(name, None, None, f"failed inside `pdiag sim run`: {tail[0]}")
    text = log.read_text(errors="replace") if log.exists() else ""
    transfers = len(re.findall(r"libusb_submit_transfer", text)) or None
    note = "wall time of the whole command" + ("" if transfers else "; libusb logged no transfers")
    return Run(name, float(match[3]) - float(match[2]), transfers, note)


def _run(command: list[str], timeout_s: float) -> subprocess.CompletedProcess[str] | None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        return None


def report(runs: list[Run], size: int) -> list[str]:
    lines = [f"DFU write of {size} bytes into a virtual Boron (alt 2, 0x{EXTERNAL:08X})"]
    for r in runs:
        if r.seconds is None:
            lines.append(f"  {r.name:<34} unavailable: {r.note}")
            continue
        transfers = f"{r.transfers:>6} control transfers" if r.transfers is not None else "     ? control transfers"
        lines.append(f"  {r.name:<34} {r.seconds:8.3f} s  {transfers}" + (f"  ({r.note})" if r.note else ""))
    pairs = [(runs[0], runs[1])]
    in_sim = {r.name: r for r in runs[2:]}
    if "pdiag (pdiag sim run)" in in_sim:
        pairs.append((in_sim["pdiag (pdiag sim run)"], in_sim["dfu-util (pdiag sim run)"]))
    for mine, theirs in pairs:
        if mine.seconds is None or theirs.seconds is None:
            continue
        ratio_t = f"{mine.seconds / theirs.seconds:.2f}" if theirs.seconds else "?"
        ratio_n = f"{mine.transfers / theirs.transfers:.2f}" if mine.transfers and theirs.transfers else "?"
        lines.append(f"  {mine.name} / {theirs.name}: time {ratio_t}, control transfers {ratio_n}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=MIB, help="bytes to write (default 1 MiB)")
    parser.add_argument("--realistic", action="store_true", help="use the virtual flash timing model")
    parser.add_argument("--no-peer", action="store_true", help="skip the real dfu-util run")
    args = parser.parse_args(argv)
    data = os.urandom(args.size)
    repeat = 1 if args.realistic else 3
    runs = [best_of(repeat, run_pdiag, data, args.realistic), best_of(repeat, run_dfu_util_style, data, args.realistic)]
    runs += [Run("dfu-util (pdiag sim run)", None, None, "skipped (--no-peer)")] if args.no_peer \
        else run_in_sim(data, args.realistic)
    print("\n".join(report(runs, args.size)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

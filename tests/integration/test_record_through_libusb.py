"""`pdiag --record` on top of libusb and /dev/ttyACM (what a user's computer runs), replayed with --sim replay.

Inside `pdiag sim run` the recorder wraps the real libusb1 pyusb backend and pyserial opens ttyACM nodes, so
this is the code path of a recording made at a user's desk; the devices behind it are the virtual bench's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from particle_diag.sim.bench import Bench

pytestmark = pytest.mark.integration

SPEC = "boron,argon/0.8.0:listening,p2:dfu"


def test_a_recording_made_through_libusb_replays_to_the_same_data(sim_run, pdiag, tmp_path: Path) -> None:
    bench = Bench.from_spec(SPEC)
    boron, argon, p2 = bench.devices
    commands = {
        "list": ["list"],
        "identify": ["identify", argon.device_id[:10]],  # listening mode, Device OS 0.8.0: the serial console
        "dfu": ["dfu", "info", p2.device_id[:10]],
    }
    script = " && ".join(
        f"pdiag --record {tmp_path / name}.jsonl --json {' '.join(args)} > {tmp_path / name}.json"
        for name, args in commands.items())
    result = sim_run(SPEC, "sh", "-c", script, timeout=90)
    assert result.returncode == 0, result.output

    for name, args in commands.items():
        recorded = json.loads((tmp_path / f"{name}.json").read_text())
        replayed = pdiag("--sim", f"replay:{tmp_path / name}.jsonl", "--json", *args)
        assert replayed.code == 0, replayed.out + replayed.err
        assert "warning" not in replayed.err
        text = json.dumps(recorded["data"])
        # the recording's ports are the testbed's ttyACM nodes, the replay's are its own ptys
        for i in range(4):
            text = text.replace(f"/dev/ttyACM{i}", "PORT")
        again = json.dumps(replayed.json["data"])
        for port in {d.get("serial_port") for d in replayed.json["data"].get("devices", [replayed.json["data"]])}:
            if port:
                again = again.replace(port, "PORT")
        assert again == text, name

    records = [json.loads(line) for line in (tmp_path / "list.jsonl").read_text().splitlines()]
    devices = {r["vid_pid"]: r for r in records if r["type"] == "device"}
    # libusb's parsed descriptors serialise back to the bytes the device sent
    for device in (boron, argon, p2):
        recorded = devices[f"{device.platform.vid:04x}:{device.pid:04x}"]
        assert recorded["device_descriptor"] == device.descriptors.device.hex()
        assert recorded["configurations"] == [device.descriptors.configuration.hex()]
    assert {r["ports"][0]["device"] for r in records if r["type"] == "ports" and r["ports"]} <= {
        "/dev/ttyACM0", "/dev/ttyACM1"}

    # the listening-mode `i` reply carried the Argon's secret: masked on disk
    secret = argon.firmware.secret
    assert secret
    for name in commands:
        content = (tmp_path / f"{name}.jsonl").read_text()
        assert secret not in content and secret.encode().hex() not in content
    identify = (tmp_path / "identify.jsonl").read_text()
    assert "Device Secret: *" in identify

"""``pdiag update`` inside ``pdiag sim run`` (each command its own process over real libusb/usbfs, no terminal):
a Boron on an older Device OS takes a bundle's system part and application and runs them, the same command
again skips both, and bundles whose dependencies cannot be met, or for another platform, are refused without the
device's mode or flash changing."""

from __future__ import annotations

import json
import shlex

import pytest

from tests.update.conftest import release_modules

pytestmark = pytest.mark.integration


def _write(folder, files: dict[str, bytes]):
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _modules(path) -> dict[str, int]:
    return {f"{m['type']}/{m['index']}": m["version"] for m in json.loads(path.read_text())["data"]["modules"]}


def test_update_then_skip_then_refusals_leave_the_device_as_found(sim_run, tmp_path) -> None:
    _write(tmp_path / "release", release_modules("boron", "6.1.2"))  # system part 6102 + an application
    _write(tmp_path / "needs-bootloader", release_modules("boron", "6.2.0"))  # 6.2.0 needs bootloader 3100
    _write(tmp_path / "argon", release_modules("argon", "6.1.2"))
    script = f"""cd {shlex.quote(str(tmp_path))}
pdiag --json identify > before.json
pdiag --json update release > first.json; echo "rc-first=$?"
pdiag --json identify > after.json
pdiag --json update release > second.json; echo "rc-second=$?"
pdiag dfu read --enter --address 0x28000 --length 0xCC000 flash-before.bin >&2 && pdiag reset >&2
pdiag --json update needs-bootloader > refused-deps.json; echo "rc-deps=$?"
pdiag --json update argon > refused-platform.json; echo "rc-platform=$?"
pdiag --json list > list.json
pdiag dfu read --enter --address 0x28000 --length 0xCC000 flash-after.bin >&2
"""
    result = sim_run("boron/6.1.1", "sh", "-c", script, timeout=120)
    assert result.returncode == 0, result.output
    codes = dict(line.split("=") for line in result.stdout.splitlines() if line.startswith("rc-"))
    assert codes == {"rc-first": "0", "rc-second": "0", "rc-deps": "2", "rc-platform": "2"}, result.output

    assert _modules(tmp_path / "before.json")["system_part/1"] == 6101
    (first,) = json.loads((tmp_path / "first.json").read_text())["data"]["devices"]
    assert {(m["function"], m["version"], m["action"]) for m in first["modules"]} == {
        ("system_part", 6102, "written"), ("user_part", 6, "written")}
    assert all(m["confirmed"] and m["elapsed_s"] > 0 for m in first["modules"])
    after = json.loads((tmp_path / "after.json").read_text())["data"]
    assert after["device_os"] == "6.1.2" and _modules(tmp_path / "after.json")["system_part/1"] == 6102
    assert all(m["valid"] for m in after["modules"])
    (second,) = json.loads((tmp_path / "second.json").read_text())["data"]["devices"]
    assert [m["action"] for m in second["modules"]] == ["skipped", "skipped"]

    deps = json.loads((tmp_path / "refused-deps.json").read_text())
    assert deps["error"]["reference"] == "update.dependencies" and "bootloader 0 v3100" in deps["error"]["message"]
    platform = json.loads((tmp_path / "refused-platform.json").read_text())
    assert platform["error"]["reference"] == "firmware.platform"
    (listed,) = json.loads((tmp_path / "list.json").read_text())["data"]["devices"]
    assert listed["mode"] == "normal" and listed["device_os"] == "6.1.2"
    assert (tmp_path / "flash-after.bin").read_bytes() == (tmp_path / "flash-before.bin").read_bytes()

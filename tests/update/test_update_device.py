"""``pdiag update`` on virtual devices, over the real pyusb and pyserial paths: writing what differs, skipping
what is there, the bootloader through Device OS, refusals before any device is touched, a bench in parallel with
one failing device, Ctrl-C, and firmware that only describes its modules in listening mode."""

from __future__ import annotations

import json
import re

import pytest

from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.bundle import load_bundle
from particle_diag.devices.discovery import discover
from particle_diag.devices.update import prepare_update, update_device
from particle_diag.errors import ExitCode, OperationInterrupted
from particle_diag.sim import firmware
from particle_diag.sim.dfu_faults import arm_interrupt
from tests.update.conftest import benches


def _versions(device) -> dict[tuple[str, int], int]:
    return {(m.type, m.index): m.version for m in firmware.modules(device)}


def _only(vb):
    (record,) = discover(vb.host)
    return record


def test_cli_json_lists_each_module_written_and_the_device_runs_the_new_versions(pdiag, release):
    bundle = release("boron", "6.1.2")
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle))
    assert result.code == 0, result.err
    assert result.err == ""  # nothing but the JSON with --json
    (device,) = result.json["data"]["devices"]
    modules = {m["function"]: m for m in device["modules"]}
    assert {f: (m["version"], m["action"], m["confirmed"]) for f, m in modules.items()} == {
        "system_part": (6102, "written", True), "user_part": (6, "written", True)}
    assert all(m["elapsed_s"] > 0 and m["route"] == "dfu" for m in modules.values())
    assert (device["device_os_before"], device["device_os_after"], device["mode_after"]) == ("6.1.1", "6.1.2",
                                                                                             "normal")
    assert device["ok"] is True and device["written"] == 2 and result.json["data"]["bundle"]["platform"] == "boron"
    virtual = seen[0].devices[0]
    assert _versions(virtual)[("system_part", 1)] == 6102 and virtual.firmware.device_os == "6.1.2"


def test_the_same_update_again_skips_everything_without_touching_the_device(make_bench, release):
    vb = make_bench("boron/6.1.1")
    bundle = load_bundle([release("boron", "6.1.2")])
    first = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert [m.action for m in first.modules] == ["written", "written"] and first.error is None
    device = vb.device()
    flash, log = device.dfu_flash(0).peek(0, 0x100000), len(device.request_log)
    second = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert [(m.action, m.step.reason) for m in second.modules] == [("skipped", "already on the device")] * 2
    assert device.dfu_flash(0).peek(0, 0x100000) == flash and device.mode == "normal"
    assert set(device.request_log[log:]) <= {R.GET_MODULE_INFO, R.GET_DEVICE_MODE}  # read, never written


def test_a_whole_release_with_the_bootloader_through_device_os(make_bench, release):
    """6.1.1 -> 6.2.0 on a Boron: the bootloader first, with the firmware-update requests 250-253 (DFU cannot
    write it); then the radio stack (already there: skipped), the system part (moved from 0x30000 to 0x28000 in
    6.2.0) and the application over DFU."""
    vb = make_bench("boron/6.1.1")
    bundle = load_bundle([release("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))])
    result = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert result.error is None, result.error
    assert [(m.step.module.function, m.step.route, m.action) for m in result.modules] == [
        ("bootloader", "device-os", "written"), ("radio_stack", "dfu", "skipped"),
        ("system_part", "dfu", "written"), ("user_part", "dfu", "written")]
    device = vb.device()
    assert _versions(device).items() >= {("bootloader", 0): 3100, ("system_part", 1): 6200,
                                         ("radio_stack", 0): 202}.items()
    assert device.firmware.device_os == "6.2.0" and device.mode == "normal"
    assert R.START_FIRMWARE_UPDATE in device.request_log and R.FINISH_FIRMWARE_UPDATE in device.request_log


@pytest.mark.parametrize(("spec_bundle", "reference"), [
    (("boron", "6.2.0", ("system_part", "user_part")), "update.dependencies"),  # needs bootloader 3100
    (("argon", "6.1.2", ("system_part", "user_part")), "firmware.platform"),
])
def test_a_bundle_that_cannot_be_applied_is_refused_before_the_device_is_touched(pdiag, release, spec_bundle,
                                                                                 reference):
    bundle = release(*spec_bundle)
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1", "--json", "update", str(bundle))
    assert result.code == ExitCode.USAGE
    assert result.json["error"]["reference"] == reference and result.json["error"]["hint"]
    device = seen[0].devices[0]
    assert device.mode == "normal" and device.enumeration == 1  # never restarted, never in DFU
    assert not {R.DFU_MODE, R.START_FIRMWARE_UPDATE} & set(device.request_log)
    assert _versions(device)[("system_part", 1)] == 6101


def test_plan_touches_nothing(pdiag, release):
    bundle = release("boron", "6.1.2")
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1:dfu", "update", str(bundle), "--plan")
    assert result.code == 0, result.err
    assert "2 to write, 0 to skip" in result.out and "the device has v6101" in result.out
    device = seen[0].devices[0]
    assert device.mode == "dfu"  # restarted to read its modules, and put back where it was found
    assert _versions(device)[("system_part", 1)] == 6101


def test_a_bench_in_parallel_one_failing_device_does_not_stop_the_others(pdiag, release):
    bundle = release("boron", "6.1.2")
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1,boron/6.1.1+unplugwrite,boron/6.1.1", "--json", "update",
                       str(bundle), "--all")
    assert result.code == ExitCode.PROTOCOL  # the worst outcome: the pulled cable
    devices = result.json["data"]["devices"]
    assert [d["ok"] for d in devices] == [True, False, True]
    assert devices[1]["error"]["reference"] == "dfu.interrupted"
    assert [m["action"] for m in devices[1]["modules"]] == ["failed", "failed"]
    first, second = devices[1]["modules"]
    assert (first["reached"], second["reached"]) == (True, False)  # the second was never attempted...
    assert second["error"]["reference"] == "dfu.interrupted"  # ...because of the first's failure
    ok = [seen[0].devices[i] for i in (0, 2)]
    assert all(_versions(d)[("system_part", 1)] == 6102 for d in ok)


def test_ctrl_c_mid_write_says_what_was_written_and_the_same_command_finishes(make_bench, release):
    vb = make_bench("boron/6.1.1")
    bundle = load_bundle([release("boron", "6.1.2")])
    device = vb.device()
    arm_interrupt(device, "write")  # SIGINT at the third data block of the first module
    result = update_device(prepare_update(_only(vb), bundle, recovery="pdiag update B DEV"), vb.host)
    error = result.error
    assert isinstance(error, OperationInterrupted) and error.exit_code == ExitCode.INTERRUPTED
    assert error.step == "write" and "partly written" in error.device_state and error.recovery == "pdiag update B DEV"
    assert [m.action for m in result.modules] == ["failed", "failed"]
    assert result.modules[0].error is error and device.mode == "dfu"
    again = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert [m.action for m in again.modules] == ["written", "written"] and again.error is None
    assert _versions(device)[("system_part", 1)] == 6102 and device.mode == "normal"


def test_cli_interrupted_json_carries_step_state_and_recovery(pdiag, release):
    bundle = release("boron", "6.1.2")
    result = pdiag("--sim", "boron/6.1.1+intwrite", "--json", "update", str(bundle))
    assert result.code == ExitCode.INTERRUPTED
    error = result.json["error"]
    assert error["reference"] == "interrupted" and error["step"] == "write"
    assert error["recovery"].startswith("pdiag --sim boron/6.1.1 update ") and str(bundle) in error["recovery"]
    (device,) = result.json["data"]["devices"]
    assert [m["action"] for m in device["modules"]] == ["failed", "failed"]
    json.dumps(result.json)  # strict JSON


def test_firmware_without_request_90_is_read_in_listening_mode_and_put_back(make_bench, release):
    """Gen 2 before 1.5.0 answers no request 90: its modules come from the `s` reply in listening mode."""
    vb = make_bench("electron/1.4.4")
    bundle = load_bundle([release("electron", "1.4.4", ("user_part",))])
    result = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert result.error is None and [m.action for m in result.modules] == ["written"]
    assert result.modules[0].confirmed and vb.device().mode == "normal"
    again = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert [m.action for m in again.modules] == ["skipped"]  # the `s` reply carries the user part's SHA-256
    assert vb.device().mode == "normal"


@pytest.mark.parametrize(("stage", "step_words"), [
    ("update", "sending bootloader 0 v3100"),  # through Device OS: cancelled, nothing applied
    ("enter", "entering DFU"),
    ("erase", "erase"),
    ("write", "write"),
    ("verify", "verify"),
    ("leave", "after the reset"),  # written and verified; the restart out of DFU was being waited for
])
def test_ctrl_c_at_each_stage_then_the_same_command_finishes_the_update(make_bench, release, stage, step_words):
    """Ctrl-C (a real SIGINT, raised by the virtual device at that stage) during a whole release: the update stops
    at a safe point, says what was written and how to finish, and that command finishes it."""
    from particle_diag.sim import firmware_update

    vb = make_bench("boron/6.1.1")
    device = vb.device()
    bundle = load_bundle([release("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))])
    if stage == "update":
        firmware_update.arm_interrupt(device)
    else:
        arm_interrupt(device, stage)
    stopped = update_device(prepare_update(_only(vb), bundle, recovery="pdiag update B"), vb.host)
    error = stopped.error
    assert isinstance(error, OperationInterrupted) and step_words in error.step, error
    assert error.recovery == "pdiag update B" and "pdiag update B" in error.hint
    if stage == "update":
        assert "cancelled" in error.device_state and _versions(device)[("bootloader", 0)] == 3001
        assert device.mode == "normal" and "listening" not in error.device_state  # out of the listening mode
        assert [m.action for m in stopped.modules] == ["failed", "skipped", "failed", "failed"]
    else:
        assert "bootloader 0 v3100" in error.device_state  # written before the DFU run was stopped
        assert stopped.modules[0].action == "written"
    again = update_device(prepare_update(_settled(vb), bundle), vb.host)
    assert again.error is None, again.error
    assert _versions(device).items() >= {("bootloader", 0): 3100, ("system_part", 1): 6200}.items()
    assert device.mode == "normal" and device.firmware.device_os == "6.2.0"


def _settled(vb):
    """The device once it is back on the bus and stays there (stopped mid-restart, it comes back by itself)."""
    from particle_diag.clock import SYSTEM_CLOCK

    device, last = vb.device(), None
    for _ in range(200):
        found = discover(vb.host)
        seen = (found[0].mode, found[0].usb.address) if found and found[0].usb else None
        if seen is not None and seen == last and device.attached and seen[1] == device.address:
            return found[0]
        last = seen
        SYSTEM_CLOCK.sleep(0.1)
    raise AssertionError("the device did not come back")


def test_on_a_terminal_each_device_has_a_live_progress_line(release):
    """stderr a terminal: a live table (one row per device) while it runs, then the results; piped, plain lines
    on stderr; with --json nothing but the JSON (the tests above)."""
    from tests.cli.test_conventions import run_on_a_terminal

    bundle = release("boron", "6.1.2")
    screen = run_on_a_terminal(["--sim", "boron/6.1.1,boron/6.1.1", "update", str(bundle), "--all"],
                               COLUMNS="160", PDIAG_SIM_TIMING="realistic*0.1")
    assert "DEVICE" in screen and "PROGRESS" in screen and "█" in screen, screen  # the live table
    assert len(re.findall(r"e00fce68\w+: 2 written, 0 skipped, 0 failed in", screen)) == 2, screen
    assert "Traceback" not in screen


def test_piped_progress_is_plain_lines_on_stderr(pdiag, release):
    bundle = release("boron", "6.1.2")
    result = pdiag("--sim", "boron/6.1.1,boron/6.1.1", "update", str(bundle), "--all")
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines and all(line.startswith("e00fce68") and " [boron] " in line for line in lines)
    assert {line.split()[0] for line in lines if "100% done: 2 written" in line} == {
        line.split(":")[0] for line in result.out.splitlines() if not line.startswith(" ")}
    assert "\x1b[" not in result.err


def test_ctrl_c_during_a_bench_update_reports_every_device(pdiag, release):
    """One Ctrl-C reaches every worker: each device stops at its next safe point, and the result lists them all
    (what each got done, how to finish), exit 130."""
    bundle = release("boron", "6.2.0", ("bootloader", "system_part", "user_part"))
    result = pdiag("--sim", "boron/6.1.1+intupdate,boron/6.1.1,boron/6.1.1", "--json", "update", str(bundle),
                   "--all")
    assert result.code == ExitCode.INTERRUPTED, result.out
    devices = result.json["data"]["devices"]
    assert len(devices) == 3 and result.json["error"]["reference"] == "interrupted"
    for device in devices:
        assert device["modules"] and all(m["action"] in ("written", "failed") for m in device["modules"])
        if device["error"] is not None:
            assert device["error"]["reference"] == "interrupted" and device["error"]["recovery"]


def test_the_device_listens_while_a_module_goes_through_device_os_as_particle_cli_does(make_bench, release):
    """particle-cli puts the device in listening mode before each updateFirmware (src/lib/flash-helper.js), so
    that it is not connecting to the cloud meanwhile; the restart that applies the module ends it."""
    vb = make_bench("boron/6.1.1")
    device = vb.device()
    seen: list[str] = []
    device.request_listeners.append(lambda type_id: type_id == R.START_FIRMWARE_UPDATE and seen.append(device.mode))
    bundle = load_bundle([release("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))])
    result = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert result.error is None and seen == ["listening"]
    log = device.request_log
    assert log.index(R.START_LISTENING) < log.index(R.START_FIRMWARE_UPDATE)
    assert device.mode == "normal" and device.firmware.cloud == "connected"


def test_firmware_that_refuses_listening_mode_is_updated_as_it_is(make_bench, release):
    vb = make_bench("boron/6.1.1+nolisten")
    bundle = load_bundle([release("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))])
    result = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert result.error is None, result.error
    assert _versions(vb.device())[("bootloader", 0)] == 3100


def test_a_module_device_os_refuses_leaves_the_device_as_found(make_bench, release):
    """Device OS validates a module at FINISH and refuses it (here: a CRC that does not match, corrupted after
    pdiag's own checks): nothing applied, the device out of the listening mode it was put in for the transfer."""
    import dataclasses

    from particle_diag.devices.ota import UpdateRefusedError, send_through_device_os

    vb = make_bench("boron/6.1.1")
    device = vb.device()
    (module,) = load_bundle([release("boron", "6.2.0", ("bootloader",))]).modules
    corrupted = bytearray(module.image)
    corrupted[100] ^= 0xFF
    with pytest.raises(UpdateRefusedError) as refused:
        send_through_device_os(_only(vb), vb.host, dataclasses.replace(module, image=bytes(corrupted)))
    assert refused.value.reference == "update.refused" and "listening" not in refused.value.message
    assert _versions(device)[("bootloader", 0)] == 3001
    assert device.mode == "normal" and R.STOP_LISTENING in device.request_log


def test_ctrl_c_while_the_device_settles_in_listening_mode_takes_it_out_again(make_bench, release):
    import signal

    vb = make_bench("boron/6.1.1")
    device = vb.device()
    fired: list[bool] = []

    def press_ctrl_c(type_id: int) -> None:
        if type_id == R.START_LISTENING and not fired:
            fired.append(True)
            signal.raise_signal(signal.SIGINT)

    device.request_listeners.append(press_ctrl_c)
    bundle = load_bundle([release("boron", "6.2.0", ("bootloader", "radio_stack", "system_part", "user_part"))])
    stopped = update_device(prepare_update(_only(vb), bundle, recovery="pdiag update B"), vb.host)
    assert fired and isinstance(stopped.error, OperationInterrupted), stopped.error
    assert device.mode == "normal" and R.STOP_LISTENING in device.request_log
    assert R.START_FIRMWARE_UPDATE not in device.request_log and _versions(device)[("bootloader", 0)] == 3001

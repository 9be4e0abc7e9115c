"""The runner: steps with retries and timeouts, unplugged devices, exit-code precedence (fake clock)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from particle_diag.catalog.platforms import by_name
from particle_diag.clock import FakeClock
from particle_diag.devices.discovery import discover
from particle_diag.devices.host import Host
from particle_diag.devices.identify import Identity, ModuleSummary, identify
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import DeviceGoneError, DeviceTimeoutError, ExitCode, PermissionDeniedError
from particle_diag.factory.runner import CheckRunner, DeviceProgress, DeviceResult, Operations, overall_exit_code
from particle_diag.factory.spec import parse_spec_text

SPEC = '[expect]\nplatform = "boron"\nmin_device_os = "4.0.0"\nmode = "normal"\niccid = true\n'


def record(device_id: str = "e00f00000000000000000001", mode: str = "normal", status: str = "normal",
           problem: Any = None) -> DeviceRecord:
    return DeviceRecord(device_id, by_name("boron"), mode, status, device_os="6.2.1", problem=problem)


def ident(rec: DeviceRecord, **fields: Any) -> Identity:
    values: dict[str, Any] = {"device_os": "6.2.1", "iccid": "89014103211118510720", "cloud_status": "connected",
                              "modules": [ModuleSummary("system_part", 1, 6201, True)]}
    values.update(fields)
    return Identity(rec.device_id, "boron", 13, rec.mode, **values)


@dataclass
class ModeResult:
    record: DeviceRecord | None


class FakeDevices:
    """Operations whose behaviour each test scripts; every call is logged."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.identities: list[Any] = []  # Identity or exception, consumed in order; then the last one repeats
        self.mode_errors: list[Exception] = []
        self.present = True

    def ops(self) -> Operations:
        return Operations(self.change_mode, self.reset, self.identify, self.locate)

    def change_mode(self, rec: DeviceRecord, target: str, host: Host, *, timeout_s: float = 60.0) -> ModeResult:
        self.calls.append(f"enter {target} {timeout_s:g}")
        self.clock.sleep(1.0)
        if self.mode_errors:
            raise self.mode_errors.pop(0)
        return ModeResult(DeviceRecord(rec.device_id, rec.platform, target, target, device_os=rec.device_os))

    def reset(self, rec: DeviceRecord, host: Host, *, timeout_s: float = 60.0) -> ModeResult:
        self.calls.append("reset")
        return ModeResult(rec)

    def identify(self, rec: DeviceRecord, host: Host) -> Identity:
        self.calls.append(f"identify {host.request_timeout_s:g}")
        self.clock.sleep(0.5)
        item = self.identities.pop(0) if len(self.identities) > 1 else self.identities[0] if self.identities \
            else ident(rec)
        if isinstance(item, Exception):
            raise item
        return item

    def locate(self, host: Host, device_id: str | None, usb_path: str | None) -> DeviceRecord | None:
        self.calls.append("locate")
        return record(device_id or "?") if self.present else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeDevices:
    return FakeDevices(clock)


def run(text: str, fake: FakeDevices, clock: FakeClock, *records: DeviceRecord, **kw: Any) -> list[DeviceResult]:
    host = Host(clock=clock)
    runner = CheckRunner(parse_spec_text(text), host, operations=fake.ops(), **kw)
    return runner.run(list(records or [record()])).devices


def test_passing_device_and_its_timings(fake: FakeDevices, clock: FakeClock) -> None:
    steps = SPEC + '[[step]]\naction = "enter"\nmode = "listening"\ntimeout_s = 7\n' \
                   '[[step]]\naction = "enter"\nmode = "normal"\n'
    (result,) = run(steps, fake, clock)
    assert result.verdict == "pass" and result.exit_code == 0
    assert fake.calls == ["enter listening 7", "enter normal 60", "identify 10"]
    assert [s.elapsed_s for s in result.steps] == [1.0, 1.0, 0.5]
    assert result.elapsed_s == 2.5
    assert result.steps[-1].implicit
    assert [e.name for e in result.expectations] == ["platform", "min_device_os", "mode", "iccid"]


def test_identify_retries_until_required_field_is_known(fake: FakeDevices, clock: FakeClock) -> None:
    rec = record()
    fake.identities = [ident(rec, iccid=None), ident(rec, iccid=None), ident(rec)]
    steps = SPEC + '[[step]]\naction = "identify"\nrequire = ["iccid"]\nretries = 5\nretry_delay_s = 2\n' \
                   'timeout_s = 3\n'
    (result,) = run(steps, fake, clock, rec)
    assert result.verdict == "pass"
    assert result.steps[0].attempts == 3
    assert result.steps[0].elapsed_s == pytest.approx(3 * 0.5 + 2 * 2)
    assert fake.calls == ["identify 3", "locate", "identify 3", "locate", "identify 3"]  # no implicit identify
    assert clock.sleeps.count(2) == 2


def test_required_field_never_known_fails_the_check(fake: FakeDevices, clock: FakeClock) -> None:
    rec = record()
    fake.identities = [ident(rec, iccid=None)]
    (result,) = run(SPEC + '[[step]]\naction = "identify"\nrequire = ["iccid"]\nretries = 2\n', fake, clock, rec)
    assert result.verdict == "fail" and result.exit_code == ExitCode.CHECK_FAILED
    assert result.error is not None and result.error.reference == "check.step-incomplete"
    assert result.steps[0].attempts == 3


def test_mode_change_timeout_is_retried_then_reported(fake: FakeDevices, clock: FakeClock) -> None:
    fake.mode_errors = [DeviceTimeoutError("no answer"), DeviceTimeoutError("no answer again")]
    steps = SPEC + '[[step]]\naction = "enter"\nmode = "dfu"\nretries = 1\n' \
                   '[[step]]\naction = "enter"\nmode = "normal"\n'
    (result,) = run(steps, fake, clock)
    assert result.verdict == "error" and result.exit_code == ExitCode.TIMEOUT
    assert result.error is not None and result.error.message == "no answer again"
    assert [(s.label, s.attempts, s.reached) for s in result.steps] == [
        ("enter dfu", 2, True), ("enter normal", 0, False), ("identify", 0, False)]
    assert result.expectations == []


def test_unplugged_mid_check_is_a_record_and_others_carry_on(fake: FakeDevices, clock: FakeClock) -> None:
    fake.identities = [DeviceGoneError("gone")]
    fake.present = False
    steps = SPEC + '[[step]]\naction = "identify"\nretries = 3\n'
    (result,) = run(steps, fake, clock)
    assert result.verdict == "error" and result.exit_code == ExitCode.PROTOCOL
    assert result.error is not None and result.error.reference == "check.unplugged"


def test_device_budget(fake: FakeDevices, clock: FakeClock) -> None:
    text = "[station]\ndevice_timeout_s = 1.5\n" + SPEC + '[[step]]\naction = "enter"\nmode = "listening"\n' \
           '[[step]]\naction = "enter"\nmode = "normal"\n'
    (result,) = run(text, fake, clock)
    assert result.error is not None and result.error.reference == "check.device-timeout"


def test_inaccessible_device_is_reported_without_touching_it(fake: FakeDevices, clock: FakeClock) -> None:
    rec = record(status="inaccessible", problem=PermissionDeniedError("denied"))
    (result,) = run(SPEC, fake, clock, rec)
    assert result.exit_code == ExitCode.PERMISSION and fake.calls == []


def test_a_bug_in_one_worker_does_not_stop_the_others(fake: FakeDevices, clock: FakeClock) -> None:
    good, bad = record("e00f00000000000000000001"), record("e00f00000000000000000002")
    real_identify = fake.identify

    def identify_bug(rec: DeviceRecord, host: Host) -> Identity:
        if rec is bad:
            raise KeyError("oops")
        return real_identify(rec, host)

    ops = fake.ops()
    ops.identify = identify_bug
    report = CheckRunner(parse_spec_text(SPEC), Host(clock=clock), operations=ops).run([good, bad])
    assert [d.verdict for d in report.devices] == ["pass", "error"]
    assert report.devices[1].error is not None and report.devices[1].error.reference == "internal"
    assert report.exit_code == ExitCode.FAILURE


def test_progress_and_results_are_reported(fake: FakeDevices, clock: FakeClock) -> None:
    seen: list[DeviceProgress] = []
    done: list[DeviceResult] = []
    run(SPEC, fake, clock, on_progress=seen.append, on_result=done.append)
    assert [p.phase for p in seen] == ["step", "expect", "done"]
    assert seen[-1].verdict == "pass" and len(done) == 1


def _result(verdict_code: int) -> DeviceResult:
    r = DeviceResult("k", "k", "boron", None, None, "s")
    if verdict_code == 9:
        from particle_diag.factory.expectations import ExpectationResult

        r.expectations = [ExpectationResult("mode", False, "normal", "dfu", "mode: ...")]
    elif verdict_code:
        from particle_diag.errors import PdiagError

        err = PdiagError("x")
        err.exit_code = ExitCode(verdict_code)
        r.error = err
    return r


@pytest.mark.parametrize(("codes", "expected"), [
    ([0, 0], 0), ([0, 9], 9), ([9, 6], 6), ([6, 7, 9], 7), ([5, 9, 0], 5), ([], 0),
])
def test_exit_code_precedence(codes: list[int], expected: int) -> None:
    assert overall_exit_code([_result(c) for c in codes]) == expected
    assert overall_exit_code([_result(c) for c in codes], interrupted=True) == 130


def test_real_device_unplugged_during_identify(make_bench) -> None:  # type: ignore[no-untyped-def]
    vb = make_bench("boron,boron,boron")
    records = discover(vb.host)
    victim = vb.bench.devices[1]

    def unplug_then_identify(rec: DeviceRecord, host: Host) -> Identity:
        if rec.device_id == victim.device_id:
            victim.detach()
        return identify(rec, host)

    ops = Operations.real()
    ops.identify = unplug_then_identify
    spec = parse_spec_text(SPEC + '[[step]]\naction = "identify"\nretries = 1\nretry_delay_s = 0\n')
    report = CheckRunner(spec, vb.host, operations=ops).run(records)
    verdicts = {d.device_id: d.verdict for d in report.devices}
    assert verdicts.pop(victim.device_id) == "error"
    assert set(verdicts.values()) == {"pass"}
    gone = next(d for d in report.devices if d.device_id == victim.device_id)
    assert gone.exit_code == ExitCode.PROTOCOL and gone.error is not None
    assert gone.error.reference == "check.unplugged"
    assert report.exit_code == ExitCode.PROTOCOL

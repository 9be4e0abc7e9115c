"""``pdiag update`` with application assets (Device OS >= 5.5.0, Asset OTA), on virtual devices over the real pyusb
path: each asset written through Device OS after the application and listed by the device (request 91), skipped
the second time, and every refusal (an asset missing, one nothing needs, too big, Device OS too old) made before a
device is touched."""

from __future__ import annotations

import os

import pytest

from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.bundle import load_bundle
from particle_diag.devices.discovery import discover
from particle_diag.devices.update import prepare_update, update_device
from particle_diag.errors import ExitCode
from particle_diag.protocol import asset_module
from tests.update.conftest import application, asset_bundle, benches

ASSETS = {"font.bin": os.urandom(30_000), "splash.txt": b"hello from the bench\n" * 200}


def _only(vb):
    (record,) = discover(vb.host)
    return record


def _stored(device) -> dict[str, bytes]:
    return {name: asset_module.unwrap(module) for name, module in device.asset_store.items()}


@pytest.mark.parametrize("spec", ["boron/6.1.1", "p2/5.6.0"])
def test_cli_json_lists_each_asset_written_after_the_application(pdiag, tmp_path, spec):
    platform, version = spec.split("/")
    bundle = asset_bundle(tmp_path / "app.zip", application(platform, version, ASSETS), ASSETS)
    with benches() as seen:
        result = pdiag("--sim", spec, "--json", "update", str(bundle))
    assert result.code == 0, result.err
    (device,) = result.json["data"]["devices"]
    assert [(m["function"], m.get("asset"), m["action"], m["route"], m["confirmed"]) for m in device["modules"]] == [
        ("user_part", None, "written", "dfu", True),
        ("asset", "font.bin", "written", "device-os", True),
        ("asset", "splash.txt", "written", "device-os", True)]
    assert device["ok"] is True and device["written"] == 3
    assert [a["asset"] for a in result.json["data"]["bundle"]["assets"]] == ["font.bin", "splash.txt"]
    virtual = seen[0].devices[0]
    assert _stored(virtual) == ASSETS and virtual.mode == "normal"


@pytest.mark.parametrize("spec", ["boron/6.1.1", "p2/5.6.0"])
def test_the_same_bundle_again_skips_the_assets_the_device_lists(make_bench, tmp_path, spec):
    platform, version = spec.split("/")
    vb = make_bench(spec)
    bundle = load_bundle([asset_bundle(tmp_path / "app.zip", application(platform, version, ASSETS), ASSETS)])
    first = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert first.error is None, first.error
    device = vb.device()
    log = len(device.request_log)
    second = update_device(prepare_update(_only(vb), bundle), vb.host)
    assert [(m.step.module.describe().split(" (")[0], m.action, m.step.reason) for m in second.modules] == [
        (first.modules[0].step.module.describe().split(" (")[0], "skipped", "already on the device"),
        ("asset font.bin", "skipped", "already on the device"),
        ("asset splash.txt", "skipped", "already on the device")]
    assert not {R.START_FIRMWARE_UPDATE, R.DFU_MODE} & set(device.request_log[log:])
    assert _stored(device) == ASSETS and device.mode == "normal"


def test_a_changed_asset_is_the_only_one_written_and_the_old_one_is_replaced(make_bench, tmp_path):
    vb = make_bench("boron/6.1.1")
    app = application("boron", "6.1.1", ASSETS)
    update_device(prepare_update(_only(vb), load_bundle([asset_bundle(tmp_path / "a.zip", app, ASSETS)])), vb.host)
    changed = {**ASSETS, "splash.txt": b"a new splash"}
    newer = application("boron", "6.1.1", changed)
    result = update_device(prepare_update(_only(vb), load_bundle([asset_bundle(tmp_path / "b.zip", newer, changed)])),
                           vb.host)
    assert result.error is None, result.error
    assert [(m.action, m.step.reason) for m in result.modules[1:]] == [
        ("skipped", "already on the device"), ("written", "the device has another file of that name (SHA-256 differs)")]
    assert _stored(vb.device()) == changed


def test_plan_lists_the_assets_and_touches_nothing(pdiag, tmp_path):
    bundle = asset_bundle(tmp_path / "app.zip", application("boron", "6.1.1", ASSETS), ASSETS)
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1", "update", str(bundle), "--plan")
    assert result.code == 0, result.err
    assert "asset font.bin" in result.out and "asset splash.txt" in result.out and "3 to write" in result.out
    assert seen[0].devices[0].asset_store == {}


def test_a_device_on_5_5_cannot_list_its_assets_so_every_asset_is_written(make_bench, tmp_path):
    vb = make_bench("boron/5.5.0")
    bundle = load_bundle([asset_bundle(tmp_path / "app.zip", application("boron", "5.5.0", ASSETS), ASSETS)])
    for _ in range(2):
        result = update_device(prepare_update(_only(vb), bundle), vb.host)
        assert result.error is None, result.error
        assets = [m for m in result.modules if m.step.module.header.asset is not None]
        assert [(m.action, m.confirmed) for m in assets] == [("written", None)] * 2
        assert all("request 91" in m.step.reason for m in assets)
    assert _stored(vb.device()) == ASSETS and R.GET_ASSET_INFO not in vb.device().request_log


@pytest.mark.parametrize(("case", "reference", "code"), [
    ("missing", "update.asset-missing", ExitCode.USAGE),
    ("changed", "update.asset-missing", ExitCode.USAGE),
    ("unused", "update.asset-unused", ExitCode.USAGE),
    ("too-big", "update.asset-too-large", ExitCode.USAGE),
    ("device-os-too-old", "update.assets-device-os", ExitCode.UNSUPPORTED),
])
def test_refusals_before_any_device_is_touched(pdiag, tmp_path, case, reference, code):
    spec = "boron/5.4.1" if case == "device-os-too-old" else "boron/6.1.1"
    needs, given = dict(ASSETS), dict(ASSETS)
    if case == "missing":
        del given["splash.txt"]
    elif case == "changed":
        given["splash.txt"] = b"another splash"
    elif case == "unused":
        given["extra.txt"] = b"nothing needs me"
    elif case == "too-big":
        needs["noise.bin"] = given["noise.bin"] = os.urandom(1_200_000)  # does not compress
    bundle = asset_bundle(tmp_path / "app.zip", application("boron", "5.4.1" if case == "device-os-too-old"
                                                            else "6.1.1", needs), given)
    with benches() as seen:
        result = pdiag("--sim", spec, "--json", "update", str(bundle))
    assert result.code == code, result.out
    assert result.json["error"]["reference"] == reference and result.json["error"]["hint"]
    if case != "device-os-too-old":
        assert seen == []  # refused with the bundle: no device was even looked for
        return
    device = seen[0].devices[0]  # refused once the device was listed: its version is known then
    assert device.mode == "normal" and device.enumeration == 1  # never restarted
    assert not {R.DFU_MODE, R.START_FIRMWARE_UPDATE, R.GET_ASSET_INFO} & set(device.request_log)
    assert device.asset_store == {}


def test_an_application_alone_whose_assets_the_device_lacks_is_refused_before_writing(pdiag, tmp_path):
    app = tmp_path / "app.bin"
    app.write_bytes(application("boron", "6.1.1", ASSETS))
    with benches() as seen:
        result = pdiag("--sim", "boron/6.1.1", "--json", "update", str(app))
    assert result.code == ExitCode.USAGE and result.json["error"]["reference"] == "update.asset-missing"
    device = seen[0].devices[0]
    assert not {R.DFU_MODE, R.START_FIRMWARE_UPDATE} & set(device.request_log) and device.mode == "normal"

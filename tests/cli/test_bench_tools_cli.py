"""``pdiag net``, ``locate``, ``setup-done``, ``protection``, ``keys`` and ``sim status`` against virtual devices
(--sim: the real pyusb control-request path), and Tachyon in EDL mode in ``pdiag list``."""

from __future__ import annotations

import pytest

from particle_diag.sim.spec import parse_spec


def _devices(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {d["device_id"]: d for d in result.json["data"]["devices"]}


def test_net_on_argon_lists_wifi_interface_mac_and_a_scan(pdiag):
    result = pdiag("--sim", "argon", "--json", "net")
    assert result.code == 0, result.err
    (device,) = result.json["data"]["devices"]
    wifi = next(i for i in device["interfaces"] if i["type"] == "wifi")
    assert wifi["mac"] and len(wifi["mac"].split(":")) == 6
    assert "up" in wifi["flags"] and any(a.startswith("192.168.") for a in wifi["addresses"])
    assert device["wifi"]["scan"] and device["wifi"]["scan"][0]["ssid"] and device["wifi"]["scan"][0]["rssi"] < 0
    assert device["wifi"]["current"]["ssid"] == wifi["profile"]


def test_net_on_boron_shows_ppp_and_the_sim(pdiag):
    result = pdiag("--sim", "boron,photon/1.5.2", "--json", "net", "--all")
    boron, photon = (d.device_id for d in parse_spec("boron,photon/1.5.2"))
    devices = _devices(result)
    assert [i["type"] for i in devices[boron]["interfaces"]] == ["loopback", "ppp"]
    assert devices[boron]["cellular"] == {"active_sim": "internal", "access_point": {
        "apn": "", "user": "", "use_defaults": True}}
    # Gen 2 has no Wi-Fi scan request: a note, not an error
    assert devices[photon]["wifi"] is None and any("506" in n for n in devices[photon]["notes"])


def test_net_human_output(pdiag):
    result = pdiag("--sim", "argon", "net")
    assert result.code == 0 and "wl3 (wifi)" in result.out and "seen office-guest" in result.out


def test_locate_turns_the_rainbow_on_and_off(pdiag, benches):
    result = pdiag("--sim", "boron", "--json", "locate")
    assert result.code == 0 and result.json["data"]["devices"][0]["rainbow"] is True
    assert benches[-1].devices[0].firmware.nyan
    result = pdiag("--sim", "boron", "locate", "--off")
    assert result.code == 0 and "rainbow off" in result.out
    assert not benches[-1].devices[0].firmware.nyan


def test_locate_cycle_lights_each_device_in_turn(pdiag, benches):
    spec = "boron,argon,photon"
    result = pdiag("--sim", spec, "--json", "locate", "--all", "--cycle", "--seconds", "0.1")
    assert result.code == 0, result.err
    shown = result.json["data"]["devices"]
    assert [e["device_id"] for e in shown] == [d.device_id for d in parse_spec(spec)]  # bench (USB path) order
    assert [e["step"] for e in shown] == [1, 2, 3] and all(e["usb_path"] for e in shown)
    assert not any(d.firmware.nyan for d in benches[-1].devices), "every rainbow is stopped again"


def test_setup_done_set_and_clear_on_gen3_before_4(pdiag, benches):
    result = pdiag("--sim", "boron/3.3.1+nosetup", "--json", "setup-done")
    assert result.json["data"]["devices"][0]["setup_done"] is False
    result = pdiag("--sim", "boron/3.3.1+nosetup", "--json", "setup-done", "--set")
    (device,) = result.json["data"]["devices"]
    assert result.code == 0 and (device["setup_done"], device["changed"], device["flag"]) == (True, True, "dct")
    assert benches[-1].devices[0].firmware.setup_done
    result = pdiag("--sim", "boron/3.3.1", "setup-done", "--clear")
    assert result.code == 0 and "listening mode" in result.out and "--set" in result.out
    assert not benches[-1].devices[0].firmware.setup_done


def test_setup_done_refusals_change_nothing(pdiag, benches):
    result = pdiag("--sim", "boron", "setup-done", "--clear")  # Device OS 6.2.1 ignores the flag
    assert result.code == 8 and result.out == "" and "cannot be cleared" in result.err
    assert benches[-1].devices[0].firmware.setup_done
    assert 73 not in benches[-1].devices[0].request_log
    result = pdiag("--sim", "photon", "setup-done", "--set")
    assert result.code == 8 and "only Gen 3" in result.err
    result = pdiag("--sim", "boron", "--json", "setup-done")
    assert result.json["data"]["devices"][0]["flag"] == "always"
    assert pdiag("--sim", "boron", "setup-done", "--set", "--clear").code == 2


def test_protection_states(pdiag):
    spec = "boron,p2+protected,argon:dfu,photon,argon/5.9.0"
    boron, p2, argon, photon, old = (d.device_id for d in parse_spec(spec))
    result = pdiag("--sim", spec, "--json", "protection", "--all")
    assert result.code == 0, result.err
    devices = _devices(result)
    assert devices[boron]["protection"] == "off" and devices[boron]["source"] == "request 76"
    assert devices[p2]["protection"] == "on" and "service mode" in devices[p2]["meaning"]
    assert devices[argon]["protection"] == "off" and devices[argon]["source"] == "dfu string 0xFA"
    assert devices[photon]["protection"] == "not_supported"
    assert devices[old]["protection"] == "not_supported"


def test_keys_reads_the_server_where_device_os_allows(pdiag):
    spec = "photon/3.3.1,electron+wrongserver,boron"
    photon, electron, boron = (d.device_id for d in parse_spec(spec))
    result = pdiag("--sim", spec, "--json", "keys", "--all")
    assert result.code == 0, result.err
    devices = _devices(result)
    assert devices[photon]["server"] | {"key_sha256": None} == {
        "readable": True, "protocol": "tcp", "address": "device.spark.io", "port": 5683, "particle_cloud": True,
        "key_sha256": None, "key_bytes": devices[photon]["server"]["key_bytes"]}
    assert len(devices[photon]["server"]["key_sha256"]) == 64
    assert devices[electron]["server"]["particle_cloud"] is False
    assert devices[electron]["server"]["address"] == "192.168.1.50"
    assert devices[boron]["server"]["readable"] is False and "Gen 2" in devices[boron]["notes"][0]


def test_tachyon_in_edl_mode_is_listed(pdiag):
    result = pdiag("--sim", "tachyon:edl,boron", "--json", "list")
    tachyon = next(d for d in result.json["data"]["devices"] if d["platform"] == "tachyon")
    assert tachyon["mode"] == tachyon["status"] == "edl"
    assert tachyon["usb"]["vid"] == "05c6" and tachyon["usb"]["pid"] == "9008"
    assert tachyon["device_id"] is None and "SoC serial" in tachyon["notes"][0]
    result = pdiag("--sim", "tachyon:edl", "vitals")
    assert result.code == 8 and "EDL" in result.err


@pytest.mark.parametrize("command", [["enter", "dfu"], ["enter", "listening"], ["reset"]], ids=" ".join)
@pytest.mark.parametrize("mode", ["edl", "normal"])
def test_a_tachyon_is_never_sent_device_os_requests_and_mode_changes_say_why(pdiag, mode, command):
    result = pdiag("--sim", f"tachyon:{mode}", *command)
    assert result.code == 8 and result.out == ""  # UNSUPPORTED: nothing was sent
    if mode == "edl":
        assert "Qualcomm EDL mode" in result.err and "power it off and on" in result.err
    else:
        assert "runs Linux, not Device OS" in result.err and "sudo reboot" in result.err
    assert "predates USB control requests" not in result.err and "Hold MODE" not in result.err


def test_a_running_tachyon_is_listed_as_running_without_a_device_os_version(pdiag):
    (tachyon,) = pdiag("--sim", "tachyon", "--json", "list").json["data"]["devices"]
    assert tachyon["mode"] == tachyon["status"] == "normal" and tachyon["device_os"] is None
    identity = pdiag("--sim", "tachyon", "--json", "identify").json["data"]
    assert any("runs Linux" in note for note in identity["notes"])
    assert not any("pdiag enter listening" in note for note in identity["notes"])


def test_the_virtual_tachyon_stalls_particle_vendor_requests():
    import usb.core

    from particle_diag.sim.bench import Bench
    from particle_diag.sim.pyusb_backend import BenchBackend

    with Bench.from_spec("tachyon") as bench:
        (dev,) = list(usb.core.find(find_all=True, backend=BenchBackend(bench)))
        with pytest.raises(usb.core.USBError):  # GET_SYSTEM_VERSION (30): a Device OS device answers it
            dev.ctrl_transfer(0xC0, 0x50, 0, 30, 64)


def test_only_qualcomms_edl_product_id_is_particles():
    from particle_diag.catalog import platforms

    assert platforms.by_usb_id(0x05C6, 0x9008)[1] == "edl"  # type: ignore[index]
    assert platforms.by_usb_id(0x05C6, 0x9025) is None and not platforms.owns_unknown_pids(0x05C6)
    assert platforms.owns_unknown_pids(0x2B04)


def test_udev_rules_cover_edl():
    from pathlib import Path

    rules = (Path(__file__).parents[2] / "udev" / "50-particle.rules").read_text()
    assert 'ATTRS{idVendor}=="05c6", ATTRS{idProduct}=="9008"' in rules


def test_sim_status_shows_the_led(pdiag):
    spec = "boron,argon+weaksignal,electron+wrongserver,boron:dfu"
    result = pdiag("--sim", spec, "--json", "sim", "status")
    assert [d["led"] for d in result.json["data"]["devices"]] == [
        "breathing cyan", "blinking green", "blinking cyan, then 1 orange blink", "blinking yellow"]
    assert pdiag("sim", "status").code == 2

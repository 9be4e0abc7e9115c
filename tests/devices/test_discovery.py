"""Discovery and selection against virtual benches, through pyusb and pyserial."""

from __future__ import annotations

import pytest

from particle_diag.devices.discovery import discover
from particle_diag.devices.record import device_id_from_serial
from particle_diag.devices.select import select
from particle_diag.errors import AmbiguousSelectionError, NoDeviceError, UsageError
from particle_diag.sim.spec import parse_spec


def by_id(records):  # type: ignore[no-untyped-def]
    return {r.device_id: r for r in records}


def test_each_status_is_reported_and_one_bad_device_does_not_hide_the_others(make_bench):
    vb = make_bench("boron,argon:dfu,photon:listening,boron+busy,argon+noaccess,p2+protected,"
                    "electron+unknownpid,xenon:safe", probe_timeout_s=0.5)
    records = by_id(discover(vb.host))
    expected = {
        0: ("normal", "normal"), 1: ("dfu", "dfu"), 2: ("listening", "listening"),
        3: ("unresponsive", "unknown"), 4: ("inaccessible", "unknown"), 5: ("protected", "protected"),
        6: ("unknown-pid", "unknown"), 7: ("normal", "safe"),
    }
    assert len(records) == 8
    for index, (status, mode) in expected.items():
        record = records[vb.bench.devices[index].device_id]
        assert (record.status, record.mode) == (status, mode), vb.bench.devices[index].describe()
    inaccessible = records[vb.bench.devices[4].device_id]
    assert inaccessible.problem is not None and inaccessible.problem.reference == "host.permission"
    assert "udev" in inaccessible.problem.hint
    busy = records[vb.bench.devices[3].device_id]
    assert busy.device_os == "6.2.1"  # raw 'P' 30 still answers while the application blocks


def test_serial_port_is_merged_by_device_id(make_bench):
    vb = make_bench("boron,argon:dfu")
    boron, argon = vb.bench.devices
    records = by_id(discover(vb.host))
    assert records[boron.device_id].serial_port == boron.port.path
    assert records[boron.device_id].usb.pid == 0xC00D
    assert records[argon.device_id].serial_port is None  # no CDC port in DFU mode
    assert records[argon.device_id].usb.pid == 0xD00C


def test_legacy_firmware_in_listening_mode_is_found_over_the_console(make_bench):
    vb = make_bench("photon/0.7.0:listening,electron/0.6.4")
    photon, electron = vb.bench.devices
    records = by_id(discover(vb.host))
    assert records[photon.device_id].mode == "listening"
    assert records[photon.device_id].device_os == "0.7.0"
    assert records[electron.device_id].mode == "normal"  # console silent: application firmware runs


def test_old_serial_number_still_yields_the_device_id():
    assert device_id_from_serial("E00FCE68AAAABBBBCCCCDDDD") == "e00fce68aaaabbbbccccdddd"
    assert device_id_from_serial("00000000050C") is None
    assert device_id_from_serial("Particle_3c0025000d47343432313031\x00") == "3c0025000d47343432313031"


def test_selection_by_prefix_port_and_usb_path(make_bench):
    vb = make_bench("boron,argon,photon")
    records = discover(vb.host)
    boron, argon, photon = vb.bench.devices
    assert [r.device_id for r in select(records, [boron.device_id[:12]])] == [boron.device_id]
    assert [r.device_id for r in select(records, [argon.port.path])] == [argon.device_id]
    assert [r.device_id for r in select(records, [photon.usb_path])] == [photon.device_id]
    assert [r.device_id for r in select(records, [f"{photon.bus:03d}:{photon.address:03d}"])] == [photon.device_id]
    assert len(select(records, [], all_devices=True)) == 3


def test_ambiguous_and_missing_selections(make_bench):
    vb = make_bench("boron,argon")
    records = discover(vb.host)
    with pytest.raises(AmbiguousSelectionError) as amb:
        select(records, [])
    assert len(amb.value.candidates) == 2
    with pytest.raises(AmbiguousSelectionError):
        select(records, ["e00f"])  # both Gen 3 IDs start with e00fce68
    with pytest.raises(NoDeviceError) as none:
        select(records, ["ffff"])
    assert none.value.reference == "device.no-match"
    with pytest.raises(UsageError):
        select(records, ["e00f"], all_devices=True)


def test_spec_parsing_is_deterministic_and_validated():
    first = parse_spec("boron,boron,electron/1.5.2:listening")
    again = parse_spec("boron,boron,electron/1.5.2:listening")
    assert [d.device_id for d in first] == [d.device_id for d in again]
    assert first[0].device_id != first[1].device_id
    assert first[2].device_os == "1.5.2" and first[2].mode == "listening"
    for bad in ("", "toaster", "boron:sleepy", "boron+sparkly", "boron@e00f,argon@e00f"):
        with pytest.raises(UsageError):
            parse_spec(bad)

"""`pdiag keys` in DFU mode reads the server key and address from the DCT (DFU alt 1) without writing, and doctor
uses it: the Gen 3 devices whose control requests cannot say where they connect."""

from __future__ import annotations

import pytest

from particle_diag.catalog import dct
from particle_diag.protocol.dct import der_length, encode_server_address, server_address
from particle_diag.sim.spec import parse_spec


def test_keys_reads_the_dct_of_dfu_devices_and_writes_nothing(pdiag, benches):
    spec = "boron:dfu,argon:dfu+wrongserver"
    boron, argon = (d.device_id for d in parse_spec(spec))
    result = pdiag("--sim", spec, "--json", "keys", "--all")
    assert result.code == 0, result.err
    devices = {d["device_id"]: d for d in result.json["data"]["devices"]}
    assert devices[boron]["server"] | {"key_sha256": None} == {
        "readable": True, "protocol": "udp", "address": "$id.udp.particle.io", "port": 5684,
        "particle_cloud": True, "key_sha256": None, "key_bytes": 91}
    assert devices[argon]["server"]["address"] == "192.168.1.50"
    assert devices[argon]["server"]["particle_cloud"] is False
    assert devices[boron]["server"]["key_sha256"] != devices[argon]["server"]["key_sha256"]
    for device in benches[-1].devices:
        kinds = {entry.kind for entry in device._dfu_target.log}
        assert "UPLOAD" in kinds and not kinds & {"WRITE", "ERASE", "LEAVE"}, kinds  # read only
        assert device.mode == "dfu"  # left as found


def test_dct_and_control_requests_agree_on_a_gen2_device(pdiag):
    over_usb = pdiag("--sim", "photon/3.3.1", "--json", "keys").json["data"]["devices"][0]["server"]
    over_dfu = pdiag("--sim", "photon/3.3.1:dfu", "--json", "keys").json["data"]["devices"][0]["server"]
    assert over_usb == over_dfu and over_usb["protocol"] == "tcp" and over_usb["key_bytes"] == 294


def test_a_protected_device_is_refused_in_dfu(pdiag):
    result = pdiag("--sim", "argon:dfu+protected", "keys")
    assert result.code == 10 and "pdiag protection" in result.err


def test_doctor_checks_the_server_address_of_a_gen3_device_in_dfu(pdiag):
    result = pdiag("--sim", "argon:dfu+wrongserver", "--json", "doctor")
    assert result.json["data"]["findings"][0]["rule_id"] == "server-not-particle"


@pytest.mark.parametrize(("address", "port"), [("$id.udp.particle.io", 5684), ("device.spark.io", 5683),
                                               ("192.168.1.50", 5684)])
def test_server_address_blocks_round_trip(address, port):
    block = encode_server_address(address, port)
    assert len(block) == dct.ADDRESS_SIZE and server_address(block) == (address, port)


def test_erased_or_damaged_dct_bytes_read_as_nothing():
    assert server_address(b"\xff" * 128) is None and server_address(b"\x00" * 128) is None
    assert server_address(bytes([1, 200]) + b"x" * 126) is None
    assert der_length(b"\xff" * 192) is None and der_length(b"\x30\x82\xff\xff" + b"\0" * 188) is None
    assert der_length(bytes.fromhex("3059") + b"\0" * 190) == 91

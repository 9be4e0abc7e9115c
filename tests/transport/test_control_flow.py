"""The control-request flow over real pyusb transfers, against virtual devices."""

from __future__ import annotations

import pytest

from particle_diag.catalog.requests import ServiceRequest
from particle_diag.clock import FakeClock
from particle_diag.devices.discovery import discover
from particle_diag.devices.session import control_session
from particle_diag.errors import DeviceGoneError, DeviceTimeoutError, ProtectedDeviceError, UnsupportedError
from particle_diag.protocol import messages
from particle_diag.protocol.control import (
    MAX_ACTIVE_REQUESTS,
    POLL_SCHEDULE_S,
    ControlClient,
    parse_service_reply,
)
from particle_diag.transport.usb import UsbBus


def _only(vb):  # type: ignore[no-untyped-def]
    (record,) = discover(vb.host, probe=False)
    return record


def test_device_id_round_trip_through_pyusb(make_bench):
    vb = make_bench("boron@e00fce68aaaabbbbccccdddd")
    with control_session(_only(vb), vb.host) as client:
        reply = messages.decode_reply(20, client.call(20))
        raw = client.raw_in(20)
    assert reply.id == "e00fce68aaaabbbbccccdddd"
    assert raw == b"E00FCE68AAAABBBBCCCCDDDD"  # raw 'P' 20: upper case (particle-usb src/usb-device.js)


def test_large_payload_goes_through_pending_allocation_and_chunks(make_bench):
    vb = make_bench("argon")
    device = vb.device()
    device.behaviour.service.alloc_s = 0.2
    payload = bytes(range(256)) * 40  # 10240 bytes: > 64 (asynchronous buffer) and > 4096 (chunked)
    with control_session(_only(vb), vb.host) as client:
        reply = client.request(1, payload)  # ECHO
    assert reply.ok and reply.data == payload
    assert ("INIT", 1, 2) in device.service.log  # PENDING at INIT: the host had to CHECK before SEND


def test_polling_follows_the_schedule_with_an_injected_clock(make_bench):
    clock = FakeClock()
    vb = make_bench("boron")
    device = vb.device()
    device.clock = clock
    device.service._clock = clock
    device.behaviour.service.processing_s = 1.2
    with control_session(_only(vb), vb.host) as client:
        client._clock = clock
        data = client.call(72)
    assert messages.decode_reply(72, data).mode == "normal"
    assert clock.sleeps[:5] == list(POLL_SCHEDULE_S[:5])
    assert sum(clock.sleeps) >= 1.2


def test_busy_firmware_times_out_and_the_slot_is_freed(make_bench):
    clock = FakeClock()
    vb = make_bench("boron+busy")
    device = vb.device()
    record = _only(vb)
    with control_session(record, vb.host) as client:
        client._clock = clock
        with pytest.raises(DeviceTimeoutError) as exc:
            client.request(72, timeout_s=3)
    assert "did not complete" in exc.value.message
    assert device.service.active == 0  # RESET(id) freed the request on the device


def test_four_request_limit_busy_is_retried(make_bench):
    vb = make_bench("boron")
    device = vb.device()
    usb_dev = UsbBus(vb.host.usb.backend).open(_only(vb).usb)
    # Occupy all four slots with requests that wait for a payload that never comes.
    for _ in range(MAX_ACTIVE_REQUESTS):
        reply = parse_service_reply(usb_dev.control_in(0xC0, ServiceRequest.INIT, 10, 1, 64))
        assert reply.status == 0
    fifth = parse_service_reply(usb_dev.control_in(0xC0, ServiceRequest.INIT, 0, 72, 64))
    assert fifth.status_name == "BUSY"
    client = ControlClient(usb_dev, clock=FakeClock(), request_timeout_s=2)
    with pytest.raises(DeviceTimeoutError):
        client.request(72)
    client.open()  # RESET(0) clears what the earlier "process" left
    assert device.service.active == 0
    assert messages.decode_reply(72, client.call(72)).mode == "normal"


def test_device_that_stops_answering_mid_request(make_bench):
    vb = make_bench("argon+mute")
    with control_session(_only(vb), vb.host, probe=True) as client, pytest.raises(DeviceTimeoutError):
        client.request(72)


def test_unplug_mid_request_is_a_gone_error(make_bench):
    vb = make_bench("boron")
    record = _only(vb)
    with control_session(record, vb.host) as client:
        vb.device().detach()
        with pytest.raises(DeviceGoneError):
            client.request(72)


def test_protected_device_refuses_all_but_device_id(make_bench):
    vb = make_bench("p2+protected")
    with control_session(_only(vb), vb.host) as client:
        assert messages.decode_reply(20, client.call(20)).id == vb.device().device_id
        with pytest.raises(ProtectedDeviceError):
            client.call(90)


def test_old_firmware_reports_not_supported(make_bench):
    vb = make_bench("electron/1.0.1")  # service exists (>= 0.8.0) but DEVICE_ID needs 1.5.0 on Gen 2
    with control_session(_only(vb), vb.host) as client, pytest.raises(UnsupportedError):
        client.call(20)


def test_service_reply_codec_round_trips_every_optional_field():
    from particle_diag.protocol.control import ServiceReply, encode_service_reply

    for reply in (ServiceReply(0), ServiceReply(2, 7), ServiceReply(0, 7, 300, -120), ServiceReply(0, None, None, 0)):
        assert parse_service_reply(encode_service_reply(reply)) == reply
    assert encode_service_reply(ServiceReply(0, 1, 2, -1)).hex() == "0f00000000000100020000" + "00ffffffff"

"""The one redaction function: secrets masked, everything else (and every byte offset) kept."""

from __future__ import annotations

from particle_diag.transport.redact import redact_bytes, redact_text


def test_the_device_secret_line_of_the_i_reply_is_masked_to_the_same_length():
    reply = "Device ID: e00fce68aaaabbbbccccdddd\r\nDevice Secret: ABCDEFGHIJKLMNO\r\nSerial Number: BOROAB1\r\n"
    masked = redact_text(reply)
    assert "ABCDEFGHIJKLMNO" not in masked
    assert "Device Secret: ***************\r\n" in masked
    assert len(masked) == len(reply)
    assert "Device ID: e00fce68aaaabbbbccccdddd" in masked and "Serial Number: BOROAB1" in masked


def test_secret_keys_in_json_are_masked():
    text = '{"p":13,"ms":"c2VjcmV0","wifi_password":"hunter2","imei":"355172412301314"}'
    masked = redact_text(text)
    assert "c2VjcmV0" not in masked and "hunter2" not in masked
    assert '"imei":"355172412301314"' in masked and len(masked) == len(text)


def test_text_without_secrets_and_binary_data_pass_unchanged():
    assert redact_text("system firmware version: 6.2.1\n\r\n") == "system firmware version: 6.2.1\n\r\n"
    blob = bytes(range(256))
    assert redact_bytes(blob) is blob


def test_non_utf8_bytes_around_a_secret_survive():
    data = b"\xff\xfe Device Secret: \xe9abc\r\nok"
    masked = redact_bytes(data)
    assert masked == b"\xff\xfe Device Secret: ****\r\nok"


# ---- values remembered across the process (the output layer's filter) -------------------------------------
import pytest  # noqa: E402

from particle_diag.transport import redact  # noqa: E402


@pytest.fixture()
def fresh_memory():
    redact.forget_all()
    yield
    redact.forget_all()


def test_a_secret_seen_under_its_key_is_masked_everywhere_after(fresh_memory):
    for text in ("Device ID: e00f\r\nDevice Secret: ABCDEFGH12345\r\n", '{"ms":"ABCDEFGH12345"}',
                 "device_secret=ABCDEFGH12345", "b'Device Secret: ABCDEFGH12345\\r\\nIMEI: 1'"):
        assert "ABCDEFGH12345" not in redact.redact(text)
    # the bare value (an excerpt in an error message) and its hex form in a USB trace
    assert redact.redact("got ABCDEFGH12345 here") == "got ************* here"
    assert "41 42 43 44" not in redact.hex_data(b"xxABCDEFGH12345yy")
    assert b"ABCDEFGH12345".hex() not in redact.redact("payload " + b"ABCDEFGH12345".hex())


def test_a_keyed_secret_in_control_data_is_masked_in_the_hex_dump(fresh_memory):
    dumped = redact.hex_data(b"Device Secret: QWERTY99\r\n")
    assert bytes.fromhex(dumped.replace("**", "2a").replace(" ", "")).find(b"QWERTY99") < 0


def test_a_secret_split_across_serial_reads_never_shows(fresh_memory):
    lines = redact.LineRedactor()
    out = lines.feed("Device ID: e00f\r\nDevice Sec") + lines.feed("ret: ZYXW") + lines.feed("VU98\r\nIMEI: 3")
    out += lines.flush()
    assert "ZYXW" not in out and "VU98" not in out and "IMEI: 3" in out


def test_short_values_are_not_remembered(fresh_memory):
    redact.redact("Device Secret: ab")
    assert redact.redact("a b ab") == "a b ab"

"""What a recording keeps of a secret: masked, everything else (and every byte offset) kept."""

from __future__ import annotations

from particle_diag.transport.recording import mask_secrets


def test_the_device_secret_line_of_the_i_reply_is_masked_to_the_same_length():
    reply = "Device ID: e00fce68aaaabbbbccccdddd\r\nDevice Secret: ABCDEFGHIJKLMNO\r\nSerial Number: BOROAB1\r\n"
    masked = mask_secrets(reply.encode()).decode()
    assert "ABCDEFGHIJKLMNO" not in masked
    assert "Device Secret: ***************\r\n" in masked
    assert len(masked) == len(reply)
    assert "Device ID: e00fce68aaaabbbbccccdddd" in masked and "Serial Number: BOROAB1" in masked


def test_secret_keys_in_json_are_masked():
    text = '{"p":13,"ms":"c2VjcmV0","wifi_password":"hunter2","imei":"355172412301314"}'
    masked = mask_secrets(text.encode()).decode()
    assert "c2VjcmV0" not in masked and "hunter2" not in masked
    assert '"imei":"355172412301314"' in masked and len(masked) == len(text)


def test_text_without_secrets_and_binary_data_pass_unchanged():
    version = b"system firmware version: 6.2.1\n\r\n"
    assert mask_secrets(version) == version
    blob = bytes(range(256))
    assert mask_secrets(blob) is blob


def test_non_utf8_bytes_around_a_secret_survive():
    data = b"\xff\xfe Device Secret: \xe9abc\r\nok"
    masked = mask_secrets(data)
    assert masked == b"\xff\xfe Device Secret: ****\r\nok"

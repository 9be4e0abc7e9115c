"""Listening-mode console replies, host side: hand-written device output.

Sources: device-os system/src/system_setup.cpp and system_info.cpp; particle-cli src/lib/serial.js."""

from __future__ import annotations

import pytest

from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.errors import ProtocolError
from particle_diag.protocol import listening
from particle_diag.protocol.listening import (
    FirmwareVersion,
    Identity,
    is_complete,
    parse_claimed,
    parse_describe,
    parse_diagnostics,
    parse_identity,
    parse_mac,
    parse_version,
    parse_version_info,
)

DEVICE_ID = "e00fce68aaaabbbbccccdddd"
SECRET = "ABCDEFGHIJKLMN0"
BORON_I = (
    f"Device ID: {DEVICE_ID}\r\nDevice Secret: {SECRET}\r\nSerial Number: B40KAB123456789\r\n"
    "IMEI: 352753090000000\r\nICCID: 89014103211118510720\r\nCell Radio Version: 02.03\r\n"
)


# ---- constants ------------------------------------------------------------------------------------------
def test_timeouts_follow_the_cli() -> None:
    assert listening.timeout_for("i") == 20.0
    assert listening.timeout_for("s") == 20.0
    assert listening.timeout_for("c") == 0.5
    assert listening.timeout_for("v") == 5.0


# ---- i ------------------------------------------------------------------------------------------------
def test_identity_with_properties() -> None:
    ident = parse_identity(BORON_I)
    assert ident == Identity(DEVICE_ID, imei="352753090000000", iccid="89014103211118510720",
                             serial_number="B40KAB123456789", cell_radio_version="02.03")


def test_identity_never_keeps_the_secret() -> None:
    ident = parse_identity(BORON_I)
    assert ident is not None
    assert SECRET not in repr(ident)
    assert SECRET not in str(vars(ident))
    assert all("secret" not in k.lower() for k in ident.other)


@pytest.mark.parametrize("text, expected", [
    (f"Your device id is {DEVICE_ID}\r\n", DEVICE_ID),
    (f"Your core id is {DEVICE_ID.upper()}\n", DEVICE_ID),  # Spark Core firmware, LF only
    (f"\x00garbage>>Your device id is {DEVICE_ID}\r", DEVICE_ID),  # leading noise, CR only
])
def test_identity_short_forms(text: str, expected: str) -> None:
    assert parse_identity(text) == Identity(expected)


def test_identity_electron_v07_form() -> None:
    text = f"Device ID: {DEVICE_ID}\r\nIMEI: 352753090000000\r\nICCID: 8901410321111851072\r\n"
    ident = parse_identity(text)
    assert ident is not None and (ident.imei, ident.iccid) == ("352753090000000", "8901410321111851072")


def test_identity_keeps_unknown_keys_but_not_raw_secret_key() -> None:
    text = f"Device ID: {DEVICE_ID}\r\nms: {SECRET}\r\nFoo Bar: 7\r\n"
    ident = parse_identity(text)
    assert ident == Identity(DEVICE_ID, other={"Foo Bar": "7"})


def test_identity_incomplete_until_a_line_end() -> None:
    for cut in (0, 10, len(f"Device ID: {DEVICE_ID}"), BORON_I.index("IMEI") + 8):
        assert parse_identity(BORON_I[:cut]) is None
        assert not is_complete("i", BORON_I[:cut])
    assert is_complete("i", BORON_I)


@pytest.mark.parametrize("text", [
    "Your device id is zzzz\r\n",
    f"Device ID: {DEVICE_ID[:20]}\r\nIMEI: 1\r\n",
])
def test_identity_malformed(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_identity(text)


@pytest.mark.parametrize("tail", [
    "no colon here\r\n",
    "\r\nYour device MAC address is\r\ne0:4f:43:aa:bb:cc\r\n",
    "system firmware version: 6.2.0\n\r\n",
    "0000123 [comm] INFO: some log line",  # unterminated text after the reply
])
def test_identity_followed_by_more_console_text(tail: str) -> None:
    """The reply ends at the first line that is not a property: what the console prints next is not part of it."""
    text = f"Device ID: {DEVICE_ID}\r\nIMEI: 352753090123456\r\n{tail}"
    assert is_complete("i", text)
    info = parse_identity(text)
    assert info is not None and info.device_id == DEVICE_ID and info.imei == "352753090123456"


# ---- v ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("system firmware version: 6.2.0\n\r\n", FirmwareVersion("6.2.0")),  # LF CR LF, as printed
    ("system firmware version: 5.0.0-rc.2\r\n", FirmwareVersion("5.0.0-rc.2")),
    ("noise\r\nsystem firmware version: 1.5.2 minimal\n", FirmwareVersion("1.5.2", minimal=True)),
    ("system firmware version: 0.7.0\r", FirmwareVersion("0.7.0")),
])
def test_version_variants(text: str, expected: FirmwareVersion) -> None:
    assert parse_version_info(text) == expected
    assert parse_version(text) == expected.version


def test_version_incomplete_and_malformed() -> None:
    assert parse_version("system firmware version: 6.2") is None
    assert not is_complete("v", "system firmware ver")
    with pytest.raises(ProtocolError, match="malformed version"):
        parse_version("system firmware version: \x8f\x00garbled\r\n")


# ---- m ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Your device MAC address is\r\nE0:4F:43:A0:B1:C2\r\n", "e0:4f:43:a0:b1:c2"),
    ("Your device MAC address is\naa:b:cc:d:ee:f\n", "aa:0b:cc:0d:ee:0f"),
    ("Your device MAC address is\r\n0b:84:12:34:56\r\n", "6c:0b:84:12:34:56"),  # USI OUI restored (§3.5)
    ("Your device MAC address is\r\n12:34:56:78\r\n", "00:00:12:34:56:78"),
])
def test_mac_variants(text: str, expected: str) -> None:
    assert parse_mac(text) == expected


def test_mac_split_chunks() -> None:
    text = "Your device MAC address is\r\ne0:4f:43:a0:b1:c2\r\n"
    assert parse_mac(text[:20]) is None
    assert parse_mac(text[:-10]) is None  # MAC line not finished
    assert parse_mac(text[:-1]) == "e0:4f:43:a0:b1:c2"  # CR arrived, LF not yet


def test_mac_missing_is_malformed() -> None:
    with pytest.raises(ProtocolError):
        parse_mac("Your device MAC address is\r\n??\r\n")


# ---- c ------------------------------------------------------------------------------------------------
def test_claimed() -> None:
    assert parse_claimed("Device claimed: yes\r\n") is True
    assert parse_claimed("Device claimed: no") is False
    assert parse_claimed("Device claimed: y") is None
    assert parse_claimed("Device cla") is None
    with pytest.raises(ProtocolError):
        parse_claimed("Device claimed: maybe\r\n")


# ---- s ------------------------------------------------------------------------------------------------
DESCRIBE = (
    '{"p":13,"imei":"352753090000000","iccid":"89014103211118510720","cellfw":"02.03","m":['
    '{"s":49152,"l":"m","vc":30,"vv":30,"f":"b","n":"0","v":2300,"d":[]},'
    '{"s":1036288,"l":"m","vc":30,"vv":30,"f":"s","n":"1","v":6200,"d":[{"f":"b","n":"0","v":2300}]},'
    '{"s":262144,"l":"m","vc":30,"vv":26,"u":"8B6A0C3F8B6A0C3F8B6A0C3F8B6A0C3F8B6A0C3F8B6A0C3F8B6A0C3F8B6A0C3F",'
    '"f":"u","n":"1","v":6,"d":[{"f":"s","n":"1","v":6300}]}]}'
)


def test_describe() -> None:
    desc = parse_describe("s" + DESCRIBE + "\r\n")  # the echo-less console; a stray byte before it
    assert desc is not None
    assert desc.platform_id == 13
    assert desc.properties == {"imei": "352753090000000", "iccid": "89014103211118510720", "cellfw": "02.03"}
    boot, system, user = desc.modules
    assert (boot.type, boot.index, boot.version) == ("bootloader", 0, 2300)
    assert (boot.max_size, boot.store) == (49152, "main")
    assert system.dependencies == [ModuleDependency("bootloader", 0, 2300)]
    assert (user.type, user.failed_checks) == ("user_part", ["dependencies"])
    assert user.hash == "8b6a0c3f" * 8


def test_describe_waits_for_closing_brace_and_line_end() -> None:
    text = DESCRIBE + "\r\n"
    for cut in (0, 1, len(DESCRIBE) // 2, len(DESCRIBE) - 2, len(DESCRIBE)):
        assert parse_describe(text[:cut]) is None
    assert is_complete("s", DESCRIBE + "\n")


@pytest.mark.parametrize("body", [
    '{"p":13,"m":[{"s":1,"f":"u""n":"1"}]}',  # garbled JSON
    '{"p":13}',  # no modules
    '{"p":"x","m":[]}',
    '{"p":1e999,"m":[]}',  # a platform ID that overflows
    '{"p":13,"m":{"f":"u"}}',
])
def test_describe_complete_but_malformed(body: str) -> None:
    assert is_complete("s", body + "\r\n")
    with pytest.raises(ProtocolError):
        parse_describe(body + "\r\n")


def test_describe_drops_secret_like_keys() -> None:
    desc = parse_describe('{"p":6,"ms":"S3CR3T","sn":"X","m":[]}\r\n')
    assert desc is not None and desc.properties == {}
    assert "S3CR3T" not in repr(desc)


# ---- d ------------------------------------------------------------------------------------------------
def test_diagnostics() -> None:
    info = parse_diagnostics('{"sys:uptime":12,"net:rssi":{"err":-210}}\r\n')
    assert info is not None and info.values == {"sys:uptime": 12} and info.errors == {"net:rssi": -210}
    assert parse_diagnostics('{"sys:uptime":12') is None


def test_unknown_command() -> None:
    with pytest.raises(ValueError):
        is_complete("w", "")


def test_describe_keeps_the_readable_modules_and_names_the_others() -> None:
    body = ('{"p":6,"m":[{"s":16384,"l":"m","vc":30,"vv":30,"f":"b","n":"0","v":11,"d":[]},'
            '{"f":"u","n":"one","v":1},{"s":131072,"l":"f","vc":30,"vv":0,"d":[]}]}\r\n')
    describe = parse_describe(body)
    assert describe is not None
    assert [(m.type, m.version) for m in describe.modules] == [("bootloader", 11)]
    assert describe.empty_slots == 1
    assert len(describe.problems) == 1 and "module entry 1" in describe.problems[0]

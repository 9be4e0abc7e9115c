"""The simulated listening-mode console (device-os system/src/system_setup.cpp): exact texts, version variants,
and the round trip through the host-side parsers in protocol.listening."""

from __future__ import annotations

from dataclasses import replace

import pytest

from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.protocol import listening
from particle_diag.protocol.listening import Identity
from particle_diag.protocol.messages import DiagnosticInfo, ModuleInfo
from particle_diag.sim.console import ConsoleDevice, ListeningConsole

SECRET = "SIMSECRETCCDDDD"
MODULES = [
    ModuleInfo("bootloader", 0, 2300, store="main", max_size=49152, checked_flags=0x1E, passed_flags=0x1E),
    ModuleInfo("system_part", 1, 6200, store="main", max_size=1036288, checked_flags=0x1E, passed_flags=0x1E,
               dependencies=[ModuleDependency("bootloader", 0, 2300)]),
    ModuleInfo("user_part", 1, 6, store="main", max_size=262144, checked_flags=0x1E, passed_flags=0x1A,
               hash="8b6a0c3f" * 8, dependencies=[ModuleDependency("system_part", 1, 6300)]),
]
BORON = ConsoleDevice(
    device_id="e00fce68aaaabbbbccccdddd", platform_id=13, device_os="6.2.0", generation=3, is_cellular=True,
    imei="352753090000000", iccid="89014103211118510720", serial_number="B40KAB123456789",
    device_secret=SECRET, cell_radio_version="02.03", modules=MODULES, claimed=True,
    diagnostics=DiagnosticInfo({"sys:uptime": 42, "mem:free": 81234}, {"net:rssi": -210}),
)
ARGON = ConsoleDevice(device_id="e00fce6811112222333344ab", platform_id=12, device_os="5.0.0-rc.2",
                      has_wifi=True, mac="e0:4f:43:33:44:ab", serial_number="ARGOAB123456789",
                      device_secret=SECRET, modules=MODULES[:2])
PHOTON = ConsoleDevice(device_id="3a001d000447343138333038", platform_id=6, device_os="1.5.2", generation=2,
                       has_wifi=True, mac="6c:0b:84:01:02:03")


def ask(device: ConsoleDevice, command: str) -> str:
    return ListeningConsole(device).feed(command.encode()).decode()


# ---- exact texts ------------------------------------------------------------------------------------------
def test_identify_prints_properties_in_device_os_order() -> None:
    assert ask(BORON, "i") == (
        "Device ID: e00fce68aaaabbbbccccdddd\r\n"
        f"Device Secret: {SECRET}\r\n"
        "Serial Number: B40KAB123456789\r\n"
        "IMEI: 352753090000000\r\n"
        "ICCID: 89014103211118510720\r\n"
        "Cell Radio Version: 02.03\r\n"
    )


def test_identify_short_form_on_gen2_without_stored_properties() -> None:
    assert ask(PHOTON, "i") == "Your device id is 3a001d000447343138333038\r\n"


def test_identify_v07_variants() -> None:
    electron = replace(BORON, platform_id=10, device_os="0.7.0", generation=2)
    assert ask(electron, "i") == (
        "Device ID: e00fce68aaaabbbbccccdddd\r\nIMEI: 352753090000000\r\nICCID: 89014103211118510720\r\n")
    core = replace(PHOTON, platform_id=0, device_os="0.7.0", device_secret=SECRET)
    assert ask(core, "i") == "Your core id is 3a001d000447343138333038\r\n"


def test_version_ends_with_lf_cr_lf() -> None:
    assert ask(BORON, "v") == "system firmware version: 6.2.0\n\r\n"
    assert ask(replace(PHOTON, minimal=True), "v") == "system firmware version: 1.5.2 minimal\n\r\n"


def test_mac_and_claimed() -> None:
    assert ask(ARGON, "m") == "Your device MAC address is\r\ne0:4f:43:33:44:ab\r\n"
    assert ask(BORON, "c") == "Device claimed: yes\r\n"
    assert ask(ARGON, "c") == "Device claimed: no\r\n"


def test_describe_excludes_secret_and_serial() -> None:
    text = ask(BORON, "s")
    assert text.startswith('{"p":13,"imei":"352753090000000","iccid":"89014103211118510720",'
                           '"cellfw":"02.03","m":[')
    assert text.endswith("]}\r\n")
    assert SECRET not in text and "B40KAB123456789" not in text
    assert '"u":"' + "8B6A0C3F" * 8 + '"' in text  # hash only on the user part


def test_describe_skips_modules_without_function_and_bad_factory_modules() -> None:
    extra = [ModuleInfo("settings", 0, 1), ModuleInfo("user_part", 2, 5, store="factory", checked_flags=2)]
    desc = listening.parse_describe(ask(replace(BORON, modules=MODULES + extra), "s"))
    assert desc is not None and len(desc.modules) == 3


def test_flash_prompt_depends_on_version() -> None:
    old = ListeningConsole(replace(ARGON, device_os="5.9.0"))
    assert old.feed(b"f") == b"Waiting for the binary file to be sent ... (press 'a' to abort)\r\n"
    assert old.ymodem_requested
    new = ListeningConsole(BORON)
    assert new.feed(b"f") == (b"Waiting for the binary file to be sent ... (press 'a' to abort)\r\n"
                              b"\x18\x18\x18\x18Serial/YModem flashing is no longer supported\r\n")
    assert not new.ymodem_requested


def test_exit_and_safe_listening_flags_print_nothing() -> None:
    console = ListeningConsole(BORON)
    assert console.feed(b"x") == b""
    assert console.exit_requested and not console.safe_listening_requested
    assert console.feed(b"L") == b""
    assert console.safe_listening_requested


def test_unknown_bytes_are_ignored_and_commands_concatenate() -> None:
    console = ListeningConsole(BORON)
    assert console.feed(b"\r\nzQ?") == b""
    assert console.feed(b"cv") == b"Device claimed: yes\r\nsystem firmware version: 6.2.0\n\r\n"


def test_protected_device_has_no_console() -> None:
    console = ListeningConsole(replace(BORON, protected=True))
    assert console.feed(b"ivmscdxLf") == b""
    assert not console.exit_requested


def test_diagnostics_only_from_1_5() -> None:
    assert ask(BORON, "d") == '{"sys:uptime":42,"mem:free":81234,"net:rssi":{"err":-210}}\r\n'
    assert ask(replace(BORON, device_os="0.7.0"), "d") == ""


# ---- round trip: device output parsed by the host side gives back the facts -------------------------------
@pytest.mark.parametrize("device", [BORON, ARGON, PHOTON], ids=["boron", "argon", "photon"])
def test_round_trip(device: ConsoleDevice) -> None:
    ident = listening.parse_identity(ask(device, "i"))
    assert ident is not None and ident.device_id == device.device_id
    assert (ident.imei, ident.iccid) == ((device.imei, device.iccid) if device.is_cellular else (None, None))
    assert SECRET not in repr(ident)
    assert listening.parse_version(ask(device, "v")) == device.device_os
    assert listening.parse_claimed(ask(device, "c")) is device.claimed
    if device.mac:
        assert listening.parse_mac(ask(device, "m")) == device.mac
    desc = listening.parse_describe(ask(device, "s"))
    assert desc is not None
    assert desc.platform_id == device.platform_id
    assert desc.modules == [replace(m) for m in device.modules]
    assert listening.parse_diagnostics(ask(device, "d")) == device.diagnostics


def test_round_trip_identity_fields() -> None:
    assert listening.parse_identity(ask(BORON, "i")) == Identity(
        BORON.device_id, imei=BORON.imei, iccid=BORON.iccid, serial_number=BORON.serial_number,
        cell_radio_version=BORON.cell_radio_version)


def test_round_trip_byte_by_byte() -> None:
    """Fed one byte at a time, a parser answers only at a line end (or a whole yes/no), and then already
    the final value (``i`` excepted: its property lines have no terminator, so each line end gives a longer
    Identity; the reader's silence window collects the rest, §3.5)."""
    for command in "ivmsc":
        reply = ask(BORON if command != "m" else ARGON, command)
        final = listening.parse(command, reply)
        assert final is not None
        for cut in range(len(reply)):
            partial = listening.parse(command, reply[:cut])
            if partial is not None:
                assert reply[cut - 1] in "\r\n" or command == "c"  # `yes`/`no` cannot grow any longer
                assert partial == final or command == "i"

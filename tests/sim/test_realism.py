"""The virtual devices answer like real ones: every platform and Device OS era the sim simulates is held to
format checks derived from the real captures in tests/fixtures/captures (same keys, same line structure, same
value shapes), and where a capture names its platform and release, to that capture itself.

Where no capture shows a form (e.g. `s` replies of Device OS >= 2.2.0), the expected form comes from Device OS's
source and is marked so next to the check."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from particle_diag import semver
from particle_diag.catalog.memory_map import for_platform
from particle_diag.catalog.platforms import all_platforms, by_name
from particle_diag.clock import FakeClock
from particle_diag.protocol.module_header import parse_module
from particle_diag.sim import deviceos, firmware
from particle_diag.sim.device import VirtualDevice
from particle_diag.sim.spec import parse_spec

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
PLATFORMS = [p.name for p in all_platforms() if p.dfu_alts]  # Tachyon (a Linux computer) has no Particle firmware
GEN2_LAST = "4.0.0"  # Gen 2 left Device OS with 4.0.0 (system/system-versions.md lists no Photon/Electron after 3.3.x)


def _device(spec: str) -> VirtualDevice:
    return VirtualDevice(parse_spec(spec)[0], FakeClock(), 1, lambda delay, action: None)


def _capture(relative: str) -> str:
    """A capture's text without its header line and without the console's echo of the command letter."""
    lines = (CAPTURES / relative).read_text().splitlines()[1:]
    return "\n".join(line for line in lines if len(line.strip()) > 1 or not line.strip().isalpha())


@cache
def _era_cases() -> list[str]:
    """One device per platform at its default release, plus the first platform of each group at the first
    release of every era the module data distinguishes."""
    cases = {p: parse_spec(p)[0].device_os for p in PLATFORMS}
    specs = [f"{p}/{v}" for p, v in cases.items()]
    groups = tomllib.loads((Path(deviceos.__file__).parent / "data" / "module_slots.toml").read_text())["groups"]
    eras = tomllib.loads((Path(deviceos.__file__).parent / "data" / "deviceos_modules.toml").read_text())["era"]
    for era in eras:
        platform = groups[era["group"]][0]
        if by_name(platform).generation == 2 and semver.parse(era["since"]) >= semver.parse(GEN2_LAST):
            continue
        if re.fullmatch(r"\d+\.\d+\.\d+(-rc\.\d+)?", era["since"]):  # releases and release candidates
            specs.append(f"{platform}/{era['since']}")
    return sorted(set(specs))


def _ask(device: VirtualDevice, command: str) -> str:
    return firmware.console_for(device).feed(command.encode()).decode()


# ---- shapes read from the captures ---------------------------------------------------------------------------
@cache
def _describe_shapes() -> dict[str, set[tuple[str, ...]]]:
    top, module, dependency = set(), set(), set()
    for path in sorted((CAPTURES / "listening" / "s").glob("*.txt")):
        body = json.loads(_capture(str(path.relative_to(CAPTURES))))
        top.add(tuple(body))
        for entry in body["m"]:
            module.add(tuple(entry))
            dependency.update(tuple(d) for d in entry["d"])
    # From source, no capture: "cellfw" after "iccid" from 2.1.0 (hal/src/boron/ota_flash_hal.cpp), and the
    # JSONWriter of 2.2.0+ (system/src/system_info.cpp) writes dependencies without AppendJson's "_":"".
    top.add(("p", "imei", "iccid", "cellfw", "m"))
    dependency.add(("f", "n", "v"))
    return {"top": top, "module": module, "dependency": dependency}


def test_the_corpus_has_the_describe_shapes_the_checks_rely_on() -> None:
    shapes = _describe_shapes()
    assert ("s", "l", "vc", "vv", "u", "f", "n", "v", "d") in shapes["module"]  # user part with its hash
    assert ("s", "l", "vc", "vv", "d") in shapes["module"]  # an empty slot
    assert ("f", "n", "v", "_") in shapes["dependency"]


# ---- every platform and era ---------------------------------------------------------------------------------
def _describe_reply_has_the_captured_form(spec: str) -> None:
    device = _device(spec + ":listening")
    version = device.firmware.device_os
    text = _ask(device, "s")
    assert text.endswith("\r\n") and text.count("\n") == 1  # one line, CR LF
    body = json.loads(text)
    shapes = _describe_shapes()
    assert tuple(body) in shapes["top"] and body["p"] == device.platform.id
    legacy = semver.parse(version) < semver.parse("2.2.0")
    for entry in body["m"]:
        assert tuple(entry) in shapes["module"], entry
        assert isinstance(entry["s"], int) and entry["s"] > 0 and entry["l"] in "mbft"
        assert entry["vc"] == 30  # every capture checks all four validity bits
        if "f" not in entry:  # an empty slot: listed only before 1.1.0, with nothing passed
            assert semver.parse(version) < semver.parse("1.1.0-rc.1") and entry["vv"] == 0
            continue
        assert entry["vv"] == 30, entry  # a healthy device passes every check
        assert entry["f"] in "bsuamcr" and re.fullmatch(r"\d+", entry["n"]) and isinstance(entry["v"], int)
        assert ("u" in entry) == (entry["f"] == "u")
        if "u" in entry:
            assert re.fullmatch(r"[0-9A-F]{64}", entry["u"])  # bytes2hexbuf: upper case, as captured
        for dep in entry["d"]:
            assert tuple(dep) in shapes["dependency"] and ("_" in dep) == legacy, dep
            # dependencies resolve against the modules the same reply lists
            assert any(m.get("f") == dep["f"] and m.get("n") == dep["n"] and m["v"] >= dep["v"] for m in body["m"]), dep


def _module_numbers_follow_device_os(spec: str) -> None:
    device = _device(spec)
    release = deviceos.release(device.firmware.device_os)
    found = firmware.modules(device)
    systems = [m for m in found if m.type in ("system_part", "mono_firmware")]
    assert systems and all(m.version == release.system_module for m in systems)
    users = [m for m in found if m.type == "user_part"]
    for user in users:  # the application was built against the system part actually present
        assert {(d.function, d.version) for d in user.dependencies} <= {(s.type, s.version) for s in systems}
        assert user.hash and len(user.hash) == 64
    assert all(m.max_size and m.size and m.size <= m.max_size for m in found)
    assert all(m.checked_flags == 30 and m.passed_flags == 30 for m in found)


def _flash_holds_the_modules_at_their_addresses(spec: str) -> None:
    device = _device(spec)
    flash = device.dfu_flash(0)
    for module in firmware.module_plan(device):
        if not module.present or module.slot.address is None or module.slot.grows_down:
            continue
        raw = module.slot.raw
        if raw is not None:  # the SoftDevice, stored without its prefix: its version where Device OS reads it
            assert int.from_bytes(flash.peek(raw.version_at, 2), "little") == module.version
            start = module.slot.address
            length = int.from_bytes(flash.peek(raw.size_at, 4), "little")
        else:
            header = parse_module(flash.peek(module.slot.address, module.slot.max_size), verify_crc=True)
            assert (header.function, header.index, header.version, header.platform_id) == (
                module.slot.function, module.slot.index, module.version, device.platform.id)
            assert header.start == module.slot.address
            start, length = header.start, header.declared_size
        # the module lies in a region of the catalog's memory map that may hold it.  The map describes Device
        # OS 6.2.0's layout (Gen 2 layouts never changed); the SoftDevice ends before the MBR parameter page at
        # 0x27000 in every era, also where the slot bound ran on to 0x30000.
        old_layout = device.platform.generation > 2 and semver.parse(
            device.firmware.device_os) < semver.parse("6.2.0")
        if old_layout and raw is None:
            continue
        memory = for_platform(device.platform.name)
        assert memory is not None and memory.fits(module.slot.function, 0, start, length), (
            module.slot, memory.touched(0, start, length))


def _identify_version_and_mac_replies_have_the_captured_line_structure(spec: str) -> None:
    device = _device(spec + ":listening")
    version = device.firmware.device_os
    ident = _ask(device, "i")
    assert ident.endswith("\r\n")
    lines = ident[:-2].split("\r\n")
    if lines[0].startswith("Your "):  # Photon 0.6.1, pre-release Photon HAL (captures)
        assert re.fullmatch(r"Your (device|core) id is [0-9a-f]{24}", lines[0]) and len(lines) == 1
    else:  # Boron 0.8.0-rc.26 (capture); Cell Radio Version from source (2.1.0+)
        assert re.fullmatch(r"Device ID: [0-9a-f]{24}", lines[0])
        keys = [line.split(": ", 1)[0] for line in lines[1:]]
        order = ["Device Secret", "Serial Number", "IMEI", "ICCID", "Cell Radio Version"]
        assert keys == [k for k in order if k in keys], keys
        values = dict(line.split(": ", 1) for line in lines[1:])
        assert re.fullmatch(r"\d{15}", values.get("IMEI", "0" * 15))
        assert re.fullmatch(r"\d{19,20}", values.get("ICCID", "0" * 20))
        if device.platform.generation >= 3:
            assert keys[:2] == ["Device Secret", "Serial Number"]
    # `v`: the version as the release names it, then the LF CR LF of system_setup.cpp (source)
    assert _ask(device, "v") == f"system firmware version: {version}\n\r\n"
    mac = _ask(device, "m")  # source (system_setup.cpp): no full real capture exists
    assert re.fullmatch(r"Your device MAC address is\r\n([0-9a-f]{2}:){5}[0-9a-f]{2}\r\n", mac)


def _descriptors_have_the_hardware_form(spec: str) -> None:
    device = _device(spec)
    serial = device.descriptors
    assert serial.device[4:7] == bytes([0xEF, 0x02, 0x01])  # IAD composite (Photon and M SoM captures)
    assert serial.strings[1] in ("Particle", "Spark Devices     ")
    assert serial.strings[3].lower() in (device.device_id, "00000000050c")
    config = serial.configuration
    assert config[7] in (0x80, 0xC0) and config[8] in (50, 250)
    device.mode = "dfu"
    dfu = device._build_descriptors()
    assert dfu.device[4:7] == b"\x00\x00\x00" and dfu.strings[2].endswith("DFU Mode")
    alts = [dfu.strings[i] for i in sorted(dfu.strings) if 6 <= i < 0xEE]
    assert len(alts) == len(device.platform.dfu_alts) and all(a.startswith("@") and "/0x" in a for a in alts)
    assert dfu.configuration[-9:-7] == b"\x09\x21" and dfu.configuration[-4:-2] == (4096).to_bytes(2, "little")


@pytest.mark.parametrize("spec", _era_cases())
def test_every_platform_and_era_answers_in_the_captured_forms(spec: str) -> None:
    _describe_reply_has_the_captured_form(spec)
    _module_numbers_follow_device_os(spec)
    _flash_holds_the_modules_at_their_addresses(spec)
    _identify_version_and_mac_replies_have_the_captured_line_structure(spec)
    _descriptors_have_the_hardware_form(spec)


# ---- against the captures that name their platform and release ------------------------------------------------
def _index() -> list[dict]:
    return tomllib.loads((CAPTURES / "INDEX.toml").read_text())["capture"]


# The release each captured bootloader generation is simulated with (ver= is the bcdDevice dfu-util printed).
DFU_ERA = {("photon", "0200"): "0.5.5", ("p1", "0200"): "0.5.5",
           ("photon", "0250"): "0.6.4", ("electron", "0250"): "1.5.2", ("argon", "0250"): "0.8.0-rc.26",
           ("boron", "0251"): "1.5.2"}


def _dfu_entries() -> list[tuple[str, dict]]:
    out = []
    for capture in _index():
        if capture.get("kind") != "dfu-util-list":
            continue
        for entry in capture["expect"].get("entries", []):
            platform = capture.get("platform")
            if (platform, entry.get("ver")) in DFU_ERA and "   /0x" in entry["name"]:
                out.append((capture["file"], {**entry, "platform": platform}))
    return out


def test_the_corpus_has_dfu_listings_to_compare() -> None:
    assert {(e["platform"], e["ver"]) for _, e in _dfu_entries()} == set(DFU_ERA)


@pytest.mark.parametrize(("capture", "entry"), _dfu_entries(), ids=lambda x: x if isinstance(x, str) else "")
def test_dfu_mode_matches_the_dfu_util_listing(capture: str, entry: dict) -> None:
    device = _device(f"{entry['platform']}/{DFU_ERA[(entry['platform'], entry['ver'])]}:dfu")
    d = device.descriptors
    assert int.from_bytes(d.device[12:14], "little") == int(entry["ver"], 16)
    assert d.strings[6 + entry["alt"]] == entry["name"]
    serial = entry.get("serial", "")
    ours = d.strings[3]
    if serial == "00000000010C":
        assert ours == serial
    elif re.fullmatch(r"[0-9A-F]{24}", serial) and re.search("[A-F]", serial):
        assert ours == device.device_id.upper()
    elif re.fullmatch(r"[0-9a-f]{24}", serial) and re.search("[a-f]", serial):
        assert ours == device.device_id


def test_photon_serial_mode_matches_its_lsusb_dump() -> None:
    text = _capture("lsusb/lsusb-v-photon-cdc-forum-27987.txt")
    device = _device("photon/0.6.4")  # upper-case serial: before 0.7.0 (the capture's note)
    d = device.descriptors
    assert f"bcdDevice            {d.device[13]:x}.{d.device[12]:02x}" in text
    assert f"wTotalLength           {len(d.configuration)}" in text
    assert f"iConfiguration          {d.configuration[6]} {d.strings[d.configuration[6]]}" in text
    assert f"bmAttributes         0x{d.configuration[7]:02x}" in text and f"{d.configuration[8] * 2}mA" in text
    iad_string = d.configuration[9 + 7]
    assert f"iFunction              {iad_string} {d.strings[iad_string]}" in text
    assert re.search(r"iSerial\s+3 [0-9A-F]{24}", text) and d.strings[3] == device.device_id.upper()


def test_electron_describe_matches_its_capture() -> None:
    real = json.loads(_capture("listening/s/electron-0.6.2-rc.1-pr1306.txt"))
    ours = json.loads(_ask(_device("electron/0.6.2-rc.1:listening"), "s"))

    def structure(body: dict) -> list[tuple]:
        return [(m.get("f"), m.get("n"), m["s"], m["l"], [(d["f"], d["n"]) for d in m["d"]]) for m in body["m"]]

    assert list(ours) == list(real) and structure(ours) == structure(real)
    versions = [(m.get("f"), m.get("v")) for m in ours["m"] if m.get("f") in ("s", "u")]
    assert versions == [(m.get("f"), m.get("v")) for m in real["m"] if m.get("f") in ("s", "u")]


def test_photon_describe_matches_its_capture() -> None:
    real = json.loads(_capture("listening/s/photon-0.4.6-docs-troubleshooting-tools.txt"))
    ours = json.loads(_ask(_device("photon/0.4.6:listening"), "s"))
    assert [tuple(m) for m in ours["m"]] == [tuple(m) for m in real["m"]]
    assert [(m.get("f"), m.get("n"), m.get("v"), m["s"], m["d"][:1]) for m in ours["m"] if m.get("f") != "b"] == [
        (m.get("f"), m.get("n"), m.get("v"), m["s"], m["d"][:1]) for m in real["m"] if m.get("f") != "b"]


def test_boron_identify_matches_its_capture() -> None:
    real = _capture("listening/i/boron-0.8.0-rc.26-pr1681.txt").splitlines()
    ours = _ask(_device("boron/0.8.0-rc.26:listening"), "i").splitlines()
    assert [line.split(":")[0] for line in ours] == [line.split(":")[0] for line in real if line]
    version = _capture("listening/v/boron-0.8.0-rc.26-pr1681.txt").strip()
    assert _ask(_device("boron/0.8.0-rc.26:listening"), "v").strip() == version


def test_photon_identify_matches_its_capture() -> None:
    real = _capture("listening/i/photon-0.6.1-mac-serial-tips.txt").strip()
    device = _device("photon/0.6.1:listening")
    assert _ask(device, "i") == real.replace(real.split()[-1], device.device_id) + "\r\n"


def test_boron_2_0_0_modules_match_serial_inspect() -> None:
    """particle-cli `serial inspect` of a Boron on 2.0.0 (docs.particle.io troubleshooting guide)."""
    text = _capture("particle-cli/serial-inspect-boron-docs-guide.txt")
    found = {(m.type, m.index): m for m in firmware.modules(_device("boron/2.0.0"))}
    names = {"bootloader": "Bootloader", "system_part": "System", "user_part": "User", "radio_stack": "Radio stack"}
    for (kind, index), m in found.items():
        if kind == "system_part":
            continue  # the guide shows 2.0.0-rc.4's 2007; the 2.0.0 release is 2008 (system-versions.md)
        line = f"{names[kind]} module #{index} - version {m.version}, main location, {m.max_size} bytes max size"
        assert line in text
    boot = found[("bootloader", 0)]
    assert [(d.function, d.index, d.version) for d in boot.dependencies] == [("system_part", 1, 1102)]
    system = found[("system_part", 1)]
    assert [(d.function, d.version) for d in system.dependencies] == [("bootloader", 1003), ("radio_stack", 202)]

"""pdiag's parsers hold to the capture corpus (tests/fixtures/captures): what real devices and host tools printed.

* every capture a pdiag parser is meant to read (listening-mode ``i``/``v``/``s``/``m`` replies, DfuSe memory
  layouts in ``dfu-util -l`` listings) parses to the values INDEX.toml says a person reads in it;
* captures mangled in transit, and every other capture fed to every parser, give a value, None (incomplete)
  or a typed pdiag error: never another exception;
* old-firmware formats (``Your core id is``, Device OS 0.4.x describes with an empty factory slot, the factory
  firmware's ``m`` prompt without a MAC) are read, or named as such.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from particle_diag.errors import PdiagError
from particle_diag.protocol import listening
from particle_diag.protocol.memory_layout import MemoryLayoutError, parse_layout

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
# INDEX.toml spells functions out as Device OS's module_function_string does; pdiag uses MODULE_TYPES names.
FUNCTIONS = {"bootloader": "bootloader", "system": "system_part", "user": "user_part", "monolithic": "mono_firmware",
             "radio-stack": "radio_stack", "ncp": "ncp_firmware", "resource": "resource"}
LOCATIONS = {"m": "main", "b": "backup", "f": "factory", "t": "scratchpad"}


def _index() -> list[dict[str, Any]]:
    if not (CAPTURES / "INDEX.toml").exists():
        return []
    with (CAPTURES / "INDEX.toml").open("rb") as f:
        return tomllib.load(f)["capture"]


INDEX = _index()


def _body(entry: dict[str, Any]) -> str:
    """The quoted text: everything after the one header line."""
    text = (CAPTURES / entry["file"]).read_text(encoding="utf-8", errors="replace")
    return text.split("\n", 1)[1] if "\n" in text else ""


def _of(kind: str) -> list[dict[str, Any]]:
    return [e for e in INDEX if e["kind"] == kind]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["file"] for e in entries]


def _parse(letter: str, text: str) -> Any:
    """The parser's answer to a whole reply: the console reader hands it over once text stops arriving."""
    return listening.parse(letter, text if text.endswith(("\r", "\n")) else text + "\n")


# ---- listening-mode replies ------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", _of("listening-i"), ids=_ids(_of("listening-i")))
def test_identify_replies(entry: dict[str, Any]) -> None:
    expect = entry.get("expect", {})
    body = _body(entry)
    if not HEX_ID.fullmatch(expect.get("device_id", "")):
        # the poster masked the device ID (XXXX, 3e00xxxx...): a typed error naming it, never a made-up ID
        with pytest.raises(PdiagError, match="device ID"):
            _parse("i", body)
        return
    identity = _parse("i", body)
    assert identity is not None
    assert identity.device_id == expect["device_id"].lower()
    for key in ("serial_number", "imei", "iccid"):
        if expect.get(key):
            assert getattr(identity, key) == expect[key]
    assert "secret" not in repr(identity).lower()


@pytest.mark.parametrize("entry", _of("listening-v"), ids=_ids(_of("listening-v")))
def test_version_replies(entry: dict[str, Any]) -> None:
    info = _parse("v", _body(entry))
    assert info is not None and info.version == entry["expect"]["version"]


def _module_view(m: Any) -> dict[str, Any]:
    view = {"function": m.type, "index": m.index, "version": m.version, "location": m.store,
            "max_size": m.max_size, "deps": [{"function": d.function, "index": d.index, "version": d.version}
                                             for d in m.dependencies]}
    if m.hash:
        view["uuid"] = m.hash.upper()
    return view


def _expected_view(m: dict[str, Any]) -> dict[str, Any]:
    view = {"function": FUNCTIONS[m["function"]], "index": m["index"], "version": m["version"],
            "location": LOCATIONS[m["location"]], "max_size": m["max_size"],
            "deps": [{**d, "function": FUNCTIONS[d["function"]]} for d in m.get("deps", [])]}
    if "uuid" in m:
        view["uuid"] = m["uuid"].upper()
    return view


@pytest.mark.parametrize("entry", _of("listening-s"), ids=_ids(_of("listening-s")))
def test_describe_replies(entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    describe = _parse("s", _body(entry))
    assert describe is not None and describe.problems == ()
    assert describe.platform_id == expect["platform_id"]
    for key in ("imei", "iccid"):
        if key in expect:
            assert describe.properties.get(key) == expect[key]
    modules = [m for m in expect["modules"] if not m.get("empty")]
    assert [_module_view(m) for m in describe.modules] == [_expected_view(m) for m in modules]
    assert describe.empty_slots == len(expect["modules"]) - len(modules)  # a slot with no module in it


@pytest.mark.parametrize("entry", _of("listening-m"), ids=_ids(_of("listening-m")))
def test_mac_replies(entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    if expect.get("mac"):
        assert _parse("m", _body(entry)) == expect["mac"].lower()
        return
    # the factory firmware prints its prompt (with the Core's wording) and no MAC: named as such
    with pytest.raises(PdiagError, match="factory firmware"):
        _parse("m", _body(entry))


# ---- DfuSe memory layouts in dfu-util listings ------------------------------------------------------------
LISTINGS = _of("dfu-util-list")
_NAME = re.compile(r'name="([^"\n]*)"?')


@pytest.mark.parametrize("entry", LISTINGS, ids=_ids(LISTINGS))
def test_dfuse_layouts_of_listings(entry: dict[str, Any]) -> None:
    body = _body(entry)
    for record in entry.get("expect", {}).get("entries", []):
        name = record.get("name", "")
        if not name.startswith("@"):
            continue  # UNDEFINED (strings unreadable) or a run-time DFU record
        if entry.get("mangled") and "*" not in name:
            with pytest.raises(MemoryLayoutError):  # markdown ate the '*': a typed error, not a guess
                parse_layout(name)
            continue
        layout = parse_layout(name)
        start = int(name.split("/")[1], 16)
        assert layout.start == start and layout.segments
        if not entry.get("mangled"):
            assert name in body  # the index quotes the capture


# ---- every capture through every parser: never an internal error ----------------------------------------
@pytest.mark.parametrize("entry", INDEX, ids=_ids(INDEX))
def test_no_capture_breaks_a_parser(entry: dict[str, Any]) -> None:
    body = _body(entry)
    for letter in sorted(listening.PARSERS):
        for text in (body, body + "\r\n"):
            try:
                listening.is_complete(letter, text)
                listening.parse(letter, text)
            except PdiagError:
                pass
    for name in _NAME.findall(body):
        try:
            parse_layout(name)
        except PdiagError:
            pass


def test_the_corpus_is_there() -> None:
    if not INDEX:
        pytest.skip("no capture corpus in this checkout (tests/fixtures/captures/INDEX.toml)")
    readable = sum(len(_of(k)) for k in ("listening-i", "listening-v", "listening-s", "listening-m"))
    assert readable >= 10 and len(LISTINGS) >= 10


# ---- diagnostics JSON (request 100, console `d`): decoded vitals ------------------------------------------------
DIAGNOSTICS = _of("diagnostics")


@pytest.mark.parametrize("entry", DIAGNOSTICS, ids=_ids(DIAGNOSTICS))
def test_diagnostics_capture_decodes_to_what_a_person_reads(entry: dict[str, Any]) -> None:
    from particle_diag.protocol.messages import parse_diagnostics_json
    from particle_diag.protocol.vitals import decode

    want = entry["expect"]
    vitals = decode(parse_diagnostics_json(_body(entry)))
    s = vitals.signal
    got = {"strength_percent": s.strength_percent, "quality_percent": s.quality_percent,
           "access_technology": s.access_technology, "strength_value": s.strength_value,
           "strength_measure": s.strength_measure, "quality_value": s.quality_value,
           "quality_measure": s.quality_measure, "uptime_s": vitals.uptime_s, "memory_free": vitals.memory_free,
           "network_status": vitals.network.status, "cloud_status": vitals.cloud.status}
    assert {k: got[k] for k in want} == want

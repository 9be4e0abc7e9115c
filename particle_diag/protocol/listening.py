"""The listening-mode serial console, host side: parsers for the replies to ``i``, ``v``, ``m``, ``s``, ``c``
and ``d``.  Pure functions over the text read so far; no I/O.

Each ``parse_*`` returns None while the reply is not complete yet (keep reading), the parsed value once it
is, and raises ``ProtocolError`` when it is complete but malformed.  ``is_complete(command, text)`` answers
the first question alone, for a reader's stop condition.

Tolerances: leading noise before the reply, any of CR LF / LF / CR / LF CR LF line ends (``v`` really ends
with LF CR LF), ``-rc.N`` versions and the `` minimal`` suffix, both ``i`` layouts.  The ``i`` reply can
carry the device's secret (``Device Secret:``); it is dropped here and never stored.

Sources: the console itself, device-os ``system/src/system_setup.cpp`` and ``system/src/system_info.cpp``,
https://github.com/particle-iot/device-os; how particle-cli reads it, ``src/cmd/serial.js`` and
``src/lib/serial-batch-parser.js``, https://github.com/particle-iot/particle-cli; real replies in
tests/fixtures/captures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from particle_diag.catalog import timeouts
from particle_diag.catalog.module_functions import ModuleDependency
from particle_diag.errors import ProtocolError
from particle_diag.protocol.messages import (
    DiagnosticInfo,
    ModuleInfo,
    load_device_json,
    parse_diagnostics_json,
)
from particle_diag.transport import redact


# ---- timing ----------------------------------------------------------------------------------------------
def timeout_for(command: str) -> float:
    """How long the console may take to answer ``command`` (catalog.timeouts: CONSOLE_COMMAND_S)."""
    return timeouts.CONSOLE_COMMAND_S.get(command, timeouts.CONSOLE_REPLY_S)


# ---- letters used by the console's system-describe JSON (key `s`; system/src/system_info.cpp) -------------
FUNCTION_LETTERS: dict[str, str] = {
    "r": "resource", "b": "bootloader", "m": "mono_firmware", "s": "system_part", "u": "user_part",
    "c": "ncp_firmware", "a": "radio_stack",
}
STORE_LETTERS: dict[str, str] = {"m": "main", "b": "backup", "f": "factory", "t": "scratchpad"}

# ---- `i` property keys: the console prints renamed HAL keys; accept both spellings -------------------------
IDENTITY_KEYS: dict[str, str] = {
    "imei": "imei", "iccid": "iccid", "serial number": "serial_number", "sn": "serial_number",
    "cell radio version": "cell_radio_version", "cellfw": "cell_radio_version",
}
SECRET_KEYS = frozenset({"device secret", "ms"})  # the mobile secret: never kept (system_setup.cpp)

_EOL = re.compile(r"\r\n|\n\r|\r|\n")
_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
_ID_LINE = re.compile(r"(Device ID:|Your (?:device|core) id is)[ \t]*([^\r\n]*)([\r\n])?")
_VERSION_LINE = re.compile(r"system firmware version:[ \t]*([^\r\n]*)([\r\n])?")
_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?")
_MAC_MARKER = "Your device MAC address is"
# The factory firmware (Photons shipped in 2015, before 0.4.4) prints only a prompt with the Core's wording and no
# MAC: "Your core MAC address" (community.particle.io thread 13497, tests/fixtures/captures/listening/m).
_FACTORY_MAC_PROMPT = re.compile(r"Your core MAC address(?: is)?[ \t]*(?:\r\n|\n\r|\r|\n)\s*$")
_MAC_RUN = re.compile(r"[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2})+")
_CLAIMED = re.compile(r"Device claimed:[ \t]*(\w*)([\r\n])?")
USI_OUIS = ("6c:0b:84", "44:39:c4")  # USI Wi-Fi modules; see normalize_mac


def _lines(text: str) -> list[str]:
    return _EOL.split(text)


def _secret_key(key: str) -> bool:
    k = key.strip().lower()
    return k in SECRET_KEYS or "secret" in k


# ---- `i`: identify -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """What ``i`` told about the device, minus the secret."""

    device_id: str  # lowercase hex
    imei: str | None = None
    iccid: str | None = None
    serial_number: str | None = None
    cell_radio_version: str | None = None
    other: dict[str, str] = field(default_factory=dict)  # property lines with keys not known here


_PROPERTY_LINE = re.compile(r"([A-Za-z][A-Za-z0-9 _-]{0,40}):[ \t]*(.*)")
_PROPERTY_START = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,40}(?::.*)?")


def _identity_complete(text: str) -> bool:
    m = _ID_LINE.search(text)
    # Properties follow the ID line with no terminator; a reply is whole once it ends at a line end (the
    # device prints the lines back to back, so the reader's silence window covers the rest), or once a line
    # that is not a property follows it (more console text after the reply).
    if not (m and m[3]):
        return False
    return text[-1] in "\r\n" or _properties_end(text[m.end():]) is not None


def parse_identity(text: str) -> Identity | None:
    if not _identity_complete(text):
        return None
    m = _ID_LINE.search(text)
    assert m is not None
    device_id = m[2].strip()
    if not _HEX_ID.fullmatch(device_id):
        raise ProtocolError(f"'i' reply has a malformed device ID: {device_id[:40]!r}")
    if m[1] != "Device ID:":
        return Identity(device_id.lower())  # `Your device id is <id>` / `Your core id is <id>` form
    return _identity_with_properties(device_id.lower(), text[m.end():])


def _properties_end(rest: str) -> int | None:
    """Index (in ``_lines(rest)``) of the first complete line after the ID line that is not ``Key: value``;
    None when every complete line is a property (or blank)."""
    lines = _lines(rest)
    for i, line in enumerate(lines[:-1]):  # the last element is an unterminated tail (or "")
        if line.strip() and not _PROPERTY_LINE.fullmatch(line.strip()):
            return i
    tail = lines[-1].strip()
    if tail and not _PROPERTY_START.fullmatch(tail):  # cannot become a property however it goes on
        return len(lines) - 1
    return None


def _identity_with_properties(device_id: str, rest: str) -> Identity:
    known: dict[str, str] = {}
    other: dict[str, str] = {}
    lines = _lines(rest)
    end = _properties_end(rest)
    # The reply ends at the first line that is not a property: console text printed after it (another key's
    # reply, a log line) is not part of the identity.
    for line in lines[: end if end is not None else len(lines)]:
        m = _PROPERTY_LINE.fullmatch(line.strip())
        if m is None:
            continue  # blank, or an unterminated tail
        key, value = m[1], m[2]
        if _secret_key(key):
            redact.remember(value)  # never kept; remembered only so that no output can show it
            continue
        name = IDENTITY_KEYS.get(key.strip().lower())
        target, slot = (known, name) if name else (other, key.strip())
        if value.strip():
            target[slot] = value.strip()
    return Identity(device_id, other=other, **known)


# ---- `v`: system firmware version --------------------------------------------------------------------------
@dataclass(frozen=True)
class FirmwareVersion:
    version: str  # "6.2.0", "5.0.0-rc.2"
    minimal: bool = False  # a " minimal" build


def _version_complete(text: str) -> bool:
    m = _VERSION_LINE.search(text)
    return bool(m and m[2])


def parse_version_info(text: str) -> FirmwareVersion | None:
    if not _version_complete(text):
        return None
    m = _VERSION_LINE.search(text)
    assert m is not None
    value = m[1].strip()  # the rest of the line, so `-rc.N` survives (particle-cli issue #423)
    minimal = value.endswith(" minimal")
    version = value.removesuffix(" minimal").strip()
    if not _VERSION.fullmatch(version):
        raise ProtocolError(f"'v' reply has a malformed version: {value[:40]!r}")
    return FirmwareVersion(version, minimal)


def parse_version(text: str) -> str | None:
    """Just the version string (``"5.0.0-rc.2"``), without a `` minimal`` suffix."""
    info = parse_version_info(text)
    return info.version if info else None


# ---- `m`: MAC address --------------------------------------------------------------------------------------
def normalize_mac(raw: str) -> str:
    """Lowercase ``aa:bb:cc:dd:ee:ff``: one-digit groups get their zero; fewer than six groups are left-padded
    with ``00`` and, when that recreates the tail of a known USI OUI, its first octet is restored (particle-cli
    ``src/cmd/serial.js``)."""
    groups = [g.lower().rjust(2, "0") for g in raw.split(":")]
    if len(groups) < 6:
        groups = ["00"] * (6 - len(groups)) + groups
        for oui in USI_OUIS:
            first, *tail = oui.split(":")
            if groups[0] == "00" and groups[1:3] == tail:
                groups[0] = first
    return ":".join(groups)


def _mac_complete(text: str) -> bool:
    at = text.find(_MAC_MARKER)
    if at < 0:
        return bool(_FACTORY_MAC_PROMPT.search(text))
    lines = _lines(text[at + len(_MAC_MARKER):])
    # lines[0] is what follows the marker on its line; the MAC line is whole once a line end follows it.
    return len(lines) >= 3 or (len(lines) == 2 and bool(_MAC_RUN.search(lines[0])))


def parse_mac(text: str) -> str | None:
    if not _mac_complete(text):
        return None
    if text.find(_MAC_MARKER) < 0:
        raise ProtocolError("'m' reply is the factory firmware's prompt without a MAC address",
                            "This firmware predates Device OS 0.4.4: update Device OS (e.g. `particle update`) "
                            "to read the MAC address.", reference="listening.factory-firmware")
    rest = text[text.find(_MAC_MARKER) + len(_MAC_MARKER):]
    m = _MAC_RUN.search(rest)
    if not m or len(m[0].split(":")) > 8:
        raise ProtocolError(f"'m' reply has no MAC address: {rest.strip()[:40]!r}")
    return normalize_mac(m[0])


# ---- `c`: claimed ------------------------------------------------------------------------------------------
def _claimed_complete(text: str) -> bool:
    m = _CLAIMED.search(text)
    return bool(m and (m[2] or m[1] in ("yes", "no")))


def parse_claimed(text: str) -> bool | None:
    if not _claimed_complete(text):
        return None
    m = _CLAIMED.search(text)
    assert m is not None
    if m[1] not in ("yes", "no"):
        raise ProtocolError(f"'c' reply is neither yes nor no: {m[0].strip()[:40]!r}")
    return m[1] == "yes"


# ---- JSON replies: `s` (system describe) and `d` (diagnostics) ---------------------------------------------
def _json_span(text: str) -> tuple[int, int] | None:
    """Where the one-line JSON object is: from the first ``{`` to a ``}`` directly followed by a line end.

    Deliberately not a brace-balancing scan: a garbled body must still end the wait (then fail to parse)
    instead of looking forever incomplete.  Device OS prints the object on one line, ending ``}`` CR LF.
    """
    start = text.find("{")
    if start < 0:
        return None
    m = re.compile(r"\}[\r\n]").search(text, start)
    return (start, m.start() + 1) if m else None


def _json_complete(text: str) -> bool:
    return _json_span(text) is not None


@dataclass(frozen=True)
class SystemDescribe:
    """The ``s`` reply: platform ID, modules, and the other key/values (e.g. imei, iccid, cellfw).

    ``empty_slots`` counts module entries with no module in them (a Photon lists its empty factory slot as
    ``{"s":131072,"l":"f","vc":30,"vv":0,"d":[]}``: no function, index or version).  ``problems`` says which
    other entries could not be read; they are left out, the rest of the reply still counts.
    """

    platform_id: int
    modules: list[ModuleInfo]
    properties: dict[str, Any] = field(default_factory=dict)
    empty_slots: int = 0
    problems: tuple[str, ...] = ()


def _load_json(command: str, text: str) -> Any:
    span = _json_span(text)
    assert span is not None
    return load_device_json(text[span[0]:span[1]], f"'{command}' reply")


def parse_describe(text: str) -> SystemDescribe | None:
    if not _json_complete(text):
        return None
    data = _load_json("s", text)
    if not isinstance(data, dict):
        raise ProtocolError(f"'s' reply is not a system describe (a JSON {type(data).__name__}, not an object)")
    if "p" not in data or "m" not in data:
        missing = "p" if "p" not in data else "m"
        raise ProtocolError(f"'s' reply is not a system describe (no {missing!r} key)")
    platform_id = _int(data["p"], "p")
    if not isinstance(data["m"], list):
        raise ProtocolError(f"'s' reply: 'm' is not a list of modules: {_excerpt(data['m'])}")
    modules: list[ModuleInfo] = []
    empty = 0
    problems: list[str] = []
    for position, entry in enumerate(data["m"]):
        if isinstance(entry, dict) and not any(k in entry for k in ("f", "n", "v")):
            empty += 1  # a slot with no module in it
            continue
        try:
            modules.append(_describe_module(entry))
        except ProtocolError as exc:
            problems.append(f"module entry {position}: {exc.message}")
    properties = {k: v for k, v in data.items() if k not in ("p", "m") and not _secret_key(k) and k != "sn"}
    for k, v in data.items():
        if _secret_key(k) and isinstance(v, str):
            redact.remember(v)
    return SystemDescribe(platform_id, modules, properties, empty, tuple(problems))


_INT_LIMIT = 1 << 63  # describe numbers are C integers of 32 bits or fewer; beyond this is not a device


def _int(value: Any, key: str) -> int:
    """Describe numbers are JSON numbers, except module indexes ``n`` which are strings (of digits)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and math.isfinite(value) and value.is_integer()) or (
            isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,20}\s*", value)):
        number = int(value)
    if number is None or not -_INT_LIMIT <= number < _INT_LIMIT:
        raise ProtocolError(f"'s' reply: {key!r} is not a number: {_excerpt(value)}")
    return number


def _letter(value: Any, key: str) -> str:
    if not isinstance(value, str) or len(value) > 8:
        raise ProtocolError(f"'s' reply: {key!r} is not a letter: {_excerpt(value)}")
    return value


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe_module(m: Any) -> ModuleInfo:
    if not isinstance(m, dict):
        raise ProtocolError(f"not an object: {_excerpt(m)}")
    for key in ("f", "n", "v"):
        if key not in m:
            raise ProtocolError(f"no {key!r} key")
    function = _letter(m["f"], "f")
    deps = m.get("d", [])
    if not isinstance(deps, list) or not all(isinstance(d, dict) and {"f", "n", "v"} <= d.keys() for d in deps):
        raise ProtocolError(f"'d' is not a list of dependencies: {_excerpt(deps)}")
    store = _letter(m["l"], "l") if "l" in m else None
    sha = m.get("u")
    if sha is not None and not isinstance(sha, str):
        raise ProtocolError(f"'u' is not a hash: {_excerpt(sha)}")
    return ModuleInfo(
        type=FUNCTION_LETTERS.get(function, f"unknown_{function}"),
        index=_int(m["n"], "n"),
        version=_int(m["v"], "v"),
        store=STORE_LETTERS.get(store, f"unknown_{store}") if store is not None else None,
        max_size=_int(m["s"], "s") if "s" in m else None,
        checked_flags=_int(m.get("vc", 0), "vc"),
        passed_flags=_int(m.get("vv", 0), "vv"),
        hash=sha.lower() if sha else None,
        dependencies=[ModuleDependency(FUNCTION_LETTERS.get(f := _letter(d["f"], "f"), f"unknown_{f}"),
                                       _int(d["n"], "n"), _int(d["v"], "v")) for d in deps],
    )


def parse_diagnostics(text: str) -> DiagnosticInfo | None:
    """The ``d`` reply: the same JSON as control request 100."""
    span = _json_span(text)
    if span is None:
        return None
    return parse_diagnostics_json(text[span[0]:span[1]])


# ---- dispatch by command letter ----------------------------------------------------------------------------
COMPLETENESS: dict[str, Callable[[str], bool]] = {
    "i": _identity_complete, "v": _version_complete, "m": _mac_complete, "s": _json_complete,
    "c": _claimed_complete, "d": _json_complete,
}
PARSERS: dict[str, Callable[[str], Any]] = {
    "i": parse_identity, "v": parse_version_info, "m": parse_mac, "s": parse_describe, "c": parse_claimed,
    "d": parse_diagnostics,
}


def _lookup(table: dict[str, Callable[[str], Any]], command: str) -> Callable[[str], Any]:
    try:
        return table[command]
    except KeyError:
        raise ValueError(f"no reply parser for console command {command!r}") from None


def is_complete(command: str, text: str) -> bool:
    """Has the whole reply to ``command`` arrived?  (It may still be malformed: ``parse`` tells.)"""
    return bool(_lookup(COMPLETENESS, command)(text))


def parse(command: str, text: str) -> Any:
    """``parse_*`` for ``command``: None while incomplete, ProtocolError when complete but malformed."""
    return _lookup(PARSERS, command)(text)

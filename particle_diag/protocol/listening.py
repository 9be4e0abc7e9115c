"""The listening-mode serial console, host side: parsers for the replies to ``i``, ``v``, ``m``, ``s``, ``c``
and ``d`` (reference §3.3, §3.5).  Pure functions over the text read so far; no I/O.

Each ``parse_*`` returns None while the reply is not complete yet (keep reading), the parsed value once it
is, and raises ``ProtocolError`` when it is complete but malformed.  ``is_complete(command, text)`` answers
the first question alone, for a reader's stop condition.

Tolerances: leading noise before the reply, any of CR LF / LF / CR / LF CR LF line ends (``v`` really ends
with LF CR LF), ``-rc.N`` versions and the `` minimal`` suffix, both ``i`` layouts.  The ``i`` reply can
carry the device's secret (``Device Secret:``); it is dropped here and never stored (reference §3.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from particle_diag.catalog import timeouts
from particle_diag.errors import ProtocolError
from particle_diag.protocol.messages import (
    DiagnosticInfo,
    ModuleDependency,
    ModuleInfo,
    parse_diagnostics_json,
)


# ---- timing ----------------------------------------------------------------------------------------------
def timeout_for(command: str) -> float:
    """How long the console may take to answer ``command`` (catalog.timeouts: CONSOLE_COMMAND_S)."""
    return timeouts.CONSOLE_COMMAND_S.get(command, timeouts.CONSOLE_REPLY_S)


# ---- letters used by the console's system-describe JSON (reference §3.3, key `s`) --------------------------
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
SECRET_KEYS = frozenset({"device secret", "ms"})  # the mobile secret: never kept (§3.3)

_EOL = re.compile(r"\r\n|\n\r|\r|\n")
_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
_ID_LINE = re.compile(r"(Device ID:|Your (?:device|core) id is)[ \t]*([^\r\n]*)([\r\n])?")
_VERSION_LINE = re.compile(r"system firmware version:[ \t]*([^\r\n]*)([\r\n])?")
_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?")
_MAC_MARKER = "Your device MAC address is"
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


def _identity_complete(text: str) -> bool:
    m = _ID_LINE.search(text)
    # Properties follow the ID line with no terminator; a reply is whole once it ends at a line end (the
    # device prints the lines back to back, so the reader's silence window covers the rest).
    return bool(m and m[3] and text[-1] in "\r\n")


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


def _identity_with_properties(device_id: str, rest: str) -> Identity:
    known: dict[str, str] = {}
    other: dict[str, str] = {}
    for line in _lines(rest):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"'i' reply has a line that is not `Key: value`: {line[:40]!r}")
        if _secret_key(key):
            continue  # never keep the device secret
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
    value = m[1].strip()  # the rest of the line, so `-rc.N` survives (particle-cli issue #423, §3.5)
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
    with ``00`` and, when that recreates the tail of a known USI OUI, its first octet is restored (§3.5)."""
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
        return False
    lines = _lines(text[at + len(_MAC_MARKER):])
    # lines[0] is what follows the marker on its line; the MAC line is whole once a line end follows it.
    return len(lines) >= 3 or (len(lines) == 2 and bool(_MAC_RUN.search(lines[0])))


def parse_mac(text: str) -> str | None:
    if not _mac_complete(text):
        return None
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
    """The ``s`` reply: platform ID, modules, and the other key/values (e.g. imei, iccid, cellfw)."""

    platform_id: int
    modules: list[ModuleInfo]
    properties: dict[str, Any] = field(default_factory=dict)


def _load_json(command: str, text: str) -> Any:
    span = _json_span(text)
    assert span is not None
    body = text[span[0]:span[1]]
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"'{command}' reply is not valid JSON ({exc}): {body[:60]!r}") from exc


def parse_describe(text: str) -> SystemDescribe | None:
    if not _json_complete(text):
        return None
    data = _load_json("s", text)
    try:
        platform_id = _int(data["p"], "p")
        modules = [_describe_module(m) for m in data["m"]]
    except (KeyError, TypeError) as exc:
        raise ProtocolError(f"'s' reply is not a system describe (missing or odd {exc})") from exc
    properties = {k: v for k, v in data.items() if k not in ("p", "m") and not _secret_key(k) and k != "sn"}
    return SystemDescribe(platform_id, modules, properties)


def _int(value: Any, key: str) -> int:
    """Describe numbers are JSON numbers, except module indexes ``n`` which are strings."""
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        return int(value)
    except (TypeError, ValueError):
        raise ProtocolError(f"'s' reply: {key!r} is not a number: {value!r}") from None


def _describe_module(m: dict[str, Any]) -> ModuleInfo:
    return ModuleInfo(
        type=FUNCTION_LETTERS.get(m["f"], f"unknown_{m['f']}"),
        index=_int(m["n"], "n"),
        version=_int(m["v"], "v"),
        store=STORE_LETTERS.get(m["l"], f"unknown_{m['l']}") if "l" in m else None,
        max_size=_int(m["s"], "s") if "s" in m else None,
        checked_flags=_int(m.get("vc", 0), "vc"),
        passed_flags=_int(m.get("vv", 0), "vv"),
        hash=str(m["u"]).lower() if m.get("u") else None,
        dependencies=[ModuleDependency(FUNCTION_LETTERS.get(d["f"], f"unknown_{d['f']}"), _int(d["n"], "n"),
                                       _int(d["v"], "v")) for d in m.get("d", [])],
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

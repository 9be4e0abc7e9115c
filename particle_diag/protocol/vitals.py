"""The diagnostics reply (request 100, console ``d``) decoded into named values with units: the device's vitals.

Pure: ``decode(DiagnosticInfo)`` -> ``Vitals``.  Encodings, enums and the meaning of every code come from
``catalog.diagnostics`` (and ``catalog.results`` / ``catalog.reset_reasons``), each cited there.  A source the
device did not report is None; a source that failed to report is listed in ``errors`` with the meaning of its
code, and its field stays None.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from particle_diag.catalog import diagnostics as d
from particle_diag.catalog import reset_reasons
from particle_diag.catalog.results import result_message, result_name
from particle_diag.protocol.messages import DiagnosticInfo, enum_name


@dataclass
class Code:
    """An error or reason code with the name and meaning its source gives it."""

    code: int
    name: str
    meaning: str


@dataclass
class Signal:
    strength_percent: float | None = None
    quality_percent: float | None = None
    access_technology: str | None = None
    strength_value: float | None = None  # in strength_unit: RSSI, RSCP or RSRP (strength_measure)
    strength_measure: str | None = None
    strength_unit: str | None = None
    quality_value: float | None = None
    quality_measure: str | None = None
    quality_unit: str | None = None
    cell: dict[str, int] | None = None  # mcc, mnc, lac, ci (cellular, where the modem reports them)


@dataclass
class Battery:
    charge_percent: float | None = None
    state: str | None = None


@dataclass
class Link:
    """The network or the cloud connection: status, counters, last error and last disconnect reason."""

    status: str | None = None
    last_error: Code | None = None
    disconnect_reason: Code | None = None
    disconnects: int | None = None
    connection_attempts: int | None = None


@dataclass
class Vitals:
    signal: Signal = field(default_factory=Signal)
    battery: Battery = field(default_factory=Battery)
    power_source: str | None = None
    uptime_s: int | None = None
    memory_free: int | None = None  # bytes
    memory_total: int | None = None
    reset_reason: Code | None = None
    network: Link = field(default_factory=Link)
    cloud: Link = field(default_factory=Link)
    errors: dict[str, Code] = field(default_factory=dict)  # sources that failed to report
    raw: dict[str, int | float] = field(default_factory=dict)  # every value as the device sent it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fixed(value: float, encoding: str) -> float:
    """The number a fixed-point diagnostic holds (``q8.8``: / 256, ``q16.16``: / 65536), rounded to 2 places."""
    scale = {d.Q8_8: 256, d.Q16_16: 65536}.get(encoding)
    return value if scale is None else round(value / scale, 2)


def system_error(code: int) -> Code:
    return Code(code, result_name(code).split(" ")[0], result_message(code))


def _table_code(table: dict[int, tuple[str, str]], code: int) -> Code:
    name, meaning = table.get(code, (f"unknown_{code}", f"code {code} is not in Device OS's table"))
    return Code(code, name, meaning)


def cloud_error(code: int) -> Code:
    """cloud:err: a handshake ProtocolError; a negative code is read as a system_error_t (UNVERIFIED which
    firmware, if any, stores one there)."""
    return system_error(code) if code < 0 else _table_code(d.CLOUD_PROTOCOL_ERRORS, code)


def decode(info: DiagnosticInfo) -> Vitals:
    """Non-finite numbers (``NaN``, ``Infinity``: no Device OS source produces them, a broken reply might) count
    as not reported; ``raw`` keeps them (the JSON renderer prints null)."""
    out = Vitals(raw=dict(info.values))
    v = {k: x for k, x in info.values.items() if not isinstance(x, float) or math.isfinite(x)}

    def num(name: str) -> float | None:
        value = v.get(name)
        return None if value is None else fixed(value, d.SOURCES[name].encoding)

    def integer(name: str) -> int | None:
        value = v.get(name)
        return None if value is None else int(value)

    def named(name: str, table: dict[int, str]) -> str | None:
        value = integer(name)
        return None if value is None else enum_name(table, value)

    s = out.signal
    s.strength_percent, s.quality_percent = num("net:sigstr"), num("net:sigqual")
    s.access_technology = named("net:at", d.ACCESS_TECHNOLOGIES)
    s.strength_value, s.quality_value = num("net:sigstrv"), num("net:sigqualv")
    if s.strength_value is None and "net:rssi" in v:  # Device OS 0.8 Wi-Fi: RSSI only
        s.strength_value, s.strength_measure, s.strength_unit = num("net:rssi"), "RSSI", "dBm"
    measures = d.SIGNAL_MEASURES.get(s.access_technology or "")
    if measures is not None:
        if s.strength_value is not None:
            s.strength_measure, s.strength_unit = measures[0]
        if s.quality_value is not None:
            s.quality_measure, s.quality_unit = measures[1][0], measures[1][1] or None
    cell = {key: int(v[f"net:cell:cgi:{key}"]) for key in ("mcc", "mnc", "lac", "ci") if f"net:cell:cgi:{key}" in v}
    s.cell = cell or None

    out.battery = Battery(num("batt:soc"), named("batt:state", d.BATTERY_STATES))
    out.power_source = named("pwr:src", d.POWER_SOURCES)
    out.uptime_s = integer("sys:uptime")
    total, used = integer("sys:tram"), integer("sys:uram")
    out.memory_total = total
    out.memory_free = integer("mem:free") if "mem:free" in v else (
        total - used if total is not None and used is not None else None)
    reset = integer("sys:reset")
    if reset is not None:
        out.reset_reason = Code(reset, reset_reasons.name(reset), reset_reasons.meaning(reset))

    def link(prefix: str, statuses: dict[int, str], error: Any, reasons: dict[int, tuple[str, str]]) -> Link:
        err, reason = integer(f"{prefix}:err"), integer(f"{prefix}:dconnrsn")
        return Link(named(f"{prefix}:stat", statuses), None if err is None else error(err),
                    None if reason is None else _table_code(reasons, reason),
                    integer(f"{prefix}:dconn"), integer(f"{prefix}:connatt"))

    out.network = link("net", d.NETWORK_STATUSES, system_error, d.NETWORK_DISCONNECT_REASONS)
    out.cloud = link("cloud", d.CLOUD_STATUSES, cloud_error, d.CLOUD_DISCONNECT_REASONS)
    out.errors = {name: system_error(code) for name, code in info.errors.items()}
    return out

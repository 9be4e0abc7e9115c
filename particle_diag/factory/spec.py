"""The station spec: what every device on a factory station must be, and the steps to run first.

A TOML file (docs/factory.md, docs/examples/station.toml)::

    [station]
    name = "Boron line 2"

    [expect]
    platform = ["boron", "bsom"]
    min_device_os = "4.0.0"
    mode = "normal"

    [[step]]
    action = "enter"
    mode = "listening"

Everything is validated on load; a mistake is one ``SpecError`` line naming the file and key (exit code 2).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from particle_diag import semver
from particle_diag.catalog import timeouts
from particle_diag.catalog.cloud_status import CLOUD_STATUS_NAMES
from particle_diag.errors import PdiagError, UsageError

if TYPE_CHECKING:
    from particle_diag.devices.bundle import Bundle

ACTIONS = ("enter", "reset", "identify", "wait", "expect_log", "update", "setup_done")
TARGET_MODES = ("dfu", "listening", "safe", "normal")
EXPECTED_MODES = ("normal", "listening", "dfu", "safe", "protected")
IDENTITY_FIELDS = ("device_os", "iccid", "imei", "mac", "modules", "cloud_status", "serial_number")

STATION_KEYS = {"name": "a label for reports", "parallel": "most devices checked at once",
                "device_timeout_s": "time budget of one device"}
EXPECT_KEYS = ("platform", "min_device_os", "device_os", "mode", "modules_valid", "iccid", "iccid_pattern",
               "mac_oui", "cloud_status", "protected", "min_signal", "min_battery", "power_source", "cloud",
               "cloud_timeout_s")
VITALS_KEYS = ("min_signal", "min_battery", "power_source", "cloud")  # judged on `pdiag vitals` (request 100)
STEP_KEYS = ("action", "mode", "name", "timeout_s", "retries", "retry_delay_s", "require", "seconds", "pattern",
             "bundle")
DEFAULT_TIMEOUT_S = timeouts.STEP_S


class SpecError(UsageError):
    """A station spec that cannot be used: one line naming the file and the key."""

    reference = "check.spec"
    default_hint = "See docs/factory.md for the station spec format, and docs/examples/station.toml."


@dataclass(frozen=True)
class Expectations:
    platform: tuple[str, ...] = ()  # canonical platform names; empty: any
    min_device_os: str | None = None
    device_os: str | None = None  # exact
    mode: tuple[str, ...] = ()
    modules_valid: bool | None = None
    iccid: bool | None = None  # True: an ICCID must be readable (cellular devices)
    iccid_pattern: str | None = None  # the whole ICCID must match (re.fullmatch)
    mac_oui: tuple[str, ...] = ()  # 6 lower-case hex digits each (Wi-Fi devices)
    cloud_status: tuple[str, ...] = ()
    protected: bool | None = None
    min_signal: float | None = None  # % (vitals signal.strength_percent)
    min_battery: float | None = None  # % (vitals battery.charge_percent)
    power_source: tuple[str, ...] = ()  # vitals power_source names
    cloud: tuple[str, ...] = ()  # cloud status to reach, waiting up to cloud_timeout_s
    cloud_timeout_s: float = 0.0

    def names(self) -> list[str]:
        """The expectations set, in file-documentation order (one JUnit test case each)."""
        return [k for k in EXPECT_KEYS if k != "cloud_timeout_s" and getattr(self, k) not in (None, ())]

    @property
    def needs_vitals(self) -> bool:
        return any(getattr(self, k) not in (None, ()) for k in VITALS_KEYS)


@dataclass(frozen=True)
class Step:
    action: str
    mode: str | None = None  # enter: the target mode
    name: str | None = None
    timeout_s: float = timeouts.MODE_CHANGE_S
    retries: int = 0
    retry_delay_s: float = timeouts.STEP_RETRY_DELAY_S
    require: tuple[str, ...] = ()  # identify: fields that must be known, else retry
    seconds: float = 0.0  # wait
    pattern: str | None = None  # expect_log: a regular expression a line of the device's USB serial log must match
    implicit: bool = False  # added by pdiag: the final identify the expectations are judged on
    bundle: Bundle | None = field(default=None, compare=False)  # update: read and checked when the spec is loaded

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.action == "enter":
            return f"enter {self.mode}"
        if self.action == "wait":
            return f"wait {self.seconds:g} s"
        if self.action == "expect_log":
            return f"expect log /{self.pattern}/"
        if self.action == "update" and self.bundle is not None:
            return f"update {self.bundle.source}"
        if self.action == "setup_done":
            return "set setup done"
        return self.action


@dataclass(frozen=True)
class StationSpec:
    expect: Expectations
    steps: tuple[Step, ...]
    name: str = "pdiag check"
    parallel: int | None = None
    device_timeout_s: float | None = None
    source: str = "<spec>"
    user_steps: int = field(default=0)  # how many steps the file lists (the rest are implicit)


# -- loading --------------------------------------------------------------------------------------------------
def load_spec(path: str | Path) -> StationSpec:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"station spec {p} does not exist", reference="check.spec-missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"station spec {p} cannot be read: {exc}", reference="check.spec-missing") from None
    return parse_spec_text(text, source=str(p), base=p.parent)


def parse_spec_text(text: str, source: str = "<spec>", base: Path | None = None) -> StationSpec:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: invalid TOML: {exc}") from None
    return parse_spec(raw, source, base)


def parse_spec(raw: dict[str, Any], source: str = "<spec>", base: Path | None = None) -> StationSpec:
    """The spec from its TOML tables; ``base`` is where relative paths in it start (the spec file's directory;
    the current one for a spec given as text)."""
    _unknown(raw, ("station", "expect", "step"), source, "", "top-level table")
    station = _table(raw.get("station", {}), source, "[station]")
    _unknown(station, tuple(STATION_KEYS), source, "[station] ", "key")
    expect = _expectations(_table(raw.get("expect", {}), source, "[expect]"), source)
    raw_steps = raw.get("step", [])
    if not isinstance(raw_steps, list):
        raise SpecError(f"{source}: 'step' must be an array of tables: write each step as [[step]]")
    steps = [_step(s, i, source, base) for i, s in enumerate(raw_steps, start=1)]
    user_steps = len(steps)
    if not steps or steps[-1].action != "identify":
        steps.append(Step("identify", timeout_s=DEFAULT_TIMEOUT_S["identify"], implicit=True))
    name = station.get("name", "pdiag check")
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{source}: [station] name must be a non-empty string")
    parallel = station.get("parallel")
    if parallel is not None and (not _is_int(parallel) or not 1 <= parallel <= MAX_PARALLEL):
        raise SpecError(f"{source}: [station] parallel must be a whole number from 1 to {MAX_PARALLEL}, "
                        f"not {parallel!r}")
    budget = station.get("device_timeout_s")
    if budget is not None:
        budget = _positive(budget, source, "[station] device_timeout_s")
    return StationSpec(expect, tuple(steps), name.strip(), parallel, budget, source, user_steps)


# -- pieces -----------------------------------------------------------------------------------------------------
def _expectations(t: dict[str, Any], source: str) -> Expectations:
    from particle_diag.catalog.platforms import by_name

    _unknown(t, EXPECT_KEYS, source, "[expect] ", "key")
    where = f"{source}: [expect]"
    platforms: list[str] = []
    for name in _strings(t, "platform", where):
        try:
            platforms.append(by_name(name).name)
        except UsageError as exc:
            raise SpecError(f"{where} platform: {exc.message}", exc.hint) from None
    versions = {k: _version(t[k], f"{where} {k}") for k in ("min_device_os", "device_os") if k in t}
    if len(versions) == 2 and not semver.at_least(versions["device_os"], versions["min_device_os"]):
        raise SpecError(f"{where} device_os {versions['device_os']} is older than min_device_os "
                        f"{versions['min_device_os']}: no device can pass")
    modes = _choices(t, "mode", EXPECTED_MODES, where)
    clouds = _choices(t, "cloud_status", CLOUD_STATUS_NAMES, where)
    pattern = t.get("iccid_pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise SpecError(f"{where} iccid_pattern must be a string (a regular expression)")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SpecError(f"{where} iccid_pattern {pattern!r} is not a valid regular expression: {exc}",
                            "Write a Python regular expression, e.g. '^8901\\\\d{15}$' (TOML literal strings "
                            "in single quotes need no escaping).") from None
    ouis = tuple(_oui(v, where) for v in _strings(t, "mac_oui", where))
    flags = {k: _bool(t, k, where) for k in ("modules_valid", "iccid", "protected")}
    from particle_diag.catalog.diagnostics import POWER_SOURCES

    percents = {k: _percent(t[k], f"{where} {k}") for k in ("min_signal", "min_battery") if k in t}
    sources = _choices(t, "power_source", tuple(POWER_SOURCES.values()), where)
    cloud = _choices(t, "cloud", CLOUD_STATUS_NAMES, where)
    if "cloud_timeout_s" in t and not cloud:
        raise SpecError(f"{where} cloud_timeout_s only applies with cloud = \"connected\" (or another status)")
    wait = _positive(t["cloud_timeout_s"], f"{where} cloud_timeout_s", allow_zero=True) if "cloud_timeout_s" in t \
        else 0.0
    return Expectations(tuple(dict.fromkeys(platforms)), versions.get("min_device_os"), versions.get("device_os"),
                        modes, flags["modules_valid"], flags["iccid"], pattern, ouis, clouds, flags["protected"],
                        percents.get("min_signal"), percents.get("min_battery"), sources, cloud, wait)


def _percent(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise SpecError(f"{where} must be a percentage from 0 to 100, not {value!r}")
    return float(value)


def _step(raw: Any, index: int, source: str, base: Path | None = None) -> Step:
    where = f"{source}: step {index}"
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: each step must be a table ([[step]])")
    _unknown(raw, STEP_KEYS, source, f"step {index} ", "key")
    action = raw.get("action")
    if action not in ACTIONS:
        shown = "missing" if action is None else repr(action)
        raise SpecError(f"{where}: action is {shown}; use one of {', '.join(ACTIONS)}")
    mode = raw.get("mode")
    if action == "enter":
        if mode not in TARGET_MODES:
            raise SpecError(f"{where}: 'enter' needs mode = one of {', '.join(TARGET_MODES)}, not {mode!r}")
    elif mode is not None:
        raise SpecError(f"{where}: mode only applies to action 'enter'")
    if "seconds" in raw and action != "wait":
        raise SpecError(f"{where}: seconds only applies to action 'wait'")
    if "require" in raw and action != "identify":
        raise SpecError(f"{where}: require only applies to action 'identify'")
    seconds = _positive(raw["seconds"], f"{where} seconds", allow_zero=True) if "seconds" in raw else 0.0
    if action == "wait" and "seconds" not in raw:
        raise SpecError(f"{where}: 'wait' needs seconds = N")
    pattern = raw.get("pattern")
    if action == "expect_log":
        if not isinstance(pattern, str) or not pattern:
            raise SpecError(f"{where}: 'expect_log' needs pattern = a regular expression, e.g. 'Cloud connected'")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SpecError(f"{where} pattern {pattern!r} is not a valid regular expression: {exc}") from None
    elif pattern is not None:
        raise SpecError(f"{where}: pattern only applies to action 'expect_log'")
    bundle = _bundle(raw.get("bundle"), action, where, base)
    require = tuple(_strings(raw, "require", where))
    bad = [r for r in require if r not in IDENTITY_FIELDS]
    if bad:
        raise SpecError(f"{where}: cannot require '{bad[0]}'; fields: {', '.join(IDENTITY_FIELDS)}")
    retries = raw.get("retries", 0)
    if not _is_int(retries) or not 0 <= retries <= MAX_RETRIES:
        raise SpecError(f"{where}: retries must be a whole number from 0 to {MAX_RETRIES}, not {retries!r}")
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise SpecError(f"{where}: name must be a non-empty string")
    return Step(
        action, mode, name.strip() if name else None,
        timeout_s=_positive(raw.get("timeout_s", DEFAULT_TIMEOUT_S[action]), f"{where} timeout_s"),
        retries=retries,
        retry_delay_s=_positive(raw.get("retry_delay_s", 1.0), f"{where} retry_delay_s", allow_zero=True),
        require=require, seconds=seconds, pattern=pattern, bundle=bundle,
    )


def _bundle(value: Any, action: str, where: str, base: Path | None) -> Bundle | None:
    """``update``'s bundle (devices/bundle.py), read and checked now: a bad one stops the station before any
    device is touched."""
    if action != "update":
        if value is not None:
            raise SpecError(f"{where}: bundle only applies to action 'update'")
        return None
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: 'update' needs bundle = the path of a directory, .zip or module binary "
                        "(relative to the spec file)")
    from particle_diag.devices.bundle import load_bundle

    path = Path(value.strip())
    try:
        return load_bundle([path if path.is_absolute() or base is None else base / path])
    except PdiagError as exc:
        raise SpecError(f"{where} bundle: {exc.message}", exc.hint, reference=exc.reference) from None


def _unknown(t: dict[str, Any], known: tuple[str, ...], source: str, where: str, what: str) -> None:
    for key in t:
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, known, n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            raise SpecError(f"{source}: unknown {where}{what} '{key}'",
                            f"{hint}Known: {', '.join(known)}. See docs/factory.md.")


def _table(value: Any, source: str, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{source}: {name} must be a table")
    return value


def _strings(t: dict[str, Any], key: str, where: str) -> list[str]:
    value = t.get(key)
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise SpecError(f"{where} {key} must be a string or a non-empty list of strings")
    return [v.strip() for v in values]


def _choices(t: dict[str, Any], key: str, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    values = [v.lower() for v in _strings(t, key, where)]
    for v in values:
        if v not in allowed:
            raise SpecError(f"{where} {key}: unknown value '{v}'; use {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))


def _version(value: Any, where: str) -> str:
    if not isinstance(value, str) or not semver.is_written_version(value):
        raise SpecError(f"{where}: {value!r} is not a Device OS version (write it like \"4.0.0\" or "
                        "\"5.0.0-rc.2\", in quotes)")
    return value.strip()


def _bool(t: dict[str, Any], key: str, where: str) -> bool | None:
    value = t.get(key)
    if value is not None and not isinstance(value, bool):
        raise SpecError(f"{where} {key} must be true or false, not {value!r}")
    return value


def _oui(value: str, where: str) -> str:
    digits = re.sub(r"[\s:.-]", "", value).lower()
    if not re.fullmatch(r"[0-9a-f]{6}", digits):
        raise SpecError(f"{where} mac_oui: {value!r} is not an OUI (three bytes, like \"e0:4f:43\")")
    return digits


MAX_SECONDS = 7 * 24 * 3600.0  # a week: longer is a typo (or inf/nan, which TOML allows), not a station step
MAX_PARALLEL = 256
MAX_RETRIES = 1000


def _positive(value: Any, where: str, allow_zero: bool = False) -> float:
    ok = (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
          and (value >= 0 if allow_zero else value > 0) and value <= MAX_SECONDS)
    if not ok:
        raise SpecError(f"{where} must be a number of seconds {'>= 0' if allow_zero else '> 0'} and at most "
                        f"{MAX_SECONDS:g} (a week), not {value!r}")
    return float(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

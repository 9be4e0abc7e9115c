"""Doctor rule engine: facts in, ranked findings out (pure; no I/O).

Rules are data (``particle_diag/knowledge/rules/*.toml``).  Each predicate name a rule may use is a function
in :data:`PREDICATES` that looks at :class:`Facts` and returns evidence strings (empty = does not hold).  A
fact that was not collected (None) never satisfies a predicate.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from particle_diag import semver
from particle_diag.catalog import reset_reasons
from particle_diag.catalog.cloud_status import CLOUD_STATUS_NAMES
from particle_diag.errors import NotFoundError, UnsupportedError, UsageError
from particle_diag.knowledge.model import RULE_PREDICATES, SEVERITIES, Device, Knowledge, Rule, State, Step

MODES = ("normal", "listening", "safe", "dfu", "unknown")
CLOUD_STATUSES = CLOUD_STATUS_NAMES
MODULE_TYPES = ("bootloader", "system-part", "user-part", "mono-firmware", "ncp-firmware", "radio-stack")
MODULE_CHECKS = ("integrity", "dependencies", "address-range", "platform")


@dataclass(frozen=True)
class ModuleFact:
    """One firmware module as read over USB (module info)."""

    type: str  # one of MODULE_TYPES
    index: int = 0
    version: int | None = None
    failed_checks: tuple[str, ...] = ()  # subset of MODULE_CHECKS
    dependencies: tuple[dict[str, Any], ...] = ()  # [{type, index, version}]

    @property
    def valid(self) -> bool:
        return not self.failed_checks

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ModuleFact:
        mtype = str(raw.get("type", "")).replace("_", "-")
        if mtype not in MODULE_TYPES:
            raise UsageError(f"unknown module type '{mtype}'", f"Use one of: {', '.join(MODULE_TYPES)}.")
        failed = tuple(str(c).replace("_", "-") for c in raw.get("failed_checks", ()))
        for c in failed:
            if c not in MODULE_CHECKS:
                raise UsageError(f"unknown module check '{c}'", f"Use one of: {', '.join(MODULE_CHECKS)}.")
        if raw.get("valid") is False and not failed:
            failed = ("integrity",)
        return cls(
            type=mtype,
            index=int(raw.get("index", 0)),
            version=raw.get("version"),
            failed_checks=failed,
            dependencies=tuple(dict(d) for d in raw.get("dependencies", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed_checks"] = list(self.failed_checks)
        out["dependencies"] = [dict(d) for d in self.dependencies]
        out["valid"] = self.valid
        return out


_HOST_KEYS = (
    "permission_denied",
    "udev_rules_installed",
    "modemmanager_running",
    "user_groups",
    "libusb_present",
    "device_found",
    "host_os",
)


@dataclass(frozen=True)
class Facts:
    """What is known about the device and this computer; every field is optional."""

    platform: str | None = None
    features: tuple[str, ...] = ()
    mode: str | None = None  # one of MODES
    cloud_status: str | None = None  # one of CLOUD_STATUSES
    modules: tuple[ModuleFact, ...] | None = None  # None: not read; () : read, none present
    diagnostics: dict[str, Any] = field(default_factory=dict)
    device_os: str | None = None
    led_description: str | None = None
    led_state: tuple[str, ...] = ()
    led_duration_s: float | None = None
    device_unresponsive: bool | None = None  # on USB but control requests never complete (busy firmware)
    # what the device reports of itself (protocol/vitals.py, devices/server.py; docs/vitals.md)
    signal_percent: float | None = None
    battery_percent: float | None = None
    power_source: str | None = None
    network_status: str | None = None
    cloud_error: int | None = None  # cloud:err, a handshake ProtocolError (catalog/diagnostics.py)
    iccid_readable: bool | None = None  # cellular: False when the modem cannot read a SIM
    server_address: str | None = None
    server_is_particle: bool | None = None
    # host facts
    device_found: bool | None = None
    permission_denied: bool | None = None
    udev_rules_installed: bool | None = None
    modemmanager_running: bool | None = None
    user_groups: tuple[str, ...] | None = None
    libusb_present: bool | None = None
    host_os: str | None = None  # "linux", "darwin", "windows"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Facts:
        """From a plain mapping (a JSON or TOML fixture); host facts may also sit in a ``host`` table."""
        data = dict(raw)
        host = data.pop("host", {}) or {}
        for k in host:
            if k not in _HOST_KEYS:
                raise UsageError(f"unknown host fact '{k}'", f"Known host facts: {', '.join(_HOST_KEYS)}.")
        data.update(host)
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise UsageError(f"unknown fact(s) {sorted(unknown)}", f"Known facts: {', '.join(sorted(known))}.")
        mode = data.get("mode")
        if mode is not None and mode not in MODES:
            raise UsageError(f"unknown mode '{mode}'", f"Use one of: {', '.join(MODES)}.")
        cloud = data.get("cloud_status")
        if cloud is not None and cloud not in CLOUD_STATUSES:
            raise UsageError(f"unknown cloud status '{cloud}'", f"Use one of: {', '.join(CLOUD_STATUSES)}.")
        modules = data.get("modules")
        led_state = data.get("led_state", ())
        groups = data.get("user_groups")
        return cls(
            **{
                **data,
                "features": tuple(data.get("features", ())),
                "modules": None if modules is None else tuple(ModuleFact.from_dict(m) for m in modules),
                "diagnostics": dict(data.get("diagnostics", {})),
                "led_state": (led_state,) if isinstance(led_state, str) else tuple(led_state),
                "user_groups": None if groups is None else tuple(groups),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping; fields that are unknown (None or empty) are left out."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value == () or value == {}:
                continue
            if name == "modules":
                value = [m.to_dict() for m in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class Finding:
    id: str
    title: str
    severity: str
    score: float
    rank: int
    summary: str
    evidence: tuple[str, ...]
    steps: tuple[Step, ...]
    actions: tuple[str, ...]
    state_id: str | None = None
    rule_id: str = ""


# -- context shared by the predicates --------------------------------------------------------------------------


@dataclass
class _Context:
    facts: Facts
    kb: Knowledge
    device: Device | None
    features: frozenset[str]
    led_states: list[str]  # reported LED state ids, best first
    led_how: str  # how they were obtained, for evidence
    matched_led: dict[str, str] = field(default_factory=dict)  # state id -> evidence, by the led_state predicate


def _older(version: str, than: str) -> bool | None:
    """None when the device's version cannot be read: no finding rests on it."""
    try:
        return semver.parse(version) < semver.parse(than)
    except ValueError:
        return None


def _values(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else [v]


def _p_mode(ctx: _Context, want: Any) -> list[str]:
    m = ctx.facts.mode
    return [f"USB reports the device in {m} mode"] if m is not None and m in _values(want) else []


def _p_mode_not(ctx: _Context, want: Any) -> list[str]:
    m = ctx.facts.mode
    return [f"the device is not in {'/'.join(_values(want))} mode"] if m is not None and m not in _values(want) else []


def _p_cloud(ctx: _Context, want: Any) -> list[str]:
    c = ctx.facts.cloud_status
    return [f"cloud status: {c}"] if c is not None and c in _values(want) else []


def _p_platform(ctx: _Context, want: Any) -> list[str]:
    p = ctx.facts.platform
    if p is None:
        return []
    names = {p.lower()} | ({ctx.device.id, *ctx.device.platforms} if ctx.device else set())
    return [f"platform {p}"] if names & {str(w).lower() for w in _values(want)} else []


def _p_feature(ctx: _Context, want: Any) -> list[str]:
    need = _values(want)
    return [f"the device has {', '.join(need)}"] if ctx.features and all(f in ctx.features for f in need) else []


def _p_flag(ctx: _Context, want: Any) -> list[str]:
    if ctx.device is None:
        return []
    need = _values(want)
    return [f"{ctx.device.display}: {', '.join(need)}"] if all(ctx.device.has(f) for f in need) else []


def _p_flag_not(ctx: _Context, want: Any) -> list[str]:
    if ctx.device is None:
        return []
    return (
        [f"{ctx.device.display} is not {'/'.join(_values(want))}"]
        if not any(ctx.device.has(f) for f in _values(want))
        else []
    )


def _p_led_state(ctx: _Context, want: Any) -> list[str]:
    patterns = _values(want)
    hits = [s for s in ctx.led_states if any(fnmatch.fnmatchcase(s, p) for p in patterns)]
    ctx.matched_led = {s: f"{ctx.led_how} matches: {ctx.kb.state(s).title}" for s in hits}
    return list(ctx.matched_led.values())


def _p_duration(ctx: _Context, want: Any) -> list[str]:
    d = ctx.facts.led_duration_s
    if d is None or d < float(want):
        return []
    return [f"it has lasted {d / 60:.0f} min (at least {float(want) / 60:.0f} min)"]


def _p_os_lt(ctx: _Context, want: Any) -> list[str]:
    v = ctx.facts.device_os
    return [f"Device OS {v} is older than {want}"] if v and _older(v, str(want)) is True else []


def _p_os_gte(ctx: _Context, want: Any) -> list[str]:
    v = ctx.facts.device_os
    return [f"Device OS {v} is {want} or later"] if v and _older(v, str(want)) is False else []


def _describe_module(m: ModuleFact) -> str:
    return f"{m.type} {m.index}" + (f" (version {m.version})" if m.version is not None else "")


def _p_module_failed(ctx: _Context, want: Any) -> list[str]:
    if ctx.facts.modules is None:
        return []
    mtype, check = (want.get("type"), want.get("check")) if isinstance(want, Mapping) else (None, want)
    out = []
    for m in ctx.facts.modules:
        if (mtype is None or m.type == mtype) and ((check is None and m.failed_checks) or check in m.failed_checks):
            line = f"{_describe_module(m)} failed its {check or '/'.join(m.failed_checks)} check"
            if (check == "dependencies" or check is None) and m.dependencies:
                deps = ", ".join(
                    f"{d.get('type', '?')} {d.get('index', 0)} version {d.get('version', '?')}" for d in m.dependencies
                )
                installed = _installed_for(ctx.facts.modules, m.dependencies)
                line += f"; it depends on {deps}" + (f" (installed: {installed})" if installed else "")
            out.append(line)
    return out


def _installed_for(modules: tuple[ModuleFact, ...], deps: tuple[dict[str, Any], ...]) -> str:
    found = []
    for d in deps:
        for m in modules:
            if m.type == d.get("type") and m.index == d.get("index", 0) and m.version is not None:
                found.append(f"{m.type} {m.index} version {m.version}")
    return ", ".join(found)


def _p_module_missing(ctx: _Context, want: Any) -> list[str]:
    if ctx.facts.modules is None:
        return []
    missing = [t for t in _values(want) if not any(m.type == t for m in ctx.facts.modules)]
    return [f"no {t} module on the device" for t in missing] if len(missing) == len(_values(want)) else []


def _diag(ctx: _Context, want: Any, op: Callable[[Any, Any], bool], word: str) -> list[str]:
    out = []
    for key, expected in dict(want).items():
        value = ctx.facts.diagnostics.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or not op(value, expected):
            return []
        extra = f": {reset_reasons.meaning(value)}" if key == "sys:reset" and value in reset_reasons.RESET_REASONS \
            else ""
        out.append(f"diagnostic {key} = {value}{extra}" + ("" if word == "=" else f", {word} {expected}"))
    return out


def _p_diag_eq(ctx: _Context, want: Any) -> list[str]:
    return _diag(ctx, want, lambda a, b: a == b, "=")


def _p_diag_lt(ctx: _Context, want: Any) -> list[str]:
    return _diag(ctx, want, lambda a, b: a < b, "below")


def _p_diag_gt(ctx: _Context, want: Any) -> list[str]:
    return _diag(ctx, want, lambda a, b: a > b, "above")


def _below(name: str, what: str) -> Callable[[_Context, Any], list[str]]:
    def predicate(ctx: _Context, want: Any) -> list[str]:
        value = getattr(ctx.facts, name)
        if value is None or value >= float(want):
            return []
        return [f"{what} {value:g} %, below {float(want):g} %"]

    return predicate


def _p_network(ctx: _Context, want: Any) -> list[str]:
    n = ctx.facts.network_status
    return [f"network: {n}"] if n is not None and n in _values(want) else []


def _p_cloud_error(ctx: _Context, want: Any) -> list[str]:
    from particle_diag.catalog.diagnostics import CLOUD_PROTOCOL_ERRORS

    code = ctx.facts.cloud_error
    if not code:
        return []
    name, meaning = CLOUD_PROTOCOL_ERRORS.get(code, (f"unknown_{code}", f"error {code}"))
    if code not in _values(want) and name not in _values(want):
        return []
    return [f"last cloud handshake error: {name} ({code}): {meaning}"]


def _p_server_not_particle(ctx: _Context, want: Any) -> list[str]:
    particle = ctx.facts.server_is_particle
    if particle is None or particle == bool(want):
        return []
    return [f"the server address is {ctx.facts.server_address}, " + ("not Particle's cloud" if want else
                                                                     "Particle's cloud")]


def _bool_fact(name: str, yes: str, no: str) -> Callable[[_Context, Any], list[str]]:
    def predicate(ctx: _Context, want: Any) -> list[str]:
        value = getattr(ctx.facts, name)
        if value is None or bool(value) != bool(want):
            return []
        return [yes if value else no]

    return predicate


def _p_groups_lacks(ctx: _Context, want: Any) -> list[str]:
    groups = ctx.facts.user_groups
    if groups is None:
        return []
    missing = [g for g in _values(want) if g not in groups]
    return [f"this user is not in the group(s) {', '.join(missing)}"] if missing else []


def _p_host_os(ctx: _Context, want: Any) -> list[str]:
    h = ctx.facts.host_os
    return [f"this computer runs {h}"] if h is not None and h.lower() in [str(w).lower() for w in _values(want)] else []


PREDICATES: dict[str, Callable[[_Context, Any], list[str]]] = {
    "mode": _p_mode,
    "mode_not": _p_mode_not,
    "cloud_status": _p_cloud,
    "platform": _p_platform,
    "feature": _p_feature,
    "flag": _p_flag,
    "flag_not": _p_flag_not,
    "led_state": _p_led_state,
    "duration_min_s": _p_duration,
    "device_os_lt": _p_os_lt,
    "device_os_gte": _p_os_gte,
    "module_failed": _p_module_failed,
    "module_missing": _p_module_missing,
    "diag_eq": _p_diag_eq,
    "diag_lt": _p_diag_lt,
    "diag_gt": _p_diag_gt,
    "signal_below": _below("signal_percent", "signal strength"),
    "battery_below": _below("battery_percent", "battery charge"),
    "network_status": _p_network,
    "cloud_error": _p_cloud_error,
    "server_not_particle": _p_server_not_particle,
    "iccid_readable": _bool_fact("iccid_readable", "the ICCID of the SIM can be read",
                                 "the modem cannot read a SIM (no ICCID)"),
    "device_found": _bool_fact(
        "device_found", "a Particle device is visible on USB", "no Particle device was found on USB"
    ),
    "device_unresponsive": _bool_fact(
        "device_unresponsive",
        "the device is on USB but did not answer control requests in time",
        "the device answers control requests",
    ),
    "permission_denied": _bool_fact(
        "permission_denied", "opening the device failed: permission denied", "the device could be opened"
    ),
    "udev_rules_installed": _bool_fact(
        "udev_rules_installed", "Particle udev rules are installed", "Particle udev rules are not installed"
    ),
    "modemmanager_running": _bool_fact(
        "modemmanager_running", "ModemManager is running", "ModemManager is not running"
    ),
    "libusb_present": _bool_fact("libusb_present", "libusb is available", "no libusb library was found"),
    "user_groups_lacks": _p_groups_lacks,
    "host_os": _p_host_os,
}
assert set(PREDICATES) == RULE_PREDICATES, "engine predicates and knowledge.model.RULE_PREDICATES disagree"


def _holds(ctx: _Context, cond: Mapping[str, Any]) -> list[str] | None:
    evidence: list[str] = []
    for key, want in cond.items():
        got = PREDICATES[key](ctx, want)
        if not got:
            return None
        evidence.extend(got)
    return evidence


def _fires(ctx: _Context, rule: Rule) -> list[str] | None:
    evidence = _holds(ctx, rule.when) if rule.when else []
    if evidence is None:
        return None
    if rule.when_any:
        for alternative in rule.when_any:
            extra = _holds(ctx, alternative)
            if extra is not None:
                evidence = evidence + extra
                break
        else:
            return None
    if rule.unless and any(PREDICATES[k](ctx, v) for k, v in rule.unless.items()):
        return None
    return evidence


def _context(facts: Facts, kb: Knowledge) -> _Context:
    device = None
    if facts.platform:
        try:
            device = kb.device(facts.platform)
        except UsageError:
            device = None
    features = set(facts.features)
    if not features and facts.platform:
        try:
            from particle_diag.catalog.platforms import by_name

            features = set(by_name(facts.platform).features)
        except UsageError:
            pass
    states: list[str] = [s for s in facts.led_state if s]
    for s in states:
        kb.state(s)  # NotFoundError for an unknown id
    how = "the LED state given" if states else ""
    if facts.led_description:
        try:
            from particle_diag.rules.led import match_description

            candidates = match_description(facts.led_description, device, kb)
        except (NotFoundError, UnsupportedError, UsageError):
            candidates = []
        if candidates:
            best = candidates[0].score
            states += [c.state.id for c in candidates if c.score >= best - 0.05 and c.state.id not in states]
        how = f"the reported LED '{facts.led_description}'"
    return _Context(facts, kb, device, frozenset(features), states, how)


def _finding(rule: Rule, ctx: _Context, state: State | None, evidence: list[str]) -> Finding:
    kb = ctx.kb
    if rule.steps:
        steps = kb.fill_steps(rule.steps, ctx.device)
    elif state is not None:
        steps = kb.steps_for(state.id, ctx.device)
    else:
        steps = []
    actions = rule.actions or (state.actions if state else ())
    summary = rule.summary or (kb.meaning_for(state, ctx.device) if state else "")
    title = rule.title
    if rule.state == "@led_state" and state is not None:
        title = f"{state.title}"
    fid = f"{rule.id}/{state.id}" if rule.state == "@led_state" and state is not None else rule.id
    score = rule.priority / 100 + 0.001 * len(evidence)
    return Finding(
        id=fid,
        title=title,
        severity=rule.severity,
        score=round(score, 3),
        rank=0,
        summary=summary,
        evidence=tuple(dict.fromkeys(evidence)),
        steps=tuple(steps),
        actions=tuple(actions),
        state_id=state.id if state else None,
        rule_id=rule.id,
    )


def evaluate(facts: Facts, kb: Knowledge) -> list[Finding]:
    """Every rule that fires for ``facts``, as findings ranked best first (rank 1 = most likely cause)."""
    ctx = _context(facts, kb)
    findings: list[Finding] = []
    for rule in kb.rules:
        ctx.matched_led = {}
        evidence = _fires(ctx, rule)
        if evidence is None:
            continue
        if rule.state == "@led_state":
            led_lines = set(ctx.matched_led.values())
            other = [e for e in evidence if e not in led_lines]
            for sid, line in ctx.matched_led.items():
                findings.append(_finding(rule, ctx, kb.state(sid), [line, *other]))
        else:
            findings.append(_finding(rule, ctx, kb.state(rule.state) if rule.state else None, evidence))

    # A state explained by a specific rule is not repeated by the generic LED rule; its evidence is merged.
    by_state: dict[str, Finding] = {}
    kept: list[Finding] = []
    order = sorted(findings, key=lambda f: (-f.score, SEVERITIES.index(f.severity)))
    for f in order:
        if f.state_id is not None and f.rule_id == "led-reported" and f.state_id in by_state:
            first = by_state[f.state_id]
            merged = tuple(dict.fromkeys(first.evidence + f.evidence))
            kept[kept.index(first)] = by_state[f.state_id] = Finding(**{**first.__dict__, "evidence": merged})
            continue
        if f.state_id is not None and f.state_id not in by_state:
            by_state[f.state_id] = f
        kept.append(f)
    return [Finding(**{**f.__dict__, "rank": i}) for i, f in enumerate(kept, 1)]

"""Read and validate the knowledge files (TOML, stdlib ``tomllib``).

Layout (all under this package)::

    devices.toml      per-device flags of the source document, buttons, network type, platform mapping
    colors.toml       colour names, Device OS RGB values, words people use for them
    patterns.toml     LED patterns, their Device OS timings, words people use for them
    actions.toml      the pdiag commands a step may name
    sos.toml          the SOS panic codes (each also becomes a state ``sos-<id>``)
    states/*.toml     one file per group of the document's sections
    rules/*.toml      doctor rules: conditions over facts -> findings

Every problem raises :class:`KnowledgeError` naming the file and the entry.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from particle_diag.knowledge.model import (
    PLACEHOLDERS,
    RULE_PREDICATES,
    SEVERITIES,
    STEP_ACTIONS,
    Action,
    Colour,
    Condition,
    Device,
    Knowledge,
    KnowledgeError,
    Pattern,
    Rule,
    SeqStep,
    Signature,
    SosCode,
    State,
    StepTemplate,
    fill,
    placeholders_in,
)

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _err(where: str, message: str) -> KnowledgeError:
    return KnowledgeError(f"{where}: {message}")


def _read(node: Traversable, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(node.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _err(where, f"not valid TOML ({exc})") from None


def _strs(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(where, f"'{key}' must be a string or a list of strings")
    return tuple(value)


def _check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    extra = set(table) - set(allowed)
    if extra:
        raise _err(where, f"unknown key(s) {sorted(extra)} (allowed: {sorted(allowed)})")


class _Loader:
    def __init__(self, root: Traversable) -> None:
        self.root = root

    # -- small files -------------------------------------------------------------------------------------
    def flags_and_devices(self) -> tuple[dict[str, str], tuple[Device, ...]]:
        raw = _read(self.root / "devices.toml", "devices.toml")
        flags: dict[str, str] = {k: str(v) for k, v in raw.get("flags", {}).items()}
        devices: list[Device] = []
        seen: set[str] = set()
        from particle_diag.catalog.platforms import all_platforms

        platforms = {p.name: p for p in all_platforms()}
        for entry in raw.get("device", []):
            did = entry.get("id", "?")
            where = f"devices.toml: device '{did}'"
            _check_keys(
                entry,
                {
                    "id",
                    "display",
                    "in_document",
                    "platforms",
                    "aliases",
                    "flags",
                    "system_button",
                    "reset_button",
                    "network_type",
                    "led_scheme",
                    "note",
                },
                where,
            )
            if did in seen:
                raise _err(where, "duplicate id")
            seen.add(did)
            flags.setdefault(did, f"the document's own boolean for the {entry.get('display', did)} page")
            devices.append(self._device(entry, where, platforms))
        for d in devices:
            unknown = sorted(d.flags - set(flags))
            if unknown:
                raise _err(f"devices.toml: device '{d.id}'", f"unknown flag(s) {unknown}")
        return flags, tuple(devices)

    @staticmethod
    def _device(entry: Mapping[str, Any], where: str, platforms: Mapping[str, Any]) -> Device:
        did = entry["id"]
        display = entry.get("display") or did
        own = set(_strs(entry.get("flags"), where, "flags"))
        own.add(did)
        plats = _strs(entry.get("platforms"), where, "platforms")
        for p in plats:
            if p not in platforms:
                raise _err(where, f"unknown platform '{p}' (see particle_diag/catalog/data/platforms.toml)")
        # The document's helpers (docs templates/helpers/*.js): network-type tests wifi, then cellular, then mesh;
        # system-button is always MODE; reset-button is RST only on the Core; a-device says "an" only for Electron.
        if "has-wifi" in own:
            network = "Wi-Fi"
        elif "has-cellular" in own:
            network = "cellular"
        elif "has-mesh" in own:
            network = "mesh"
        else:
            network = "network"
        dfu_id = ""
        if plats and platforms[plats[0]].dfu_pid is not None:
            p = platforms[plats[0]]
            dfu_id = f"{p.vid:04x}:{p.dfu_pid:04x}"
        return Device(
            id=did,
            display=display,
            in_document=bool(entry.get("in_document", False)),
            platforms=plats,
            aliases=_strs(entry.get("aliases"), where, "aliases"),
            flags=frozenset(own),
            system_button=entry.get("system_button", "MODE"),
            reset_button=entry.get("reset_button", "RST" if display == "Core" else "RESET"),
            network_type=entry.get("network_type", network),
            a_device=("an " if display == "Electron" else "a ") + display,
            led_scheme=entry.get("led_scheme", "particle"),
            dfu_id=dfu_id,
            note=entry.get("note", ""),
        )

    def colours(self) -> dict[str, Colour]:
        raw = _read(self.root / "colors.toml", "colors.toml")
        out: dict[str, Colour] = {}
        words: dict[str, str] = {}
        for name, entry in raw.get("color", {}).items():
            where = f"colors.toml: color '{name}'"
            _check_keys(entry, {"label", "rgb", "synonyms", "css"}, where)
            rgb = entry.get("rgb")
            if rgb is not None and (
                not isinstance(rgb, list) or len(rgb) != 3 or not all(isinstance(v, int) and 0 <= v <= 255 for v in rgb)
            ):
                raise _err(where, "rgb must be three integers 0-255")
            synonyms = _strs(entry.get("synonyms"), where, "synonyms")
            for w in (name, *synonyms):
                if w in words and words[w] != name:
                    raise _err(where, f"word '{w}' already means colour '{words[w]}'")
                words[w] = name
            out[name] = Colour(
                name=name,
                label=entry.get("label", name),
                rgb=tuple(rgb) if rgb is not None else None,  # type: ignore[arg-type]
                synonyms=synonyms,
                css=_strs(entry.get("css"), where, "css"),
            )
        if not out:
            raise _err("colors.toml", "no [color.*] tables")
        return out

    def patterns(self) -> dict[str, Pattern]:
        raw = _read(self.root / "patterns.toml", "patterns.toml")
        out: dict[str, Pattern] = {}
        for name, entry in raw.get("pattern", {}).items():
            where = f"patterns.toml: pattern '{name}'"
            family = entry.get("family")
            if family not in {"solid", "off", "blink", "breathe", "sos", "sequence"}:
                raise _err(where, f"unknown family '{family}'")
            timing = {k: v for k, v in entry.items() if k.endswith("_ms") or k == "repeats"}
            out[name] = Pattern(
                name=name,
                family=family,
                label=entry.get("label", name),
                period_ms=entry.get("period_ms"),
                on_ms=entry.get("on_ms"),
                off_ms=entry.get("off_ms"),
                synonyms=_strs(entry.get("synonyms"), where, "synonyms"),
                timing=timing,
                source=entry.get("source", ""),
            )
        return out

    def actions(self) -> dict[str, Action]:
        raw = _read(self.root / "actions.toml", "actions.toml")
        out = {}
        for entry in raw.get("action", []):
            cmd = entry.get("command", "")
            if not cmd.startswith("pdiag "):
                raise _err("actions.toml", f"action '{cmd}' must start with 'pdiag '")
            out[cmd] = Action(cmd, entry.get("summary", ""))
        return out

    # -- states ------------------------------------------------------------------------------------------
    def state_files(self) -> list[tuple[str, dict[str, Any]]]:
        folder = self.root / "states"
        nodes = sorted((n for n in folder.iterdir() if n.name.endswith(".toml")), key=lambda n: n.name)
        return [(f"states/{n.name}", _read(n, f"states/{n.name}")) for n in nodes]

    def rule_files(self) -> list[tuple[str, dict[str, Any]]]:
        folder = self.root / "rules"
        nodes = sorted((n for n in folder.iterdir() if n.name.endswith(".toml")), key=lambda n: n.name)
        return [(f"rules/{n.name}", _read(n, f"rules/{n.name}")) for n in nodes]


def _condition(raw: Mapping[str, Any] | None, where: str, flags: Mapping[str, str]) -> Condition:
    raw = raw or {}
    _check_keys(raw, {"if", "unless", "if_any"}, where)
    cond = Condition(
        all=_strs(raw.get("if"), where, "if"),
        none=_strs(raw.get("unless"), where, "unless"),
        any=_strs(raw.get("if_any"), where, "if_any"),
    )
    unknown = sorted(cond.flags() - set(flags))
    if unknown:
        raise _err(where, f"unknown flag(s) {unknown}")
    return cond


def _steps(
    raw: Any, where: str, flags: Mapping[str, str], actions: Mapping[str, Action], *, required: bool
) -> tuple[StepTemplate, ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise _err(where, "'step' must be an array of tables ([[...step]])")
    if required and not raw:
        raise _err(where, "missing steps")
    out = []
    for i, entry in enumerate(raw, 1):
        w = f"{where}: step {i}"
        if isinstance(entry, str):
            entry = {"text": entry}
        _check_keys(entry, {"text", "action", "commands", "if", "unless", "if_any"}, w)
        text = entry.get("text", "").strip()
        if not text:
            raise _err(w, "empty text")
        action = entry.get("action")
        commands = _strs(entry.get("commands"), w, "commands")
        for s in (text, action or "", *commands):
            bad = placeholders_in(s) - set(PLACEHOLDERS)
            if bad:
                raise _err(w, f"unknown placeholder(s) {sorted(bad)} (known: {', '.join(PLACEHOLDERS)})")
        if action is not None:
            _check_action(action, actions, w)
        cond = _condition({k: entry[k] for k in ("if", "unless", "if_any") if k in entry}, w, flags)
        out.append(StepTemplate(" ".join(text.split()), action, commands, cond))
    return tuple(out)


def _check_action(action: str, actions: Mapping[str, Action], where: str) -> None:
    if action not in actions:
        raise _err(where, f"unknown pdiag action '{action}' (declare it in actions.toml)")


def _signature(
    raw: Mapping[str, Any] | None, where: str, colours: Mapping[str, Colour], patterns: Mapping[str, Pattern]
) -> Signature | None:
    if raw is None:
        return None
    w = f"{where}: signature"
    _check_keys(raw, {"colors", "pattern", "count", "code", "alt_colors", "alt_patterns", "steps", "period_ms",
                      "any_of"}, w)
    cols = _strs(raw.get("colors"), w, "colors")
    alt = _strs(raw.get("alt_colors"), w, "alt_colors")
    for c in (*cols, *alt):
        if c not in colours:
            raise _err(w, f"unknown colour '{c}' (known: {', '.join(colours)})")
    pattern = raw.get("pattern")
    if pattern not in patterns:
        raise _err(w, f"unknown pattern '{pattern}' (known: {', '.join(patterns)})")
    alt_p = _strs(raw.get("alt_patterns"), w, "alt_patterns")
    for p in alt_p:
        if p not in patterns:
            raise _err(w, f"unknown pattern '{p}'")
    steps = []
    for i, s in enumerate(raw.get("steps", []), 1):
        sw = f"{w}: step {i}"
        _check_keys(s, {"action", "color", "on_ms", "off_ms", "times", "brightness"}, sw)
        if s.get("action") not in STEP_ACTIONS:
            raise _err(sw, f"unknown action '{s.get('action')}' (known: {', '.join(STEP_ACTIONS)})")
        color = s.get("color")
        if color is not None and color not in colours and not _HEX.match(color):
            raise _err(sw, f"unknown colour '{color}'")
        if s["action"] != "off" and color is None:
            raise _err(sw, "a colour is required")
        steps.append(
            SeqStep(
                action=s["action"],
                color=color,
                on_ms=s.get("on_ms"),
                off_ms=s.get("off_ms"),
                times=int(s.get("times", 1)),
                brightness=float(s.get("brightness", 1.0)),
            )
        )
    if patterns[pattern].family == "sequence" and not steps:
        raise _err(w, "a sequence needs steps")
    return Signature(
        colors=cols,
        pattern=pattern,
        count=raw.get("count"),
        code=raw.get("code"),
        alt_colors=alt,
        alt_patterns=alt_p,
        steps=tuple(steps),
        period_ms=raw.get("period_ms"),
        any_of=bool(raw.get("any_of", False)),
    )


_STATE_KEYS = {
    "id",
    "title",
    "group",
    "section",
    "meaning",
    "applies_to",
    "signature",
    "step",
    "actions",
    "related",
    "documented",
    "source",
    "kind",
}


def _state(
    entry: Mapping[str, Any],
    file: str,
    flags: Mapping[str, str],
    colours: Mapping[str, Colour],
    patterns: Mapping[str, Pattern],
    actions: Mapping[str, Action],
    steps: tuple[StepTemplate, ...] | None = None,
) -> State:
    sid = entry.get("id", "?")
    where = f"{file}: state '{sid}'"
    _check_keys(entry, _STATE_KEYS, where)
    if not isinstance(sid, str) or not _ID.match(sid):
        raise _err(where, "id must be lower-case words joined by '-'")
    for key in ("title", "group", "meaning"):
        if not str(entry.get(key, "")).strip():
            raise _err(where, f"missing '{key}'")
    acts = tuple(dict.fromkeys(_strs(entry.get("actions"), where, "actions")))
    for a in acts:
        _check_action(a, actions, where)
    for key in ("title", "meaning"):
        bad = placeholders_in(entry[key]) - set(PLACEHOLDERS)
        if bad:
            raise _err(where, f"unknown placeholder(s) {sorted(bad)} in {key}")
    documented = bool(entry.get("documented", True))
    if not documented and not entry.get("source"):
        raise _err(where, "a state that is not in the document needs a 'source'")
    return State(
        id=sid,
        title=entry["title"],
        group=entry["group"],
        section=entry.get("section"),
        meaning=" ".join(entry["meaning"].split()),
        applies_to=_condition(entry.get("applies_to"), f"{where}: applies_to", flags),
        signature=_signature(entry.get("signature"), where, colours, patterns),
        steps=steps if steps is not None else _steps(entry.get("step"), where, flags, actions, required=True),
        actions=acts,
        related=_strs(entry.get("related"), where, "related"),
        documented=documented,
        source=entry.get("source", ""),
        kind=entry.get("kind", "mode"),
        file=file,
    )


def _sos(
    raw: Mapping[str, Any],
    flags: Mapping[str, str],
    colours: Mapping[str, Colour],
    patterns: Mapping[str, Pattern],
    actions: Mapping[str, Action],
) -> tuple[list[State], list[tuple[Mapping[str, Any], tuple[StepTemplate, ...]]]]:
    """Each SOS code becomes a state built from the [state] template around the code's own steps."""
    tpl = raw.get("state", {})
    before = _steps(tpl.get("before"), "sos.toml: [state] before", flags, actions, required=False)
    after = _steps(tpl.get("after"), "sos.toml: [state] after", flags, actions, required=False)
    states, codes = [], []
    seen: set[int] = set()
    for entry in raw.get("code", []):
        code = entry.get("code")
        where = f"sos.toml: code {code}"
        _check_keys(entry, {"code", "id", "name", "causes", "causes_source", "step", "in_document", "source"}, where)
        if not isinstance(code, int) or code < 1:
            raise _err(where, "code must be a positive integer")
        if code in seen:
            raise _err(where, "duplicate code")
        seen.add(code)
        if not entry.get("causes"):
            raise _err(where, "missing causes")
        own = _steps(entry.get("step"), where, flags, actions, required=True)
        steps = (*before, *own, *after)
        name = entry["name"]
        meaning = f"The firmware crashed with SOS code {code}: {name.lower()}. " + " ".join(entry["causes"][:1])
        state_raw = {
            "id": f"sos-{entry['id']}",
            "title": f"SOS {code}: {name}",
            "group": tpl.get("group", "Troubleshooting Modes"),
            "section": tpl.get("section", "Red Flash SOS"),
            "meaning": meaning,
            "signature": {"colors": ["red"], "pattern": "sos", "code": code, "alt_patterns": ["blink"]},
            "actions": tpl.get("actions", []),
            "kind": "sos",
            "documented": entry.get("in_document", True),
            "source": entry.get("source", ""),
        }
        states.append(_state(state_raw, "sos.toml", flags, colours, patterns, actions, steps=steps))
        codes.append((entry, steps))
    return states, codes


def _rule(
    entry: Mapping[str, Any],
    file: str,
    flags: Mapping[str, str],
    actions: Mapping[str, Action],
    state_ids: set[str],
) -> Rule:
    rid = entry.get("id", "?")
    where = f"{file}: rule '{rid}'"
    _check_keys(
        entry,
        {
            "id",
            "title",
            "severity",
            "priority",
            "summary",
            "when",
            "when_any",
            "unless",
            "state",
            "step",
            "actions",
        },
        where,
    )
    if entry.get("severity") not in SEVERITIES:
        raise _err(where, f"severity must be one of {', '.join(SEVERITIES)}")
    if not isinstance(entry.get("priority"), int) or not 0 <= entry["priority"] <= 100:
        raise _err(where, "priority must be an integer 0-100")
    when = entry.get("when", {})
    when_any = tuple(entry.get("when_any", []))
    unless = entry.get("unless", {})
    if not when and not when_any:
        raise _err(where, "a rule needs 'when' or 'when_any'")
    for cond in (when, *when_any, unless):
        unknown = set(cond) - RULE_PREDICATES
        if unknown:
            raise _err(where, f"unknown predicate(s) {sorted(unknown)} (known: {', '.join(sorted(RULE_PREDICATES))})")
        for flag in _strs(cond.get("flag"), where, "flag") + _strs(cond.get("flag_not"), where, "flag_not"):
            if flag not in flags:
                raise _err(where, f"unknown flag '{flag}'")
        for pat in _strs(cond.get("led_state"), where, "led_state"):
            import fnmatch

            if not any(fnmatch.fnmatchcase(s, pat) for s in state_ids):
                raise _err(where, f"led_state '{pat}' matches no state")
    state = entry.get("state")
    if state is not None and state != "@led_state" and state not in state_ids:
        raise _err(where, f"unknown state '{state}'")
    steps = _steps(entry.get("step"), where, flags, actions, required=state is None)
    acts = tuple(dict.fromkeys(_strs(entry.get("actions"), where, "actions")))
    for a in acts:
        _check_action(a, actions, where)
    return Rule(
        id=rid,
        title=entry.get("title", rid),
        severity=entry["severity"],
        priority=entry["priority"],
        summary=" ".join(entry.get("summary", "").split()),
        when=when,
        when_any=when_any,
        unless=unless,
        state=state,
        steps=steps,
        actions=acts,
        file=file,
    )


def load_from(root: Traversable | Path) -> Knowledge:
    """Load and validate the knowledge files under ``root`` (a directory laid out like this package)."""
    loader = _Loader(root)
    flags, devices = loader.flags_and_devices()
    colours = loader.colours()
    patterns = loader.patterns()
    actions = loader.actions()

    states: list[State] = []
    ids: set[str] = set()

    def add(state: State) -> None:
        if state.id in ids:
            raise _err(state.file or "sos.toml", f"duplicate state id '{state.id}'")
        ids.add(state.id)
        states.append(state)

    sos_raw = _read(root / "sos.toml", "sos.toml")
    sos_states, sos_entries = _sos(sos_raw, flags, colours, patterns, actions)
    for file, raw in loader.state_files():
        for entry in raw.get("state", []):
            add(_state(entry, file, flags, colours, patterns, actions))
    for s in sos_states:
        add(s)
    for s in states:
        for r in s.related:
            if r not in ids:
                raise _err(s.file, f"state '{s.id}': related state '{r}' does not exist")

    rules: list[Rule] = []
    rule_ids: set[str] = set()
    for file, raw in loader.rule_files():
        for entry in raw.get("rule", []):
            rule = _rule(entry, file, flags, actions, ids)
            if rule.id in rule_ids:
                raise _err(file, f"duplicate rule id '{rule.id}'")
            rule_ids.add(rule.id)
            rules.append(rule)

    kb = Knowledge(
        devices=devices,
        colours=colours,
        patterns=patterns,
        states=tuple(states),
        sos_codes=(),
        rules=tuple(rules),
        actions=actions,
        flags=flags,
    )
    codes = tuple(
        SosCode(
            code=e["code"],
            id=e["id"],
            name=e["name"],
            causes=tuple(" ".join(c.split()) for c in e["causes"]),
            causes_source=e.get("causes_source", "document"),
            state_id=f"sos-{e['id']}",
            steps=tuple(kb.fill_steps(steps, None)),
            in_document=e.get("in_document", True),
        )
        for e, steps in sos_entries
    )
    return Knowledge(**{**kb.__dict__, "sos_codes": tuple(sorted(codes, key=lambda c: c.code))})


@cache
def load() -> Knowledge:
    """The packaged knowledge, validated once and cached."""
    return load_from(resources.files("particle_diag.knowledge"))


__all__ = ["KnowledgeError", "fill", "load", "load_from"]

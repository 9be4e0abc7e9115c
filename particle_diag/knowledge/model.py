"""Typed, read-only records for the troubleshooting knowledge (the TOML files beside this module).

Nothing here does I/O: :mod:`particle_diag.knowledge.loader` parses and validates the files and builds a
:class:`Knowledge`.  Step texts may name per-device values through placeholders (``{system_button}``,
``{reset_button}``, ``{device}``, ``{network_type}``, ``{a_device}``, ``{dfu_id}``, ``{slug}``); they are filled by
:meth:`Knowledge.steps_for`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from particle_diag.errors import NotFoundError, PdiagError, UsageError


class KnowledgeError(PdiagError):
    """A knowledge file is malformed (unknown flag, colour or pattern, missing steps, duplicate id, ...)."""

    reference = "knowledge.invalid"
    default_hint = "Fix the knowledge file named in the message; `pytest tests/knowledge` validates every file."


PLACEHOLDERS = ("device", "system_button", "reset_button", "network_type", "a_device", "dfu_id", "slug")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")

# Fact predicates a rule may use in `when`, `when_any` and `unless`; the engine implements exactly these.
RULE_PREDICATES = frozenset(
    {
        "mode",
        "mode_not",
        "cloud_status",
        "platform",
        "feature",
        "flag",
        "flag_not",
        "led_state",
        "duration_min_s",
        "device_os_lt",
        "device_os_gte",
        "module_failed",
        "module_missing",
        "diag_eq",
        "diag_lt",
        "diag_gt",
        "signal_below",
        "battery_below",
        "network_status",
        "cloud_error",
        "server_not_particle",
        "iccid_readable",
        "device_found",
        "device_unresponsive",
        "permission_denied",
        "udev_rules_installed",
        "modemmanager_running",
        "libusb_present",
        "user_groups_lacks",
        "host_os",
    }
)
SEVERITIES = ("critical", "error", "warning", "info")
STEP_ACTIONS = ("on", "off", "blink", "breathe")


def placeholders_in(text: str) -> set[str]:
    return set(_PLACEHOLDER_RE.findall(text))


def fill(text: str, context: Mapping[str, str]) -> str:
    """Replace the known ``{name}`` placeholders; anything else in braces (code) is left alone."""
    return _PLACEHOLDER_RE.sub(lambda m: context.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class Condition:
    """Which devices a state or step is for, in the document's own flags.

    ``all`` ({{#if X}}) must all be set, ``none`` ({{#unless X}} / the else branch) must all be unset, and if
    ``any`` is given at least one of them must be set.
    """

    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    any: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.all or self.none or self.any)

    def flags(self) -> set[str]:
        return {*self.all, *self.none, *self.any}

    def holds(self, flags: frozenset[str]) -> bool:
        if any(f not in flags for f in self.all):
            return False
        if any(f in flags for f in self.none):
            return False
        return not self.any or any(f in flags for f in self.any)

    def describe(self) -> str:
        parts = [*self.all, *(f"not {f}" for f in self.none)]
        if self.any:
            parts.append(" or ".join(self.any))
        return " and ".join(parts) if parts else "all devices"


@dataclass(frozen=True)
class Colour:
    name: str
    label: str  # how the docs say it ("dark blue" for blue, so it is not confused with cyan)
    rgb: tuple[int, int, int] | None  # Device OS value; None for the pseudo-colour "rainbow"
    synonyms: tuple[str, ...] = ()
    css: tuple[str, ...] = ()  # CSS names the document's device-animation helper uses for it


@dataclass(frozen=True)
class Pattern:
    name: str
    family: str  # solid | off | blink | breathe | sos | sequence
    label: str
    period_ms: int | None = None
    on_ms: int | None = None
    off_ms: int | None = None
    synonyms: tuple[str, ...] = ()
    timing: Mapping[str, int] = field(default_factory=dict)  # extra constants (SOS)
    source: str = ""


@dataclass(frozen=True)
class Device:
    id: str
    display: str
    in_document: bool
    platforms: tuple[str, ...]
    aliases: tuple[str, ...]
    flags: frozenset[str]
    system_button: str
    reset_button: str
    network_type: str
    a_device: str
    led_scheme: str  # "particle" (the document's scheme) or another scheme the knowledge does not cover
    dfu_id: str = ""
    note: str = ""

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def context(self) -> dict[str, str]:
        return {
            "device": self.display,
            "system_button": self.system_button,
            "reset_button": self.reset_button,
            "network_type": self.network_type,
            "a_device": self.a_device,
            "dfu_id": self.dfu_id,
            "slug": self.id,
        }


# Placeholder values when no device is named.
GENERIC_CONTEXT = {
    "device": "device",
    "system_button": "MODE",
    "reset_button": "RESET",
    "network_type": "network",
    "a_device": "a device",
    "dfu_id": "2b04:<DFU product ID>",
    "slug": "<platform>",
}


@dataclass(frozen=True)
class SeqStep:
    """One phrase of an LED animation, with the grammar of the document's device-animation ``pattern``."""

    action: str  # on | off | blink | breathe
    color: str | None = None  # a colour name or "#rrggbb"
    on_ms: int | None = None  # on-time (blink), full breath period (breathe), hold time (on/off)
    off_ms: int | None = None  # blink only; defaults to on_ms
    times: int = 1
    brightness: float = 1.0


@dataclass(frozen=True)
class Signature:
    """What the LED looks like.  ``colors``/``pattern``/``count`` are the part people describe; ``steps`` is
    the exact animation (empty: derived from ``pattern`` and the first colour)."""

    colors: tuple[str, ...]
    pattern: str
    count: int | None = None  # blinks of the main colour (cloud errors)
    code: int | None = None  # SOS code
    alt_colors: tuple[str, ...] = ()  # also reported as
    alt_patterns: tuple[str, ...] = ()
    steps: tuple[SeqStep, ...] = ()
    period_ms: int | None = None  # overrides the pattern's period
    any_of: bool = False  # ``colors`` are alternatives (one of them, e.g. whatever colour froze), never shown together


@dataclass(frozen=True)
class StepTemplate:
    text: str
    action: str | None = None  # the pdiag command that carries the step out
    commands: tuple[str, ...] = ()  # other commands or code the step names (particle CLI, dfu-util, C++)
    condition: Condition = Condition()


@dataclass(frozen=True)
class Step:
    """A step filled for one device (``only_for`` empty) or, without a device, annotated with the devices
    a conditional step is for."""

    text: str
    action: str | None = None
    commands: tuple[str, ...] = ()
    only_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    id: str
    title: str
    group: str  # the document's "##" heading
    section: str | None  # the document's "###" heading (or the group for content directly under it)
    meaning: str
    applies_to: Condition
    signature: Signature | None
    steps: tuple[StepTemplate, ...]
    actions: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    documented: bool = True  # False: not in the source document; `source` says where it comes from
    source: str = ""
    kind: str = "mode"
    file: str = ""


@dataclass(frozen=True)
class SosCode:
    code: int
    id: str
    name: str
    causes: tuple[str, ...]
    causes_source: str  # "document" or where the causes come from
    state_id: str
    steps: tuple[Step, ...]
    in_document: bool = True


@dataclass(frozen=True)
class Action:
    command: str
    summary: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    priority: int
    summary: str
    when: Mapping[str, Any]
    when_any: tuple[Mapping[str, Any], ...] = ()
    unless: Mapping[str, Any] = field(default_factory=dict)
    state: str | None = None  # a state id, or "@led_state" for the state the LED matched
    steps: tuple[StepTemplate, ...] = ()
    actions: tuple[str, ...] = ()
    file: str = ""


@dataclass(frozen=True)
class Knowledge:
    devices: tuple[Device, ...]
    colours: Mapping[str, Colour]
    patterns: Mapping[str, Pattern]
    states: tuple[State, ...]
    sos_codes: tuple[SosCode, ...]
    rules: tuple[Rule, ...]
    actions: Mapping[str, Action]
    flags: Mapping[str, str]

    # -- devices ---------------------------------------------------------------------------------------
    def device(self, name: str) -> Device:
        """A knowledge device by id, alias, display name or Particle platform name/alias/ID."""
        key = name.strip().lower()
        for d in self.devices:
            if key in {d.id, d.display.lower(), *d.platforms, *(a.lower() for a in d.aliases)}:
                return d
        try:  # the platform table knows more aliases and numeric IDs
            from particle_diag.catalog.platforms import by_name

            platform = by_name(name).name
        except UsageError:
            platform = None
        if platform is not None:
            for d in self.devices:
                if platform in d.platforms:
                    return d
        known = ", ".join(d.id for d in self.devices)
        raise UsageError(f"unknown device '{name}'", f"Known devices: {known}.", reference="usage.device")

    def document_devices(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.in_document)

    # -- states ----------------------------------------------------------------------------------------
    def state(self, state_id: str) -> State:
        for s in self.states:
            if s.id == state_id:
                return s
        raise NotFoundError(f"no state '{state_id}'", "Run `pdiag led --list` to see the known states.")

    def applies(self, state: State, device: Device) -> bool:
        return device.led_scheme == "particle" and state.applies_to.holds(device.flags)

    def states_for(self, device: str | Device) -> tuple[State, ...]:
        d = device if isinstance(device, Device) else self.device(device)
        return tuple(s for s in self.states if self.applies(s, d))

    def devices_for(self, state: State) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if self.applies(state, d))

    def steps_for(self, state_id: str, device: str | Device | None = None) -> list[Step]:
        """The state's steps in order, placeholders filled for ``device``.

        Without a device every step is returned, conditional ones with the ids of the devices they are for.
        """
        return self.fill_steps(self.state(state_id).steps, device, self.devices_for(self.state(state_id)))

    def meaning_for(self, state: str | State, device: str | Device | None = None) -> str:
        """The state's meaning with placeholders filled for ``device`` (generic words without one)."""
        st = state if isinstance(state, State) else self.state(state)
        if device is None:
            return fill(st.meaning, GENERIC_CONTEXT)
        d = device if isinstance(device, Device) else self.device(device)
        return fill(st.meaning, d.context())

    def fill_steps(
        self,
        steps: tuple[StepTemplate, ...],
        device: str | Device | None,
        candidates: tuple[Device, ...] | None = None,
    ) -> list[Step]:
        if device is not None:
            d = device if isinstance(device, Device) else self.device(device)
            ctx = d.context()
            return [
                Step(
                    fill(t.text, ctx),
                    t.action and fill(t.action, ctx),
                    tuple(fill(c, ctx) for c in t.commands),
                )
                for t in steps
                if t.condition.holds(d.flags)
            ]
        pool = candidates if candidates is not None else self.devices
        out = []
        for t in steps:
            only: tuple[str, ...] = ()
            if not t.condition.is_empty:
                only = tuple(d.id for d in pool if t.condition.holds(d.flags))
                if not only:
                    continue
            out.append(
                Step(
                    fill(t.text, GENERIC_CONTEXT),
                    t.action and fill(t.action, GENERIC_CONTEXT),
                    tuple(fill(c, GENERIC_CONTEXT) for c in t.commands),
                    only,
                )
            )
        return out

    # -- SOS ---------------------------------------------------------------------------------------------
    def sos(self, code: int) -> SosCode | None:
        return next((s for s in self.sos_codes if s.code == code), None)

    def colour(self, name: str) -> Colour:
        return self.colours[name]

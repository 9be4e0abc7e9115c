"""What the guided troubleshooting session can do to the attached device, as typed actions, and the link to that
device: run an action, check the device again.

The knowledge base names actions as the command a person would type (``"pdiag enter dfu"``, knowledge/actions.toml);
:func:`runnable` turns the ones pdiag can carry out itself into a :class:`DeviceAction`, and :class:`DeviceLink`
runs it through the same library functions as the commands (devices/modes.py, identify.py, vitals.py, locate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from particle_diag.devices.host import Host
from particle_diag.devices.record import DeviceRecord
from particle_diag.errors import PdiagError
from particle_diag.knowledge.model import Knowledge
from particle_diag.rules.engine import Finding, evaluate
from particle_diag.troubleshooting.observe import Observation, describe_observation


@dataclass(frozen=True)
class DeviceAction:
    """One action on the attached device: ``verb`` identify | vitals | locate | enter | reset (``mode`` for enter)."""

    verb: str
    mode: str | None = None

    @property
    def command(self) -> str:
        """The command a person would type for it (what the knowledge base and the report name)."""
        return " ".join(("pdiag", self.verb, *((self.mode,) if self.mode else ())))


RUNNABLE: dict[str, DeviceAction] = {a.command: a for a in (
    DeviceAction("identify"), DeviceAction("vitals"), DeviceAction("locate"),
    *(DeviceAction("enter", mode) for mode in ("listening", "safe", "dfu", "normal")), DeviceAction("reset"))}


def runnable(command: str | None) -> DeviceAction | None:
    """The action behind a command the knowledge base names, if pdiag can carry it out itself."""
    return RUNNABLE.get(command or "")


@dataclass
class ActionOutcome:
    action: DeviceAction
    ok: bool
    lines: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        return self.action.command


@dataclass
class Recheck:
    summary: str
    findings: list[Finding]


def identify_lines(record: DeviceRecord, host: Host) -> list[str]:
    from particle_diag.devices.identify import identify

    ident = identify(record, host)
    lines = [f"device ID {ident.device_id}, {ident.platform}, {ident.mode} mode, "
             f"Device OS {ident.device_os or 'unknown'}, cloud {ident.cloud_status or 'unknown'}"]
    if ident.modules:
        bad = [f"{m.type} {m.index}: {', '.join(m.failed_checks)}" for m in ident.modules if not m.valid]
        lines.append("modules: " + ("all valid" if not bad else "FAILED " + "; ".join(bad)))
    return lines


def locate(record: DeviceRecord, host: Host) -> list[str]:
    from particle_diag.devices.locate import signal

    signal(record, host, on=True)
    return ["rainbow on: the board whose LED cycles through the colours is this one",
            f"stop it with `pdiag locate --off {record.device_id or ''}` (a reset also ends it)"]


def vitals(record: DeviceRecord, host: Host) -> list[str]:
    from particle_diag.devices.vitals import read_vitals

    v = read_vitals(record, host).vitals

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:g} %"

    return [f"signal {pct(v.signal.strength_percent)}, battery {pct(v.battery.charge_percent)}, "
            f"network {v.network.status or '?'}, cloud {v.cloud.status or '?'}"]


# The actions that only read (or light) the device: the lines to show.
READERS: dict[str, Callable[[DeviceRecord, Host], list[str]]] = {
    "identify": identify_lines, "vitals": vitals, "locate": locate}


class DeviceLink:
    """The attached device as the guided session sees it: carry out actions on it, check it again.  It follows the
    device across the re-enumerations its own mode changes cause."""

    def __init__(self, host: Host, record: DeviceRecord, kb: Knowledge) -> None:
        self.host = host
        self.record = record
        self.kb = kb

    def observe(self) -> Observation | None:
        """What USB says about the device now, with this computer's facts (None: it left the bus)."""
        from particle_diag.devices.discovery import refresh
        from particle_diag.troubleshooting.observe import observe_device, real_host_facts, virtual_host_facts

        current = refresh(self.record, self.host)
        if current is None:
            return None
        self.record = current
        obs = observe_device(current, self.host)
        facts = virtual_host_facts() if self.host.simulated else real_host_facts()
        obs.facts = replace(obs.facts, **facts)
        return obs

    def findings(self) -> list[Finding]:
        obs = self.observe()
        return [] if obs is None else evaluate(obs.facts, self.kb)

    def run(self, action: DeviceAction) -> ActionOutcome:
        from particle_diag.devices.discovery import refresh
        from particle_diag.devices.modes import change_mode, reset

        try:
            record = refresh(self.record, self.host) or self.record
            if action.verb in READERS:
                return ActionOutcome(action, True, READERS[action.verb](record, self.host))
            if action.verb == "reset":
                change = reset(record, self.host)
            else:
                assert action.mode is not None
                change = change_mode(record, action.mode, self.host)
            if change.record is not None:
                self.record = change.record
            text = (f"already in {change.new_mode} mode" if change.path == "none"
                    else f"{change.old_mode} -> {change.new_mode} in {change.elapsed_s:.1f} s")
            return ActionOutcome(action, True, [text, *change.notes])
        except PdiagError as exc:
            return ActionOutcome(action, False, [exc.message] + ([f"hint: {exc.hint}"] if exc.hint else []))

    def recheck(self) -> Recheck:
        obs = self.observe()
        if obs is None:
            return Recheck("the device is no longer on USB", [])
        return Recheck(describe_observation(obs), evaluate(obs.facts, self.kb))

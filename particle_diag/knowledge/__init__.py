"""Troubleshooting knowledge as data: the Status LED document's modes, per device, as validated TOML.

Public API::

    kb = load()                                # cached, validated
    kb.device("photon2")                       # -> Device (platform names and aliases work)
    kb.state("listening-mode")                 # -> State
    kb.steps_for("listening-mode", "electron") # -> list[Step], placeholders filled for that device
"""

from particle_diag.knowledge.loader import load, load_from
from particle_diag.knowledge.model import (
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
    Step,
    StepTemplate,
)

__all__ = [
    "Action",
    "Colour",
    "Condition",
    "Device",
    "Knowledge",
    "KnowledgeError",
    "Pattern",
    "Rule",
    "SeqStep",
    "Signature",
    "SosCode",
    "State",
    "Step",
    "StepTemplate",
    "load",
    "load_from",
]

"""``pdiag sos N``: the name, causes and remedies of an SOS panic code."""

from __future__ import annotations

from particle_diag.errors import NotFoundError
from particle_diag.knowledge.model import Device, Knowledge, SosCode, Step


def lookup(code: int, kb: Knowledge) -> SosCode:
    """The SOS code ``code`` (the number of red blinks between two SOS patterns).

    Raises NotFoundError, with the valid codes in the hint, for a code the knowledge does not list.
    """
    found = kb.sos(code)
    if found is None:
        valid = ", ".join(f"{c.code} {c.name.lower()}" for c in kb.sos_codes)
        raise NotFoundError(
            f"no SOS code {code}",
            f"Count the red blinks between the two SOS patterns (three short, three long, three short). "
            f"Known codes: {valid}.",
            reference="lookup.sos",
        )
    return found


def steps_for(code: int, kb: Knowledge, device: str | Device | None = None) -> list[Step]:
    """The code's steps filled for ``device`` (the generic ones of :attr:`SosCode.steps` without a device)."""
    sos = lookup(code, kb)
    return kb.steps_for(sos.state_id, device)

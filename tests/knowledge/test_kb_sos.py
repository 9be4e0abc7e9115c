"""`pdiag sos N`."""

from __future__ import annotations

import pytest

from particle_diag.errors import NotFoundError
from particle_diag.rules.sos import lookup, steps_for


def test_lookup_known_codes(kb):
    assert lookup(1, kb).name == "Hard fault"
    assert lookup(8, kb).name == "Out of heap memory"
    assert lookup(8, kb).state_id == "sos-out-of-heap"
    assert lookup(14, kb).causes_source == "document"
    assert lookup(15, kb).in_document is False


@pytest.mark.parametrize("code", [0, 16, 99, -1])
def test_unknown_code_lists_the_valid_ones(kb, code):
    with pytest.raises(NotFoundError) as info:
        lookup(code, kb)
    assert "1 hard fault" in info.value.hint and "14 heap error" in info.value.hint
    assert info.value.exit_code == 11


def test_every_code_has_causes_and_steps_ending_with_safe_mode(kb):
    for code in kb.sos_codes:
        assert code.causes and code.steps
        texts = [s.text for s in code.steps]
        assert texts[0].startswith("The pattern is SOS")
        assert any("safe mode" in t for t in texts)


def test_steps_for_a_device(kb):
    photon = " ".join(c for s in steps_for(8, kb, "photon") for c in s.commands)
    boron = " ".join(c for s in steps_for(8, kb, "boron") for c in s.commands)
    assert "particle device doctor" in photon and "particle device doctor" not in boron
    assert "particle flash <mydevice> tinker" in boron

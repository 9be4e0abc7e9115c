"""The DFU protection string is one `sm=` item of a `;` list, read as particle-usb reads it."""

import pytest

from particle_diag.protocol.protection import parse_protection_state


@pytest.mark.parametrize("text, expected", [
    ("sm=o", "open"),
    ("sm=p", "protected"),
    ("sm=s", "service"),
    ("fw=6.1.2;sm=p", "protected"),  # one item of a list, not the whole string
    ("sm=p;x=1", "protected"),
    ("sm= p ", "protected"),  # particle-usb trims the value and takes its first letter
    ("sm=protected", "protected"),
    ("sm=x", None),  # an unknown letter: fall back to the memory layouts
    ("xsm=p", None),
    ("", None),
    (None, None),
    ("sm", None),
])
def test_protection_state(text: str | None, expected: str | None) -> None:
    assert parse_protection_state(text) == expected

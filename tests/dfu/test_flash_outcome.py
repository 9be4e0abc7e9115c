"""A flash that wrote and verified is a success even when the new firmware does not answer afterwards."""

from __future__ import annotations


def test_verified_but_not_back_is_a_success_with_a_warning(pdiag, binfile, user_part):
    path = binfile(user_part())
    result = pdiag("--sim", "boron:dfu+noreturn", "--json", "flash", str(path), "--timeout", "1")
    assert result.code == 0, result.out + result.err
    data = result.json["data"]
    assert data["verified"] is True and data["mode_after"] is None
    assert any(note.startswith("warning: the image was written and verified") for note in data["notes"])


def test_verified_but_not_back_says_so_to_people(pdiag, binfile, user_part):
    result = pdiag("--sim", "boron:dfu+noreturn", "flash", str(binfile(user_part())), "--timeout", "1")
    assert result.code == 0
    assert "verified, but the device did not come back" in result.out
    assert "Traceback" not in result.err

"""semver.py, the one version parser: Device OS release order, as its release tags run."""

from __future__ import annotations

import pytest

from particle_diag import semver


def test_pre_releases_sort_before_their_release_in_device_os_order() -> None:
    ordered = ["4.2.0", "5.0.0-alpha.1", "5.0.0-alpha.3", "5.0.0-beta.1", "5.0.0-rc.1", "5.0.0-rc.2", "5.0.0-p2.1",
               "5.0.0", "5.0.1", "6.2.1"]
    assert sorted(ordered, key=semver.parse) == ordered


@pytest.mark.parametrize("text, key", [
    ("1.5.2 minimal", (1, 5, 2, 9, 0)),  # the listening console's 'v' reply on old firmware
    ("v6.2.1", (6, 2, 1, 9, 0)),
    (" 0.8.0-rc.27 ", (0, 8, 0, 2, 27)),
])
def test_what_devices_and_people_write_parses(text: str, key: tuple[int, ...]) -> None:
    assert semver.parse(text) == key


@pytest.mark.parametrize("text", ["", "6.2", "six", "garbled\x00"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a Device OS version"):
        semver.parse(text)


def test_a_station_spec_writes_a_release_or_an_alpha_beta_rc() -> None:
    assert semver.is_written_version("4.0.0") and semver.is_written_version("5.0.0-rc.2")
    assert not semver.is_written_version("5.0.0-p2.1") and not semver.is_written_version("1.5.2 minimal")


def test_ranges() -> None:
    assert semver.at_least("6.2.1", "6.2.0") and not semver.at_least("5.0.0-rc.2", "5.0.0")
    assert semver.in_range("5.0.0-rc.2", "4.0.0", "5.0.0") and not semver.in_range("5.0.0", below="5.0.0")

"""Fixtures for the knowledge and rule-engine tests (no hardware, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.knowledge import doctemplate as dt

FIXTURES = Path(__file__).parent / "fixtures"
# CI keeps shared/ beside the clone: <clone>/../shared/reference/...
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
DOCUMENT = REFERENCE / "status-led-and-device-modes.md"


@pytest.fixture(scope="session")
def template() -> dt.Template:
    if not DOCUMENT.is_file():
        pytest.skip(f"source document not available at {DOCUMENT} (shared/ must sit beside the repository)")
    return dt.parse(DOCUMENT.read_text(encoding="utf-8"))


_LED_REPORT: list[str] = []


@pytest.fixture(scope="session")
def led_accuracy_report() -> list[str]:
    """Lines the LED corpus test adds; printed at the end of the test run (pytest_terminal_summary)."""
    return _LED_REPORT


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _LED_REPORT:
        terminalreporter.section("LED description corpus")
        for line in _LED_REPORT:
            terminalreporter.write_line(line)

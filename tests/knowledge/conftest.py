"""Fixtures for the knowledge and rule-engine tests (no hardware, no network)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import LED_REPORT_PROPERTY
from tests.knowledge import doctemplate as dt

FIXTURES = Path(__file__).parent / "fixtures"
# The source document this product was specified from sits beside the clone (in its "shared" directory), not in it.
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
DOCUMENT = REFERENCE / "status-led-and-device-modes.md"


@pytest.fixture(scope="session")
def template() -> dt.Template:
    if not DOCUMENT.is_file():
        pytest.skip(f"source document not available at {DOCUMENT} (shared/ must sit beside the repository)")
    return dt.parse(DOCUMENT.read_text(encoding="utf-8"))


@pytest.fixture
def led_accuracy_report(record_property) -> Callable[[str], None]:  # type: ignore[no-untyped-def]
    """Adds a line to the "LED description corpus" section printed at the end of the run.  The line travels as
    a user property of the test's report, so it reaches the summary from a pytest-xdist worker too
    (tests/conftest.py pytest_terminal_summary)."""
    return lambda line: record_property(LED_REPORT_PROPERTY, line)

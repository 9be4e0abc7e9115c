"""Fixtures for the troubleshooting commands and the guided session."""

from __future__ import annotations

import pytest

from particle_diag.knowledge import Knowledge, load


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load()

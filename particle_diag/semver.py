"""Device OS version strings: ``6.2.1``, ``5.0.0-rc.2``, ``1.5.2 minimal``."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)\.(\d+)(?:-(?:rc|alpha|beta)\.(\d+))?")


def parse(version: str) -> tuple[int, int, int, int]:
    """A sortable key; a pre-release sorts before its release (5.0.0-rc.2 < 5.0.0)."""
    m = _VERSION.match(version or "")
    if not m:
        raise ValueError(f"not a Device OS version: {version!r}")
    pre = int(m[4]) if m[4] is not None else 1_000_000
    return int(m[1]), int(m[2]), int(m[3]), pre


def at_least(version: str, minimum: str) -> bool:
    return parse(version) >= parse(minimum)


def in_range(version: str, low: str | None = None, below: str | None = None) -> bool:
    key = parse(version)
    return (low is None or key >= parse(low)) and (below is None or key < parse(below))

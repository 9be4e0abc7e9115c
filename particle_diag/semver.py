"""Version strings of Device OS (and of pdiag): ``6.2.1``, ``5.0.0-rc.2``, ``1.5.2 minimal``, ``0.8.0-rc.27``.

The one parser: every comparison of versions goes through :func:`parse`.  Pre-releases sort before their
release, in Device OS's order alpha < beta < rc < any other tag (e.g. ``-p2.1``) (release tags of
https://github.com/particle-iot/device-os/releases).
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([A-Za-z0-9]+)\.(\d+))?")
# A version as a person or a station spec writes it: a release, or an alpha/beta/rc pre-release.
_WRITTEN = re.compile(r"\d+\.\d+\.\d+(?:-(?:rc|alpha|beta)\.\d+)?")
_PRE_RANK = {"alpha": 0, "beta": 1, "rc": 2}
_OTHER_TAG, _RELEASE = 3, 9

Key = tuple[int, int, int, int, int]


def parse(version: str) -> Key:
    """A sortable key: (major, minor, patch, pre-release rank, pre-release number).  Text after the version
    (``1.5.2 minimal``) is ignored; anything else raises ValueError."""
    m = _VERSION.match((version or "").strip())
    if not m:
        raise ValueError(f"not a Device OS version: {version!r}")
    tag = m[4]
    rank = _RELEASE if tag is None else _PRE_RANK.get(tag, _OTHER_TAG)
    return int(m[1]), int(m[2]), int(m[3]), rank, int(m[5] or 0)


def is_written_version(text: str) -> bool:
    """``4.0.0`` or ``5.0.0-rc.2``: the form a station spec must use."""
    return _WRITTEN.fullmatch(text.strip()) is not None


def at_least(version: str, minimum: str) -> bool:
    return parse(version) >= parse(minimum)


def in_range(version: str, low: str | None = None, below: str | None = None) -> bool:
    key = parse(version)
    return (low is None or key >= parse(low)) and (below is None or key < parse(below))

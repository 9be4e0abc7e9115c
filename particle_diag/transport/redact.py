"""Secrets out of everything pdiag writes down: one redaction module for traces, recordings and output.

Where a secret can reach the host: the listening-mode ``i`` reply prints ``Device Secret: ...`` (Device OS
keeps the mobile secret under the key ``ms``; device-os ``system/src/system_setup.cpp`` and
``hal/src/nRF52840/ota_flash_hal.cpp`` fetch_system_properties, https://github.com/particle-iot/device-os);
Wi-Fi credentials travel as ``password``/``passphrase`` when a tool sets them.  pdiag's own USB control
requests never ask for any of them, but a recording or a trace sees whatever a device sends, so both pass
every byte through ``redact_bytes``/``redact``, and the CLI's output functions pass every string through
``redact``.

The value is masked with ``*`` of the same length, so byte offsets (chunk boundaries of a recording, the
``Key: value`` line structure a parser reads) stay where they were.  The key stays, so a reader still sees
that the device sent a secret.

A value seen once under a secret key is remembered for the rest of the process (``remember``/``learn``), so
``redact`` also masks it where it appears without its key: as hex in a USB trace, or inside an excerpt of a
reply quoted by an error message.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterable
from typing import Any

# A key names a secret when it contains one of these words, or is exactly one of SECRET_KEYS.
SECRET_WORDS = ("secret", "password", "passphrase", "private key")
SECRET_KEYS = frozenset({"ms"})
MASK = "*"
MIN_SECRET_LENGTH = 4  # shorter "values" are noise (e.g. a garbled line): never masked everywhere

# `Key: value` up to the line end (the `i` reply; noise may precede the key), and `"key":"value"` (JSON
# replies such as `s`).
_LINE = re.compile(r"(?m)(^|[^A-Za-z0-9_\"])([A-Za-z][A-Za-z0-9 _-]{0,40}?)([ \t]*:[ \t]*)([^\r\n]*)")
_JSON = re.compile(r'"([A-Za-z][A-Za-z0-9 _-]{0,40})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
# For learning values (not for masking): `Device Secret: X`, `device_secret=X`, `"ms":"X"`, `'ms': 'X'`, also
# inside a repr'd trace line; the value stops at whitespace, quotes, a backslash or punctuation.
_KEYED = re.compile(
    r"""(?ix)
    (?:(?:device|mobile)[\ _-]?secret\s*["']?\s*[:=]\s*["']? | ["']ms["']\s*:\s*["']?)
    ([^\s"'\\,;}\]]+)
    """
)

_known: set[str] = set()
_lock = threading.Lock()


def is_secret_key(key: str) -> bool:
    k = key.strip().lower()
    return k in SECRET_KEYS or any(word in k for word in SECRET_WORDS)


def _mask(value: str) -> str:
    return MASK * len(value)


def redact_text(text: str) -> str:
    """``text`` with the value of every secret-named key masked (same length)."""
    if not text:
        return text

    def line(m: re.Match[str]) -> str:
        if not is_secret_key(m[2]):
            return m[0]
        return m[1] + m[2] + m[3] + _mask(m[4])

    def pair(m: re.Match[str]) -> str:
        if not is_secret_key(m[1]):
            return m[0]
        return f'"{m[1]}"{m[2]}"{_mask(m[3])}"'

    return _JSON.sub(pair, _LINE.sub(line, text))


def redact_bytes(data: bytes) -> bytes:
    """``redact_text`` over bytes read from a device; bytes that are not text pass unchanged.

    Decoded as Latin-1 (one character per byte) so offsets and non-UTF-8 bytes survive the round trip."""
    if not data:
        return data
    text = data.decode("latin-1")
    masked = redact_text(text)
    return data if masked == text else masked.encode("latin-1")


# ---- values remembered across the process ----------------------------------------------------------------
def remember(value: str) -> None:
    """Mask ``value`` wherever ``redact`` sees it from now on (this process)."""
    value = value.strip()
    if len(value) >= MIN_SECRET_LENGTH and set(value) != {MASK}:
        with _lock:
            _known.add(value)


def learn(text: str) -> None:
    """Remember every value that ``text`` shows under a secret key."""
    for m in _KEYED.finditer(text):
        remember(m[1])
    for m in _JSON.finditer(text):
        if is_secret_key(m[1]):
            remember(m[3])


def known() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


def forget_all() -> None:
    """For tests: start from an empty memory."""
    with _lock:
        _known.clear()


def _hex_forms(value: str) -> Iterable[str]:
    raw = value.encode("utf-8", errors="replace")
    for h in (raw.hex(" "), raw.hex()):
        yield h
        yield h.upper()


def redact(text: str) -> str:
    """The output layer's filter: keyed secrets masked (``redact_text``), and every remembered value too,
    as text or as hex."""
    if not text:
        return text
    learn(text)
    text = redact_text(text)
    for value in sorted(known(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, _mask(value))
        for form in _hex_forms(value):
            if form in text:
                text = text.replace(form, _mask(form))
    return text


def hex_data(data: bytes) -> str:
    """Bytes as spaced hex for a trace line, with any secret (keyed or already known) masked."""
    return redact(_masked_hex(data))


def _masked_hex(data: bytes) -> str:
    learn(data.decode("latin-1"))
    masked = redact_bytes(data)
    if masked is data:
        return data.hex(" ")
    # bytes that redact_bytes masked show as `**` in the hex dump
    return " ".join("**" if m != o and m == ord(MASK) else f"{o:02x}" for o, m in zip(data, masked, strict=True))


class LineRedactor:
    """Redacts text that arrives in arbitrary chunks (a serial port): ``feed`` returns only whole lines, so a
    secret split across two reads is seen whole before anything is written."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> str:
        self._pending += text
        cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if cut < 0:
            return ""
        done, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
        return redact(done)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return redact(rest)


# -- JSON that leaves the process ----------------------------------------------------------------------------
def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as None, every string redacted, and keys made strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    return redact(str(value))  # what json.dumps(default=str) would print, redacted


def _key(key: Any) -> Any:
    if key is None or isinstance(key, bool | int):
        return key
    return redact(str(key))


def json_dumps(obj: Any, *, indent: int | None = None) -> str:
    """The one JSON encoder of pdiag's output: strict (no NaN/Infinity) and redacted."""
    separators = None if indent is not None else (",", ":")
    return json.dumps(json_safe(obj), indent=indent, allow_nan=False, separators=separators)

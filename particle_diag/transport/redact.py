"""Secrets out of everything pdiag writes down: one redaction function for traces and session recordings.

Where a secret can reach the host: the listening-mode ``i`` reply prints ``Device Secret: ...`` (and Device OS
keeps the mobile secret under the key ``ms``); Wi-Fi credentials travel as ``password``/``passphrase`` when a
tool sets them.  pdiag's own USB control requests never ask for any of them, but a recording or a trace sees
whatever a device sends, so both pass every byte through ``redact_bytes``.

The value is masked with ``*`` of the same length, so byte offsets (chunk boundaries of a recording, the
``Key: value`` line structure a parser reads) stay where they were.  The key stays, so a reader still sees
that the device sent a secret.
"""

from __future__ import annotations

import re

# A key names a secret when it contains one of these words, or is exactly one of SECRET_KEYS.
SECRET_WORDS = ("secret", "password", "passphrase", "private key")
SECRET_KEYS = frozenset({"ms"})
MASK = "*"

# `Key: value` up to the line end (the `i` reply; noise may precede the key), and `"key":"value"` (JSON
# replies such as `s`).
_LINE = re.compile(r"(?m)(^|[^A-Za-z0-9_\"])([A-Za-z][A-Za-z0-9 _-]{0,40}?)([ \t]*:[ \t]*)([^\r\n]*)")
_JSON = re.compile(r'"([A-Za-z][A-Za-z0-9 _-]{0,40})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


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

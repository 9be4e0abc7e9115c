"""The DFU-mode protection string (string descriptor 0xFA of Device OS >= 6.1.2 bootloaders): ``sm=o|s|p``.

Read as particle-usb reads it (``getProtectionState`` in src/dfu.js,
https://github.com/particle-iot/particle-usb/blob/master/src/dfu.js): the string is a ``;``-separated list of
``key=value`` items; the item that starts with ``sm=`` gives the state by the first letter of its value
(``o`` open, ``p`` protected, ``s`` service mode: protection overridden for now).  A string without such an
item, or with another letter, is not a protection string: the caller falls back to the memory layouts (all
``b`` segments = protected), as particle-usb does for older bootloaders.

Pure code: no I/O.
"""

from __future__ import annotations

from typing import Literal

ProtectionState = Literal["open", "protected", "service"]
STATE_STRING_INDEX = 0xFA
_STATES: dict[str, ProtectionState] = {"o": "open", "p": "protected", "s": "service"}


def parse_protection_state(text: str | None) -> ProtectionState | None:
    """``"sm=p"`` -> ``"protected"``; ``"x=1;sm=s"`` -> ``"service"``; None when no ``sm=`` item says."""
    if not text:
        return None
    item = next((kv for kv in text.split(";") if kv.startswith("sm=")), None)
    if item is None:
        return None
    value = item.split("=")[1].strip()
    return _STATES.get(value[:1])

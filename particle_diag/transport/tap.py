"""Observers of the serial traffic (``pdiag --record`` and the ``--sim replay:`` checker).

``transport.serial`` reports every port opening, write, read, close and magic-baud pulse here; USB traffic is
observed one level lower, by wrapping the pyusb backend (``transport.recording``).  A tap may raise a
``PdiagError`` from ``serial_write`` to refuse a write (the replay does, for a request its recording lacks).
With no tap installed the cost is one empty-list check per call.
"""

from __future__ import annotations

from typing import Protocol


class SerialTap(Protocol):
    def serial_open(self, port: str, baud: int, error: Exception | None) -> None: ...

    def serial_write(self, port: str, data: bytes) -> None: ...

    def serial_read(self, port: str, data: bytes) -> None: ...

    def serial_close(self, port: str) -> None: ...

    def serial_pulse(self, port: str, baud: int, error: Exception | None) -> None: ...


_taps: list[SerialTap] = []


def install(tap: SerialTap) -> None:
    _taps.append(tap)


def remove(tap: SerialTap) -> None:
    if tap in _taps:
        _taps.remove(tap)


def taps() -> list[SerialTap]:
    return _taps

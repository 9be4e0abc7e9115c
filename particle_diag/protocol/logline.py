"""Device OS log lines, as a USB serial log handler prints them: text in, a typed record out (pure).

Two formats exist, both written by device-os ``wiring/src/spark_wiring_logging.cpp``
(https://github.com/particle-iot/device-os/blob/develop/wiring/src/spark_wiring_logging.cpp):

* ``StreamLogHandler`` (``SerialLogHandler``, the default)::

      %010u [category] file.cpp:123, function(): LEVEL: message [code = -160, details = text]

  the timestamp (milliseconds since boot, ten digits), the category, the source file/line and function (only when
  the firmware was built with source info) and the trailing attributes are each optional; the level is one of
  ``TRACE``, ``INFO``, ``WARN``, ``ERROR``, ``PANIC`` (services/inc/logging.h ``log_level_name``).
* ``JSONStreamLogHandler``: one JSON object a line, ``{"l":"i","m":"text","c":"app","f":"file","ln":12,
  "fn":"func","t":1234,"code":-160,"detail":"text"}``, ``l`` being ``t``/``i``/``w``/``e``.

Anything else an application prints (``Serial.println``) is kept as a plain line (``level`` None).  Garbled or
cut lines never raise: they become plain lines too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Level names as Device OS prints them, in increasing severity (services/inc/logging.h: TRACE 1, INFO 30,
# WARN 40, ERROR 50, PANIC 60; NONE 70 is a filter value, never printed).
LEVELS = ("TRACE", "INFO", "WARN", "ERROR", "PANIC")
LEVEL_VALUES = {"TRACE": 1, "INFO": 30, "WARN": 40, "ERROR": 50, "PANIC": 60}
_JSON_LEVELS = {"t": "TRACE", "i": "INFO", "w": "WARN", "e": "ERROR"}  # jsonLevelName(): PANIC prints "e"

_TEXT = re.compile(
    r"^(?:(?P<time>\d{10}) )?"  # %010u and a space
    r"(?:\[(?P<category>[^\]\s]*)\] )?"
    r"(?:(?P<file>[\w.+-]+)(?::(?P<line>\d+))?(?:, |: )(?=.*?: ))?"  # file.cpp:123, or file.cpp:123:
    r"(?:(?P<function>[\w:~<>]+)\(\): )?"
    r"(?P<level>TRACE|INFO|WARN|ERROR|PANIC): "
    r"(?P<message>.*?)"
    r"(?: \[(?P<attrs>(?:code = -?\d+)?(?:, )?(?:details = .*)?)\])?$"
)
_ATTR_CODE = re.compile(r"code = (-?\d+)")
_ATTR_DETAILS = re.compile(r"details = (.*)$")


@dataclass(frozen=True)
class LogRecord:
    """One line of device output.  ``level`` is None for a line that is not a Device OS log line."""

    raw: str
    message: str
    level: str | None = None
    category: str | None = None
    uptime_ms: int | None = None
    file: str | None = None
    line: int | None = None
    function: str | None = None
    code: int | None = None
    details: str | None = None
    format: str = "plain"  # text | json | plain

    @property
    def is_log(self) -> bool:
        return self.level is not None

    def to_dict(self) -> dict[str, object]:
        return {"uptime_ms": self.uptime_ms, "level": self.level, "category": self.category,
                "message": self.message, "file": self.file, "line": self.line, "function": self.function,
                "code": self.code, "details": self.details, "raw": self.raw}


def _json_record(raw: str) -> LogRecord | None:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict) or obj.get("l") not in _JSON_LEVELS:
        return None

    def text(key: str) -> str | None:
        value = obj.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> int | None:
        value = obj.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63 else None

    return LogRecord(raw, text("m") or "", _JSON_LEVELS[obj["l"]], text("c"), number("t"), text("f"),
                     number("ln"), text("fn"), number("code"), text("detail"), "json")


def parse_log_line(line: str) -> LogRecord:
    """Read one line (without its line ending) of USB serial output."""
    raw = line.rstrip("\r\n")
    stripped = raw.strip()
    if stripped.startswith("{"):
        record = _json_record(stripped)
        if record is not None:
            return record
    m = _TEXT.match(raw)
    if m is None:
        return LogRecord(raw, raw)
    attrs = m.group("attrs") or ""
    code = _ATTR_CODE.search(attrs)
    details = _ATTR_DETAILS.search(attrs)
    return LogRecord(
        raw=raw,
        message=m.group("message"),
        level=m.group("level"),
        category=m.group("category"),
        uptime_ms=int(m.group("time")) if m.group("time") else None,
        file=m.group("file"),
        line=int(m.group("line")) if m.group("line") else None,
        function=m.group("function"),
        code=int(code.group(1)) if code else None,
        details=details.group(1) if details else None,
        format="text",
    )


def at_least(level: str | None, minimum: str) -> bool:
    """True when ``level`` is ``minimum`` or more severe (plain lines always pass: they are unfiltered output)."""
    if level is None:
        return True
    return LEVEL_VALUES.get(level, 0) >= LEVEL_VALUES[minimum]


def in_category(category: str | None, wanted: str) -> bool:
    """Device OS categories are dotted: ``app`` covers ``app.ab1805`` (LogFilter's prefix tree)."""
    if category is None:
        return False
    return category == wanted or category.startswith(wanted + ".")


class LineSplitter:
    """Bytes as they arrive -> complete lines.  Device OS ends lines with CRLF; bare LF and CR are accepted."""

    def __init__(self, max_line: int = 16384) -> None:
        self._buffer = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        lines = []
        while True:
            cut = min((i for i in (self._buffer.find(b"\n"), self._buffer.find(b"\r")) if i >= 0), default=-1)
            if cut < 0:
                break
            chunk = bytes(self._buffer[:cut])
            skip = 2 if self._buffer[cut:cut + 2] == b"\r\n" else 1
            del self._buffer[:cut + skip]
            if chunk:
                lines.append(chunk.decode("utf-8", errors="replace"))
        if len(self._buffer) > self._max:  # a device that never ends its line: hand it on in pieces
            lines.append(bytes(self._buffer).decode("utf-8", errors="replace"))
            self._buffer.clear()
        return lines

    def flush(self) -> list[str]:
        """What is left without a line ending (the device reset mid-line)."""
        rest = bytes(self._buffer).decode("utf-8", errors="replace")
        self._buffer.clear()
        return [rest] if rest else []

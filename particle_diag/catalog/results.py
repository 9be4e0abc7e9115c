"""Names for Device OS result codes (``system_error_t``), reference §2.6.

A control request's ``result`` is a signed 32-bit ``system_error_t``; 0 means success.
"""

from __future__ import annotations

RESULT_CODES: dict[int, str] = {
    0: "OK",
    -100: "UNKNOWN",
    -110: "BUSY",
    -120: "NOT_SUPPORTED",
    -130: "NOT_ALLOWED",
    -140: "CANCELLED",
    -150: "ABORTED",
    -160: "TIMEOUT",
    -170: "NOT_FOUND",
    -180: "ALREADY_EXISTS",
    -190: "TOO_LARGE",
    -191: "NOT_ENOUGH_DATA",
    -200: "LIMIT_EXCEEDED",
    -201: "END_OF_STREAM",
    -210: "INVALID_STATE",
    -219: "FLASH_IO",
    -220: "IO",
    -221: "WOULD_BLOCK",
    -230: "NETWORK",
    -240: "PROTOCOL",
    -250: "INTERNAL",
    -260: "NO_MEMORY",
    -270: "INVALID_ARGUMENT",
    -280: "BAD_DATA",
    -281: "ENCODING_FAILED",
    -290: "OUT_OF_RANGE",
    -300: "DEPRECATED",
    # OTA range (-1300…-1499): the two a diagnostics tool meets after a bad flash.
    -1340: "OTA_DEPENDENCY_CHECK_FAILED",
    -1360: "OTA_INVALID_PLATFORM",
    # Device Protection (Device OS 6.x, reference §2.7).
    -1801: "PROTECTED",
    -1802: "KEY_MISMATCH",
    -1803: "INVALID_SIGNATURE",
}

UNKNOWN_RESULT = "UNKNOWN_RESULT"


def result_name(code: int) -> str:
    """``"NOT_SUPPORTED (-120)"``; codes missing from the table read ``"UNKNOWN_RESULT (-999)"``."""
    return f"{RESULT_CODES.get(code, UNKNOWN_RESULT)} ({code})"

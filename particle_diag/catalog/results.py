"""Device OS result codes (``system_error_t``): a control request's ``result`` is a signed 32-bit code, 0 success.

Source: device-os ``services/inc/system_error.h`` (the SYSTEM_ERRORS list),
https://github.com/particle-iot/device-os/blob/develop/services/inc/system_error.h; particle-usb
``src/result-codes.js`` names the same codes on the host side.  Every other module names a result through
``Result``, never by its number.
"""

from __future__ import annotations

from enum import IntEnum


class Result(IntEnum):
    OK = 0
    UNKNOWN = -100
    BUSY = -110
    NOT_SUPPORTED = -120
    NOT_ALLOWED = -130
    CANCELLED = -140
    ABORTED = -150
    TIMEOUT = -160
    NOT_FOUND = -170
    ALREADY_EXISTS = -180
    TOO_LARGE = -190
    NOT_ENOUGH_DATA = -191
    LIMIT_EXCEEDED = -200
    END_OF_STREAM = -201
    INVALID_STATE = -210
    FLASH_IO = -219
    IO = -220
    WOULD_BLOCK = -221
    NETWORK = -230
    PROTOCOL = -240
    INTERNAL = -250
    NO_MEMORY = -260
    INVALID_ARGUMENT = -270
    BAD_DATA = -280
    ENCODING_FAILED = -281
    OUT_OF_RANGE = -290
    DEPRECATED = -300
    # OTA range (-1300…-1499): the two a diagnostics tool meets after a bad flash.
    OTA_DEPENDENCY_CHECK_FAILED = -1340
    OTA_INVALID_PLATFORM = -1360
    # Device Protection (Device OS 6.x; device-os system/inc/system_control.h, protected-state requests).
    PROTECTED = -1801
    KEY_MISMATCH = -1802
    INVALID_SIGNATURE = -1803


RESULT_CODES: dict[int, str] = {r.value: r.name for r in Result}

UNKNOWN_RESULT = "UNKNOWN_RESULT"


def result_name(code: int) -> str:
    """``"NOT_SUPPORTED (-120)"``; codes missing from the table read ``"UNKNOWN_RESULT (-999)"``."""
    return f"{RESULT_CODES.get(code, UNKNOWN_RESULT)} ({code})"

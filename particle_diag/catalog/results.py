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
    AT_NOT_OK = -1200  # a cellular modem refused an AT command
    # OTA range (-1300…-1499): what Device OS answers a firmware update it will not apply (requests 250-253,
    # system/src/firmware_update.cpp and the HALs' ota_flash_hal.cpp validation).
    OTA_MODULE_NOT_FOUND = -1300
    OTA_UNSUPPORTED_MODULE = -1310
    OTA_VALIDATION_FAILED = -1320
    OTA_INTEGRITY_CHECK_FAILED = -1330
    OTA_DEPENDENCY_CHECK_FAILED = -1340
    OTA_INVALID_ADDRESS = -1350
    OTA_INVALID_SIZE = -1351
    OTA_INVALID_PLATFORM = -1360
    OTA_INVALID_FORMAT = -1370
    OTA_UPDATES_DISABLED = -1380
    OTA = -1390
    # Device Protection (Device OS 6.x; device-os system/inc/system_control.h, protected-state requests).
    PROTECTED = -1801
    KEY_MISMATCH = -1802
    INVALID_SIGNATURE = -1803


# Every code of device-os services/inc/system_error.h (SYSTEM_ERRORS, develop @ 6.2.0) with the message Device OS
# itself prints for it (get_default_system_error_message): what a user reads for a diagnostic's error code
# (``net:err``, a source's ``{"err":code}``) or a request's result.
SYSTEM_ERRORS: dict[int, tuple[str, str]] = {
    0: ("NONE", "No error"), -100: ("UNKNOWN", "Unknown error"), -110: ("BUSY", "Resource busy"),
    -120: ("NOT_SUPPORTED", "Not supported"), -130: ("NOT_ALLOWED", "Not allowed"),
    -140: ("CANCELLED", "Operation cancelled"), -150: ("ABORTED", "Operation aborted"),
    -160: ("TIMEOUT", "Timeout error"), -170: ("NOT_FOUND", "Not found"), -180: ("ALREADY_EXISTS", "Already exists"),
    -190: ("TOO_LARGE", "Too large data"), -191: ("NOT_ENOUGH_DATA", "Not enough data"),
    -200: ("LIMIT_EXCEEDED", "Limit exceeded"), -201: ("END_OF_STREAM", "End of stream"),
    -210: ("INVALID_STATE", "Invalid state"), -219: ("FLASH_IO", "Flash IO error"), -220: ("IO", "IO error"),
    -221: ("WOULD_BLOCK", "Would block"), -225: ("FILE", "File error"), -226: ("PATH_TOO_LONG", "Path is too long"),
    -230: ("NETWORK", "Network error"), -240: ("PROTOCOL", "Protocol error"), -250: ("INTERNAL", "Internal error"),
    -260: ("NO_MEMORY", "Memory allocation error"), -270: ("INVALID_ARGUMENT", "Invalid argument"),
    -280: ("BAD_DATA", "Invalid data format"), -281: ("ENCODING_FAILED", "Encoding error"),
    -290: ("OUT_OF_RANGE", "Out of range"), -300: ("DEPRECATED", "Deprecated"), -1000: ("COAP", "CoAP error"),
    -1001: ("COAP_CONNECTION_CLOSED", "Connection closed"), -1002: ("COAP_MESSAGE_RESET", "Received a RST message"),
    -1003: ("COAP_TIMEOUT", "CoAP timeout"), -1004: ("COAP_REQUEST_NOT_FOUND", "Request not found"),
    -1005: ("COAP_REQUEST_CANCELLED", "Request was cancelled"), -1100: ("COAP_4XX", "CoAP: 4xx"),
    -1132: ("COAP_5XX", "CoAP: 5xx"), -1200: ("AT_NOT_OK", "AT command failure"),
    -1210: ("AT_RESPONSE_UNEXPECTED", "Failed to parse AT response"),
    -1300: ("OTA_MODULE_NOT_FOUND", "Module not found"), -1310: ("OTA_UNSUPPORTED_MODULE", "Unsupported module"),
    -1320: ("OTA_VALIDATION_FAILED", "Module validation failed"),
    -1330: ("OTA_INTEGRITY_CHECK_FAILED", "Module integrity check failed"),
    -1331: ("OTA_RESUMED_UPDATE_FAILED", "Resumed update failed"),
    -1340: ("OTA_DEPENDENCY_CHECK_FAILED", "Module dependency check failed"),
    -1350: ("OTA_INVALID_ADDRESS", "Invalid module address"), -1351: ("OTA_INVALID_SIZE", "Invalid module size"),
    -1360: ("OTA_INVALID_PLATFORM", "Invalid module platform"),
    -1370: ("OTA_INVALID_FORMAT", "Invalid module format"),
    -1380: ("OTA_UPDATES_DISABLED", "Firmware updates are disabled"), -1390: ("OTA", "Firmware update error"),
    -1400: ("CRYPTO", "Crypto error"), -1600: ("I2C_BUS_BUSY", "Bus busy"),
    -1601: ("I2C_ARBITRATION_FAILED", "Arbitration failed"),
    -1602: ("I2C_TX_ADDR_TIMEOUT", "Send slave address timeout"),
    -1603: ("I2C_FILL_DATA_TIMEOUT", "Fill data timeout"), -1604: ("I2C_TX_DATA_TIMEOUT", "Send data timeout"),
    -1605: ("I2C_STOP_TIMEOUT", "Send stop timeout"), -1606: ("I2C_ABORT", "I2C transmission abort"),
    -1700: ("PPP_PARAM", "Invalid parameter"), -1701: ("PPP_OPEN", "Unable to open PPP session"),
    -1702: ("PPP_DEVICE", "Invalid I/O device for PPP"), -1703: ("PPP_ALLOC", "Unable to allocate resources"),
    -1704: ("PPP_USER", "User interrupt"), -1705: ("PPP_CONNECT", "Connection lost"),
    -1706: ("PPP_AUTH_FAIL", "Failed authentication challenge"), -1707: ("PPP_PROTOCOL", "Failed to meet protocol"),
    -1708: ("PPP_PEER_DEAD", "Connection timeout"), -1709: ("PPP_IDLE_TIMEOUT", "Idle timeout"),
    -1710: ("PPP_CONNECT_TIME", "Max connect time reached"), -1711: ("PPP_LOOPBACK", "Loopback detected"),
    -1712: ("PPP_NO_CARRIER_IN_NETWORK_PHASE", "Received NO CARRIER in network phase"),
    -1800: ("INVALID_SERVER_SETTINGS", "Server settings are invalid"),
    -1801: ("PROTECTED", "Device is in a protected state, action prohibited"),
    -1802: ("KEY_MISMATCH", "Unrecognized cryptographic key"),
    -1803: ("INVALID_SIGNATURE", "Signature validation failed"), -1900: ("FILESYSTEM", "Filesystem error"),
    -1901: ("FILESYSTEM_IO", "Filesystem IO error"), -1902: ("FILESYSTEM_CORRUPT", "Filesystem corrupted"),
    -1903: ("FILESYSTEM_NOENT", "No directory entry"), -1904: ("FILESYSTEM_EXIST", "Filesystem entry already exists"),
    -1905: ("FILESYSTEM_NOTDIR", "Filesystem entry is not a directory"),
    -1906: ("FILESYSTEM_ISDIR", "Filesystem entry is a directory"),
    -1907: ("FILESYSTEM_NOTEMPTY", "Directory is not empty"), -1908: ("FILESYSTEM_BADF", "Bad file number"),
    -1909: ("FILESYSTEM_FBIG", "File too large"), -1910: ("FILESYSTEM_INVAL", "Invalid parameter"),
    -1911: ("FILESYSTEM_NOSPC", "No space left in the filesystem"),
    -1912: ("FILESYSTEM_NOMEM", "Memory allocation error"), -2000: ("LEDGER_NOT_FOUND", "Ledger not found"),
    -2001: ("LEDGER_INVALID_FORMAT", "Invalid format of ledger data"),
    -2002: ("LEDGER_UNSUPPORTED_FORMAT", "Unsupported format of ledger data"),
    -2003: ("LEDGER_READ_ONLY", "Ledger is read only"), -2004: ("LEDGER_IN_USE", "Ledger is in use"),
    -2005: ("LEDGER_TOO_LARGE", "Ledger data is too large"), -2006: ("LEDGER_TOO_MANY", "Too many ledgers"),
    -2007: ("LEDGER_INCONSISTENT_STATE", "Inconsistent ledger state"),
    -2008: ("LEDGER_ENCODING_FAILED", "Ledger encoding error"),
    -2009: ("LEDGER_DECODING_FAILED", "Ledger decoding error"),
    -2010: ("LEDGER_REQUEST_FAILED", "Ledger request failed"),
    -2011: ("LEDGER_INVALID_RESPONSE", "Invalid response from server"),
    -3000: ("HAL_RTC_INVALID_TIME", "RTC time is invalid"),
}
assert all(SYSTEM_ERRORS[r.value][0] == ("NONE" if r is Result.OK else r.name) for r in Result)

RESULT_CODES: dict[int, str] = {code: "OK" if code == 0 else name for code, (name, _) in SYSTEM_ERRORS.items()}

UNKNOWN_RESULT = "UNKNOWN_RESULT"


def result_name(code: int) -> str:
    """``"NOT_SUPPORTED (-120)"``; codes missing from the table read ``"UNKNOWN_RESULT (-999)"``."""
    return f"{RESULT_CODES.get(code, UNKNOWN_RESULT)} ({code})"


def result_message(code: int) -> str:
    """What Device OS says a code means (``"Network error"``); ``"unknown error code -999"`` otherwise."""
    known = SYSTEM_ERRORS.get(code)
    return known[1] if known else f"unknown error code {code}"

"""Device OS diagnostic sources (request 100 ``DIAGNOSTIC_INFO`` and the listening console's ``d``) as data.

The reply is a JSON object keyed by source name whose values are the raw 32-bit integers of each source
(device-os ``system/src/system_info.cpp`` JsonDiagnosticsFormatter: ``json.name(src->name).value(val)``), or
``{"err": code}`` when the source failed.  Some sources hold fixed-point numbers in that integer:

* ``q8.8``  unsigned, value / 256 (``FixedPointUQ<8, 8>``): percentages ``net:sigstr``, ``net:sigqual``
  (``system/src/system_network_diagnostics.cpp``), ``batt:soc`` (``system/src/system_power.cpp``);
* ``q16.16`` signed, value / 65536 (``FixedPointSQ<16, 16>``): ``net:sigstrv``, ``net:sigqualv``.

A real capture confirms both (Photon, DiagnosticsHelperRK README, github.com/rickkas7/DiagnosticsHelperRK):
``"net:sigstr":13823`` (54 %), ``"net:sigstrv":-4784128`` (-73 dBm) next to ``"net:rssi":-18688`` (-73 << 8).

Sources: device-os ``services/inc/diagnostics.h`` (names and ids), the files named per table below, all at
https://github.com/particle-iot/device-os (develop, module version 6.2.0).
"""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.catalog import cloud_status

Q8_8 = "q8.8"
Q16_16 = "q16.16"
INT = "int"


@dataclass(frozen=True)
class Source:
    name: str  # the JSON key, e.g. "net:sigstr"
    id: int  # diag_id in services/inc/diagnostics.h
    encoding: str  # INT, Q8_8 or Q16_16
    unit: str  # what the decoded number counts
    meaning: str


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("sys:reset", 1, INT, "reset reason", "why the device last restarted (catalog/reset_reasons.py)"),
    Source("mem:free", 2, INT, "bytes", "free memory (named in diagnostics.h but not registered by Device OS "
                                        "0.8-6.2; pdiag derives free memory from sys:tram - sys:uram)"),
    Source("batt:soc", 3, Q8_8, "%", "battery state of charge from the fuel gauge (FuelGauge::getNormalizedSoC); "
                                     "reported only while a battery is connected"),
    Source("sys:loop", 4, INT, "count", "system loop iterations"),
    Source("app:loop", 5, INT, "count", "application loop iterations"),
    Source("sys:uptime", 6, INT, "s", "seconds since the device started (System.uptime())"),
    Source("batt:state", 7, INT, "enum", "battery state (BATTERY_STATES)"),
    Source("pwr:src", 24, INT, "enum", "what powers the device (POWER_SOURCES)"),
    Source("net:stat", 8, INT, "enum", "network connection status (NETWORK_STATUSES)"),
    Source("net:err", 9, INT, "system_error_t", "last network connection error (catalog/results.py)"),
    Source("net:dconn", 12, INT, "count", "unexpected network disconnections"),
    Source("net:connatt", 27, INT, "count", "network connection attempts"),
    Source("net:dconnrsn", 28, INT, "enum", "why the network last disconnected (NETWORK_DISCONNECT_REASONS)"),
    Source("net:rssi", 19, Q8_8, "dBm", "Wi-Fi RSSI of old Device OS (signed Q8.8: -18688 = -73 dBm in the capture)"),
    Source("net:sigstr", 33, Q8_8, "%", "signal strength"),
    Source("net:sigstrv", 37, Q16_16, "dBm", "signal strength value: RSSI (Wi-Fi, 2G), RSCP (3G) or RSRP (LTE)"),
    Source("net:sigqual", 34, Q8_8, "%", "signal quality"),
    Source("net:sigqualv", 35, Q16_16, "dB", "signal quality value: SNR (Wi-Fi), Ec/Io (3G), RSRQ (LTE); "
                                             "for 2G the HAL reports a bit error rate"),
    Source("net:at", 36, INT, "enum", "access technology (ACCESS_TECHNOLOGIES)"),
    Source("net:cell:cgi:mcc", 40, INT, "code", "mobile country code of the serving cell"),
    Source("net:cell:cgi:mnc", 41, INT, "code", "mobile network code (negative: a two-digit MNC)"),
    Source("net:cell:cgi:lac", 42, INT, "code", "location area code"),
    Source("net:cell:cgi:ci", 43, INT, "code", "cell ID"),
    Source("cloud:stat", 10, INT, "enum", "cloud connection status (CLOUD_STATUSES)"),
    Source("cloud:err", 13, INT, "protocol error", "last cloud handshake error (CLOUD_PROTOCOL_ERRORS)"),
    Source("cloud:dconn", 14, INT, "count", "unexpected cloud disconnections"),
    Source("cloud:connatt", 29, INT, "count", "cloud connection attempts"),
    Source("cloud:dconnrsn", 30, INT, "enum", "why the cloud last disconnected (CLOUD_DISCONNECT_REASONS)"),
    Source("coap:resend", 21, INT, "count", "CoAP messages sent again"),
    Source("coap:unack", 22, INT, "count", "CoAP messages not acknowledged"),
    Source("pub:limit", 20, INT, "count", "events refused by the publish rate limit"),
    Source("sys:tram", 25, INT, "bytes", "total RAM (heap at start-up)"),
    Source("sys:uram", 26, INT, "bytes", "used RAM"),
)}

# hal/inc/net_hal.h hal_net_access_tech_t (4 also means UTRAN/WCDMA; 0 also means NONE).
ACCESS_TECHNOLOGIES: dict[int, str] = {
    0: "none", 1: "wifi", 2: "gsm", 3: "edge", 4: "umts", 5: "cdma", 6: "lte", 7: "ieee802154",
    8: "lte_cat_m1", 9: "lte_cat_nb1",
}
# What net:sigstrv / net:sigqualv measure for each access technology, with units: the HAL fills them per RAT
# (hal/network/ncp/cellular/cellular_hal.cpp cellular_signal: RXLEV -> RSSI dBm, RSCP dBm, RSRP dBm; RXQUAL -> BER
# in %, ECN0 -> Ec/Io dB, RSRQ dB; wiring/src/spark_wiring_wifi.cpp: Wi-Fi RSSI dBm and SNR dB).  EDGE reports a
# log10 mean bit error probability (MEAN_BEP) as quality: its unit is UNVERIFIED and left unnamed.
SIGNAL_MEASURES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "wifi": (("RSSI", "dBm"), ("SNR", "dB")),
    "gsm": (("RSSI", "dBm"), ("BER", "%")),
    "edge": (("RSSI", "dBm"), ("BEP", "")),
    "umts": (("RSCP", "dBm"), ("Ec/Io", "dB")),
    "lte": (("RSRP", "dBm"), ("RSRQ", "dB")),
    "lte_cat_m1": (("RSRP", "dBm"), ("RSRQ", "dB")),
    "lte_cat_nb1": (("RSRP", "dBm"), ("RSRQ", "dB")),
}

# system/inc/system_power.h battery_state_t
BATTERY_STATES: dict[int, str] = {
    0: "unknown", 1: "not_charging", 2: "charging", 3: "charged", 4: "discharging", 5: "fault", 6: "disconnected",
}
# system/inc/system_power.h power_source_t
POWER_SOURCES: dict[int, str] = {0: "unknown", 1: "vin", 2: "usb_host", 3: "usb_adapter", 4: "usb_otg", 5: "battery"}
# system/src/system_network_diagnostics.h NetworkDiagnostics::Status (odd numbers: transitions)
NETWORK_STATUSES: dict[int, str] = {
    0: "turned_off", 1: "turning_on", 2: "disconnected", 3: "connecting", 4: "connected", 5: "disconnecting",
    7: "turning_off",
}
# system/src/system_cloud_internal.h CloudDiagnostics::Status: one table with request 300's (catalog/cloud_status.py)
CLOUD_STATUSES = cloud_status.CLOUD_STATUSES

# services/inc/system_defs.h network_disconnect_reason: (name, the header's comment)
NETWORK_DISCONNECT_REASONS: dict[int, tuple[str, str]] = {
    0: ("none", "no disconnection recorded"), 1: ("error", "disconnected due to an error"),
    2: ("user", "disconnected at the user's request"), 3: ("network_off", "the network was shut down (deprecated)"),
    4: ("listening", "disconnected to enter listening mode"), 5: ("sleep", "disconnected to enter a sleep mode"),
    6: ("reset", "disconnected to recover from a cloud connection error"), 7: ("unknown", "unspecified reason"),
}
# services/inc/system_defs.h cloud_disconnect_reason
CLOUD_DISCONNECT_REASONS: dict[int, tuple[str, str]] = {
    0: ("none", "no disconnection recorded"), 1: ("error", "disconnected due to an error"),
    2: ("user", "disconnected at the user's request"),
    3: ("network_disconnect", "disconnected because the network went down"),
    4: ("listening", "disconnected to enter listening mode"), 5: ("system_reset", "disconnected for a system reset"),
    6: ("sleep", "disconnected to enter a sleep mode"), 7: ("unknown", "unspecified reason"),
    8: ("server_moved", "the server address or key changed"),
}

# cloud:err holds the communication layer's ProtocolError of a failed handshake, not a system_error_t
# (system/src/system_task.cpp handle_cloud_connection: diag->lastError(err) with err a protocol::ProtocolError;
# "the last error diagnostic is used only for communication errors").  communication/inc/protocol_defs.h.
# The LED of the same failure: DECRYPTION_ERROR blinks orange, AUTHENTICATION_ERROR magenta, others red.
CLOUD_PROTOCOL_ERRORS: dict[int, tuple[str, str]] = {
    0: ("NO_ERROR", "no handshake error recorded"), 1: ("PING_TIMEOUT", "the cloud did not answer a ping"),
    2: ("IO_ERROR", "input/output error"), 3: ("INVALID_STATE", "invalid protocol state"),
    4: ("INSUFFICIENT_STORAGE", "not enough storage"), 5: ("MALFORMED_MESSAGE", "malformed message"),
    6: ("DECRYPTION_ERROR", "the handshake could not be decrypted: usually the server key does not match "
                            "the server (1 orange blink)"),
    7: ("ENCRYPTION_ERROR", "encryption failed"),
    8: ("AUTHENTICATION_ERROR", "the cloud refused the device's key (1 magenta blink)"),
    9: ("BANDWIDTH_EXCEEDED", "bandwidth exceeded"), 10: ("MESSAGE_TIMEOUT", "a message was not acknowledged in time"),
    11: ("MISSING_MESSAGE_ID", "missing message ID"), 12: ("MESSAGE_RESET", "the cloud reset the message"),
    13: ("SESSION_RESUMED", "the session was resumed"),
    14: ("IO_ERROR_FORWARD_MESSAGE_CHANNEL", "I/O error in the message channel"),
    15: ("IO_ERROR_SET_DATA_MAX_EXCEEDED", "I/O error: data too large"),
    16: ("IO_ERROR_PARSING_SERVER_PUBLIC_KEY", "the server public key stored on the device cannot be parsed"),
    17: ("IO_ERROR_GENERIC_ESTABLISH", "the secure session could not be established"),
    18: ("IO_ERROR_GENERIC_RECEIVE", "receiving failed"), 19: ("IO_ERROR_GENERIC_SEND", "sending failed"),
    20: ("IO_ERROR_GENERIC_MBEDTLS_SSL_WRITE", "TLS write failed"),
    21: ("IO_ERROR_DISCARD_SESSION", "the session was discarded"),
    22: ("IO_ERROR_LIGHTSSL_BLOCKING_SEND", "sending failed (TCP)"),
    23: ("IO_ERROR_LIGHTSSL_BLOCKING_RECEIVE", "receiving failed (TCP)"),
    24: ("IO_ERROR_LIGHTSSL_RECEIVE", "receiving failed (TCP)"),
    25: ("IO_ERROR_LIGHTSSL_HANDSHAKE_NONCE", "handshake nonce failed (TCP)"),
    26: ("IO_ERROR_LIGHTSSL_HANDSHAKE_RECV_KEY", "handshake key exchange failed (TCP)"),
    27: ("NOT_IMPLEMENTED", "not implemented"), 28: ("MISSING_REQUEST_TOKEN", "missing request token"),
    29: ("NOT_FOUND", "not found"), 30: ("NO_MEMORY", "out of memory"), 31: ("INTERNAL", "internal error"),
    32: ("OTA_UPDATE_ERROR", "firmware update error"), 33: ("IO_ERROR_SOCKET_SEND_FAILED", "socket send failed"),
    34: ("IO_ERROR_SOCKET_RECV_FAILED", "socket receive failed"),
    35: ("IO_ERROR_REMOTE_END_CLOSED", "the cloud closed the connection"), 36: ("COAP_ERROR", "CoAP error"),
    0x7FFFF: ("UNKNOWN", "unknown error"),
}
# The handshake errors that point at the keys or the server address (the knowledge base's "bad keys" states).
KEY_ERRORS = frozenset({6, 8, 16})
# The legacy trailer some Device OS versions append to the diagnostics object (see catalog capabilities.toml).
LEGACY_TERMINATOR = "_"

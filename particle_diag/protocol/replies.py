"""The reply values of the requests a device listing never sends (serial number, assets, diagnostics, cloud status,
network interfaces, firmware update, cellular IDs), apart from protocol/messages.py so that ``pdiag list`` does
not pay for building their classes at start-up (about 0.45 ms each).  Import them from
``particle_diag.protocol.messages`` as before: it hands them out on first use."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SerialNumber:
    serial: str


@dataclass(frozen=True)
class AssetInfo:
    """One asset as request 91 reports it (describe.proto FirmwareModuleAsset)."""

    name: str
    hash: str  # SHA-256 of the asset's data, lowercase hex
    size: int = 0
    storage_size: int = 0


@dataclass(frozen=True)
class AssetInfoReply:
    available: list[AssetInfo]  # valid assets in the device's asset storage
    required: list[AssetInfo]  # the running application's asset dependencies (name and hash only)


@dataclass(frozen=True)
class DiagnosticInfo:
    """Request 100 / console ``d``: numeric values by source name, and the sources that reported an error."""

    values: dict[str, int | float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # source name -> system_error_t


@dataclass(frozen=True)
class CloudStatus:
    status: str  # "disconnected" | "connecting" | "connected" | "disconnecting"


@dataclass(frozen=True)
class InterfaceEntry:
    index: int
    name: str
    type: str  # "loopback" | "thread" | "ethernet" | "wifi" | "ppp"


@dataclass(frozen=True)
class InterfaceList:
    interfaces: list[InterfaceEntry]


@dataclass(frozen=True)
class NetworkInterface:
    index: int = 0
    name: str = ""
    type: str = "unknown_0"
    flags: int = 0
    ext_flags: int = 0
    mac: str | None = None  # "aa:bb:cc:dd:ee:ff", None when the interface has no hardware address
    mtu: int = 0
    metric: int = 0
    profile: bytes = b""  # e.g. the Wi-Fi SSID
    addresses: tuple[str, ...] = ()  # "192.168.1.10/24", "fe80::1/64" (IPv4 first, then IPv6)
    gateway: str | None = None  # the IPv4 gateway, when the device reports one


@dataclass(frozen=True)
class FirmwareUpdateStart:
    """Request 250's reply: the largest FIRMWARE_UPDATE_DATA payload the device takes (0 when it gives none)."""

    chunk_size: int = 0


@dataclass(frozen=True)
class CellularIds:
    iccid: str | None
    imei: str | None = None  # only Device OS 5.8.0 and >= 6.1.0 fill it (system/src/control/cellular.cpp)

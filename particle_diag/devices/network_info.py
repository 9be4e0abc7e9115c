"""``net``: a device's network interfaces, its Wi-Fi network and what it can see (Wi-Fi devices), its active SIM
and APN (cellular devices), read over USB control requests.

Requests (catalog/requests.py; payloads protocol/messages.py, protocol/toolkit_messages.py): 400/401 interfaces
(Gen 2 from 0.8.0, Gen 3 from 0.9.0 per particle-usb src/network-device.js), 505/506 current network and scan
(Gen 3+ Wi-Fi: ``HAL_PLATFORM_NCP && HAL_PLATFORM_WIFI``), 553/551 active SIM and access point (Gen 3+
cellular).  What a Device OS version lacks becomes a note, not an error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from particle_diag.catalog import capabilities
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.devices.vitals import require_firmware
from particle_diag.errors import UnsupportedError
from particle_diag.protocol import messages
from particle_diag.protocol.control import ControlClient, RequestFailed

# InterfaceFlag bits (device-os-protobuf control/network.proto), named as particle-usb network-device.js does.
INTERFACE_FLAGS = {0x01: "up", 0x02: "broadcast", 0x04: "debug", 0x08: "loopback", 0x10: "pointtopoint",
                   0x40: "running", 0x80: "noarp", 0x100: "promisc", 0x200: "allmulti", 0x8000: "multicast",
                   0x10000: "nond6"}


@dataclass
class Interface:
    index: int
    name: str
    type: str
    flags: list[str]
    mac: str | None
    mtu: int
    addresses: list[str]
    gateway: str | None = None
    profile: str | None = None  # the Wi-Fi network it is joined to


@dataclass
class NetworkReport:
    interfaces: list[Interface] = field(default_factory=list)
    wifi: dict[str, Any] | None = None  # {"current": network | None, "scan": [networks]}
    cellular: dict[str, Any] | None = None  # {"active_sim": ..., "access_point": {...}}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in INTERFACE_FLAGS.items() if flags & bit]


def _ask(client: ControlClient, report: NetworkReport, type_id: int, what: str, **fields: Any) -> Any:
    """One request whose absence or refusal is a note: None then."""
    try:
        return messages.decode_reply(type_id, client.call(type_id, messages.encode_request(type_id, **fields)))
    except UnsupportedError:
        report.notes.append(f"{what}: not offered by this Device OS (request {type_id})")
    except RequestFailed as exc:
        report.notes.append(f"{what}: {exc.message.split(': ', 1)[-1]}")
    return None


def read_network(record: DeviceRecord, host: Host) -> NetworkReport:
    require_firmware(record, "network information")
    p = record.platform
    assert p is not None
    report = NetworkReport()
    version = record.device_os or "0.0.0"
    with control_session(record, host) as client:
        listing = _ask(client, report, R.NETWORK_GET_INTERFACE_LIST, "network interfaces")
        for entry in listing.interfaces if listing else []:
            i = _ask(client, report, R.NETWORK_GET_INTERFACE, f"interface {entry.name}", index=entry.index)
            if i is not None:
                report.interfaces.append(Interface(
                    i.index, i.name, i.type, flag_names(i.flags), i.mac, i.mtu, list(i.addresses), i.gateway,
                    i.profile.decode("utf-8", "replace") if i.profile and i.type == "wifi" else None))
        if p.has("wifi") and capabilities.supports_request(p.generation, version, R.WIFI_SCAN_NETWORKS):
            current = _ask(client, report, R.WIFI_GET_CURRENT_NETWORK, "current Wi-Fi network")
            scan = _ask(client, report, R.WIFI_SCAN_NETWORKS, "Wi-Fi scan")
            report.wifi = {"current": asdict(current) if current else None,
                           "scan": [asdict(n) for n in scan.networks] if scan else []}
        elif p.has("wifi"):
            report.notes.append("Wi-Fi scan: Device OS offers it over USB on Gen 3 and later only (request 506)")
        if p.has("cellular") and capabilities.supports_request(p.generation, version, R.CELLULAR_GET_ACTIVE_SIM):
            sim = _ask(client, report, R.CELLULAR_GET_ACTIVE_SIM, "active SIM")
            access = None
            if sim is not None:
                access = _ask(client, report, R.CELLULAR_GET_ACCESS_POINT, "APN",
                              sim_type={"internal": 1, "external": 2}.get(sim.sim, 0))
            report.cellular = {"active_sim": sim.sim if sim else None,
                               "access_point": asdict(access) if access else None}
        elif p.has("cellular"):
            report.notes.append("active SIM and APN: Device OS offers them over USB on Gen 3 and later only "
                                "(requests 551, 553)")
    return report

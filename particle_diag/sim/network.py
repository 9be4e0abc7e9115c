"""A virtual device's network interfaces, Wi-Fi and cellular requests (400, 401, 505, 506, 551, 553).

Interface names and numbering follow Device OS's (system/src/control/network.cpp derives the type from the name
prefix: lo, wl, pp, en, th); flags are InterfaceFlag bits (device-os-protobuf control/network.proto).  The
addresses, SSIDs and BSSIDs are made up, deterministic per device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from particle_diag.catalog.requests import RequestType as R
from particle_diag.catalog.results import Result
from particle_diag.protocol import messages as m
from particle_diag.protocol import toolkit_messages as t

if TYPE_CHECKING:
    from particle_diag.sim.device import VirtualDevice

IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_POINTTOPOINT, IFF_RUNNING, IFF_NOARP, IFF_MULTICAST = (
    0x01, 0x02, 0x08, 0x10, 0x40, 0x80, 0x8000)
BENCH_SSID = "bench-lab"
NEIGHBOURS = (("bench-lab", "wpa2_psk", 6), ("office-guest", "wpa_wpa2_psk", 11), ("printer-direct", "wpa2_psk", 1))


def interfaces(device: VirtualDevice) -> list[m.InterfaceEntry]:
    out = [m.InterfaceEntry(1, "lo0", "loopback")]
    if device.platform.has("wifi"):
        out.append(m.InterfaceEntry(4, "wl3", "wifi"))
    if device.platform.has("cellular"):
        out.append(m.InterfaceEntry(2, "pp3", "ppp"))
    return out


def _octet(device: VirtualDevice) -> int:
    return 10 + int(device.device_id[-2:], 16) % 200


def _bssid(index: int) -> str:
    return f"f4:92:bf:3a:1c:{0x40 + index:02x}"


def _link_local(mac: str) -> str:
    """The EUI-64 link-local address of a MAC (RFC 4291 appendix A), as LwIP forms it."""
    import ipaddress

    b = bytes.fromhex(mac.replace(":", ""))
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]))


def interface(device: VirtualDevice, entry: m.InterfaceEntry) -> m.NetworkInterface:
    from particle_diag.sim.vitals import network_up

    up = network_up(device)
    if entry.type == "loopback":
        return m.NetworkInterface(entry.index, entry.name, entry.type, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, mtu=0,
                                  addresses=("127.0.0.1/8", "::1/128"))
    if entry.type == "wifi":
        flags = IFF_BROADCAST | IFF_MULTICAST | (IFF_UP | IFF_RUNNING if up else 0)
        mac = device.firmware.mac
        addresses: tuple[str, ...] = ()
        if up:
            addresses = (f"192.168.1.{_octet(device)}/24", f"{_link_local(mac)}/64") if mac else ()
        return m.NetworkInterface(entry.index, entry.name, entry.type, flags, mac=mac, mtu=1500,
                                  profile=BENCH_SSID.encode() if up else b"", addresses=addresses,
                                  gateway="192.168.1.1" if up else None)
    flags = IFF_POINTTOPOINT | IFF_NOARP | IFF_MULTICAST | (IFF_UP | IFF_RUNNING if up else 0)
    addresses = (f"10.170.{_octet(device)}.17/32",) if up else ()
    return m.NetworkInterface(entry.index, entry.name, entry.type, flags, mtu=1500, addresses=addresses)


def handle(device: VirtualDevice, type_id: int, payload: bytes) -> tuple[int, bytes] | None:
    from particle_diag.sim.vitals import SIGNAL, network_up

    p = device.platform
    if type_id == R.NETWORK_GET_INTERFACE_LIST:
        return Result.OK, m.encode_reply(type_id, m.InterfaceList(interfaces(device)))
    if type_id == R.NETWORK_GET_INTERFACE:
        index = m.decode_request(type_id, payload).get("index", 0)
        for entry in interfaces(device):
            if entry.index == index:
                return Result.OK, m.encode_reply(type_id, interface(device, entry))
        return Result.NOT_FOUND, b""  # if_get_by_index fails for an unknown index
    weak = "weaksignal" in device.fault_flags
    if type_id == R.WIFI_GET_CURRENT_NETWORK and p.has("wifi"):
        if not network_up(device):
            return Result.NOT_FOUND, b""  # not joined: the NCP has no network info (UNVERIFIED which error)
        rssi = int(SIGNAL["wifi"][weak][1])
        return Result.OK, m.encode_reply(type_id, t.WifiNetwork(BENCH_SSID, _bssid(0), None, 6, rssi))
    if type_id == R.WIFI_SCAN_NETWORKS and p.has("wifi"):
        found = [t.WifiNetwork(ssid, _bssid(i), security, channel, rssi)
                 for i, ((ssid, security, channel), rssi) in enumerate(zip(NEIGHBOURS, (-58, -71, -83), strict=True))]
        if weak:
            found = [t.WifiNetwork(n.ssid, n.bssid, n.security, n.channel, n.rssi - 31) for n in found[:1]]
        return Result.OK, m.encode_reply(type_id, t.WifiScan(found))
    if type_id == R.CELLULAR_GET_ACTIVE_SIM and p.has("cellular"):
        return Result.OK, m.encode_reply(type_id, t.ActiveSim("internal"))
    if type_id == R.CELLULAR_GET_ACCESS_POINT and p.has("cellular"):
        # The built-in Particle SIM has no stored APN: Device OS answers use_defaults (cellular.cpp).
        return Result.OK, m.encode_reply(type_id, t.AccessPoint("", "", True))
    return None

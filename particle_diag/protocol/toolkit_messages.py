"""Codecs of the bench-toolkit requests: setup done (73/74), server key/address/protocol (211/221/223), the
rainbow signal (230/231), Wi-Fi (505/506) and cellular (551/553).  ``protocol.messages`` merges ``SPECS`` into its
table, so ``encode_request``/``decode_reply`` serve them like every other request.

Message layouts: device-os-protobuf ``control/config.proto``, ``control/wifi_new.proto``,
``control/cellular.proto`` (https://github.com/particle-iot/device-os-protobuf, 2.9.0), restated in
``pb/control.proto``.  The host-side reading mirrors particle-usb ``src/wifi-device.js`` (scanWifiNetworks,
getCurrentWifiNetwork), ``src/cellular-device.js`` (getActiveSim) and ``src/device.js`` (startNyanSignal).
"""

from __future__ import annotations

from dataclasses import dataclass

from particle_diag.catalog.requests import RequestType as R
from particle_diag.protocol.codec import (
    NO_REPLY,
    RequestSpec,
    enum_name,
    enum_value,
    format_mac,
    messages_of,
    parse_mac,
    proto_codec,
    request_spec,
)

pb = messages_of("control_pb2")

SERVER_PROTOCOLS: dict[int, str] = {0: "invalid", 1: "tcp", 2: "udp"}
# SecurityKeyType: the values of Device OS's security_key_type enum (control/config.proto)
SECURITY_KEY_TYPES: dict[int, str] = {
    0: "invalid", 1: "tcp_device_private", 2: "tcp_device_public", 3: "tcp_server_public",
    4: "udp_device_private", 5: "udp_device_public", 6: "udp_server_public",
}
SERVER_KEY_TYPE = {"tcp": 3, "udp": 6}  # the only key types pdiag ever asks for: public, the server's
WIFI_SECURITY: dict[int, str] = {
    0: "none", 1: "wep", 2: "wpa_psk", 3: "wpa2_psk", 4: "wpa_wpa2_psk", 5: "wpa3_psk", 6: "wpa2_wpa3_psk",
}
SIM_TYPES: dict[int, str] = {0: "invalid", 1: "internal", 2: "external"}


@dataclass(frozen=True)
class SetupDone:
    done: bool


@dataclass(frozen=True)
class ServerAddress:
    address: str
    port: int


@dataclass(frozen=True)
class ServerProtocol:
    protocol: str  # "tcp" | "udp" | "invalid" | "unknown_<n>"


@dataclass(frozen=True)
class SecurityKey:
    data: bytes  # DER


@dataclass(frozen=True)
class WifiNetwork:
    ssid: str
    bssid: str | None = None  # "aa:bb:cc:dd:ee:ff"
    security: str | None = None  # WIFI_SECURITY names; None in the current-network reply (it has none)
    channel: int = 0
    rssi: int = 0  # dBm


@dataclass(frozen=True)
class WifiScan:
    networks: list[WifiNetwork]


@dataclass(frozen=True)
class AccessPoint:
    apn: str
    user: str = ""
    use_defaults: bool = False
    # The password field is never decoded: it is a secret and nothing pdiag shows needs it.


@dataclass(frozen=True)
class ActiveSim:
    sim: str  # "internal" | "external" | "invalid"


def _scanned(n: pb.WiFiScannedNetwork) -> WifiNetwork:
    return WifiNetwork(n.ssid, format_mac(n.bssid), enum_name(WIFI_SECURITY, n.security), n.channel, n.rssi)


def _scanned_pb(n: WifiNetwork) -> pb.WiFiScannedNetwork:
    return pb.WiFiScannedNetwork(ssid=n.ssid, bssid=parse_mac(n.bssid), channel=n.channel, rssi=n.rssi,
                                 security=enum_value(WIFI_SECURITY, n.security or "none"))


SPECS: tuple[RequestSpec, ...] = (
    request_spec(R.SET_DEVICE_SETUP_DONE, pb.SetDeviceSetupDoneRequest, NO_REPLY),
    request_spec(R.IS_DEVICE_SETUP_DONE, pb.IsDeviceSetupDoneRequest, proto_codec(
        pb.IsDeviceSetupDoneReply, SetupDone, lambda r: SetupDone(r.done),
        lambda v: pb.IsDeviceSetupDoneReply(done=v.done))),
    request_spec(R.GET_SECURITY_KEY, pb.GetSecurityKeyRequest, proto_codec(
        pb.GetSecurityKeyReply, SecurityKey, lambda r: SecurityKey(bytes(r.data)),
        lambda v: pb.GetSecurityKeyReply(data=v.data))),
    request_spec(R.GET_SERVER_ADDRESS, pb.GetServerAddressRequest, proto_codec(
        pb.GetServerAddressReply, ServerAddress, lambda r: ServerAddress(r.address, r.port),
        lambda v: pb.GetServerAddressReply(address=v.address, port=v.port))),
    request_spec(R.GET_SERVER_PROTOCOL, pb.GetServerProtocolRequest, proto_codec(
        pb.GetServerProtocolReply, ServerProtocol, lambda r: ServerProtocol(enum_name(SERVER_PROTOCOLS, r.protocol)),
        lambda v: pb.GetServerProtocolReply(protocol=enum_value(SERVER_PROTOCOLS, v.protocol)))),
    request_spec(R.START_NYAN_SIGNAL, pb.StartNyanSignalRequest, NO_REPLY),
    request_spec(R.STOP_NYAN_SIGNAL, pb.StopNyanSignalRequest, NO_REPLY),
    request_spec(R.WIFI_GET_CURRENT_NETWORK, pb.WiFiGetCurrentNetworkRequest, proto_codec(
        pb.WiFiGetCurrentNetworkReply, WifiNetwork,
        lambda r: WifiNetwork(r.ssid, format_mac(r.bssid), None, r.channel, r.rssi),
        lambda v: pb.WiFiGetCurrentNetworkReply(ssid=v.ssid, bssid=parse_mac(v.bssid), channel=v.channel,
                                                rssi=v.rssi))),
    request_spec(R.WIFI_SCAN_NETWORKS, pb.WiFiScanNetworksRequest, proto_codec(
        pb.WiFiScanNetworksReply, WifiScan, lambda r: WifiScan([_scanned(n) for n in r.networks]),
        lambda v: pb.WiFiScanNetworksReply(networks=[_scanned_pb(n) for n in v.networks]))),
    request_spec(R.CELLULAR_GET_ACCESS_POINT, pb.CellularGetAccessPointRequest, proto_codec(
        pb.CellularGetAccessPointReply, AccessPoint,
        lambda r: AccessPoint(r.access_point.apn, r.access_point.user, r.access_point.use_defaults),
        lambda v: pb.CellularGetAccessPointReply(access_point=pb.CellularAccessPoint(
            apn=v.apn, user=v.user, use_defaults=v.use_defaults)))),
    request_spec(R.CELLULAR_GET_ACTIVE_SIM, pb.CellularGetActiveSimRequest, proto_codec(
        pb.CellularGetActiveSimReply, ActiveSim, lambda r: ActiveSim(enum_name(SIM_TYPES, r.sim_type)),
        lambda v: pb.CellularGetActiveSimReply(sim_type=enum_value(SIM_TYPES, v.sim)))),
)

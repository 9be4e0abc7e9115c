from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NORMAL_MODE: _ClassVar[DeviceMode]
    LISTENING_MODE: _ClassVar[DeviceMode]

class SecurityKeyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVALID_SECURITY_KEY: _ClassVar[SecurityKeyType]
    TCP_DEVICE_PRIVATE_KEY: _ClassVar[SecurityKeyType]
    TCP_DEVICE_PUBLIC_KEY: _ClassVar[SecurityKeyType]
    TCP_SERVER_PUBLIC_KEY: _ClassVar[SecurityKeyType]
    UDP_DEVICE_PRIVATE_KEY: _ClassVar[SecurityKeyType]
    UDP_DEVICE_PUBLIC_KEY: _ClassVar[SecurityKeyType]
    UDP_SERVER_PUBLIC_KEY: _ClassVar[SecurityKeyType]

class ServerProtocolType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVALID_PROTOCOL: _ClassVar[ServerProtocolType]
    TCP_PROTOCOL: _ClassVar[ServerProtocolType]
    UDP_PROTOCOL: _ClassVar[ServerProtocolType]

class CloudConnectionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISCONNECTED: _ClassVar[CloudConnectionStatus]
    CONNECTING: _ClassVar[CloudConnectionStatus]
    CONNECTED: _ClassVar[CloudConnectionStatus]
    DISCONNECTING: _ClassVar[CloudConnectionStatus]

class InterfaceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVALID_INTERFACE_TYPE: _ClassVar[InterfaceType]
    LOOPBACK: _ClassVar[InterfaceType]
    THREAD: _ClassVar[InterfaceType]
    ETHERNET: _ClassVar[InterfaceType]
    WIFI: _ClassVar[InterfaceType]
    PPP: _ClassVar[InterfaceType]

class InterfaceConfigurationSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_SOURCE: _ClassVar[InterfaceConfigurationSource]
    DHCP: _ClassVar[InterfaceConfigurationSource]
    STATIC: _ClassVar[InterfaceConfigurationSource]
    SLAAC: _ClassVar[InterfaceConfigurationSource]
    DHCPV6: _ClassVar[InterfaceConfigurationSource]

class WiFiSecurity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_SECURITY: _ClassVar[WiFiSecurity]
    WEP: _ClassVar[WiFiSecurity]
    WPA_PSK: _ClassVar[WiFiSecurity]
    WPA2_PSK: _ClassVar[WiFiSecurity]
    WPA_WPA2_PSK: _ClassVar[WiFiSecurity]
    WPA3_PSK: _ClassVar[WiFiSecurity]
    WPA2_WPA3_PSK: _ClassVar[WiFiSecurity]

class SimType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVALID_SIM_TYPE: _ClassVar[SimType]
    INTERNAL: _ClassVar[SimType]
    EXTERNAL: _ClassVar[SimType]
NORMAL_MODE: DeviceMode
LISTENING_MODE: DeviceMode
INVALID_SECURITY_KEY: SecurityKeyType
TCP_DEVICE_PRIVATE_KEY: SecurityKeyType
TCP_DEVICE_PUBLIC_KEY: SecurityKeyType
TCP_SERVER_PUBLIC_KEY: SecurityKeyType
UDP_DEVICE_PRIVATE_KEY: SecurityKeyType
UDP_DEVICE_PUBLIC_KEY: SecurityKeyType
UDP_SERVER_PUBLIC_KEY: SecurityKeyType
INVALID_PROTOCOL: ServerProtocolType
TCP_PROTOCOL: ServerProtocolType
UDP_PROTOCOL: ServerProtocolType
DISCONNECTED: CloudConnectionStatus
CONNECTING: CloudConnectionStatus
CONNECTED: CloudConnectionStatus
DISCONNECTING: CloudConnectionStatus
INVALID_INTERFACE_TYPE: InterfaceType
LOOPBACK: InterfaceType
THREAD: InterfaceType
ETHERNET: InterfaceType
WIFI: InterfaceType
PPP: InterfaceType
NO_SOURCE: InterfaceConfigurationSource
DHCP: InterfaceConfigurationSource
STATIC: InterfaceConfigurationSource
SLAAC: InterfaceConfigurationSource
DHCPV6: InterfaceConfigurationSource
NO_SECURITY: WiFiSecurity
WEP: WiFiSecurity
WPA_PSK: WiFiSecurity
WPA2_PSK: WiFiSecurity
WPA_WPA2_PSK: WiFiSecurity
WPA3_PSK: WiFiSecurity
WPA2_WPA3_PSK: WiFiSecurity
INVALID_SIM_TYPE: SimType
INTERNAL: SimType
EXTERNAL: SimType

class GetDeviceIdRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDeviceIdReply(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetSerialNumberRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSerialNumberReply(_message.Message):
    __slots__ = ("serial",)
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    serial: str
    def __init__(self, serial: _Optional[str] = ...) -> None: ...

class GetSystemVersionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSystemVersionReply(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class StartListeningModeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartListeningModeReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StopListeningModeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StopListeningModeReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDeviceModeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDeviceModeReply(_message.Message):
    __slots__ = ("mode",)
    MODE_FIELD_NUMBER: _ClassVar[int]
    mode: DeviceMode
    def __init__(self, mode: _Optional[_Union[DeviceMode, str]] = ...) -> None: ...

class SetDeviceSetupDoneRequest(_message.Message):
    __slots__ = ("done",)
    DONE_FIELD_NUMBER: _ClassVar[int]
    done: bool
    def __init__(self, done: bool = ...) -> None: ...

class IsDeviceSetupDoneRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IsDeviceSetupDoneReply(_message.Message):
    __slots__ = ("done",)
    DONE_FIELD_NUMBER: _ClassVar[int]
    done: bool
    def __init__(self, done: bool = ...) -> None: ...

class GetProtectedStateRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetProtectedStateReply(_message.Message):
    __slots__ = ("state", "overridden")
    STATE_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_FIELD_NUMBER: _ClassVar[int]
    state: bool
    overridden: bool
    def __init__(self, state: bool = ..., overridden: bool = ...) -> None: ...

class Module(_message.Message):
    __slots__ = ("type", "index", "version", "size", "validity", "dependencies")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INVALID_TYPE: _ClassVar[Module.Type]
        BOOTLOADER: _ClassVar[Module.Type]
        SYSTEM_PART: _ClassVar[Module.Type]
        USER_PART: _ClassVar[Module.Type]
        MONO_FIRMWARE: _ClassVar[Module.Type]
        NCP_FIRMWARE: _ClassVar[Module.Type]
        RADIO_STACK: _ClassVar[Module.Type]
    INVALID_TYPE: Module.Type
    BOOTLOADER: Module.Type
    SYSTEM_PART: Module.Type
    USER_PART: Module.Type
    MONO_FIRMWARE: Module.Type
    NCP_FIRMWARE: Module.Type
    RADIO_STACK: Module.Type
    class Dependency(_message.Message):
        __slots__ = ("type", "index", "version")
        TYPE_FIELD_NUMBER: _ClassVar[int]
        INDEX_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        type: Module.Type
        index: int
        version: int
        def __init__(self, type: _Optional[_Union[Module.Type, str]] = ..., index: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    type: Module.Type
    index: int
    version: int
    size: int
    validity: int
    dependencies: _containers.RepeatedCompositeFieldContainer[Module.Dependency]
    def __init__(self, type: _Optional[_Union[Module.Type, str]] = ..., index: _Optional[int] = ..., version: _Optional[int] = ..., size: _Optional[int] = ..., validity: _Optional[int] = ..., dependencies: _Optional[_Iterable[_Union[Module.Dependency, _Mapping]]] = ...) -> None: ...

class FirmwareModule(_message.Message):
    __slots__ = ("type", "index", "version", "store", "max_size", "checked_flags", "passed_flags", "hash", "dependencies", "asset_dependencies", "size")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INVALID: _ClassVar[FirmwareModule.Type]
        RESOURCE: _ClassVar[FirmwareModule.Type]
        BOOTLOADER: _ClassVar[FirmwareModule.Type]
        MONO_FIRMWARE: _ClassVar[FirmwareModule.Type]
        SYSTEM_PART: _ClassVar[FirmwareModule.Type]
        USER_PART: _ClassVar[FirmwareModule.Type]
        SETTINGS: _ClassVar[FirmwareModule.Type]
        NCP_FIRMWARE: _ClassVar[FirmwareModule.Type]
        RADIO_STACK: _ClassVar[FirmwareModule.Type]
        ASSET: _ClassVar[FirmwareModule.Type]
    INVALID: FirmwareModule.Type
    RESOURCE: FirmwareModule.Type
    BOOTLOADER: FirmwareModule.Type
    MONO_FIRMWARE: FirmwareModule.Type
    SYSTEM_PART: FirmwareModule.Type
    USER_PART: FirmwareModule.Type
    SETTINGS: FirmwareModule.Type
    NCP_FIRMWARE: FirmwareModule.Type
    RADIO_STACK: FirmwareModule.Type
    ASSET: FirmwareModule.Type
    class Store(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        MAIN: _ClassVar[FirmwareModule.Store]
        FACTORY: _ClassVar[FirmwareModule.Store]
        BACKUP: _ClassVar[FirmwareModule.Store]
        SCRATCHPAD: _ClassVar[FirmwareModule.Store]
    MAIN: FirmwareModule.Store
    FACTORY: FirmwareModule.Store
    BACKUP: FirmwareModule.Store
    SCRATCHPAD: FirmwareModule.Store
    class Dependency(_message.Message):
        __slots__ = ("type", "index", "version")
        TYPE_FIELD_NUMBER: _ClassVar[int]
        INDEX_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        type: FirmwareModule.Type
        index: int
        version: int
        def __init__(self, type: _Optional[_Union[FirmwareModule.Type, str]] = ..., index: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FLAGS_FIELD_NUMBER: _ClassVar[int]
    PASSED_FLAGS_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    ASSET_DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    type: FirmwareModule.Type
    index: int
    version: int
    store: FirmwareModule.Store
    max_size: int
    checked_flags: int
    passed_flags: int
    hash: bytes
    dependencies: _containers.RepeatedCompositeFieldContainer[FirmwareModule.Dependency]
    asset_dependencies: _containers.RepeatedCompositeFieldContainer[FirmwareModuleAsset]
    size: int
    def __init__(self, type: _Optional[_Union[FirmwareModule.Type, str]] = ..., index: _Optional[int] = ..., version: _Optional[int] = ..., store: _Optional[_Union[FirmwareModule.Store, str]] = ..., max_size: _Optional[int] = ..., checked_flags: _Optional[int] = ..., passed_flags: _Optional[int] = ..., hash: _Optional[bytes] = ..., dependencies: _Optional[_Iterable[_Union[FirmwareModule.Dependency, _Mapping]]] = ..., asset_dependencies: _Optional[_Iterable[_Union[FirmwareModuleAsset, _Mapping]]] = ..., size: _Optional[int] = ...) -> None: ...

class GetModuleInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetModuleInfoReply(_message.Message):
    __slots__ = ("modules", "firmware_modules")
    MODULES_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_MODULES_FIELD_NUMBER: _ClassVar[int]
    modules: _containers.RepeatedCompositeFieldContainer[Module]
    firmware_modules: _containers.RepeatedCompositeFieldContainer[FirmwareModule]
    def __init__(self, modules: _Optional[_Iterable[_Union[Module, _Mapping]]] = ..., firmware_modules: _Optional[_Iterable[_Union[FirmwareModule, _Mapping]]] = ...) -> None: ...

class FirmwareModuleAsset(_message.Message):
    __slots__ = ("hash", "name", "size", "storage_size")
    HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    STORAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    hash: bytes
    name: str
    size: int
    storage_size: int
    def __init__(self, hash: _Optional[bytes] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., storage_size: _Optional[int] = ...) -> None: ...

class GetAssetInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAssetInfoReply(_message.Message):
    __slots__ = ("available", "required")
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    available: _containers.RepeatedCompositeFieldContainer[FirmwareModuleAsset]
    required: _containers.RepeatedCompositeFieldContainer[FirmwareModuleAsset]
    def __init__(self, available: _Optional[_Iterable[_Union[FirmwareModuleAsset, _Mapping]]] = ..., required: _Optional[_Iterable[_Union[FirmwareModuleAsset, _Mapping]]] = ...) -> None: ...

class GetSecurityKeyRequest(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: SecurityKeyType
    def __init__(self, type: _Optional[_Union[SecurityKeyType, str]] = ...) -> None: ...

class GetSecurityKeyReply(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class GetServerAddressRequest(_message.Message):
    __slots__ = ("protocol",)
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    protocol: ServerProtocolType
    def __init__(self, protocol: _Optional[_Union[ServerProtocolType, str]] = ...) -> None: ...

class GetServerAddressReply(_message.Message):
    __slots__ = ("address", "port")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    address: str
    port: int
    def __init__(self, address: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class GetServerProtocolRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerProtocolReply(_message.Message):
    __slots__ = ("protocol",)
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    protocol: ServerProtocolType
    def __init__(self, protocol: _Optional[_Union[ServerProtocolType, str]] = ...) -> None: ...

class StartNyanSignalRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StopNyanSignalRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloudGetConnectionStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloudGetConnectionStatusReply(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: CloudConnectionStatus
    def __init__(self, status: _Optional[_Union[CloudConnectionStatus, str]] = ...) -> None: ...

class InterfaceEntry(_message.Message):
    __slots__ = ("index", "name", "type")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    type: InterfaceType
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[_Union[InterfaceType, str]] = ...) -> None: ...

class NetworkGetInterfaceListRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NetworkGetInterfaceListReply(_message.Message):
    __slots__ = ("interfaces",)
    INTERFACES_FIELD_NUMBER: _ClassVar[int]
    interfaces: _containers.RepeatedCompositeFieldContainer[InterfaceEntry]
    def __init__(self, interfaces: _Optional[_Iterable[_Union[InterfaceEntry, _Mapping]]] = ...) -> None: ...

class Ipv4Address(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: int
    def __init__(self, address: _Optional[int] = ...) -> None: ...

class Ipv6Address(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: bytes
    def __init__(self, address: _Optional[bytes] = ...) -> None: ...

class IpAddress(_message.Message):
    __slots__ = ("v4", "v6")
    V4_FIELD_NUMBER: _ClassVar[int]
    V6_FIELD_NUMBER: _ClassVar[int]
    v4: Ipv4Address
    v6: Ipv6Address
    def __init__(self, v4: _Optional[_Union[Ipv4Address, _Mapping]] = ..., v6: _Optional[_Union[Ipv6Address, _Mapping]] = ...) -> None: ...

class InterfaceAddress(_message.Message):
    __slots__ = ("address", "prefix_length")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PREFIX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    address: IpAddress
    prefix_length: int
    def __init__(self, address: _Optional[_Union[IpAddress, _Mapping]] = ..., prefix_length: _Optional[int] = ...) -> None: ...

class Ipv4Config(_message.Message):
    __slots__ = ("addresses", "peer", "gateway", "dns", "source")
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    DNS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    addresses: _containers.RepeatedCompositeFieldContainer[InterfaceAddress]
    peer: Ipv4Address
    gateway: Ipv4Address
    dns: _containers.RepeatedCompositeFieldContainer[Ipv4Address]
    source: InterfaceConfigurationSource
    def __init__(self, addresses: _Optional[_Iterable[_Union[InterfaceAddress, _Mapping]]] = ..., peer: _Optional[_Union[Ipv4Address, _Mapping]] = ..., gateway: _Optional[_Union[Ipv4Address, _Mapping]] = ..., dns: _Optional[_Iterable[_Union[Ipv4Address, _Mapping]]] = ..., source: _Optional[_Union[InterfaceConfigurationSource, str]] = ...) -> None: ...

class Ipv6Config(_message.Message):
    __slots__ = ("addresses", "dns", "source", "gateway")
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    DNS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    addresses: _containers.RepeatedCompositeFieldContainer[InterfaceAddress]
    dns: _containers.RepeatedCompositeFieldContainer[Ipv6Address]
    source: InterfaceConfigurationSource
    gateway: Ipv6Address
    def __init__(self, addresses: _Optional[_Iterable[_Union[InterfaceAddress, _Mapping]]] = ..., dns: _Optional[_Iterable[_Union[Ipv6Address, _Mapping]]] = ..., source: _Optional[_Union[InterfaceConfigurationSource, str]] = ..., gateway: _Optional[_Union[Ipv6Address, _Mapping]] = ...) -> None: ...

class Interface(_message.Message):
    __slots__ = ("index", "name", "type", "flags", "ext_flags", "ipv4_config", "ipv6_config", "hw_address", "mtu", "metric", "profile")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXT_FLAGS_FIELD_NUMBER: _ClassVar[int]
    IPV4_CONFIG_FIELD_NUMBER: _ClassVar[int]
    IPV6_CONFIG_FIELD_NUMBER: _ClassVar[int]
    HW_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MTU_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    type: InterfaceType
    flags: int
    ext_flags: int
    ipv4_config: Ipv4Config
    ipv6_config: Ipv6Config
    hw_address: bytes
    mtu: int
    metric: int
    profile: bytes
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[_Union[InterfaceType, str]] = ..., flags: _Optional[int] = ..., ext_flags: _Optional[int] = ..., ipv4_config: _Optional[_Union[Ipv4Config, _Mapping]] = ..., ipv6_config: _Optional[_Union[Ipv6Config, _Mapping]] = ..., hw_address: _Optional[bytes] = ..., mtu: _Optional[int] = ..., metric: _Optional[int] = ..., profile: _Optional[bytes] = ...) -> None: ...

class NetworkGetInterfaceRequest(_message.Message):
    __slots__ = ("index",)
    INDEX_FIELD_NUMBER: _ClassVar[int]
    index: int
    def __init__(self, index: _Optional[int] = ...) -> None: ...

class NetworkGetInterfaceReply(_message.Message):
    __slots__ = ("interface",)
    INTERFACE_FIELD_NUMBER: _ClassVar[int]
    interface: Interface
    def __init__(self, interface: _Optional[_Union[Interface, _Mapping]] = ...) -> None: ...

class WiFiGetCurrentNetworkRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WiFiGetCurrentNetworkReply(_message.Message):
    __slots__ = ("ssid", "bssid", "channel", "rssi")
    SSID_FIELD_NUMBER: _ClassVar[int]
    BSSID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RSSI_FIELD_NUMBER: _ClassVar[int]
    ssid: str
    bssid: bytes
    channel: int
    rssi: int
    def __init__(self, ssid: _Optional[str] = ..., bssid: _Optional[bytes] = ..., channel: _Optional[int] = ..., rssi: _Optional[int] = ...) -> None: ...

class WiFiScannedNetwork(_message.Message):
    __slots__ = ("ssid", "bssid", "security", "channel", "rssi")
    SSID_FIELD_NUMBER: _ClassVar[int]
    BSSID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RSSI_FIELD_NUMBER: _ClassVar[int]
    ssid: str
    bssid: bytes
    security: WiFiSecurity
    channel: int
    rssi: int
    def __init__(self, ssid: _Optional[str] = ..., bssid: _Optional[bytes] = ..., security: _Optional[_Union[WiFiSecurity, str]] = ..., channel: _Optional[int] = ..., rssi: _Optional[int] = ...) -> None: ...

class WiFiScanNetworksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WiFiScanNetworksReply(_message.Message):
    __slots__ = ("networks",)
    NETWORKS_FIELD_NUMBER: _ClassVar[int]
    networks: _containers.RepeatedCompositeFieldContainer[WiFiScannedNetwork]
    def __init__(self, networks: _Optional[_Iterable[_Union[WiFiScannedNetwork, _Mapping]]] = ...) -> None: ...

class CellularAccessPoint(_message.Message):
    __slots__ = ("apn", "user", "password", "use_defaults")
    APN_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    USE_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    apn: str
    user: str
    password: str
    use_defaults: bool
    def __init__(self, apn: _Optional[str] = ..., user: _Optional[str] = ..., password: _Optional[str] = ..., use_defaults: bool = ...) -> None: ...

class CellularGetAccessPointRequest(_message.Message):
    __slots__ = ("sim_type",)
    SIM_TYPE_FIELD_NUMBER: _ClassVar[int]
    sim_type: SimType
    def __init__(self, sim_type: _Optional[_Union[SimType, str]] = ...) -> None: ...

class CellularGetAccessPointReply(_message.Message):
    __slots__ = ("access_point",)
    ACCESS_POINT_FIELD_NUMBER: _ClassVar[int]
    access_point: CellularAccessPoint
    def __init__(self, access_point: _Optional[_Union[CellularAccessPoint, _Mapping]] = ...) -> None: ...

class CellularGetActiveSimRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CellularGetActiveSimReply(_message.Message):
    __slots__ = ("sim_type",)
    SIM_TYPE_FIELD_NUMBER: _ClassVar[int]
    sim_type: SimType
    def __init__(self, sim_type: _Optional[_Union[SimType, str]] = ...) -> None: ...

class CellularGetIccidRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CellularGetIccidReply(_message.Message):
    __slots__ = ("iccid", "imei")
    ICCID_FIELD_NUMBER: _ClassVar[int]
    IMEI_FIELD_NUMBER: _ClassVar[int]
    iccid: str
    imei: str
    def __init__(self, iccid: _Optional[str] = ..., imei: _Optional[str] = ...) -> None: ...

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
NORMAL_MODE: DeviceMode
LISTENING_MODE: DeviceMode
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
    __slots__ = ("type", "index", "version", "store", "max_size", "checked_flags", "passed_flags", "hash", "dependencies", "size")
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
    size: int
    def __init__(self, type: _Optional[_Union[FirmwareModule.Type, str]] = ..., index: _Optional[int] = ..., version: _Optional[int] = ..., store: _Optional[_Union[FirmwareModule.Store, str]] = ..., max_size: _Optional[int] = ..., checked_flags: _Optional[int] = ..., passed_flags: _Optional[int] = ..., hash: _Optional[bytes] = ..., dependencies: _Optional[_Iterable[_Union[FirmwareModule.Dependency, _Mapping]]] = ..., size: _Optional[int] = ...) -> None: ...

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

class Interface(_message.Message):
    __slots__ = ("index", "name", "type", "flags", "ext_flags", "hw_address", "mtu", "metric", "profile")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXT_FLAGS_FIELD_NUMBER: _ClassVar[int]
    HW_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MTU_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    type: InterfaceType
    flags: int
    ext_flags: int
    hw_address: bytes
    mtu: int
    metric: int
    profile: bytes
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[_Union[InterfaceType, str]] = ..., flags: _Optional[int] = ..., ext_flags: _Optional[int] = ..., hw_address: _Optional[bytes] = ..., mtu: _Optional[int] = ..., metric: _Optional[int] = ..., profile: _Optional[bytes] = ...) -> None: ...

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

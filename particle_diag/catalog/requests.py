"""Control-request type numbers (Device OS ``ctrl_request_type``).

Source: device-os ``system/inc/system_control.h`` (enum ctrl_request_type),
https://github.com/particle-iot/device-os/blob/develop/system/inc/system_control.h, and particle-usb
``src/request-type.js``.  Every other module names a request through this enum, never by its number.
"""

from __future__ import annotations

from enum import IntEnum


class RequestType(IntEnum):
    """Numeric control-request types (Device OS ``ctrl_request_type``).

    The raw 'P' requests (bRequest 0x50) use the same numbers in wIndex: 20 device ID, 30 version, 40 reset,
    302 cloud disconnect (device-os ``hal/src/*/usb_hal.cpp``, particle-usb ``src/usb-device.js``)."""

    ECHO = 1
    APP_CUSTOM = 10
    DEVICE_ID = 20
    SERIAL_NUMBER = 21
    SYSTEM_VERSION = 30
    RESET = 40
    DFU_MODE = 50
    SAFE_MODE = 60
    START_LISTENING = 70
    STOP_LISTENING = 71
    GET_DEVICE_MODE = 72
    # Gen 3 "setup done" flag (DCT byte; device-os system/src/control/config.cpp; device-os-protobuf
    # control/config.proto SetDeviceSetupDoneRequest/IsDeviceSetupDoneRequest type_id 73/74).
    SET_DEVICE_SETUP_DONE = 73
    IS_DEVICE_SETUP_DONE = 74
    GET_PROTECTED_STATE = 76
    SET_PROTECTED_STATE = 77
    GET_MODULE_INFO = 90
    # The assets on the device and those its application needs (device-os system/inc/system_control.h
    # CTRL_REQUEST_GET_ASSET_INFO, handler getAssetInfo in system/src/control/storage.cpp; device-os-protobuf
    # control/storage.proto GetAssetInfoRequest type_id 91; particle-usb src/device.js getAssetInfo).
    GET_ASSET_INFO = 91
    DIAGNOSTIC_INFO = 100
    # Server key, address and protocol (control/config.proto GetSecurityKeyRequest 211,
    # GetServerAddressRequest 221, GetServerProtocolRequest 223); Device OS answers them only on Gen 2
    # (config.cpp `#if !HAL_PLATFORM_NRF52840` up to 3.x; NOT_SUPPORTED everywhere from 4.0.0).
    GET_SECURITY_KEY = 211
    GET_SERVER_ADDRESS = 221
    GET_SERVER_PROTOCOL = 223
    # The rainbow ("nyan") LED signal (control/config.proto StartNyanSignalRequest 230 / Stop 231;
    # config.cpp handleStartNyanRequest -> Spark_Signal; particle-usb src/device.js startNyanSignal).
    START_NYAN_SIGNAL = 230
    STOP_NYAN_SIGNAL = 231
    # Firmware update over USB (device-os system/inc/system_control.h CTRL_REQUEST_*_FIRMWARE_UPDATE, handlers in
    # system/src/control/storage.cpp; particle-usb src/request.js and src/device.js updateFirmware).
    START_FIRMWARE_UPDATE = 250
    FINISH_FIRMWARE_UPDATE = 251
    CANCEL_FIRMWARE_UPDATE = 252
    FIRMWARE_UPDATE_DATA = 253
    CLOUD_GET_CONNECTION_STATUS = 300
    CLOUD_DISCONNECT = 302
    NETWORK_GET_INTERFACE_LIST = 400
    NETWORK_GET_INTERFACE = 401
    # Wi-Fi (control/wifi_new.proto GetCurrentNetworkRequest 505, ScanNetworksRequest 506; particle-usb
    # src/wifi-device.js getCurrentWifiNetwork / scanWifiNetworks): Gen 3+ Wi-Fi platforms.
    WIFI_GET_CURRENT_NETWORK = 505
    WIFI_SCAN_NETWORKS = 506
    # Cellular (control/cellular.proto GetAccessPointRequest 551, GetActiveSimRequest 553; particle-usb
    # src/cellular-device.js getActiveSim).
    CELLULAR_GET_ACCESS_POINT = 551
    CELLULAR_GET_ACTIVE_SIM = 553
    CELLULAR_GET_ICCID = 554
    # Log handlers (device-os-protobuf control/logging.proto type_id options; particle-usb src/request.js)
    ADD_LOG_HANDLER = 1100
    REMOVE_LOG_HANDLER = 1101
    GET_LOG_HANDLERS = 1102


class ServiceRequest(IntEnum):
    """bRequest of the vendor control transfers that carry a control request (the "service"), and of the raw
    'P' requests answered at once.  Source: particle-usb ``src/proto.js`` (ServiceType, PARTICLE_BREQUEST),
    https://github.com/particle-iot/particle-usb/blob/main/src/proto.js."""

    INIT = 1
    CHECK = 2
    SEND = 3
    RECV = 4
    RESET = 5
    RAW = 0x50  # ASCII 'P': wIndex is a RequestType (20 device ID, 30 version, 40 reset, ...)


class ServiceStatus(IntEnum):
    """The status field of a service reply.  Source: particle-usb ``src/proto.js`` (Status)."""

    OK = 0
    ERROR = 1
    PENDING = 2
    BUSY = 3
    NO_MEMORY = 4
    NOT_FOUND = 5

"""The numbers of USB DFU 1.1 and of ST's DfuSe extension as Particle bootloaders use them.

Sources: USB Device Firmware Upgrade Specification 1.1, https://www.usb.org/sites/default/files/DFU_1.1.pdf
(requests, states, status codes); ST AN3156 "USB DFU protocol used in the STM32 bootloader",
https://www.st.com/resource/en/application_note/an3156-usb-dfu-protocol-used-in-the-stm32-bootloader-stmicroelectronics.pdf
(DfuSe commands); device-os ``bootloader/src/nRF52840/usbd_dfu.h`` and ``usbd_dfu.cpp``,
https://github.com/particle-iot/device-os/tree/develop/bootloader/src/nRF52840 (the same numbers, and Particle's
own commands); particle-usb ``src/dfu.js``, https://github.com/particle-iot/particle-usb/blob/main/src/dfu.js.
Every other module names them through these enums.
"""

from __future__ import annotations

from enum import IntEnum


class DfuRequest(IntEnum):
    """bRequest values (DFU 1.1 section 3, table 3.2)."""

    DETACH = 0
    DNLOAD = 1
    UPLOAD = 2
    GETSTATUS = 3
    CLRSTATUS = 4
    GETSTATE = 5
    ABORT = 6


class DfuState(IntEnum):
    """bState values (DFU 1.1 section 6.1.2); ``label`` is the spec's spelling."""

    APP_IDLE = 0
    APP_DETACH = 1
    DFU_IDLE = 2
    DFU_DNLOAD_SYNC = 3
    DFU_DNBUSY = 4
    DFU_DNLOAD_IDLE = 5
    DFU_MANIFEST_SYNC = 6
    DFU_MANIFEST = 7
    DFU_MANIFEST_WAIT_RESET = 8
    DFU_UPLOAD_IDLE = 9
    DFU_ERROR = 10

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    DfuState.APP_IDLE: "appIDLE",
    DfuState.APP_DETACH: "appDETACH",
    DfuState.DFU_IDLE: "dfuIDLE",
    DfuState.DFU_DNLOAD_SYNC: "dfuDNLOAD-SYNC",
    DfuState.DFU_DNBUSY: "dfuDNBUSY",
    DfuState.DFU_DNLOAD_IDLE: "dfuDNLOAD-IDLE",
    DfuState.DFU_MANIFEST_SYNC: "dfuMANIFEST-SYNC",
    DfuState.DFU_MANIFEST: "dfuMANIFEST",
    DfuState.DFU_MANIFEST_WAIT_RESET: "dfuMANIFEST-WAIT-RESET",
    DfuState.DFU_UPLOAD_IDLE: "dfuUPLOAD-IDLE",
    DfuState.DFU_ERROR: "dfuERROR",
}


class DfuStatusCode(IntEnum):
    """bStatus values (DFU 1.1 section 6.1.2); the member name is the spec's name."""

    OK = 0x00
    errTARGET = 0x01
    errFILE = 0x02
    errWRITE = 0x03
    errERASE = 0x04
    errCHECK_ERASED = 0x05
    errPROG = 0x06
    errVERIFY = 0x07
    errADDRESS = 0x08
    errNOTDONE = 0x09
    errFIRMWARE = 0x0A
    errVENDOR = 0x0B
    errUSBR = 0x0C
    errPOR = 0x0D
    errUNKNOWN = 0x0E
    errSTALLEDPKT = 0x0F

    @property
    def meaning(self) -> str:
        return _STATUS_MEANINGS[self]


_STATUS_MEANINGS = {  # paraphrased from the DFU 1.1 spec, table 6.2
    DfuStatusCode.OK: "no error",
    DfuStatusCode.errTARGET: "the address or memory is not a target this device accepts",
    DfuStatusCode.errFILE: "the file failed a vendor verification test",
    DfuStatusCode.errWRITE: "the device could not write the memory",
    DfuStatusCode.errERASE: "the memory erase failed",
    DfuStatusCode.errCHECK_ERASED: "the memory erase check failed",
    DfuStatusCode.errPROG: "the program-memory function failed",
    DfuStatusCode.errVERIFY: "the programmed memory failed verification",
    DfuStatusCode.errADDRESS: "the address is out of range",
    DfuStatusCode.errNOTDONE: "a zero-length download arrived before the data was complete",
    DfuStatusCode.errFIRMWARE: "the device firmware is corrupt",
    DfuStatusCode.errVENDOR: "a vendor-specific error (Particle: the device is protected)",
    DfuStatusCode.errUSBR: "an unexpected USB reset was detected",
    DfuStatusCode.errPOR: "an unexpected power-on reset was detected",
    DfuStatusCode.errUNKNOWN: "something went wrong, the device does not say what",
    DfuStatusCode.errSTALLEDPKT: "the device stalled an unexpected request",
}


class DfuseCommand(IntEnum):
    """DfuSe special commands: DNLOAD block 0, first byte (ST AN3156 section 6; Particle adds 0xFA and 0xFB,
    handled in device-os ``bootloader/src/nRF52840/usbd_dfu.cpp``; GET_COMMANDS on a Gen 3 bootloader lists
    ``00 21 41 FA FB``)."""

    GET_COMMANDS = 0x00
    SET_ADDRESS = 0x21
    ERASE_PAGE = 0x41
    READ_UNPROTECT = 0x92
    ENTER_SAFE_MODE = 0xFA  # Particle
    CLEAR_PROTECTION_OVERRIDE = 0xFB  # Particle

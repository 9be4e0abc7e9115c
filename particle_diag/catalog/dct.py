"""Where Device OS keeps the cloud server's key and address in its configuration (DCT), which DFU alt 1 exposes.

Offsets in the DCT alt (``application_dct_t``), the same on Gen 2 STM32, Gen 3 nRF52840 and rtl872x: device-os
``platform/MCU/STM32F2xx/SPARK_Firmware_Driver/inc/dct.h`` at v3.3.1 asserts them
(``STATIC_ASSERT_DCT_OFFSET(alt_server_public_key, 3298)``, ``alt_server_address, 3490``); the nRF52840 and
rtl872x ``platform/MCU/*/inc/dct.h`` (develop) lay the struct out identically
(https://github.com/particle-iot/device-os); particle-cli reads the same offsets (``src/lib/device-specs.js``,
https://github.com/particle-iot/particle-cli).  TCP (Photon, P1): the server key at ``server_public_key`` (2082,
768 bytes reserved, an RSA key of 294 DER bytes) and its address 384 bytes in (``DCT_SERVER_ADDRESS_OFFSET``).
UDP (every other platform): ``alt_server_public_key`` (192 bytes, an EC P-256 key of 91 DER bytes) and
``alt_server_address``.

The address block (``ServerAddress``, hal/inc/ota_flash_hal.h, 128 bytes): byte 0 the type (0 IP address,
1 domain name, 0xff invalid), byte 1 the length, then the name (64 bytes) or a big-endian IPv4 address, then the
port as a little-endian uint16 at byte 66 (hal/shared/parse_server_address.h reads it so).
"""

from __future__ import annotations

DCT_ALT = 1
SERVER = {  # protocol -> (key offset, key area size, address offset)
    "tcp": (2082, 384, 2082 + 384),
    "udp": (3298, 192, 3490),
}
ADDRESS_SIZE = 128
ADDRESS_IP, ADDRESS_DOMAIN = 0, 1
PORT_OFFSET = 66


def protocol_of(generation: int, cellular: bool) -> str:
    """The protocol a platform's Device OS connects with: TCP on Gen 2 Wi-Fi (Photon, P1), UDP everywhere else
    (the DCT ``cloud_transport`` byte can switch an Electron to TCP; pdiag does not read it: UNVERIFIED in use)."""
    return "tcp" if generation == 2 and not cellular else "udp"

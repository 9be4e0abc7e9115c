"""Particle's cloud endpoints as Device OS stores them in its configuration (DCT), to tell whether a device's
server address is Particle's.

Sources: device-os system/src/server_config.cpp (develop, 6.2.0): DEFAULT_UDP_SERVER_ADDRESS "$id.udp.particle.io"
port 5684, DEFAULT_TCP_SERVER_ADDRESS "device.tcp.particle.io" port 5683; older firmware falls back to
"device.spark.io" (system/src/system_cloud_connection.cpp at v3.3.1).  "$id" is replaced by the device ID when
connecting (system_interpolate_cloud_server_hostname), so the stored address keeps it.
"""

from __future__ import annotations

DEFAULTS = {"udp": ("$id.udp.particle.io", 5684), "tcp": ("device.tcp.particle.io", 5683)}
PARTICLE_DOMAINS = ("particle.io", "spark.io")


def is_particle_cloud(address: str) -> bool:
    """Whether ``address`` names Particle's cloud (a host under particle.io or spark.io)."""
    host = address.strip().lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in PARTICLE_DOMAINS)

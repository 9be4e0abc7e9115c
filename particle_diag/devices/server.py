"""``keys``: the cloud server a device will connect to (protocol, address, port) and what can be read of the
server's public key, without changing anything.

Over USB control requests (223 protocol, 221 address, 211 security key of type TCP/UDP server public key;
device-os-protobuf control/config.proto): Device OS implements them only on Gen 2 up to 3.x
(system/src/control/config.cpp ``#if !HAL_PLATFORM_NRF52840``; NOT_SUPPORTED everywhere from 4.0.0).  On other
devices the control requests cannot read them; in DFU mode pdiag reads them from the DCT (DFU alt 1, offsets in
catalog/dct.py), as particle-cli's `particle keys server` / `keys doctor` do: DfuSe uploads only, nothing is written.
Only the server's *public* key is ever read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from particle_diag.catalog import capabilities
from particle_diag.catalog.cloud_servers import is_particle_cloud
from particle_diag.catalog.requests import RequestType as R
from particle_diag.devices.discovery import DeviceRecord
from particle_diag.devices.host import Host
from particle_diag.devices.session import control_session
from particle_diag.devices.vitals import require_firmware
from particle_diag.errors import UnsupportedError
from particle_diag.protocol import messages
from particle_diag.protocol.toolkit_messages import SERVER_KEY_TYPE, SERVER_PROTOCOLS


@dataclass
class ServerFacts:
    readable: bool
    protocol: str | None = None  # "udp" | "tcp"
    address: str | None = None  # as stored, e.g. "$id.udp.particle.io"
    port: int | None = None
    particle_cloud: bool | None = None  # the address is under particle.io / spark.io
    key_sha256: str | None = None  # of the server public key's DER bytes
    key_bytes: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"server": {"readable": self.readable, "protocol": self.protocol, "address": self.address,
                           "port": self.port, "particle_cloud": self.particle_cloud, "key_sha256": self.key_sha256,
                           "key_bytes": self.key_bytes}, "notes": list(self.notes)}


NOT_READABLE = ("the server settings are not readable over USB control requests on this device: Device OS answers "
                "requests 211, 221 and 223 only on Gen 2 up to 3.x")


def _finish(facts: ServerFacts, key: bytes | None) -> ServerFacts:
    if facts.address is not None:
        facts.particle_cloud = is_particle_cloud(facts.address)
        if not facts.particle_cloud:
            facts.notes.append(f"{facts.address} is not Particle's cloud: the device connects to another server")
    else:
        facts.notes.append("no server address is stored: Device OS falls back to its default")
    if key:
        facts.key_sha256, facts.key_bytes = hashlib.sha256(key).hexdigest(), len(key)
    else:
        facts.notes.append("no server public key is stored (erased): the device cannot connect to the cloud")
    return facts


def _from_dct(record: DeviceRecord, host: Host) -> ServerFacts:
    """Read-only DfuSe uploads of the DCT's server key and address (catalog/dct.py)."""
    from particle_diag.catalog import dct
    from particle_diag.devices.dfu_session import dfu_session, read_memory
    from particle_diag.protocol.dct import der_length, server_address

    p = record.platform
    assert p is not None
    protocol = dct.protocol_of(p.generation, p.has("cellular"))
    key_at, key_size, address_at = dct.SERVER[protocol]
    with dfu_session(record, host) as session:
        area, _ = read_memory(session, dct.DCT_ALT, key_at, key_size)
        block, _ = read_memory(session, dct.DCT_ALT, address_at, dct.ADDRESS_SIZE)
    size = der_length(area)
    found = server_address(block)
    facts = ServerFacts(True, protocol, found[0] if found else None, found[1] if found else None,
                        notes=["read from the DCT over DFU (alt 1)"])
    return _finish(facts, area[:size] if size else None)


def server_facts(record: DeviceRecord, host: Host) -> ServerFacts:
    if record.mode == "dfu" and record.platform is not None and record.platform.dfu_alts:
        return _from_dct(record, host)
    require_firmware(record, "the server settings")
    p = record.platform
    assert p is not None
    if not capabilities.supports_request(p.generation, record.device_os or "0.0.0", R.GET_SERVER_ADDRESS):
        return ServerFacts(False, notes=[NOT_READABLE + "; in DFU mode pdiag reads them from the DCT "
                                         "(`pdiag enter dfu`, `pdiag keys`, then `pdiag reset`)"])
    facts = ServerFacts(True)
    with control_session(record, host) as client:
        try:
            reply = messages.decode_reply(R.GET_SERVER_PROTOCOL, client.call(R.GET_SERVER_PROTOCOL))
        except UnsupportedError:
            return ServerFacts(False, notes=[NOT_READABLE])
        facts.protocol = reply.protocol
        number = next((n for n, name in SERVER_PROTOCOLS.items() if name == reply.protocol), 0)
        address = messages.decode_reply(R.GET_SERVER_ADDRESS, client.call(
            R.GET_SERVER_ADDRESS, messages.encode_request(R.GET_SERVER_ADDRESS, protocol=number)))
        facts.address, facts.port = address.address, address.port
        key_type = SERVER_KEY_TYPE.get(reply.protocol)
        key = None
        if key_type is not None:
            key = messages.decode_reply(R.GET_SECURITY_KEY, client.call(
                R.GET_SECURITY_KEY, messages.encode_request(R.GET_SECURITY_KEY, type=key_type))).data
    return _finish(facts, key)

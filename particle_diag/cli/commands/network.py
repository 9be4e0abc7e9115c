"""``pdiag net`` and ``pdiag keys``: network interfaces, Wi-Fi and cellular settings, and the cloud server a
device will use (docs/vitals.md)."""

from __future__ import annotations

from typing import Any

import typer

from particle_diag.cli.commands.inventory import AllOpt, DeviceArg
from particle_diag.cli.state import AppState


def register(app: typer.Typer) -> None:
    app.command("net", help="Show network interfaces (type, flags, MAC, addresses), the Wi-Fi network and a scan "
                            "on Wi-Fi devices, the active SIM and APN on cellular ones.")(net_command)
    app.command("keys", help="Show the cloud server the device will connect to (protocol, address, port) and the "
                             "fingerprint of its server public key, where Device OS lets them be read.")(keys_command)


def _net_lines(report: Any) -> list[str]:
    lines = []
    for i in report.interfaces:
        lines.append(f"{i.name} ({i.type})  {','.join(i.flags) or '-'}  mtu {i.mtu}"
                     + (f"  mac {i.mac}" if i.mac else "") + (f"  joined {i.profile}" if i.profile else ""))
        for address in i.addresses:
            lines.append(f"    {address}")
        if i.gateway:
            lines.append(f"    gateway {i.gateway}")
    if report.wifi is not None:
        current = report.wifi["current"]
        lines.append("wifi  " + (f"{current['ssid']}  channel {current['channel']}  {current['rssi']} dBm  "
                                 f"bssid {current['bssid']}" if current else "not joined to a network"))
        for n in report.wifi["scan"]:
            lines.append(f"    seen {n['ssid'] or '(hidden)'}  {n['security']}  channel {n['channel']}  "
                         f"{n['rssi']} dBm")
    if report.cellular is not None:
        ap = report.cellular["access_point"]
        apn = "-" if ap is None else "the SIM's default" if ap["use_defaults"] else ap["apn"] or "(empty)"
        lines.append(f"cellular  SIM {report.cellular['active_sim'] or '?'}  APN {apn}")
    return lines


def net_command(ctx: typer.Context, devices: DeviceArg = None, all_devices: AllOpt = False) -> None:
    from particle_diag.cli.commands.bench import run_each
    from particle_diag.devices.network_info import read_network

    state: AppState = ctx.obj
    run_each(state, "net", devices or [], all_devices, lambda r: read_network(r, state.host),
             lambda report: "\n    ".join(["", *_net_lines(report)]))


def _server_line(facts: Any) -> str:
    if not facts.readable:
        return "server settings: not readable over USB"
    where = f"{facts.protocol} {facts.address}:{facts.port}"
    cloud = "Particle's cloud" if facts.particle_cloud else "NOT Particle's cloud"
    key = f"  server key {facts.key_bytes} bytes, SHA-256 {facts.key_sha256}" if facts.key_sha256 else ""
    return f"server {where} ({cloud}){key}"


def keys_command(ctx: typer.Context, devices: DeviceArg = None, all_devices: AllOpt = False) -> None:
    from particle_diag.cli.commands.bench import run_each
    from particle_diag.devices.server import server_facts

    state: AppState = ctx.obj
    run_each(state, "keys", devices or [], all_devices, lambda r: server_facts(r, state.host), _server_line)

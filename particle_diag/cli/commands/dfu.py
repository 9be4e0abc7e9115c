"""``pdiag dfu read|write|erase`` (raw DfuSe memory access) and ``pdiag flash`` (checked module flashing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from particle_diag.catalog import timeouts
from particle_diag.cli.commands.mode import TimeoutOpt
from particle_diag.cli.consent import YesOpt, obtain
from particle_diag.cli.state import AppState
from particle_diag.cli.transfer_bar import TransferBar
from particle_diag.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from particle_diag.devices.dfu_session import DfuSession, TransferReport
    from particle_diag.devices.flashing import PreparedFlash
    from particle_diag.devices.record import DeviceRecord

DeviceOpt = Annotated[str | None, typer.Argument(
    metavar="[DEVICE]", help="Device ID prefix, serial port path or USB path (1-3 or 001:005).")]
AltOpt = Annotated[int, typer.Option("--alt", min=0, metavar="N",
                                     help="DFU alt setting: 0 internal flash, 1 DCT, 2 external flash (Gen 3).")]
AddressOpt = Annotated[str, typer.Option("--address", metavar="A", help="Start address, hex (0x...) or decimal.")]
LengthOpt = Annotated[str, typer.Option("--length", metavar="L", help="Number of bytes, hex (0x...) or decimal.")]
EnterOpt = Annotated[bool, typer.Option("--enter", help="Switch the device to DFU mode first if it is not in it.")]



def register(app: typer.Typer) -> None:
    dfu = typer.Typer(help="Read, write or erase device memory over DFU (DfuSe).", no_args_is_help=True,
                      rich_markup_mode=None)
    dfu.command("info", help="Show the device's DFU memories (alt settings) and their segments.")(info_command)
    dfu.command("read", help="Read memory into FILE.")(read_command)
    dfu.command("write", help="Write FILE into memory (the sectors it touches are erased first).")(write_command)
    dfu.command("erase", help="Erase every sector that the range touches.")(erase_command)
    app.add_typer(dfu, name="dfu")
    app.command("flash", help="Flash a Particle firmware binary: checks its header against the device, writes it "
                              "over DFU, verifies it and restarts the device.")(flash_command)


# -- pdiag dfu ... ----------------------------------------------------------------------------------------------
def info_command(ctx: typer.Context, device: DeviceOpt = None, enter: EnterOpt = False,
                 timeout: TimeoutOpt = timeouts.MODE_CHANGE_S) -> None:
    from particle_diag.cli.output import console, envelope, print_json

    state: AppState = ctx.obj
    with _session(state, device, enter, timeout) as session:
        alts = [{"alt": i, "name": layout.name, "protected": layout.protected,
                 "segments": [{"start": s.start, "end": s.end, "sector_size": s.sector_size,
                               "sectors": s.sector_count, "rights": s.rights} for s in layout.segments]}
                for i, layout in enumerate(session.layouts)]
        data = {"device_id": session.record.device_id, "transfer_size": session.client.transfer_size,
                "alts": alts}
    if state.json:
        print_json(envelope("dfu", {"operation": "info", **data}))
        return
    out = console()
    out.print(f"{data['device_id']}: wTransferSize {data['transfer_size']}")
    for i, layout in enumerate(session.layouts):
        out.print(f"alt {i}  {layout.name}" + ("  [red](protected: erase-only)[/]" if layout.protected else ""))
        for segment in layout.segments:
            out.print(f"    {segment.describe()}")


def read_command(ctx: typer.Context,
                 file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to save the bytes read.")],
                 device: DeviceOpt = None, alt: AltOpt = 0, address: AddressOpt = "",
                 length: LengthOpt = "", enter: EnterOpt = False, timeout: TimeoutOpt = timeouts.MODE_CHANGE_S,
                 yes: YesOpt = False) -> None:
    from particle_diag.devices.dfu_session import read_memory
    from particle_diag.files import check_output, write_atomic

    state: AppState = ctx.obj
    yes = yes or state.yes  # `pdiag --yes CMD` and `pdiag CMD --yes` mean the same
    start, size = parse_number(address, "--address"), parse_length(length)
    overwrite = obtain(lambda consent: check_output(file, overwrite=consent, what="output file"), yes)
    with _session(state, device, enter, timeout) as session, TransferBar(state, "read", start, size) as bar:
        data, report = read_memory(session, alt, start, size, bar.update)
    write_atomic(file, data, overwrite=overwrite, what="output file")
    _finish(state, report, f"read {report.length} bytes from", f"into {file}")


def write_command(ctx: typer.Context,
                  file: Annotated[Path, typer.Argument(metavar="FILE", help="The bytes to write.")],
                  device: DeviceOpt = None, alt: AltOpt = 0, address: AddressOpt = "",
                  verify: Annotated[bool, typer.Option("--verify", help="Read the data back and compare.")] = False,
                  enter: EnterOpt = False, timeout: TimeoutOpt = timeouts.MODE_CHANGE_S, yes: YesOpt = False) -> None:
    from particle_diag.devices.dfu_session import write_memory
    from particle_diag.devices.protection import MAX_DFU_MEMORY, preflight_raw
    from particle_diag.files import read_input

    state: AppState = ctx.obj
    yes = yes or state.yes  # `pdiag --yes CMD` and `pdiag CMD --yes` mean the same
    start = parse_number(address, "--address")
    data = read_input(file, MAX_DFU_MEMORY, what="file to write")
    if not data:
        raise UsageError(f"{file} is empty: nothing to write", reference="usage.file")
    record = _select(state, device)
    consent = obtain(lambda c: preflight_raw(record, alt, start, len(data), consent=c, verb="write"), yes)
    with _session(state, device, enter, timeout, record) as session, \
            TransferBar(state, "write", start, len(data)) as bar:
        rerun = f"pdiag dfu write {file} {record.device_id or ''} --alt {alt} --address 0x{start:X}" \
            + (" --yes" if consent else "")
        report = write_memory(session, alt, start, data, bar.update, verify=verify, consent=consent,
                              rerun=" ".join(rerun.split()))
    _finish(state, report, f"wrote {report.length} bytes to", "(verified)" if verify else "")


def erase_command(ctx: typer.Context, device: DeviceOpt = None, alt: AltOpt = 0, address: AddressOpt = "",
                  length: LengthOpt = "", enter: EnterOpt = False, timeout: TimeoutOpt = timeouts.MODE_CHANGE_S,
                  yes: YesOpt = False) -> None:
    from particle_diag.devices.dfu_session import erase_memory
    from particle_diag.devices.protection import preflight_raw

    state: AppState = ctx.obj
    yes = yes or state.yes  # `pdiag --yes CMD` and `pdiag CMD --yes` mean the same
    start, size = parse_number(address, "--address"), parse_length(length)
    record = _select(state, device)
    consent = obtain(lambda c: preflight_raw(record, alt, start, size, consent=c, verb="erase"), yes)
    with _session(state, device, enter, timeout, record) as session:
        rerun = f"pdiag dfu erase {record.device_id or ''} --alt {alt} --address 0x{start:X} --length 0x{size:X}" \
            + (" --yes" if consent else "")
        report = erase_memory(session, alt, start, size, consent=consent, rerun=" ".join(rerun.split()))
    _finish(state, report, f"erased {report.length} bytes (whole sectors) at", "")


# -- pdiag flash ------------------------------------------------------------------------------------------------
def flash_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A Particle module binary (.bin), or with --restore "
                                                              "a backup saved by --backup.")],
    device: DeviceOpt = None,
    backup: Annotated[Path | None, typer.Option("--backup", metavar="FILE",
                                                help="First save every flash sector the write will erase (kept, "
                                                     "not replaced, when re-running an interrupted flash).")]
    = None,
    factory: Annotated[bool, typer.Option("--factory", help="Write a user part as the backup (factory) image.")]
    = False,
    restore: Annotated[bool, typer.Option("--restore", help="FILE is a backup saved by --backup: write it back "
                                                            "where it came from, byte for byte.")] = False,
    timeout: TimeoutOpt = timeouts.MODE_CHANGE_S,
    yes: YesOpt = False,
) -> None:
    from particle_diag.cli.output import envelope, print_json
    from particle_diag.devices.flashing import flash_device, prepare_flash, prepare_restore, read_image
    from particle_diag.protocol.module_header import parse_module

    state: AppState = ctx.obj
    yes = yes or state.yes  # `pdiag --yes CMD` and `pdiag CMD --yes` mean the same
    if restore and (backup is not None or factory):
        raise UsageError("--restore writes a backup back: it takes neither --backup nor --factory",
                         reference="usage.invalid")
    if not restore:
        image = read_image(file)  # a regular file no larger than any slot: /dev/zero is refused at once
        parse_module(image)  # a truncated, corrupt or foreign file fails before any device is looked at
    record = _select(state, device)
    if restore:
        prepared = _prepare(lambda c: prepare_restore(record, file, consent=c,
                                                      recovery=_rerun(state, file, record, None, False, True)), yes)
    else:
        prepared = _prepare(lambda c: prepare_flash(record, image, image_path=file, factory=factory, backup=backup,
                                                    overwrite=c,
                                                    recovery=_rerun(state, file, record, backup, factory, False)),
                            yes)
    with TransferBar(state, "write", prepared.plan.address, len(prepared.plan.image)) as bar:
        result = flash_device(record, state.host, prepared, progress=bar.update, stage=bar.stage, timeout_s=timeout)
    if state.json:
        print_json(envelope("flash", result.to_dict()))
        return
    from particle_diag.cli.output import console

    h = result.plan.header
    out = console()
    where = "factory slot " if result.plan.factory else ""
    what = "restored the backup" if result.plan.restore else f"flashed {h.function} v{h.version}"
    out.print(f"{what} ({len(result.plan.image)} bytes) to {where}"
              f"0x{result.plan.address:08X} (alt {result.plan.alt}) of {result.device_id}: verified, "
              + (f"device back in {result.came_back_in} mode" if result.came_back_in
                 else "but the device did not come back (see the warning)"))
    out.print(f"{_rate(result.bytes_per_second)} while writing, {result.control_transfers} control transfers, "
              f"{result.elapsed_s:.2f} s in all")
    for note in result.to_dict()["notes"]:  # type: ignore[union-attr]
        out.print(f"[dim]note: {note}[/]")


def _prepare(make: Callable[[bool], PreparedFlash], yes: bool) -> PreparedFlash:
    """Run the pre-flight; where it needs consent, ask on a terminal (cli/consent.py) and run it again."""
    holder: list[PreparedFlash] = []
    obtain(lambda consent: holder.append(make(consent)), yes)
    return holder[-1]


def _rerun(state: AppState, file: Path, record: DeviceRecord, backup: Path | None, factory: bool,
           restore: bool) -> str:
    """The exact command that starts this flash again on this device (printed if it is interrupted)."""
    import shlex

    args = ["pdiag", *state.rerun_sim, "flash", str(file)]
    args.append(record.device_id or record.label)
    if backup is not None:
        args += ["--backup", str(backup)]
    args += ["--factory"] * factory + ["--restore"] * restore
    return shlex.join(args)


# -- helpers ----------------------------------------------------------------------------------------------------
def parse_number(text: str, option: str) -> int:
    """Hex (0x...) or decimal; UsageError ``usage.address`` otherwise."""
    if not text:
        raise UsageError(f"{option} is required", reference="usage.address")
    try:
        value = int(text.replace("_", ""), 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a number", "Write it in hex (0x000B4000) or decimal.",
                         reference="usage.address") from None
    if value < 0 or value > 0xFFFFFFFF:
        raise UsageError(f"{option} {text} is outside the 32-bit address space", reference="usage.address")
    return value


def parse_length(text: str) -> int:
    value = parse_number(text, "--length")
    if value == 0:
        raise UsageError("--length 0: nothing to do", reference="usage.address")
    return value


def _select(state: AppState, device: str | None) -> DeviceRecord:
    from particle_diag.devices.discovery import discover
    from particle_diag.devices.select import select

    return select(discover(state.host), [device] if device else [])[0]


@contextmanager
def _session(state: AppState, device: str | None, enter: bool, timeout_s: float,
             record: DeviceRecord | None = None) -> Iterator[DfuSession]:
    """Select the device (unless already selected), switch it to DFU when ``--enter`` asks, and open it."""
    from particle_diag.devices.dfu_session import dfu_session

    record = record or _select(state, device)
    if enter and record.mode != "dfu":
        from particle_diag.devices.modes import change_mode

        state.log(f"{record.device_id}: entering DFU mode")
        change = change_mode(record, "dfu", state.host, timeout_s=timeout_s)
        assert change.record is not None
        record = change.record
    with dfu_session(record, state.host) as session:
        yield session


def _finish(state: AppState, report: TransferReport, verb: str, tail: str) -> None:
    from particle_diag.cli.output import console, envelope, print_json

    if state.json:
        print_json(envelope("dfu", {"operation": report.operation, **report.to_dict()}))
        return
    console().print(f"{verb} 0x{report.address:08X} (alt {report.alt}) {tail}".rstrip()
                    + f" in {report.elapsed_s:.2f} s: {_rate(report.bytes_per_second)}, "
                      f"{report.control_transfers} control transfers")


def _rate(bytes_per_second: float) -> str:
    if bytes_per_second >= 1024 * 1024:
        return f"{bytes_per_second / (1024 * 1024):.2f} MiB/s"
    return f"{bytes_per_second / 1024:.1f} KiB/s"

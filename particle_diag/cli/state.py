"""Per-invocation state shared by the commands: output format, the host (real or virtual), tracing."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from particle_diag.catalog import timeouts
from particle_diag.transport.redact import redact

if TYPE_CHECKING:
    from particle_diag.devices.host import Host
    from particle_diag.transport.recording import Recorder

# The module that starts a virtual bench for --sim (start_bench(spec) -> bench, pyusb backend, port lister).
VIRTUAL_BENCH = "particle_diag.sim.attach"


@dataclass
class AppState:
    json: bool = False
    verbose: int = 0
    trace: bool = False
    sim: str | None = None
    timeout_s: float = timeouts.REQUEST_S
    probe_timeout_s: float = timeouts.PROBE_S
    color: bool = True
    yes: bool = False
    _recorder: Recorder | None = None
    lock_wait_s: float = 0.0
    _host: Host | None = None
    _bench: Any = None  # the virtual bench of --sim (particle_diag.sim.bench.Bench)
    _closers: list[Any] = field(default_factory=list)

    @property
    def rerun_sim(self) -> list[str]:
        """``--sim SPEC`` for a command printed to re-run this one: without the flags that interrupt it again."""
        if not self.sim:
            return []
        import re

        return ["--sim", re.sub(r"\+int[a-z]+", "", self.sim)]

    def log(self, text: str, level: int = 1) -> None:
        """Diagnostic lines for -v / --trace go to stderr, never stdout."""
        if self.trace or self.verbose >= level:
            print(redact(text), file=sys.stderr, flush=True)

    def trace_line(self, text: str) -> None:
        # The transport already redacts its trace lines; this is the output layer's own guard.
        print(f"trace: {redact(text)}", file=sys.stderr, flush=True)

    @property
    def host(self) -> Host:
        if self._host is None:
            from particle_diag.cli.interrupt import current_stop
            from particle_diag.clock import StoppableClock
            from particle_diag.devices.host import Host
            from particle_diag.transport.serial import system_ports
            from particle_diag.transport.usb import UsbBus

            trace = self.trace_line if self.trace else None
            observe = self._recorder.wrap_backend if self._recorder else None
            clock = StoppableClock(stop=current_stop())  # Ctrl-C ends every wait at a safe boundary
            if self.sim:
                import importlib

                # The sim is the layer above the CLI (docs/architecture.md): reached by name, never imported.
                attach = importlib.import_module(VIRTUAL_BENCH)
                self._bench, backend, lister = attach.start_bench(self.sim)
                self._closers.append(self._bench.close)
                if self._recorder:
                    lister = self._recorder.wrap_lister(lister)
                self._host = Host(UsbBus(backend, trace, observe), lister, clock=clock, trace=trace,
                                  simulated=True)
            else:
                lister = self._recorder.wrap_lister(system_ports) if self._recorder else system_ports
                self._host = Host(UsbBus(None, trace, observe), lister, clock=clock, trace=trace)
            if self.verbose or self.trace:
                self._host.log = self.log
            from particle_diag.cli.progress import for_terminal

            # With --trace, as with -v, stderr carries lines of its own: plain wait lines, no line redrawn in place.
            self._host.progress = for_terminal(self.json, self.verbose or int(self.trace))
            if self._host.progress is not None:
                self._closers.append(self._host.progress.close)
            self._host.probe_timeout_s = self.probe_timeout_s
            self._host.request_timeout_s = self.timeout_s
            self._host.lock_wait_s = self.lock_wait_s
        return self._host

    @property
    def bench(self) -> Any:
        """The virtual bench of ``--sim`` (a sim Bench) once the host exists; None on real hardware."""
        return self._bench

    def start_recording(self, path: str, argv: list[str]) -> None:
        """``--record FILE``: refuses an existing FILE without --yes before any device is touched."""
        from pathlib import Path

        from particle_diag import __version__
        from particle_diag.catalog.platforms import particle_vids
        from particle_diag.cli.consent import obtain
        from particle_diag.files import check_output
        from particle_diag.transport.recording import Recorder

        overwrite = obtain(lambda consent: check_output(Path(path), overwrite=consent, what="recording"), self.yes)
        self._recorder = Recorder(path, overwrite=overwrite, argv=argv, version=__version__, vids=particle_vids(),
                                  sim=self.sim)

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()
        if sys.exc_info()[0] is None:  # --sim replay: what the recording lacked, where no error said so
            for problem in getattr(self._bench, "problems", ())[:3]:
                print(f"warning: {problem}", file=sys.stderr, flush=True)
        if self._recorder is not None:
            from particle_diag.transport.recording import current_status

            recorder, self._recorder = self._recorder, None
            recorder.close(current_status())  # also on Ctrl-C: FILE appears complete, never half-written

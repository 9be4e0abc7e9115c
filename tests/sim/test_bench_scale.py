"""A bench at factory size: many ports in one process, addresses that stay unique, a stated limit."""

from __future__ import annotations

import os

import pytest

from particle_diag.errors import UsageError
from particle_diag.sim.bench import MAX_DEVICES, Bench
from particle_diag.sim.pty_port import PtyPort


def test_more_ports_than_the_per_user_inotify_instances():
    """fs.inotify.max_user_instances is 128 by default: every port shares one inotify instance."""
    closes: list[int] = []
    ports = [PtyPort(lambda data: b"", closes.append) for _ in range(150)]
    try:
        last = ports[-1]
        fd = os.open(last.path, os.O_RDWR | os.O_NOCTTY)
        os.close(fd)
        import time

        deadline = time.monotonic() + 5
        while not closes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert closes, "the 150th port saw its client close the port"
    finally:
        for p in ports:
            p.close()


def test_addresses_stay_unique_per_bus_across_re_enumerations():
    bench = Bench.from_spec(",".join(["argon:dfu"] * 130)).start()
    try:
        def taken() -> set[tuple[int, int]]:
            return {(d.bus, d.address) for d in bench.devices}

        assert len(taken()) == 130
        assert {d.bus for d in bench.devices} == {1, 2, 3}
        for _ in range(3):  # every device re-enumerates: 390 more addresses handed out
            for d in bench.devices:
                d.detach()
                d.attach()
            assert len(taken()) == 130
            assert all(2 <= d.address <= 127 for d in bench.devices)
    finally:
        bench.close()


def test_a_bench_over_the_limit_is_refused_before_anything_starts():
    with pytest.raises(UsageError, match=f"at most {MAX_DEVICES} devices"):
        Bench.from_spec(",".join(["boron"] * (MAX_DEVICES + 1)))


def test_every_char_link_of_an_enumeration_is_known():
    """umockdev leaves /sys/dev/char links behind; the attachment removes these, or a reused minor aborts it."""
    from particle_diag.sim.sysfs import UsbSnapshot, char_links

    bench = Bench.from_spec("boron,argon:dfu").start()
    try:
        for d, tty in zip(bench.devices, (0, None), strict=True):
            snap = UsbSnapshot(d.bus, d.address, tuple(d.port_numbers), d.descriptors.device,
                               d.descriptors.configuration, dict(d.descriptors.strings), tty)
            links = char_links(snap)
            assert links[0] == f"/sys/dev/char/189:{d.address - 1}"
            assert ("/sys/dev/char/166:0" in links) == (tty == 0)
    finally:
        bench.close()

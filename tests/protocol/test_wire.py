"""protocol.wire: replies read without the protobuf runtime (tests/fuzz/test_fuzz_wire.py compares it with
protobuf on generated, mutated and random bytes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from particle_diag.catalog.requests import RequestType as R
from particle_diag.errors import ProtocolError
from particle_diag.protocol import messages, wire

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_is_generated_from_the_descriptors(script):
    committed = (ROOT / "particle_diag" / "protocol" / "pb" / "wire_schema.py").read_text(encoding="utf-8")
    assert committed == script("gen_wire_schema").render(), "stale: run `python scripts/gen_wire_schema.py`"


def test_a_reply_decodes_with_defaults_presence_and_oneofs():
    reply = wire.decode("particle_diag.ctrl.IpAddress", bytes.fromhex("0a05 0d c0a8010a".replace(" ", "")))
    assert reply.WhichOneof("address") == "v4" and reply.HasField("v4") and not reply.HasField("v6")
    assert reply.v4.address == 0x0A01A8C0  # fixed32, little-endian
    assert reply.v6.address == b""  # an unset message reads as its defaults
    with pytest.raises(ValueError):
        wire.decode("particle_diag.ctrl.GetDeviceModeReply", b"").HasField("mode")  # proto3 scalars have no presence


def test_unknown_fields_are_skipped_and_broken_bytes_refused():
    assert wire.decode("particle_diag.ctrl.GetDeviceIdReply", bytes.fromhex("1801" "0a0461626364")).id == "abcd"
    with pytest.raises(ProtocolError, match="could not decode GetDeviceIdReply"):
        messages.decode_reply(R.DEVICE_ID, bytes.fromhex("0a05616263"))  # the string is cut short


def _fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter (what it imports is its own, not this test process's)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reading_replies_never_imports_protobuf():
    code = ("import sys\n"
            "from particle_diag.protocol import messages\n"
            "assert messages.decode_reply(72, bytes([8, 1])).mode == 'listening'\n"
            "assert messages.encode_request(90) == b''\n"
            "print(sorted(m for m in sys.modules if m.startswith('google')))\n")
    stdout = _fresh_python(code)
    assert stdout.strip() == "[]"


def test_listing_builds_only_the_reply_classes_it_reads_and_the_rest_come_on_first_use():
    # pdiag list reads the device mode and module info; the other reply classes (protocol/replies.py) cost about
    # 0.45 ms each to build at start-up, which `pdiag list` is measured on (benchmarks/list_vs_particle_cli.py).
    code = ("import sys\n"
            "from particle_diag.protocol import messages\n"
            "assert messages.decode_reply(72, bytes([8, 1])).mode == 'listening'\n"
            "print('particle_diag.protocol.replies' in sys.modules)\n"
            "from particle_diag.protocol.messages import CloudStatus\n"
            "assert messages.decode_reply(300, bytes([8, 2])) == CloudStatus('connected')\n"
            "print('particle_diag.protocol.replies' in sys.modules)\n")
    stdout = _fresh_python(code)
    assert stdout.split() == ["False", "True"]

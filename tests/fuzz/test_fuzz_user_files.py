"""Every parser of a file a user hands pdiag (station spec TOML, firmware binaries) turns any input into a
value or a typed pdiag error; and pdiag's JSON output is strict JSON whatever the data holds."""

from __future__ import annotations

import json
import math
import struct

from hypothesis import example, given
from hypothesis import strategies as st

from particle_diag.cli.output import dumps
from particle_diag.errors import PdiagError
from particle_diag.factory.spec import ACTIONS, STEP_KEYS, parse_spec, parse_spec_text
from particle_diag.protocol.module_header import build_module, parse_module
from tests.fuzz.strategies import JSON, SCALARS

TOML_PIECES = st.sampled_from([
    "[station]\n", "[expect]\n", "[[step]]\n", "name = ", "parallel = ", "device_timeout_s = ", "platform = ",
    "min_device_os = ", "mode = ", "action = ", "seconds = ", "timeout_s = ", "retries = ", "retry_delay_s = ",
    "require = ", '"wait"', '"enter"', '"boron"', '"4.0.0"', "inf", "-inf", "nan", "1e308", "-1", "0",
    "99999999999999999999", "true", "[", "]", ",", "\n", '"', "'", "=", "{", "}",
])


@given(st.lists(TOML_PIECES | st.text(max_size=6), max_size=40).map("".join))
@example('[[step]]\naction = "wait"\nseconds = inf\n')
@example('[[step]]\naction = "wait"\nseconds = nan\n')
@example('[station]\nparallel = 99999999999\n')
def test_station_spec_text(text: str) -> None:
    try:
        spec = parse_spec_text(text)
    except PdiagError:
        return
    for step in spec.steps:
        assert math.isfinite(step.timeout_s) and math.isfinite(step.seconds) and step.seconds >= 0


STEP_VALUES = st.one_of(SCALARS, st.sampled_from(ACTIONS), st.sampled_from(["dfu", "listening", "normal"]),
                        st.lists(st.text(max_size=8), max_size=3))


@given(st.lists(st.dictionaries(st.sampled_from(STEP_KEYS), STEP_VALUES, max_size=5), max_size=4),
       st.dictionaries(st.sampled_from(["name", "parallel", "device_timeout_s"]), SCALARS, max_size=3),
       st.dictionaries(st.sampled_from(["platform", "min_device_os", "mode", "iccid_pattern", "mac_oui"]),
                       STEP_VALUES, max_size=3))
def test_station_spec_tables(steps: list, station: dict, expect: dict) -> None:
    try:
        spec = parse_spec({"station": station, "expect": expect, "step": steps})
    except PdiagError:
        return
    assert all(math.isfinite(s.timeout_s) and math.isfinite(s.seconds) for s in spec.steps)


VALID = build_module(13, "user_part", 0xB4000, b"\x01\x02" * 40, deps=(("system_part", 1, 6101),))


@given(st.binary(max_size=600))
def test_firmware_files_of_any_bytes(data: bytes) -> None:
    try:
        parse_module(data)
    except PdiagError:
        pass


@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6),
       st.integers(0, len(VALID)))
@example([(4, 0)], len(VALID))  # end address below the start
@example([(18, 0)], len(VALID))  # module function 0
def test_firmware_files_mangled(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID)
    for offset, value in changes:
        data[offset] = value
    try:
        header = parse_module(bytes(data[:cut]), verify_crc=False)
    except PdiagError:
        return
    assert header.declared_size <= cut


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_firmware_header_addresses(start: int, end: int) -> None:
    data = bytearray(VALID)
    struct.pack_into("<II", data, 0, start, end)
    try:
        parse_module(bytes(data), verify_crc=False)
    except PdiagError:
        pass


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@given(JSON)
@example({"a": float("nan"), "b": [float("inf"), -float("inf")]})
def test_json_output_is_always_strict_json(value: object) -> None:
    _strict(dumps({"data": value}))
    _strict(dumps({"data": value}, indent=2))

"""Hypothesis strategies shared by the fuzz tests: JSON values (including what Python's json accepts beyond
the standard: NaN, Infinity, huge numbers), and text shaped like console replies."""

from __future__ import annotations

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(list("pmfnvlsudc")) | st.text(max_size=3), inner,
                                            max_size=4)),
    max_leaves=8,
)
LETTERS = st.sampled_from(["b", "s", "u", "m", "a", "c", "r", "x", "", "bb"])
NUMBER_LIKE = st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=6),
                        st.sampled_from(["0", "1", "-1", "1e999", " 7 "]))


@st.composite
def describe_modules(draw):  # type: ignore[no-untyped-def]
    """A describe module entry: mostly right, with any key odd or missing."""
    module = {
        "s": draw(NUMBER_LIKE), "l": draw(st.sampled_from(["m", "b", "f", "t", "q", 1])),
        "vc": draw(NUMBER_LIKE), "vv": draw(NUMBER_LIKE), "f": draw(LETTERS), "n": draw(NUMBER_LIKE),
        "v": draw(NUMBER_LIKE),
        "d": draw(st.lists(st.fixed_dictionaries({"f": LETTERS, "n": NUMBER_LIKE, "v": NUMBER_LIKE}), max_size=2)
                  | SCALARS),
    }
    if draw(st.booleans()):
        module["u"] = draw(st.text(alphabet="0123456789abcdefABCDEF", max_size=64) | SCALARS)
    for key in draw(st.lists(st.sampled_from(sorted(module)), max_size=3)):
        module.pop(key, None)
    return module


# Fragments a console reply is made of, to build texts that come close to real ones.
CONSOLE_PIECES = st.sampled_from([
    "Device ID: ", "e00fce68aaaabbbbccccdddd", "Your device id is ", "Your core id is ", "IMEI: ", "ICCID: ",
    "Device Secret: ", "Serial Number: ", "system firmware version: ", "6.2.1", "5.0.0-rc.2", " minimal",
    "Your device MAC address is", "e0:4f:43:a:b:c", "Device claimed: ", "yes", "no", "{", "}", "[", "]",
    '"p":', '"m":', "\r\n", "\n\r\n", "\r", "\n", ":", " ", "\x00", "\ufffd", "“", "”",
])
CONSOLE_TEXT = st.lists(CONSOLE_PIECES | st.text(max_size=8), max_size=30).map("".join)

"""The capture corpus (tests/fixtures/captures) is well formed: every capture names its public source on its first
line, INDEX.toml describes every capture, and the corpus is as broad as issue 11 asks (60 files, 20 sources).

These checks are about the fixtures only; the tests that run pdiag's parsers over the corpus live elsewhere.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
NOT_CAPTURES = {"INDEX.toml", "README.md", "FACTS.md"}
HEADER = re.compile(
    r"^# source: (?P<source>https?://\S+); platform: (?P<platform>[^;]+); "
    r"device-os: (?P<device_os>[^;]+); normalised: (?P<normalised>.+)$"
)
KINDS = {
    "listening-i", "listening-v", "listening-s", "listening-m", "listening-other",
    "dfu-util-list", "dfu-util-trace",
    "lsusb", "ioreg", "system-profiler", "sysfs", "dmesg", "windows-device", "serialport-list",
    "particle-cli", "log", "usb-trace", "diagnostics",
}
# A PEM block or a "Device Secret:" line with a real-looking value must never be committed.
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
SECRET_LINE = re.compile(r"(?i)(device|mobile) secret:\s*(?P<value>\S*)")


def capture_files() -> list[Path]:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.name not in NOT_CAPTURES)


def index() -> list[dict]:
    with (CAPTURES / "INDEX.toml").open("rb") as f:
        return tomllib.load(f)["capture"]


def header_of(path: Path) -> re.Match[str] | None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return HEADER.match(first)


def source_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower() + parts.path.rstrip("/")


@pytest.mark.parametrize("path", capture_files(), ids=lambda p: str(p.relative_to(CAPTURES)))
def test_capture_has_one_header_line_and_a_body(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert header_of(path), f"{path.name}: first line is not the '# source: URL; platform: ...' header"
    body = text.split("\n", 1)[1] if "\n" in text else ""
    assert body.strip(), f"{path.name}: no captured text after the header"


@pytest.mark.parametrize("path", capture_files(), ids=lambda p: str(p.relative_to(CAPTURES)))
def test_capture_holds_no_secret(path: Path) -> None:
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    assert not PRIVATE_KEY.search(body)
    for m in SECRET_LINE.finditer(body):
        value = m["value"]
        # Redacted (XXXX, ***, <...>) or empty is fine; anything with two or more real digits/letters mixed is not.
        assert not value or set(value) <= set("Xx*.<>_-") or "redacted" in value.lower(), f"{path.name}: {m[0]!r}"


def test_index_describes_every_capture_exactly_once() -> None:
    on_disk = {str(p.relative_to(CAPTURES)) for p in capture_files()}
    entries = index()
    listed = [e["file"] for e in entries]
    assert len(listed) == len(set(listed)), "a capture is listed twice in INDEX.toml"
    assert set(listed) == on_disk, {
        "not in INDEX.toml": sorted(on_disk - set(listed)),
        "listed but missing": sorted(set(listed) - on_disk),
    }


def test_index_entries_name_a_known_kind_and_what_a_person_reads() -> None:
    for e in index():
        assert e["kind"] in KINDS, f"{e['file']}: unknown kind {e['kind']!r}"
        assert e.get("platform"), f"{e['file']}: no platform"
        assert e.get("expect"), f"{e['file']}: no expectations"
        if e.get("mangled"):
            assert e.get("note"), f"{e['file']}: mangled captures say how in a note"


def test_corpus_is_broad_enough() -> None:
    files = capture_files()
    sources = {source_key(m["source"]) for p in files if (m := header_of(p))}
    assert len(files) >= 60, f"only {len(files)} captures"
    assert len(sources) >= 20, f"only {len(sources)} distinct sources"

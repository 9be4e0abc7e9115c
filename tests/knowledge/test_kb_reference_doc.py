"""docs/led-reference.md is generated from the knowledge files and must not be stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_led_reference", ROOT / "scripts" / "gen_led_reference.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_committed_reference_is_up_to_date(kb):
    committed = (ROOT / "docs" / "led-reference.md").read_text(encoding="utf-8")
    assert committed == _generator().render(kb), "stale: run `python scripts/gen_led_reference.py`"


def test_reference_has_every_document_device_and_state(kb):
    text = _generator().render(kb)
    for device in kb.document_devices():
        assert f"## {device.display}\n" in text
    for state in kb.states:
        assert f'<a id="state-{state.id}"></a>' in text
    assert "| 8 | [Out of heap memory]" in text


def test_check_mode_reports_staleness(tmp_path):
    gen = _generator()
    out = tmp_path / "led.md"
    assert gen.main(["--check", "--output", str(out)]) == 1
    assert gen.main(["--output", str(out)]) == 0
    assert gen.main(["--check", "--output", str(out)]) == 0

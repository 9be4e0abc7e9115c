"""catalog/platform_table.py (what pdiag loads) is catalog/data/platforms.toml (where the facts are written)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_compiled_table_is_the_toml():
    from particle_diag.catalog.platform_table import TABLE

    source = ROOT / "particle_diag" / "catalog" / "data" / "platforms.toml"
    assert tomllib.loads(source.read_text(encoding="utf-8")) == TABLE, "stale: run scripts/gen_platform_table.py"


def test_the_committed_file_is_what_the_generator_writes(script):
    committed = (ROOT / "particle_diag" / "catalog" / "platform_table.py").read_text(encoding="utf-8")
    assert committed == script("gen_platform_table").render(), "stale: run `python scripts/gen_platform_table.py`"

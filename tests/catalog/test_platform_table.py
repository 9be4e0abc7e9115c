"""catalog/platform_table.py (what pdiag loads) is catalog/data/platforms.toml (where the facts are written)."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_compiled_table_is_the_toml():
    from particle_diag.catalog.platform_table import TABLE

    source = ROOT / "particle_diag" / "catalog" / "data" / "platforms.toml"
    assert tomllib.loads(source.read_text(encoding="utf-8")) == TABLE, "stale: run scripts/gen_platform_table.py"


def test_the_committed_file_is_what_the_generator_writes():
    spec = importlib.util.spec_from_file_location("gen_platform_table", ROOT / "scripts" / "gen_platform_table.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "particle_diag" / "catalog" / "platform_table.py").read_text(encoding="utf-8")
    assert committed == generator.render(), "stale: run `python scripts/gen_platform_table.py`"

"""The command line of the scripts that generate a committed file (gen_root_help, gen_platform_table,
gen_wire_schema): write it, or with --check exit 1 when the committed one is not what the script writes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_or_check(description: str | None, output: Path, render: Callable[[], str], script: str) -> int:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    text = render()
    if parser.parse_args().check:
        if output.read_text(encoding="utf-8") != text:
            print(f"{output.relative_to(ROOT)} is stale: run python scripts/{script}", file=sys.stderr)
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output.relative_to(ROOT)}")
    return 0

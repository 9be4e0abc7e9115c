#!/usr/bin/env python3
"""Generate docs/errors.md from the table of error references (particle_diag/error_references.py).

    python scripts/gen_errors_doc.py          # rewrite docs/errors.md
    python scripts/gen_errors_doc.py --check  # exit 1 if the committed file is stale

``render()`` returns the Markdown text; tests/test_errors_doc.py calls it to detect a stale committed file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from particle_diag.error_references import REFERENCES  # noqa: E402

OUTPUT = ROOT / "docs" / "errors.md"

HEADER = """# Error references

Every failure pdiag reports has a stable reference: the `[reference]` at the end of its error line, and
`error.reference` in JSON output (docs/json.md). The exit code is the one the process returns for it
([exit-codes.md](exit-codes.md)); the message itself names the device, file or value involved, and its hint
says what to do in that case.

Generated from `particle_diag/error_references.py` by `scripts/gen_errors_doc.py`; do not edit by hand.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    groups: dict[str, list[str]] = {}
    for reference in sorted(REFERENCES):
        groups.setdefault(reference.partition(".")[0] if "." in reference else "other", []).append(reference)
    lines = [HEADER]
    for group in sorted(groups):
        lines += [f"## {group}", "", "| Reference | Exit code | Cause | Fix |", "|---|---:|---|---|"]
        for reference in groups[group]:
            entry = REFERENCES[reference]
            code = f"{int(entry.exit_code)} ({entry.exit_code.name.lower().replace('_', ' ')})"
            lines.append(f"| `{reference}` | {code} | {_cell(entry.cause)} | {_cell(entry.fix)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/errors.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text() != text:
            print("docs/errors.md is stale: run python scripts/gen_errors_doc.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

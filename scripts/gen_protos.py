#!/usr/bin/env python3
"""Regenerate the protobuf modules in ``particle_diag/protocol/pb/`` from every ``.proto`` file there.

Usage (from the repository root, with the dev extra installed: ``pip install -e '.[dev]'``)::

    python scripts/gen_protos.py            # regenerate *_pb2.py and *_pb2.pyi
    python scripts/gen_protos.py --check    # exit 1 if the committed modules are out of date (for CI)

What it does:

* runs ``grpc_tools.protoc`` (bundled protoc; no system protoc needed) with ``-I particle_diag/protocol/pb``
  and ``--python_out``/``--pyi_out`` into the same folder;
* rewrites protoc's absolute imports of sibling modules (``import foo_pb2 as foo__pb2``) into relative ones
  (``from . import foo_pb2 as foo__pb2``) so the modules import as ``particle_diag.protocol.pb.foo_pb2``;
* prints the protobuf runtime version the generated code demands (protoc embeds a runtime version check:
  the installed ``protobuf`` must be at least that version). Keep pyproject's ``protobuf>=`` pin in step.

The generated modules are committed, so users never need grpcio-tools. Which grpcio-tools generated them
matters: newer protoc emits a newer runtime floor; the committed ones come from grpcio-tools 1.62.3 so
that ``protobuf>=4.25`` is enough. See the GENCODE notes in ``particle_diag/protocol/pb/__init__.py``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

PB_DIR = Path(__file__).resolve().parent.parent / "particle_diag" / "protocol" / "pb"
_ABSOLUTE_IMPORT = re.compile(r"^import (\w+_pb2) as (\w+)$", re.MULTILINE)
_GENCODE = re.compile(r"^# Protobuf Python Version: (\S+)$", re.MULTILINE)
_VERSION_CHECK = re.compile(r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,\s*"
                            r"(\d+),\s*(\d+),\s*(\d+),\s*'([^']*)'")


def run_protoc(out_dir: Path) -> None:
    from grpc_tools import protoc  # imported late: only this script needs grpcio-tools

    protos = sorted(p.name for p in PB_DIR.glob("*.proto"))
    if not protos:
        sys.exit(f"no .proto files in {PB_DIR}")
    args = ["protoc", f"-I{PB_DIR}", f"--python_out={out_dir}", f"--pyi_out={out_dir}", *protos]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")


def make_imports_relative(path: Path) -> None:
    text = path.read_text()
    path.write_text(_ABSOLUTE_IMPORT.sub(r"from . import \1 as \2", text))


def runtime_note(path: Path) -> str:
    """What the generated module asks of the protobuf runtime installed next to it."""
    text = path.read_text()
    gencode = _GENCODE.search(text)
    label = f"gencode {gencode[1]}" if gencode else "gencode of unknown version"
    m = _VERSION_CHECK.search(text)
    if m:
        return f"{label}; needs protobuf runtime >= {m[1]}.{m[2]}.{m[3]}{m[4]}"
    return f"{label}; no runtime version check"


def generate(out_dir: Path) -> list[Path]:
    run_protoc(out_dir)
    generated = sorted([*out_dir.glob("*_pb2.py"), *out_dir.glob("*_pb2.pyi")])
    for path in generated:
        make_imports_relative(path)
    return generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed modules are current")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(Path(tmp))
        stale = [p.name for p in generated if not (PB_DIR / p.name).exists()
                 or (PB_DIR / p.name).read_text() != p.read_text()]
        if args.check:
            if stale:
                print("out of date: " + ", ".join(stale) + " (run scripts/gen_protos.py with grpcio-tools "
                      "1.62.3: another protoc version also yields different bytes)")
                return 1
            print("generated protobuf modules are up to date")
            return 0
        for path in generated:
            shutil.copyfile(path, PB_DIR / path.name)
            note = f" ({runtime_note(path)})" if path.suffix == ".py" else ""
            print(f"wrote {(PB_DIR / path.name).relative_to(PB_DIR.parents[2])}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

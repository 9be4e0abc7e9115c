"""docs/errors.md lists every error reference the code can report, with the exit code the code gives it: the
table it is generated from (particle_diag/error_references.py) is checked against the source."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import particle_diag
from particle_diag.error_references import REFERENCES
from particle_diag.errors import PdiagError

ROOT = Path(__file__).resolve().parent.parent
NAMESPACES = {r.partition(".")[0] for r in REFERENCES if "." in r}
# A string that is a reference: "<namespace>.<name>", or one of the few without a namespace.
REFERENCE = re.compile(r"^(?:(?:" + "|".join(sorted(NAMESPACES)) + r")\.[a-z][a-z0-9-]*|internal|interrupted)$")


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_errors_doc", ROOT / "scripts" / "gen_errors_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources() -> dict[str, ast.Module]:
    return {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text()) for p in sorted((ROOT / "particle_diag")
                                                                                     .rglob("*.py"))
            if p.name != "error_references.py"}


def _error_classes() -> dict[str, type[PdiagError]]:
    """Every PdiagError subclass by name (importing each module of the package defines them all)."""
    for info in pkgutil.walk_packages(particle_diag.__path__, "particle_diag."):
        if ".sim.umockdev" in info.name or info.name.endswith("__main__"):  # needs PyGObject / runs the CLI
            continue
        importlib.import_module(info.name)
    found: dict[str, type[PdiagError]] = {}
    todo: list[type[PdiagError]] = [PdiagError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo += cls.__subclasses__()
    return found


def _used_in_code() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and REFERENCE.match(node.value):
                used.setdefault(node.value, []).append(f"{path}:{node.lineno}")
    return used


def test_every_reference_in_the_code_is_documented() -> None:
    missing = {r: where for r, where in _used_in_code().items() if r not in REFERENCES}
    assert missing == {}, "add them to particle_diag/error_references.py and run scripts/gen_errors_doc.py"


def test_every_documented_reference_is_still_used() -> None:
    used = _used_in_code()
    assert sorted(r for r in REFERENCES if r not in used and r != PdiagError.reference) == []


def test_the_exit_code_documented_is_the_one_the_code_gives() -> None:
    classes = _error_classes()
    wrong = []
    for cls in classes.values():  # a class's own reference
        if "reference" in vars(cls) and REFERENCES[cls.reference].exit_code != cls.exit_code:
            wrong.append(f"{cls.__name__}: {cls.reference} exits {int(cls.exit_code)}")
    for path, tree in _sources().items():  # raise sites that name a reference
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for keyword in node.keywords:
                if keyword.arg != "reference" or name not in classes:
                    continue
                for value in ast.walk(keyword.value):
                    if isinstance(value, ast.Constant) and REFERENCE.match(str(value.value)) \
                            and REFERENCES[value.value].exit_code != classes[name].exit_code:
                        wrong.append(f"{path}:{node.lineno}: {name}(reference={value.value!r}) exits "
                                     f"{int(classes[name].exit_code)}")
    assert wrong == []


def test_docs_errors_md_is_generated_from_the_table() -> None:
    committed = (ROOT / "docs" / "errors.md").read_text()
    assert committed == _generator().render(), "stale: run `python scripts/gen_errors_doc.py`"
    for reference in REFERENCES:
        assert f"| `{reference}` |" in committed


def test_the_scan_would_see_a_new_reference() -> None:
    tree = ast.parse('raise UsageError("x", reference="usage.brand-new")\nKIND = "dfu.odd-one"\nname = "README.md"')
    seen = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and REFERENCE.match(str(n.value))]
    assert sorted(seen) == ["dfu.odd-one", "usage.brand-new"]

"""The layers of docs/architecture.md, read from the source: every import (module level, inside functions, under
TYPE_CHECKING) goes to the same or a lower layer, packages import each other without a cycle, and the modules of
one package import each other without a cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "particle_diag"

# docs/architecture.md, "Layers": a unit (a subpackage, or a module directly under particle_diag/) and its layer.
LAYER = {
    "catalog": 0, "errors": 0, "error_references": 0, "clock": 0, "semver": 0, "files": 0, "udev": 0,
    "particle_diag": 0,
    "transport": 1,
    "protocol": 2,
    "devices": 3,
    "knowledge": 4, "rules": 4,
    "factory": 5, "troubleshooting": 5,
    "cli": 6, "__main__": 6,
    "sim": 7,
}

# Modules a lower layer names as a string and imports at run time, and why (docs/architecture.md, "The sim").
NAMED_UPWARD = {
    ("particle_diag.cli.state", "particle_diag.sim.attach"): "--sim starts a virtual bench",
    ("particle_diag.cli.app", "particle_diag.sim.command"): "`pdiag sim run` is the sim's own command",
}

# Third-party modules only one layer may import (the brief: the transport is the only code using pyusb/pyserial;
# the sim implements a pyusb backend).
ONLY_IN = {"usb": {"transport", "sim"}, "serial": {"transport"}}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module of particle_diag, dotted (the deepest module that exists)
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        return f"{self.source.replace('.', '/')}.py:{self.line} imports {self.target}"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def unit(module: str) -> str:
    """The layer unit of a module: its subpackage, or the module itself directly under particle_diag/."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".")
            if MODULES[module].name != "__init__.py":
                base = base[:-1]
            base = base[:len(base) - node.level + 1]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        names = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin for a in node.names]
    out = []
    for name in names:
        while name and name not in MODULES:  # `import particle_diag.x.y as z` -> the deepest existing module
            name = name.rpartition(".")[0]
        if name.startswith("particle_diag"):
            out.append(name)
    return out


def scan(module: str, source: str) -> tuple[list[Import], list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """One module's imports of particle_diag modules, module names it uses as strings, and third-party imports."""
    imports, named, third = [], [], []
    tree = ast.parse(source)
    type_only = _type_checking_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _targets(module, node):
                imports.append(Import(module, target, node.lineno, node.lineno in type_only))
            roots = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if not node.level else []
            third += [(module, r.split(".")[0], node.lineno) for r in roots]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES \
                and node.value != module:
            named.append((module, node.value, node.lineno))
    return imports, named, third


def _scan_all() -> tuple[list[Import], list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    imports, named, third = [], [], []
    for module, path in MODULES.items():
        i, n, t = scan(module, path.read_text())
        imports += i
        named += n
        third += t
    return imports, named, third


IMPORTS, NAMED, THIRD_PARTY = _scan_all()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_unit_has_a_layer() -> None:
    assert {unit(m) for m in MODULES} <= set(LAYER), "add the new package to LAYER and docs/architecture.md"


def test_no_upward_import() -> None:
    upward = [i.where() + f" (layer {LAYER[unit(i.source)]} -> {LAYER[unit(i.target)]})" for i in IMPORTS
              if LAYER[unit(i.target)] > LAYER[unit(i.source)]]
    assert upward == []


def test_modules_named_upward_are_the_documented_ones() -> None:
    """importlib with a module name would hide an upward dependency from the import test: only the documented
    ones are allowed, and each must exist."""
    upward = {(source, target) for source, target, _ in NAMED if LAYER[unit(target)] > LAYER[unit(source)]}
    assert upward == set(NAMED_UPWARD)
    doc = (ROOT / "docs" / "architecture.md").read_text()
    for _, target in NAMED_UPWARD:
        assert f"`{target}`" in doc


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        if unit(i.source) != unit(i.target):
            graph[unit(i.source)].add(unit(i.target))
    assert _cycles(graph) == []


def test_no_cycle_between_modules_of_a_package() -> None:
    """Type-only imports (under TYPE_CHECKING) are not executed: a lower module may name the type of the object
    that calls it.  Every other import, at any depth of a function, counts."""
    graph: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        if not i.type_only and i.source != i.target and unit(i.source) == unit(i.target):
            graph[i.source].add(i.target)
    cycles = _cycles(graph)
    detail = sorted({i.where() for i in IMPORTS
                     if not i.type_only and any(i.source in c and i.target in c for c in cycles)})
    assert cycles == [], "\n".join(detail)


def test_third_party_hardware_libraries_only_in_their_layer() -> None:
    wrong = [f"{m}:{line} imports {lib}" for m, lib, line in THIRD_PARTY
             if lib in ONLY_IN and unit(m) not in ONLY_IN[lib]]
    assert wrong == []


def test_catalog_is_data_and_standard_library_only() -> None:
    """The bottom layer may use the foundation modules (errors, semver) but no other package, nor third-party
    code."""
    import sys

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    wrong = [f"{m}:{line} imports {lib}" for m, lib, line in THIRD_PARTY
             if unit(m) == "catalog" and lib not in stdlib and lib != "particle_diag"]
    assert wrong == []


def test_the_scan_sees_function_level_relative_and_type_only_imports() -> None:
    source = """
from typing import TYPE_CHECKING
from .discovery import discover
if TYPE_CHECKING:
    from particle_diag.sim.bench import Bench
def f():
    import particle_diag.rules.engine as engine
    from particle_diag.catalog import timeouts
    return importlib.import_module("particle_diag.cli.app")
"""
    imports, named, _ = scan("particle_diag.devices.probe", source)
    found = {(i.target, i.type_only) for i in imports}
    assert found == {("particle_diag.devices.discovery", False), ("particle_diag.sim.bench", True),
                     ("particle_diag.rules.engine", False), ("particle_diag.catalog.timeouts", False)}
    assert [n[1] for n in named] == ["particle_diag.cli.app"]
    upward = [i.target for i in imports if LAYER[unit(i.target)] > LAYER[unit(i.source)]]
    assert upward == ["particle_diag.sim.bench", "particle_diag.rules.engine"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_cli_stays_thin() -> None:
    """No module of cli/ over 300 lines: logic lives in the library, the CLI parses, calls and renders."""
    long = {m: n for m, path in MODULES.items() if unit(m) == "cli"
            if (n := len(path.read_text().splitlines())) > 300}
    assert long == {}


def test_the_cli_reads_no_private_name_of_another_package() -> None:
    """``state._bench``-style access: an underscore attribute of anything but ``self``/``cls``, or an underscore
    name imported from another package.  (The standard library's own, like ``os._exit``, are public API.)"""
    import sys

    public = {"self", "cls"} | set(sys.stdlib_module_names)
    found = []
    for module, path in MODULES.items():
        if unit(module) != "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and not (isinstance(node.value, ast.Name) and node.value.id in public) \
                    and not isinstance(node.value, ast.Call):
                found.append(f"{module}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("particle_diag.") \
                    and unit(node.module or "") != "cli":
                found += [f"{module}:{node.lineno} {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert found == []

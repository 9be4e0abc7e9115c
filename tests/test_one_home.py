"""One home for each fact (docs/architecture.md): control-request numbers, result codes and timeouts are written
only in the catalog; everything else names them.  Read from the source of every module outside catalog/."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from particle_diag.catalog.requests import RequestType
from particle_diag.catalog.results import Result

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "particle_diag"

# Functions whose first argument is a control-request type (protocol/control.py, protocol/messages.py).
REQUEST_TAKERS = {"request", "call", "raw_in", "raw_out", "encode_request", "decode_reply", "encode_reply",
                  "decode_request", "supports_request"}
# A name that holds a duration or a timing: a literal assigned or passed to it is a timeout or an interval.
TIMING_NAME = re.compile(r"(timeout|delay|interval|_s$|_ms$|wait|poll|quiet|settle|period|grace|deadline|"
                         r"latency|linger|backoff)", re.IGNORECASE)
WAITERS = {"sleep", "wait", "Timer", "join", "settimeout"}
RESULT_CODES = {int(r) for r in Result if r}


def _sources() -> Iterator[tuple[str, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("particle_diag/catalog/") or "/pb/" in rel:  # generated protobuf code is data too
            continue
        yield rel, path.read_text()


def _number(node: ast.AST | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return None if value is None else -value
    return None


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _enum_members(tree: ast.Module) -> set[int]:
    """Lines of enum members (an ExitCode named TIMEOUT is not a timeout)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any("Enum" in _name(b) for b in node.bases):
            lines.update(s.lineno for s in node.body if isinstance(s, ast.Assign))
    return lines


def request_literals(source: str) -> list[str]:
    """Control-request types and result codes written as numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in REQUEST_TAKERS and node.args \
                and _number(node.args[0]) is not None:
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
        elif isinstance(node, ast.Compare):
            text = ast.unparse(node)
            numbers = [_number(n) for side in (node.left, *node.comparators) for n in ast.walk(side)]
            if re.search(r"type_id|request_type|\.request\b|\bresult\b", text) and any(
                    n is not None for n in numbers):
                found.append(f"{node.lineno}: {text[:80]}")
        # a result code returned, passed or stored in a tuple (a named module constant is another fact's home)
        places = [node.value] if isinstance(node, ast.Return) else list(node.args) if isinstance(node, ast.Call) \
            else []
        for place in places:
            for part in place.elts if isinstance(place, ast.Tuple) else [place]:
                if _number(part) in RESULT_CODES:
                    found.append(f"{node.lineno}: result code {_number(part)}")
    return found


def timing_literals(source: str) -> list[str]:
    """Durations written as numbers: assigned to a timing name, passed as one, a parameter's default, or given
    to sleep/wait/join."""
    tree = ast.parse(source)
    enum_lines = _enum_members(tree)
    found = []

    def timing(name: str | None) -> bool:
        return bool(name) and TIMING_NAME.search(name) is not None and "ERROR" not in name  # type: ignore[arg-type]

    for node in ast.walk(tree):
        hits: list[str] = []
        if isinstance(node, ast.Call):
            if _name(node.func) in WAITERS and node.args and _number(node.args[0]) not in (None, 0):
                hits.append(ast.unparse(node))
            hits += [f"{k.arg}={ast.unparse(k.value)}" for k in node.keywords
                     if timing(k.arg) and _number(k.value) not in (None, 0)]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno not in enum_lines:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _number(node.value) not in (None, 0) and any(timing(_name(t)) for t in targets):
                hits.append(ast.unparse(node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args.args + node.args.kwonlyargs
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults) \
                + list(node.args.kw_defaults)
            hits += [f"def {node.name}({a.arg}={ast.unparse(d)})" for a, d in zip(args, defaults, strict=True)
                     if d is not None and timing(a.arg) and _number(d) not in (None, 0)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Call) \
                and _name(node.left.func) in ("monotonic", "time") and _number(node.right) not in (None, 0):
            hits.append(ast.unparse(node))
        found += [f"{node.lineno}: {h[:80]}" for h in hits]
    return found


SOURCES = dict(_sources())


@pytest.mark.parametrize("path", sorted(SOURCES))
def test_no_request_number_or_result_code_outside_the_catalog(path: str) -> None:
    assert request_literals(SOURCES[path]) == [], f"{path}: name it through RequestType / Result (catalog/)"


@pytest.mark.parametrize("path", sorted(SOURCES))
def test_no_timeout_literal_outside_the_catalog(path: str) -> None:
    assert timing_literals(SOURCES[path]) == [], f"{path}: take it from catalog/timeouts.py"


def test_the_checks_see_what_they_look_for() -> None:
    bad = """
def f(client, clock, device_timeout_s=60.0):
    client.call(72)
    if type_id == 90:
        return -120, b""
    clock.sleep(0.25)
    deadline = clock.monotonic() + 60.0
    QUIET_S = 0.25
    open_port(path, read_timeout_s=2)
"""
    assert [h.split(":")[0] for h in request_literals(bad)] == ["3", "4", "5"]
    assert len(timing_literals(bad)) == 5
    good = """
def f(client, clock, timeout_s=timeouts.MODE_CHANGE_S):
    client.call(R.GET_DEVICE_MODE)
    if type_id == R.GET_MODULE_INFO:
        return Result.NOT_SUPPORTED, b""
    clock.sleep(timeouts.CONSOLE_QUIET_S)
    for attempt in range(3):
        pass
"""
    assert request_literals(good) == [] and timing_literals(good) == []


def test_every_control_request_gets_the_request_timeout() -> None:
    """--request-timeout (Host.request_timeout_s) reaches every control request: a ControlClient is built in one
    place, from the host's timeout, and no caller gives a request a time limit of its own."""
    builders = [p for p, s in SOURCES.items() if "ControlClient(" in s]
    assert builders == ["particle_diag/devices/session.py"]
    assert "request_timeout_s=request_timeout_s or host.request_timeout_s" in SOURCES[builders[0]]
    own_limits = [p for p, s in SOURCES.items() for n in ast.walk(ast.parse(s))
                  if isinstance(n, ast.Call) and _name(n.func) in ("call", "request")
                  and any(k.arg == "timeout_s" for k in n.keywords)]
    # One exception: a firmware update's START (the device erases its staging area) and FINISH (it validates the
    # module) get the update's own limit, as particle-usb gives updateFirmware 120 s (timeouts.FIRMWARE_UPDATE_S).
    assert own_limits in ([], ["particle_diag/devices/ota.py"] * 2)
    # only a listing's probe uses another limit (--probe-timeout, docs/modes.md)
    other = [p for p, s in SOURCES.items() if re.search(r"control_session\([^)]*request_timeout_s=", s)]
    assert other == ["particle_diag/devices/probe.py"]


def test_request_types_have_one_number_each() -> None:
    assert len({int(r) for r in RequestType}) == len(RequestType)


def test_citations_name_public_sources() -> None:
    """Code cites Particle's sources (URL and file) or a doc of this repository, never a document that is not in
    it (the research notes once cited as "reference §n", or a path of a build machine)."""
    sources = [p for p in sorted(PACKAGE.rglob("*")) if p.suffix in (".py", ".toml", ".proto", ".rules")]
    sources += [p for p in sorted((ROOT / "tests").rglob("*.py")) if p != Path(__file__).resolve()]
    cited = [f"{p.relative_to(ROOT)}:{n}" for p in sources
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"reference §|shared/reference|\.md §|/work/|/home/", line)]
    assert cited == []

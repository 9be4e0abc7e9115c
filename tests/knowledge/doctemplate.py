"""Read the source document's Handlebars template (status-led-and-device-modes.md) the way the docs build does.

Used by the tests that check the knowledge covers the document: :func:`parse` builds the ``{{#if X}}`` /
``{{#unless X}}`` / ``{{else}}`` tree, :func:`render` keeps the branches a device's flags select, and
:func:`sections` lists the ``##``/``###`` headings and the ``{{device-animation ...}}`` calls of the rendered
page.  Pure text processing, stdlib only; the document itself is not shipped with pdiag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\{\{!--.*?--\}\}|\{\{![^}]*\}\}", re.DOTALL)
_TOKEN = re.compile(r"\{\{\s*(#if|#unless)\s+([\w-]+)\s*\}\}|\{\{\s*else\s*\}\}|\{\{\s*/(if|unless)\s*\}\}")
_ANIMATION = re.compile(r"\{\{device-animation\s+device\s+(.*?)\}\}", re.DOTALL)
_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    kind: str  # "if" | "unless"
    flag: str
    then: list[Node] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


Node = str | Block


@dataclass(frozen=True)
class Template:
    front_matter: dict[str, str]
    devices: tuple[str, ...]
    body: tuple[Node, ...]

    def flags(self) -> set[str]:
        """Every flag a conditional of the document tests."""
        out: set[str] = set()

        def walk(nodes: list[Node] | tuple[Node, ...]) -> None:
            for n in nodes:
                if isinstance(n, Block):
                    out.add(n.flag)
                    walk(n.then)
                    walk(n.otherwise)

        walk(self.body)
        return out


@dataclass(frozen=True)
class Animation:
    name: str  # "pattern", "blink", "breathe", "sos"
    params: tuple[str | int, ...]


@dataclass(frozen=True)
class Section:
    group: str  # the "##" heading
    title: str  # the "###" heading, or the group for content directly under the "##" heading
    animations: tuple[Animation, ...]


def parse(text: str) -> Template:
    front: dict[str, str] = {}
    if text.startswith("---"):
        end = text.index("\n---", 3)
        for line in text[3:end].strip().splitlines():
            key, _, value = line.partition(":")
            front[key.strip()] = value.strip()
        text = text[end + 4 :]
    devices = tuple(d.strip() for d in front.get("devices", "").strip("[] ").split(",") if d.strip())
    text = _COMMENT.sub("", text)

    root: list[Node] = []
    stack: list[tuple[Block, bool]] = []  # (block, in else branch)

    def target() -> list[Node]:
        if not stack:
            return root
        block, in_else = stack[-1]
        return block.otherwise if in_else else block.then

    pos = 0
    for m in _TOKEN.finditer(text):
        target().append(text[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        if m.group(1):
            block = Block(m.group(1)[1:], m.group(2))
            target().append(block)
            stack.append((block, False))
        elif "else" in token:
            if not stack:
                raise ValueError("{{else}} outside a block")
            stack[-1] = (stack[-1][0], True)
        else:
            if not stack or stack[-1][0].kind != m.group(3):
                raise ValueError(f"unbalanced {token}")
            stack.pop()
    if stack:
        raise ValueError(f"unclosed {{{{#{stack[-1][0].kind} {stack[-1][0].flag}}}}}")
    target().append(text[pos:])
    return Template(front, devices, tuple(root))


def render(template: Template, flags: set[str] | frozenset[str]) -> str:
    """The page text for a device whose true flags are ``flags`` (conditionals resolved, helpers kept)."""
    out: list[str] = []

    def walk(nodes: list[Node] | tuple[Node, ...]) -> None:
        for n in nodes:
            if isinstance(n, str):
                out.append(n)
            else:
                truth = n.flag in flags
                walk(n.then if truth == (n.kind == "if") else n.otherwise)

    walk(template.body)
    return "".join(out)


def _animation(args: str) -> Animation:
    tokens: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in re.finditer(r'"([^"]*)"|(\d+)', args)
    ]
    return Animation(str(tokens[0]), tuple(tokens[1:]))


def sections(page: str) -> list[Section]:
    """The headings of a rendered page, in order, with the animations under each (code blocks ignored)."""
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(page)]
    in_code = lambda pos: any(a <= pos < b for a, b in fences)  # noqa: E731
    events: list[tuple[int, str, object]] = []
    for m in _HEADING.finditer(page):
        if not in_code(m.start()):
            events.append((m.start(), m.group(1), m.group(2).strip()))
    for m in _ANIMATION.finditer(page):
        events.append((m.start(), "anim", _animation(m.group(1))))
    events.sort(key=lambda e: e[0])

    out: list[Section] = []
    group = ""
    title: str | None = None
    anims: list[Animation] = []

    def flush() -> None:
        if title is not None and (title != group or anims):
            out.append(Section(group, title, tuple(anims)))

    for _, kind, value in events:
        if kind == "anim":
            anims.append(value)  # type: ignore[arg-type]
            continue
        flush()
        anims = []
        if kind == "##":
            group = title = str(value)
        else:
            title = str(value)
    flush()
    return out


@dataclass(frozen=True)
class Phrase:
    """One phrase of a ``pattern`` animation: ``action [color] [N ms] [M ms] [K times]``."""

    action: str
    color: str | None
    on_ms: int | None
    off_ms: int | None
    times: int


_PHRASE = re.compile(
    r"^\s*(?P<action>blink|breathe|on|off)"
    r"(?:\s+(?P<color>(?:#|[a-zA-Z])[\w#]*(?:\([^)]*\))?))?"
    r"(?:\s+(?P<on>\d+)ms)?(?:\s+(?P<off>\d+)ms)?"
    r"(?:\s+(?P<times>\d+)\s+times?)?\s*$"
)


def phrase(text: str) -> Phrase:
    m = _PHRASE.match(text)
    if not m:
        raise ValueError(f"not a device-animation phrase: {text!r}")
    return Phrase(
        action=m.group("action"),
        color=m.group("color"),
        on_ms=int(m.group("on")) if m.group("on") else None,
        off_ms=int(m.group("off")) if m.group("off") else None,
        times=int(m.group("times")) if m.group("times") else 1,
    )

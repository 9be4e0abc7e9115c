"""Driving the guided troubleshooting session (troubleshooting/session.py) on a terminal: each prompt shown and
answered, an LED animation played for each candidate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from particle_diag.troubleshooting.session import Prompt, Session


class Asker(Protocol):
    def say(self, text: str = "") -> None: ...

    def bold(self, text: str) -> str: ...

    def ask_choice(self, text: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str: ...

    def ask_yes_no(self, text: str, default: bool | None = None) -> bool: ...

    def ask_text(self, text: str, default: str = "") -> str: ...

    def wait_enter(self, text: str) -> str: ...


def drive(session: Session, term: Asker, look: Callable[[Prompt], bool]) -> None:
    """Ask every prompt of ``session`` on ``term`` until it is done; ``look`` plays an LED animation and
    returns whether the person says it looks right."""
    while (prompt := session.current()) is not None:
        if prompt.lines:
            term.say()
        for i, line in enumerate(prompt.lines):
            term.say(term.bold(line) if i == 0 and prompt.id == "meaning" else line)
        if prompt.kind == "choice":
            value: Any = term.ask_choice(prompt.text, [(c.key, c.label) for c in prompt.choices], prompt.default)
        elif prompt.kind == "yesno":
            value = term.ask_yes_no(prompt.text, prompt.default)
        elif prompt.kind == "look":
            value = look(prompt)
        elif prompt.kind == "text":
            value = term.ask_text(prompt.text, str(prompt.default or ""))
        else:
            value = term.wait_enter(prompt.text)
        session.answer(value)
    rest = session.take_pending()
    if rest:
        term.say()
    for line in rest:
        term.say(line)

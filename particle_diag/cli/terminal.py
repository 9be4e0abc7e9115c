"""Line-based questions on a terminal: numbered choices, yes/no, free text.  Streams are injectable."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TextIO


def is_interactive(stdin: TextIO | None = None, stdout: TextIO | None = None) -> bool:
    """True when a person can answer: both stdin and stdout are terminals."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        return bool(stdin.isatty() and stdout.isatty())
    except (AttributeError, ValueError):
        return False


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wrap(text: str, width: int | None) -> str:
    """Wrap each line at word boundaries to ``width``, continuing under its first word after the indent or
    list number ("  3. "), so that no word is cut; escape sequences do not count towards the width."""
    if not width or width < 20:
        return text
    import textwrap

    out = []
    for line in text.split("\n"):
        plain = _ANSI.sub("", line)
        if len(plain) <= width:
            out.append(line)
            continue
        lead = re.match(r"\s*(?:\d+[.)]\s+|[-*•]\s+)?", plain)
        indent = " " * (lead.end() if lead else 0)
        codes = _ANSI.findall(line)
        wrapped = textwrap.wrap(plain, width, subsequent_indent=indent, break_long_words=False,
                                break_on_hyphens=False)
        if codes:  # a line styled as a whole (bold, dim): keep the style on every piece
            wrapped = [codes[0] + w + codes[-1] for w in wrapped]
        out.extend(wrapped)
    return "\n".join(out)


class Terminal:
    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None, color: bool = True) -> None:
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.color = color

    def say(self, text: str = "") -> None:
        self.out.write(wrap(text, self.width()) + "\n")
        self.out.flush()

    def width(self) -> int | None:
        """The terminal's width, or None (no wrapping) when the output is not a terminal."""
        try:
            if not self.out.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        import shutil

        return shutil.get_terminal_size().columns

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    def _line(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            from particle_diag.cli.clickcompat import Abort

            raise Abort()
        return line.rstrip("\r\n")

    def ask_choice(self, text: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
        """A numbered list; the answer may be the number, the key or the label (case-insensitive)."""
        self.say(self.bold(text))
        for i, (_, label) in enumerate(choices, 1):
            self.say(f"  {i:>2}) {label}")
        hint = f"1-{len(choices)}" + (f", Enter = {default}" if default else "")
        while True:
            raw = self._line(f"Choose [{hint}]: ").strip().lower()
            if not raw and default is not None:
                return default
            if raw.isdigit() and 1 <= int(raw) <= len(choices):
                return choices[int(raw) - 1][0]
            for key, label in choices:
                if raw in (key.lower(), label.lower()):
                    return key
            if raw:  # a unique start of a label, else a unique part of one ("slowly")
                for found in ([k for k, label in choices if label.lower().startswith(raw)],
                              [k for k, label in choices if raw in label.lower()]):
                    if len(found) == 1:
                        return found[0]
            self.say(f"Please type a number from 1 to {len(choices)}.")

    def ask_yes_no(self, text: str, default: bool | None = None) -> bool:
        hint = {True: "Y/n", False: "y/N", None: "y/n"}[default]
        while True:
            raw = self._line(f"{text} [{hint}] ").strip().lower()
            if not raw and default is not None:
                return default
            if raw in ("y", "yes"):
                return True
            if raw in ("n", "no"):
                return False
            self.say("Please answer y or n.")

    def ask_text(self, text: str, default: str = "") -> str:
        raw = self._line(f"{text}" + (f" [{default}]" if default else "") + ": ").strip()
        return raw or default

    def wait_enter(self, text: str) -> str:
        return self._line(self.dim(f"{text} ")).strip()

"""One line pattern of many alternatives, most anchored at the line's start, tested without trying every offset.

``re.search`` tries a pattern at every offset of the line, and an alternation
of forty branches costs forty attempts per character even when all but a few
begin with ``^`` and can only match at the start. :class:`LinePattern` splits
the pattern at its top-level ``|`` into the ``^`` branches (tried once, with
``match``) and the others (searched), and answers what ``search`` would.
"""

from __future__ import annotations

import re


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (``|`` outside groups and character classes)."""
    parts: list[str] = []
    depth, start, at = 0, 0, 0
    in_class = False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" first in a class (after an optional "^") is a literal, not its end.
            at += 2 if pattern[at + 1 : at + 2] == "^" else 1
            at += 1 if pattern[at : at + 1] == "]" else 0
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:at])
            start = at + 1
        at += 1
    parts.append(pattern[start:])
    return parts


class LinePattern:
    """``search`` over one line, as the compiled ``pattern`` would answer it (no ``re.M``: one line at a time)."""

    def __init__(self, pattern: str, flags: int = 0):
        if flags & re.MULTILINE:
            raise ValueError("a LinePattern reads one line: ^ must mean its start")
        self.pattern, self.flags = pattern, flags
        parts = branches(pattern)
        at_start = [part[1:] for part in parts if part.startswith("^")]
        anywhere = [part for part in parts if not part.startswith("^")]
        self._start = re.compile("|".join(at_start), flags) if at_start else None
        self._anywhere = re.compile("|".join(anywhere), flags) if anywhere else None

    def search(self, line: str) -> bool:
        """True when the pattern matches somewhere in ``line``."""
        return bool(
            (self._start is not None and self._start.match(line))
            or (self._anywhere is not None and self._anywhere.search(line))
        )

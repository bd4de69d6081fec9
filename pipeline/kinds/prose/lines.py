"""What each line of a document is (blank, indent, list marker, table row, rule), worked out once.

Parsing asks these questions of the same lines many times over (a line is
looked at as a heading candidate, as part of a group, as the first line of a
block); answering them once per line keeps parsing linear with a small
constant. Cheap substring tests rule most lines out before any regex runs.
"""

from __future__ import annotations

import re

_LIST_RE = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))[ \t]+\S")
_UNDERLINE_RE = re.compile(r"([=\-~^\"'`#*+:._])\1{2,}[ \t]*")
_TABLE_ROW_RE = re.compile(r"[ \t]*\|.*\|")
# rst grid tables open with `+----+----+`, simple tables with `=====  =====`: the whole run is the table.
_TABLE_RULE_RE = re.compile(r"[ \t]*(?:\+(?:[-=:]+\+)+|=+(?: +=+)+)[ \t]*")
_RULE_CHARS = frozenset("=-~^\"'`#*+:._")
_TABLE_CHARS = frozenset("+=|")
_LETTER_MARKS = (".", ")")


class Lines:
    """The lines of a document (without their ``\\r``) and, per line, the facts parsing needs.

    ``blank[i]``: nothing but spaces, tabs and ``|`` (pydoc draws class
    bodies with a ``|`` gutter: a gutter alone is a blank line).
    ``indent[i]``: columns of the leading spaces, tabs and ``|``, tabs to 8.
    ``listed``: lines that open a list item. ``rules``: lines that are one
    punctuation character repeated, once stripped. ``table_rules`` and
    ``table_rows``: rst table rules, and lines of any table.
    """

    __slots__ = ("text", "blank", "indent", "listed", "rules", "table_rules", "table_rows")

    def __init__(self, lines: list[str]):
        self.text = lines
        bodies = [line.lstrip(" \t|") for line in lines]
        self.blank = [not body for body in bodies]
        self.indent = [len(line) - len(body) for line, body in zip(lines, bodies, strict=True)]
        for i in [i for i, line in enumerate(lines) if "\t" in line]:
            self.indent[i] = len(lines[i][: len(lines[i]) - len(bodies[i])].expandtabs(8))
        # A line that opens with a word (most of prose) is no list item unless a `.` or `)` follows the letter.
        self.listed = {
            i
            for i, body in enumerate(bodies)
            if body and not (body[0].isalpha() and body[1:2] not in _LETTER_MARKS) and _LIST_RE.match(lines[i])
        }
        stripped = {i: line.strip() for i, line in enumerate(lines) if line.strip()[:1] in _RULE_CHARS}
        self.rules = {i for i, text in stripped.items() if _UNDERLINE_RE.fullmatch(text)}
        tabled = [i for i, line in enumerate(lines) if line.lstrip(" \t")[:1] in _TABLE_CHARS]
        self.table_rules = {i for i in tabled if _TABLE_RULE_RE.fullmatch(lines[i])}
        self.table_rows = self.table_rules | {
            i for i in tabled if _TABLE_ROW_RE.fullmatch(lines[i]) is not None and lines[i].count("|") >= 2
        }

    def __len__(self) -> int:
        return len(self.text)

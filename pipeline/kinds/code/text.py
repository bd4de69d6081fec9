"""Byte and line arithmetic over a source file, the notes put where lines were cut, and applying the cuts.

tree-sitter speaks in UTF-8 byte offsets and (row, column) points; the outline
replaces byte ranges. Everything here works on the encoded source so offsets
never drift, and the result is decoded once at the end.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from operator import add

from ...wording import line_span

ENCODING = "utf-8"
# Lone surrogates are legal in Python strings (and JSON): keep them round-trippable.
ERRORS = "surrogatepass"
_ALNUM = re.compile(r"[0-9A-Za-z]")
_STRING_PREFIX = re.compile(r"^([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``data[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


class Source:
    """The encoded source with its line starts, for row ↔ byte arithmetic."""

    def __init__(self, content: str):
        self.data = content.encode(ENCODING, ERRORS)
        # Each row starts one byte (its newline) past the end of the one before.
        widths = map(add, map(len, self.data.split(b"\n")), repeat(1))
        self.starts = list(accumulate(widths, initial=0))[:-1]

    @property
    def rows(self) -> int:
        """Number of rows (a trailing newline does not open a row)."""
        count = len(self.starts)
        return count - 1 if self.starts[-1] == len(self.data) and count > 1 else count

    def row_start(self, row: int) -> int:
        """Byte offset where ``row`` begins."""
        return self.starts[row] if row < len(self.starts) else len(self.data)

    def row_end(self, row: int) -> int:
        """Byte offset of the newline ending ``row`` (or the end of the data)."""
        if row + 1 < len(self.starts):
            return self.starts[row + 1] - 1
        return len(self.data)

    def row_of(self, offset: int) -> int:
        """The row holding byte ``offset``."""
        return bisect_right(self.starts, offset) - 1

    def line(self, row: int) -> str:
        """The text of ``row`` without its newline."""
        return self.data[self.row_start(row) : self.row_end(row)].decode(ENCODING, ERRORS).rstrip("\r")

    def indent(self, row: int) -> str:
        """The leading whitespace of ``row``."""
        line = self.line(row)
        return line[: len(line) - len(line.lstrip(" \t"))]

    def text(self, start: int, end: int) -> str:
        """The decoded bytes ``start:end``."""
        return self.data[start:end].decode(ENCODING, ERRORS)

    def lines(self, first: int, last: int) -> str:
        """Rows ``first`` to ``last`` inclusive, joined by newlines, exactly as in the original."""
        return self.data[self.row_start(first) : self.row_end(last)].decode(ENCODING, ERRORS)

    def alone(self, start: int, end: int) -> bool:
        """True when bytes ``start:end`` have nothing but whitespace beside them on their rows."""
        before = self.data[self.row_start(self.row_of(start)) : start]
        after = self.data[end : self.row_end(self.row_of(max(start, end - 1)))]
        return not before.strip() and not after.strip()

    def blank(self, row: int) -> bool:
        """True when ``row`` holds only whitespace."""
        return not self.data[self.row_start(row) : self.row_end(row)].strip()


def span(first: int, last: int) -> str:
    """``lines 120–164`` for 0-based rows ``first``..``last`` inclusive (``line 7`` for one)."""
    return line_span(first, last + 1)


def span_note(first: int, last: int) -> str:
    """``[lines 120–164 elided]`` for 0-based rows ``first``..``last`` inclusive."""
    return f"[{span(first, last)} elided]"


def apply(source: Source, edits: list[Edit]) -> str:
    """The source with ``edits`` applied; an edit overlapping an earlier one is skipped."""
    pieces: list[bytes] = []
    at = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            continue
        pieces.append(source.data[at : edit.start])
        pieces.append(edit.text.encode(ENCODING, ERRORS))
        at = edit.end
    pieces.append(source.data[at:])
    return b"".join(pieces).decode(ENCODING, ERRORS)


def comment_first_line(texts: Iterator[str]) -> str | None:
    """The first line with words of a comment group, as a one-line comment; None if it has none.

    Block comments keep their opener (``/** Compute the tax. */``); line
    comments (``//``, ``///``, ``#``) are returned as the original line. The
    group's texts are read only as far as that line.
    """
    first = next(texts)
    if first.startswith("/*"):
        opener = "/**" if first.startswith("/**") else "/*"
        inner = first[len(opener) :]
        inner = inner[:-2] if inner.endswith("*/") else inner
        for line in inner.splitlines():
            words = line.strip().lstrip("*").strip()
            if _ALNUM.search(words):
                return f"{opener} {words} */"
        return None
    for text in chain((first,), texts):
        for line in text.splitlines():
            if _ALNUM.search(line):
                return line.strip()
    return None


def docstring_first_line(literal: str) -> str | None:
    """A Python string literal cut to its first line with words, closed again (``\"\"\"Compute the tax.\"\"\"``)."""
    match = _STRING_PREFIX.match(literal)
    if match is None:
        return None
    prefix, quote = match.groups()
    body = literal[match.end() :]
    body = body[: -len(quote)] if body.endswith(quote) else body
    for line in body.splitlines():
        words = line.strip()
        if _ALNUM.search(words):
            if words.endswith(("\\", quote[0])):
                words += " "
            return f"{prefix}{quote}{words}{quote}"
    return None

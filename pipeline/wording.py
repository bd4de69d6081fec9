"""How notes and summaries say counts and line ranges, the same way for every kind."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 hunk``, ``2 hunks``, ``1,230 commits``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def line_span(start: int, end: int) -> str:
    """Human line numbers (1-based, inclusive) of 0-based lines ``start``..``end - 1``: ``line 7``, ``lines 12–40``."""
    return f"line {start + 1}" if end - start <= 1 else f"lines {start + 1}–{end}"


def printable(name: str) -> str:
    """``name`` on one line: a newline or a tab a server or tool name may hold is written as its escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)

"""Which definitions a query asks for: kept whole in the outline, with the small functions they call.

A query (``compute_tax``, ``Invoice.total``, a grep pattern) is reduced to its
identifiers. Definitions with one of them as their name are kept whole; a
class only when it is small (a big one keeps its outline, its members can be
asked for by name). When no name matches, the smallest functions that use
one of the identifiers are kept instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .outline import Definition
from .syntax import Syntax
from .text import Source

if TYPE_CHECKING:
    from tree_sitter import Node

# Functions a kept definition calls are kept whole too when at most this long.
_SMALL_CALLEE_ROWS = 25
_SMALL_CLASS_ROWS = 150
_MAX_MATCHES = 8
_MIN_NAME = 3
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_STOP = frozenset(
    {
        "def", "class", "function", "func", "fn", "return", "self", "this", "the", "and", "for", "import", "from",
        "const", "let", "var", "new", "public", "private", "static", "void", "int", "str", "none", "null", "true",
        "false", "async", "await", "with", "not", "type", "interface", "struct", "impl",
    }
)  # fmt: skip


def query_names(query: str | None, path: str | None) -> set[str]:
    """Identifiers in ``query`` worth matching against names; the path's own words (a file read by path) are not."""
    if not query:
        return set()
    path_words = set(_IDENTIFIER.findall(path or ""))
    return {
        word
        for word in _IDENTIFIER.findall(query)
        if len(word) >= _MIN_NAME and word.lower() not in _STOP and word not in path_words
    }


def keep_whole(definitions: list[Definition], names: set[str], source: Source, syntax: Syntax) -> frozenset[int]:
    """Keys of the definitions to keep whole: those ``names`` name, then the small ones they call."""
    if not names:
        return frozenset()
    chosen = _named(definitions, names)
    if not chosen:
        chosen = _users(definitions, names, source)
    keys = {d.key for d in chosen}
    by_name: dict[str, list[Definition]] = {}
    for definition in definitions:
        by_name.setdefault(definition.name, []).append(definition)
    for definition in chosen:
        if definition.kind == "class":
            continue
        for called in called_names(definition.node, source, syntax):
            for callee in by_name.get(called, []):
                if callee.kind != "class" and callee.end_row - callee.start_row + 1 <= _SMALL_CALLEE_ROWS:
                    keys.add(callee.key)
    return frozenset(keys)


def _named(definitions: list[Definition], names: set[str]) -> list[Definition]:
    """Definitions named in the query (exact case first, then any case); big classes keep their outline."""
    lowered = {name.lower() for name in names}
    for matches in (lambda d: d.name in names, lambda d: d.name.lower() in lowered):
        chosen = [
            d
            for d in definitions
            if matches(d) and (d.kind != "class" or d.end_row - d.start_row + 1 <= _SMALL_CLASS_ROWS)
        ]
        if chosen:
            return chosen[:_MAX_MATCHES]
    return []


def _users(definitions: list[Definition], names: set[str], source: Source) -> list[Definition]:
    """The smallest functions whose text uses one of ``names`` as a whole word."""
    pattern = re.compile(r"(?<![\w$])(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")(?![\w$])")
    using = [
        d
        for d in definitions
        if d.kind in ("function", "method") and pattern.search(source.lines(d.start_row, d.end_row))
    ]
    return sorted(using, key=lambda d: (d.end_row - d.start_row, d.start_row))[:_MAX_MATCHES]


def called_names(node: Node, source: Source, syntax: Syntax) -> set[str]:
    """The last identifier of every call inside ``node`` (``self.rate(x)`` → ``rate``)."""
    called: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in syntax.calls:
            target = next(
                (
                    child
                    for field in ("function", "name", "macro", "constructor")
                    if (child := current.child_by_field_name(field)) is not None
                ),
                None,
            )
            if target is not None:
                words = _IDENTIFIER.findall(source.text(target.start_byte, target.end_byte))
                if words:
                    called.add(words[-1])
        stack.extend(current.named_children)
    return called

"""Source code: an outline with every signature and the bodies elided, the query's definitions whole.

tree-sitter parses the file (the grammar is chosen by the path's extension,
else by the content) and ``outline`` turns the tree into cuts. A query
naming a definition keeps it whole, with the small functions it calls. When
the outline is over budget it sheds, in order: docstrings, private members,
nested definitions; top-level signatures always stay. Declaration files
(``.d.ts``, C headers), which have no bodies to elide, and callers' caps go
further: each declaration cut to its first line, one of each overload, then
class members named in a note. Module constants always stay. A file that
does not parse cleanly, or whose barest outline is over the caller's cap,
gets the line-based outline of ``lines`` instead, within the cap. Every
definition (a method, an ``impl`` block, a prototype) is an item, so
``headroom_retrieve(hash, query="compute_tax")`` returns it whole with its
line numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from ...contract import Compressed, Context, Item
from ...markers import marker
from . import languages
from .cmacros import blank_annotations
from .counting import Tally
from .lines import outline_lines
from .outline import Definition, Options, Outline, Outliner
from .query import keep_whole, query_names
from .syntax import SYNTAX
from .text import Source, apply, span

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

_MIN_ROWS = 20
# Share of rows inside parse errors above which the tree is not trusted.
_MAX_ERROR_SHARE = 0.05
_MAX_ERROR_ROWS = 10
# An outline that keeps more than this share of the tokens is not worth it.
_MAX_KEPT_SHARE = 0.85
# Without a caller's max_tokens, an outline up to this share of the file keeps its docstring lines.
_DEFAULT_SHARE = 0.5
# The pipeline's own ceiling on any output (clients refuse tool results over 25,000 tokens).
_MAX_DEFAULT_TOKENS = 20_000
# An outline that elides less than this share of the rows is of a file of declarations.
_DECLARATIVE_ELIDED_SHARE = 0.1
# Module-level code between definitions becomes items of about this many rows.
_CHUNK_ROWS = 40
_CPLUSPLUS_GUARD = re.compile(
    rb"(#\s*if(?:def\s+__cplusplus|\s+defined\s*\(?\s*__cplusplus\s*\)?)[^\n]*\n\s*)"
    rb'(extern\s+"C"\s*\{|\})'
)
# Budget levels, each shedding more; top-level signatures survive all of them.
_LEVELS = (
    Options(),
    Options(docs=False, other_rows=3, type_rows=12, tiny_rows=1),
    Options(docs=False, other_rows=3, type_rows=12, tiny_rows=1, drop_private=True),
    Options(docs=False, other_rows=3, type_rows=12, tiny_rows=1, drop_private=True, drop_depth=2),
)
# Beyond them, for declaration files and callers' caps: each declaration's first line, one of each
# overload, then members named in a note; top-level signatures still stay.
_SHED = replace(_LEVELS[-1], first_lines=True)
_DECLARATION_LEVELS = (
    _SHED,
    replace(_SHED, drop_overloads=True),
    replace(_SHED, drop_overloads=True, drop_members=True, note_names=40),
)


class CodeCompressor:
    """Compresses source files into outlines: signatures, docs' first lines, types; bodies elided."""

    name = "code"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """An outline of ``content`` within ``ctx.budget_tokens`` where it can be, or None when it saves little."""
        if content.count("\n") + 1 < _MIN_ROWS:
            return None
        try:
            return self._compress(content, ctx)
        except RecursionError:
            return None  # machine-made nesting thousands deep: nothing an outline can show

    def _compress(self, content: str, ctx: Context) -> Compressed | None:
        language = languages.pick_language(content, ctx.hints.path)
        names = query_names(ctx.query, ctx.hints.path)
        source = Source(content)
        parsed = _parse(source, language) if language else None
        total = Tally(content, ctx.count_tokens)
        if parsed is None or parsed[1] > max(_MAX_ERROR_ROWS, source.rows * _MAX_ERROR_SHARE):
            return _line_outline(content, language, names, ctx, total)
        syntax = SYNTAX[language]
        root = parsed[0].root_node
        outliner = Outliner(root, source, syntax)
        found = outliner.walk(_LEVELS[0])
        shape = _shape(found.definitions)
        keep = keep_whole(found.definitions, names, source, syntax)
        # A file of declarations (a `.d.ts`, a header) has no bodies to elide: it needs the shedding levels.
        declarative = found.elided_rows < source.rows * _DECLARATIVE_ELIDED_SHARE
        tried: list[tuple[Options, Outline, str, Tally]] = []

        def attempt(level: Options) -> tuple[Options, Outline, str, Tally]:
            fresh = level is not _LEVELS[0] or keep
            outline = outliner.walk(replace(level, keep=keep)) if fresh else found
            text = apply(source, outline.edits)
            summary = _summary(source.rows, language, shape, outline, level)
            return level, outline, text, Tally(text, ctx.count_tokens, _marker_tokens(ctx, summary))

        for level in _levels(found.definitions, declarative or ctx.budget_is_cap):
            tried.append(attempt(level))
            if not tried[-1][3].exceeds(ctx.budget_tokens):
                break
        if ctx.budget_is_cap and tried[-1][0].drop_members and not tried[-1][3].exceeds(ctx.budget_tokens):
            # Fill the cap: name the members of the biggest classes only, as few classes as fit.
            for some in _biggest_first(found.definitions):
                candidate = attempt(replace(tried[-1][0], drop_members_of=some))
                if not candidate[3].exceeds(ctx.budget_tokens):
                    tried.append(candidate)
                    break
        level, outline, text, tokens = tried[-1]
        if tokens.exceeds(ctx.budget_tokens) and ctx.budget_is_cap:
            # Even the barest outline is over the caller's cap: the declarations that fit, line by line.
            items = _items(found.definitions, source, _statement_starts(root))
            return _line_outline(content, language, names, ctx, total, items)
        if tokens.exceeds(ctx.budget_tokens):
            # The default budget is a target: the richest outline that still halves the file beats a bare one.
            level, outline, text, tokens = next((t for t in tried if _within_ceiling(t[3], total)), tried[-1])
        if tokens.exceeds(_MAX_DEFAULT_TOKENS):
            # Declarations all the way down and over the pipeline's ceiling, which would keep head and tail:
            # the declarations that fit, line by line, with every definition retrievable.
            items = _items(found.definitions, source, _statement_starts(root))
            return _line_outline(content, language, names, ctx, total, items, _MAX_DEFAULT_TOKENS)
        if not tokens.within(total, _MAX_KEPT_SHARE):
            return None  # every declaration's first line is the file: nothing to fold without losing one
        return Compressed(
            text=text,
            summary=_summary(source.rows, language, shape, outline, level),
            transform="code:outline",
            items=_items(found.definitions, source, _statement_starts(root)),
        )


def _levels(definitions: list[Definition], shed: bool) -> list[Options]:
    """The budget levels that change something for these definitions (no private members: no level for them).

    ``shed`` adds the declaration levels, for files without bodies to elide and for callers' caps.
    """
    levels = list(_LEVELS[:2])
    if any(d.private and d.depth >= 1 for d in definitions):
        levels.append(_LEVELS[2])
    if any(d.depth >= 2 for d in definitions):
        levels.append(_LEVELS[3])
    if shed:
        levels.append(_DECLARATION_LEVELS[0])
        names = [(d.depth, d.name) for d in definitions if d.kind in ("function", "method")]
        if len(set(names)) < len(names):
            levels.append(_DECLARATION_LEVELS[1])
        if any(d.depth >= 1 for d in definitions):
            levels.append(_DECLARATION_LEVELS[2])
    return levels


def _biggest_first(definitions: list[Definition]) -> list[frozenset[int]]:
    """Keys of the classes with the most members: the biggest one, then two, four, ... (all but one)."""
    members = Counter(
        d.parent_key for d in definitions if d.parent_key is not None and d.kind in ("function", "method", "field")
    )
    ranked = [key for key, _ in sorted(members.items(), key=lambda item: (-item[1], item[0]))]
    sizes = []
    size = 1
    while size < len(ranked):
        sizes.append(size)
        size *= 2
    return [frozenset(ranked[:size]) for size in sizes]


def _within_ceiling(tokens: Tally, total: Tally) -> bool:
    """True for an outline within the default ceiling: half the file, and never over the pipeline's own."""
    return tokens.within(total, _DEFAULT_SHARE) and not tokens.exceeds(_MAX_DEFAULT_TOKENS)


def _marker_tokens(ctx: Context, summary: str) -> int:
    """What the closing marker the pipeline appends (with this summary) costs."""
    return ctx.count_tokens("\n" + marker(summary, ctx.key, ctx.query))


def _parse(source: Source, language: str) -> tuple[Tree, int] | None:
    """The tree of ``source`` and how many of its rows are inside parse errors; None without a grammar."""
    parser = languages.parser(language)
    if parser is None:
        return None
    data = source.data
    if language == "c" and b"__cplusplus" in data:
        # `extern "C" {` and its `}` sit in separate `#ifdef __cplusplus` blocks, which the C grammar
        # cannot pair up: blank them (same length, so every offset stays) and the rest parses.
        data = _CPLUSPLUS_GUARD.sub(lambda m: m.group(1) + b" " * len(m.group(2)), data)
    tree = parser.parse(data)
    if language == "c" and tree.root_node.has_error:
        # A header annotated through macros (`__THROW`, `__BEGIN_DECLS`): read again without them.
        bare, spans = blank_annotations(data)
        if bare != data:  # else the same bytes would parse the same
            blanked = parser.parse(bare, _edited(tree, data, spans))
            errors, blanked_errors = _error_rows(tree.root_node), _error_rows(blanked.root_node)
            return (blanked, blanked_errors) if blanked_errors < errors else (tree, errors)
    return tree, _error_rows(tree.root_node)


def _edited(tree: Tree, data: bytes, spans: list[tuple[int, int]]) -> Tree:
    """A copy of ``tree`` told that the byte ranges ``spans`` of ``data`` (apart) changed in place.

    Parsing the changed bytes with it reuses every part of the tree the changes do not touch.
    """
    edited = tree.copy()
    row, at = 0, 0  # the row holding byte `at`
    for start, end in sorted(spans):
        row += data.count(b"\n", at, start)
        first = (row, start - data.rfind(b"\n", 0, start) - 1)
        row += data.count(b"\n", start, end)
        last = (row, end - data.rfind(b"\n", 0, end) - 1)
        edited.edit(start, end, end, first, last, last)
        at = end
    return edited


def _error_rows(root: Node) -> int:
    """Rows covered by parse errors, descending only where the tree says errors are."""
    if not root.has_error:
        return 0
    covered: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error:
            covered.update(range(node.start_point.row, node.end_point.row + 1))
            continue
        if node.is_missing:
            covered.add(node.start_point.row)
            continue
        stack.extend(child for child in node.children if child.has_error)
    return len(covered)


def _statement_starts(root: Node) -> list[int]:
    """First rows of the top-level statements: where module-level chunks may be split."""
    return [child.start_point.row for child in root.named_children]


def _items(definitions: list[Definition], source: Source, starts: list[int]) -> list[Item]:
    """Every definition whole with its line numbers, and the module-level code between top-level ones."""
    items: list[Item] = []
    covered = 0
    for definition in definitions:
        if definition.depth == 0 and definition.start_row > covered:
            _module_chunks(items, source, covered, definition.start_row - 1, starts)
        position = f"{span(definition.start_row, definition.end_row)} ({definition.label} {definition.qualified})"
        items.append(Item(position, source.lines(definition.start_row, definition.end_row)))
        if definition.depth == 0:
            covered = max(covered, definition.end_row + 1)
    _module_chunks(items, source, covered, source.rows - 1, starts)
    return items


def _module_chunks(items: list[Item], source: Source, first: int, last: int, starts: list[int]) -> None:
    """Rows ``first``..``last`` as items of about ``_CHUNK_ROWS`` rows, split where top-level statements start."""
    cuts = starts[bisect_right(starts, first) : bisect_right(starts, last)]  # the rows first < row <= last
    begin = first
    for index, row in enumerate(cuts):
        following = cuts[index + 1] if index + 1 < len(cuts) else last + 1
        if row - begin >= _CHUNK_ROWS or following - row >= _CHUNK_ROWS:
            _module_chunk(items, source, begin, row - 1)
            begin = row
    _module_chunk(items, source, begin, last)


def _module_chunk(items: list[Item], source: Source, first: int, last: int) -> None:
    while first <= last and source.blank(first):
        first += 1
    while last >= first and source.blank(last):
        last -= 1
    if first <= last:
        items.append(Item(f"{span(first, last)} (module)", source.lines(first, last)))


def _shape(definitions: list[Definition]) -> str:
    """``48 functions, 6 classes``: what the file defines, the same at every level."""
    counts = Counter(definition.kind for definition in definitions)
    plural = {"function": "functions", "method": "methods", "class": "classes", "type": "types", "field": "fields"}
    parts = [f"{counts[kind]:,} {plural[kind] if counts[kind] != 1 else kind}" for kind in plural if counts[kind]]
    return ", ".join(parts) or "no definitions"


def _summary(rows: int, language: str, shape: str, outline: Outline, level: Options) -> str:
    """``1,240 lines of python → outline: 48 functions, 6 classes; 1,020 lines elided (2 kept whole for the query)``."""
    summary = f"{rows:,} lines of {language} → outline: {shape}; {outline.elided_rows:,} lines elided"
    if outline.kept_whole:
        summary += f" ({len(outline.kept_whole)} kept whole for the query)"
    if not level.docs:
        summary += "; doc comments dropped"
    if level.first_lines:
        summary += "; declarations cut to their first line"
    if outline.dropped:
        summary += f"; {outline.dropped:,} members' signatures dropped for size"
    return summary


def _line_outline(
    content: str,
    language: str | None,
    names: set[str],
    ctx: Context,
    total: Tally,
    items: list[Item] | None = None,
    limit: int | None = None,
) -> Compressed | None:
    """The line outline, within the caller's cap or ``limit`` tokens; ``total`` counts ``content``.

    ``items`` replace its own when the file parsed (its barest outline was over the cap or the ceiling).
    """
    lines = content.split("\n")
    what = f"{language} (does not parse cleanly)" if language and items is None else (language or "source")
    widest = _line_summary(len(lines), what, len(lines), len(lines), len(lines))
    cap = ctx.budget_tokens if ctx.budget_is_cap else limit
    room = max(1, cap - _marker_tokens(ctx, widest)) if cap is not None else None
    result = outline_lines(lines, names, python=language == "python", room=room, count_tokens=ctx.count_tokens)
    if result is None:
        return None
    kept = Tally(result.text, ctx.count_tokens)
    if not kept.within(total, _MAX_KEPT_SHARE) or (room is not None and kept.exceeds(room)):
        return None
    summary = _line_summary(len(lines), what, result.kept, result.folded, result.whole)
    return Compressed(
        text=result.text, summary=summary, transform="code:lines", items=items if items is not None else result.items
    )


def _line_summary(rows: int, what: str, kept: int, folded: int, whole: int) -> str:
    """``1,309 lines of c → line outline: 120 lines kept; 1,180 folded``."""
    summary = f"{rows:,} lines of {what} → line outline: {kept:,} lines kept; {folded:,} folded"
    if whole:
        summary += f" ({whole} definitions kept whole for the query)"
    return summary

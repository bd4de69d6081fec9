"""The JSON compressor: arrays of records wherever they sit, objects used as maps, JSON Lines, plain objects.

Lossless first (minified, or a header-once table for records that share
their keys, then the same with the columns that never change said once);
when that is still over budget, per-field statistics choose the rows to show
(``select``), in the order a reader asks for them, until what is left looks
like what is shown; the rest is summarised by category. Objects without a
big collection keep every key and lose only the middle of long values.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...tokens import estimate_tokens, tokens_per_char
from . import render
from .locate import (
    MAX_DEPTH,
    child_path,
    find_collections,
    skeleton,
    strings_in,
)
from .select import (
    QUERY_MAX_ROWS,
    Candidates,
    Nested,
    Selection,
    candidates,
    select_rows,
)
from .signals import Columns, columns_of
from .summary import array_summary, join_summaries
from .view import Rows

_MIN_SHARE = 0.01  # a collection smaller than this share of the input is left in place
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SAMPLE_CHARS = 6000
_EXACT_COUNT_CHARS = 400_000  # above this, output size is estimated from samples of the output itself
_ENDS = {"records": (1, 1), "scalars": (3, 10), "map": (3, 3)}  # a list's newest items are often at its end
_MAP_LATEST = 5  # a map of dates (release → time): its newest entries are what a reader asks for
_ATTEMPTS = 4
_EVERY_ROW_MAX = 5000  # longer collections are never shown whole by the lossy path (and are not measured for it)


class _Tokens:
    """Token estimates from the measured tokens-per-character of the content's own rendering."""

    def __init__(self, ctx: Context, text: str):
        self.count = ctx.count_tokens
        self.per_char = tokens_per_char(text, self.count, _SAMPLE_CHARS)

    def of(self, chars: int) -> int:
        return int(chars * self.per_char) + 1

    def chars(self, tokens: int) -> int:
        return int(tokens / self.per_char)

    def measure(self, text: str) -> int:
        """Tokens of ``text``: exact when small; from samples of it when large (exact costs seconds)."""
        return estimate_tokens(text, self.count, _EXACT_COUNT_CHARS)


class JsonCompressor:
    """Compresses JSON documents and JSON Lines (see the module docstring)."""

    name = "json"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Compress ``content`` towards ``ctx.budget_tokens``; None when it is not JSON."""
        parsed = _parse(content)
        if parsed is None:
            return None
        doc, json_lines = parsed
        surrogates = _may_hold_surrogates(content)
        try:
            return self._compress(doc, json_lines, surrogates, len(content), ctx)
        except (RecursionError, OverflowError):
            # Nesting json.loads accepted but the encoder will not; numbers no float can hold.
            return None

    def _compress(self, doc: Any, json_lines: bool, surrogates: bool, size: int, ctx: Context) -> Compressed:
        found = find_collections(doc, int(size * _MIN_SHARE), surrogates)
        whole = bool(found) and found[0].source is doc
        if whole and found[0].keys is None:  # rows already minified one by one: join them, do not encode again
            minified = ("\n" if json_lines else ",").join(found[0].texts)
            minified = minified if json_lines else f"[{minified}]"
        elif json_lines:
            minified = "\n".join(render.dumps(value, surrogates) for value in doc)
        else:
            minified = render.dumps(doc, surrogates)
        tokens = _Tokens(ctx, minified)
        rest = None if whole or not found else skeleton(doc, found)
        nested = Nested(ctx.query)
        pick = functools.partial(_notable_indices, nested)
        views = [Rows(c, surrogates, pick, json_lines and c.source is doc) for c in found]

        result = self._lossless(minified, rest, views, tokens, ctx)
        if result is not None:
            result.items = _items_of(views) if views else _top_level_items(doc, surrogates)
            return result
        if views:
            return self._rows(rest, views, surrogates, ctx, tokens, nested)
        result = self._pruned(doc, json_lines, surrogates, pick, ctx, tokens)
        if result is None:  # nothing long to shorten: minified is the best there is
            result = _minified(minified)
            result.items = _top_level_items(doc, surrogates)
        limit = ctx.budget_tokens - MARKER_TOKENS
        if ctx.budget_is_cap and tokens.measure(result.text) > limit:
            result.text, result.lossless = _cut_to(result.text, limit, tokens), False
            kept_all = ("; nothing omitted", "; every key kept")
            result.summary = functools.reduce(lambda text, claim: text.replace(claim, ""), kept_all, result.summary)
            result.summary = f"head kept to fit the cap; {result.summary}"
        return result

    def _lossless(
        self, minified: str, rest: Any, views: list[Rows], tokens: _Tokens, ctx: Context
    ) -> Compressed | None:
        """Minified JSON or a header-once table, whichever is smaller, if it fits the budget (no items yet).

        The plain table first; then the same with the columns that hold one
        value in every row said once (a venv's path in ``pip list -v``).
        """
        limit = ctx.budget_tokens - (MARKER_TOKENS if ctx.budget_is_cap else 0)
        rest_text = render.dumps(rest, views[0].surrogates) if rest is not None else ""
        for factored in (False, True) if views else ():
            if factored and not any(view.constants for view in views):
                break
            for view in views:
                view.factored = factored
            chars = len(rest_text) + sum(v.table_chars() + 200 + v.constant_chars for v in views)
            if chars < len(minified) and tokens.of(chars) <= limit:
                lines = [rest_text] if rest_text else []
                for view in views:
                    lines.append(view.header(None))
                    lines.extend(view.table())
                text = "\n".join(lines)
                # A table repeats less than the minified text the estimate came from: measure it.
                if tokens.measure(text) <= limit:
                    return Compressed(text, _table_summary(views, factored), "json:table", lossless=True)
        for view in views:
            view.factored = False  # lossy rows stay whole records: a row read alone reads the same
        if tokens.of(len(minified)) <= limit:
            return _minified(minified)
        return None

    def _pruned(
        self, doc: Any, json_lines: bool, surrogates: bool, pick: render.Picker, ctx: Context, tokens: _Tokens
    ) -> Compressed | None:
        """Every key kept; long strings and long lists lose their middle (more of it if still over budget).

        None when nothing is long enough to shorten.
        """
        for limits in (render.DEFAULT, render.TIGHT):
            shortened = render.shorten(doc, pick, limits)
            if json_lines:
                text = "\n".join(render.dumps(value, surrogates) for value in shortened)
            else:
                text = render.dumps(shortened, surrogates)
            if tokens.measure(text) <= ctx.budget_tokens - MARKER_TOKENS:
                break
        cut = _cut_items(doc, limits, surrogates)
        if not cut:
            return None
        items = _top_level_items(doc, surrogates) + cut
        summary = f"{len(cut)} long values shortened; every key kept"
        return Compressed(text, summary, "json:pruned", items)

    def _rows(
        self, rest: Any, views: list[Rows], surrogates: bool, ctx: Context, tokens: _Tokens, nested: Nested
    ) -> Compressed:
        """Chosen rows of each big collection, the rest of the document around them."""
        transform = "json:rows"
        limit = ctx.budget_tokens - MARKER_TOKENS
        rest_text = ""
        if rest is not None:
            rest_text = _shortened_rest(rest, views[0].pick, surrogates, tokens, limit)
            if rest_text != render.dumps(rest, surrogates):
                transform += "+json:pruned"
        referenced = strings_in(rest) if rest is not None else frozenset()
        columns = [columns_of(view.array.rows) for view in views]
        found = [
            _candidates(view, cols, referenced, ctx.query, nested) for view, cols in zip(views, columns, strict=True)
        ]
        # Headers, the rest of the document and the closing marker come out of the same budget.
        room = tokens.chars(limit) - len(rest_text) - 300 * len(views)
        for _attempt in range(_ATTEMPTS):
            selections = _select_all(views, found, room)
            text, summaries = _render(rest_text, views, columns, found, selections)
            # The per-character estimate came from a sample: check it on the real output.
            actual = tokens.measure(text)
            if actual <= limit or room <= 0:
                break
            # Rows tokenize denser than the sample the estimate came from: re-estimate from the output.
            room = int(len(text) * limit / actual * 0.97) - len(rest_text) - 300 * len(views)
        summary = join_summaries([view.array.path for view in views], summaries)
        if ctx.budget_is_cap and tokens.measure(text) > limit:
            text, summary = _cut_to(text, limit, tokens), f"head kept to fit the cap; {summary}"
        return Compressed(text, summary, transform, _items_of(views))


def _parse(content: str) -> tuple[Any, bool] | None:
    """The parsed document and whether it was JSON Lines; None if it is neither."""
    try:
        return json.loads(content), False
    except (ValueError, RecursionError):
        pass
    values = []
    try:
        for line in content.splitlines():
            if line.strip():
                values.append(json.loads(line))
    except (ValueError, RecursionError):
        return None
    return (values, True) if len(values) >= 2 else None


def _table_summary(views: list[Rows], factored: bool) -> str:
    noun = views[0].noun if len(views) == 1 else "records"
    total = sum(len(v) for v in views)
    if factored:
        said = sum(len(v.constants) for v in views)
        return f"{total} {noun} re-encoded as a table, {said} columns with one value said once; nothing omitted"
    return f"{total} {noun} re-encoded as a table; nothing omitted"


def _shortened_rest(rest: Any, pick: render.Picker, surrogates: bool, tokens: _Tokens, limit: int) -> str:
    """The document around the collections, its long values shortened harder if it would take half the budget."""
    text = render.dumps(render.shorten(rest, pick), surrogates)
    if tokens.of(len(text)) > limit // 2:
        text = render.dumps(render.shorten(rest, pick, render.TIGHT), surrogates)
    return text


def _candidates(
    view: Rows, columns: Columns, referenced: frozenset[str], query: str | None, nested: Nested
) -> Candidates:
    """The rows of one collection worth showing, best first."""
    rows = view.array.rows
    names = view.array.keys if view.is_map else rows if view.array.scalars else []
    named = [i for i, name in enumerate(names) if isinstance(name, str) and name in referenced][:QUERY_MAX_ROWS]
    shape = "map" if view.is_map else "scalars" if view.array.scalars else "records"
    latest = _MAP_LATEST if view.is_map else 1
    texts = _query_texts(view, query)
    return candidates(rows, columns, texts, query, nested, ends=_ENDS[shape], named=named, latest=latest)


def _select_all(views: list[Rows], found: list[Candidates], room: int) -> list[Selection]:
    """Each collection's rows within its share of ``room``; room one leaves unused goes to the others.

    A collection whose every row fits the room left, once long values are
    shortened (harder if need be), is shown whole: each row is distinct
    information. One whose long values crowd out its notable rows is shown
    with them shortened harder, when that shows more of them: such a view
    replaces the original in ``views``.
    """
    total_chars = sum(view.array.chars for view in views) or 1
    shares = [max(int(max(room, 0) * view.array.chars / total_chars), 1) for view in views]
    selections = [select_rows(f, v, s) for f, v, s in zip(found, views, shares, strict=True)]
    used = [_cost(view, sel) for view, sel in zip(views, selections, strict=True)]
    spare = max(room, 0) - sum(used)
    needy = sum(_left_out(f, sel) for f, sel in zip(found, selections, strict=True))
    for k, view in enumerate(views):
        whole = _every_row(view, found[k], used[k] + spare)
        if whole is not None:
            views[k], selections[k] = whole
            spare -= _cost(*whole) - used[k]
            continue
        if not _left_out(found[k], selections[k]):
            continue
        budget = used[k] + spare // needy if spare > 0 else shares[k]
        selections[k] = select_rows(found[k], view, budget)
        tight = _tightened(view)
        if tight is not None and _left_out(found[k], selections[k]):
            tighter = select_rows(found[k], tight, budget)
            if len(tighter.kept) > len(selections[k].kept):
                views[k], selections[k] = tight, tighter
    return selections


def _every_row(view: Rows, found: Candidates, budget: int) -> tuple[Rows, Selection] | None:
    """Every row of ``view`` (its long values shortened, harder if need be) when that fits ``budget``."""
    if len(view) > _EVERY_ROW_MAX or view.array.chars > budget * 8:
        return None
    rest = [(i, "rest") for i in range(len(view))]
    everything = Candidates(found.ordered + rest, found.failures, found.query_matches)
    tries = [view]
    # Rows this short have nothing to shorten: harder limits would give the same rows.
    if any(len(text) > render.TIGHTEST.string for text in view.array.texts):
        tries += [_tightened(view), _tightened(view, render.TIGHTEST)]
    for shown in tries:
        if shown is not None and _fits(shown, budget):
            return shown, select_rows(everything, shown, budget)
    return None


def _fits(view: Rows, budget: int) -> bool:
    """True when every row of ``view`` fits ``budget`` (stops measuring once it does not)."""
    used = 0
    for i in range(len(view)):
        used += view[i]
        if used > budget:
            return False
    return True


def _tightened(view: Rows, limits: render.Limits = render.TIGHT) -> Rows | None:
    """The same collection with long values shortened harder (None when they already are)."""
    if view.limits == limits:
        return None
    tight = Rows(view.array, view.surrogates, view.pick, view.noun == "JSON lines", limits)
    tight.factored = view.factored
    return tight


def _cost(view: Rows, selection: Selection) -> int:
    return sum(view[i] for i in selection.kept)


def _left_out(found: Candidates, selection: Selection) -> bool:
    kept = set(selection.kept)
    return any(i not in kept for i, _ in found.ordered)


def _render(
    rest_text: str, views: list[Rows], columns: list[Columns], found: list[Candidates], selections: list[Selection]
) -> tuple[str, list[list[str]]]:
    lines = [rest_text] if rest_text else []
    summaries = []
    for view, cols, rows_found, selection in zip(views, columns, found, selections, strict=True):
        lines.append(view.header(len(selection.kept)))
        lines.extend(view.line(i) for i in selection.kept)
        noun = "entries" if view.is_map else "rows"
        summaries.append(array_summary(len(view), cols, selection, rows_found.query_matches, noun))
    return "\n".join(lines), summaries


def _cut_to(text: str, limit: int, tokens: _Tokens) -> str:
    """The longest head of ``text`` under ``limit`` tokens, in whole lines if any fits (the last resort under a cap)."""
    lines = text.split("\n")
    kept = _longest(len(lines), lambda n: tokens.measure("\n".join(lines[:n])) <= limit)
    if kept:
        return "\n".join(lines[:kept])
    first = lines[0]
    chars = _longest(len(first), lambda n: tokens.measure(first[:n] + "…") <= limit)
    return first[:chars] + "…" if chars else ""


def _longest(high: int, fits: Callable[[int], bool]) -> int:
    """The largest n in 0..high for which ``fits(n)`` holds (it holds for all smaller n)."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _minified(text: str) -> Compressed:
    """The lossless minified form (items are added by the caller)."""
    return Compressed(text, "minified; nothing omitted", "json:minified", lossless=True)


def _may_hold_surrogates(content: str) -> bool:
    """True when parsed strings may hold lone surrogates, which UTF-8 output cannot carry."""
    if _ESCAPED_SURROGATE.search(content):
        return True
    try:
        content.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _notable_indices(nested: Nested, values: list[Any]) -> list[int]:
    """The picker for long nested lists: their notable items, best first."""
    return [index for index, _ in nested.notable(values)]


def _query_texts(view: Rows, query: str | None) -> list[str]:
    """The rows' minified texts, lower-cased, for query matching (only when there is a query)."""
    return [text.lower() for text in view.array.texts] if query and query.strip() else []


def _cut_items(doc: Any, limits: render.Limits, surrogates: bool) -> list[Item]:
    """Each value pruning shortened, whole, at its path (so a query can fetch it back)."""
    items: list[Item] = []
    stack: list[tuple[str, Any, int]] = [("$", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > 0 and render.is_long(value, limits):
            items.append(Item(path, render.dumps(value, surrogates)))
            continue
        if depth >= MAX_DEPTH or not isinstance(value, (dict, list)):
            continue
        children = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        stack.extend((child_path(path, key), child, depth + 1) for key, child in reversed(children))
    return items


def _items_of(views: list[Rows]) -> list[Item]:
    """Every row of every big collection, at its position, minified (a map entry as a one-key object)."""
    return [Item(view.array.position(i), text) for view in views for i, text in enumerate(view.array.texts)]


def _top_level_items(doc: Any, surrogates: bool) -> list[Item]:
    """For a document without a big array: each top-level key (or element), minified."""
    if isinstance(doc, dict):
        return [Item(child_path("$", key), render.dumps(value, surrogates)) for key, value in doc.items()]
    if isinstance(doc, list):
        return [Item(f"$[{i}]", render.dumps(value, surrogates)) for i, value in enumerate(doc)]
    return [Item("$", render.dumps(doc, surrogates))]

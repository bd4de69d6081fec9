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
import itertools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from ...contract import Compressed, Context, Item
from ...markers import MARKER_TOKENS
from ...tokens import estimate_tokens, tokens_per_char
from . import render
from .locate import (
    MAX_DEPTH,
    child_path,
    child_paths,
    find_collections,
    minified_text,
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
_DECODER = json.JSONDecoder()
_JSON_SPACE = " \t\n\r"  # the white space json.loads skips around a document
_EVERY_ROW_MAX = 5000  # longer collections are never shown whole by the lossy path (and are not measured for it)


class _Tokens:
    """Token estimates from the measured tokens-per-character of the content's own rendering."""

    def __init__(self, ctx: Context, text: str):
        self.count = ctx.count_tokens
        self._counted: tuple[str, int] | None = None  # the sample and its count: measured again, it is not counted
        self.per_char = tokens_per_char(text, self._count_sample, _SAMPLE_CHARS)

    def _count_sample(self, sample: str) -> int:
        tokens = self.count(sample)
        self._counted = (sample, tokens)
        return tokens

    def of(self, chars: int) -> int:
        return int(chars * self.per_char) + 1

    def chars(self, tokens: int) -> int:
        return int(tokens / self.per_char)

    def measure(self, text: str) -> int:
        """Tokens of ``text``: exact when small; from samples of it when large (exact costs seconds)."""
        # A short document's sample is all of it: pruning that shortens nothing measures the same text.
        if self._counted is not None and self._counted[0] == text:
            return self._counted[1]
        return estimate_tokens(text, self.count, _EXACT_COUNT_CHARS)

    def over(self, text: str, limit: int) -> int | None:
        """``measure(text)`` when it is over ``limit``, else None.

        An o200k token is at least one byte, so an ASCII text no longer than ``limit`` is within it
        (its sampled estimate too): it is not counted.
        """
        if len(text) <= limit and text.isascii():
            return None
        tokens = self.measure(text)
        return tokens if tokens > limit else None


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
        rest = None if whole or not found else skeleton(doc, found)
        rest_text = render.dumps(rest, surrogates) if rest is not None else ""
        if whole and json_lines:  # rows already minified one by one: join them, do not encode again
            minified = "\n".join(found[0].texts)
        elif json_lines:
            minified = "\n".join(render.dumps_each(doc, surrogates))
        else:
            minified = minified_text(doc, found, rest_text, surrogates)
        tokens = _Tokens(ctx, minified)
        nested = Nested(ctx.query)
        pick = functools.partial(_notable_indices, nested)
        views = [Rows(c, surrogates, pick, json_lines and c.source is doc) for c in found]

        result = self._lossless(minified, rest_text, views, tokens, ctx)
        if result is not None:
            result.items = _items_of(views) if views else _top_level_items(doc, surrogates)
            return result
        if views:
            return self._rows(rest, rest_text, views, surrogates, ctx, tokens, nested)
        result = self._pruned(doc, json_lines, surrogates, pick, ctx, tokens)
        if result is None:  # nothing long to shorten: minified is the best there is
            result = _minified(minified)
            result.items = _top_level_items(doc, surrogates)
        limit = ctx.budget_tokens - MARKER_TOKENS
        if ctx.budget_is_cap and tokens.over(result.text, limit) is not None:
            result.text, result.lossless = _cut_to(result.text, limit, tokens), False
            kept_all = ("; nothing omitted", "; every key kept")
            result.summary = functools.reduce(lambda text, claim: text.replace(claim, ""), kept_all, result.summary)
            result.summary = f"head kept to fit the cap; {result.summary}"
        return result

    def _lossless(
        self, minified: str, rest_text: str, views: list[Rows], tokens: _Tokens, ctx: Context
    ) -> Compressed | None:
        """Minified JSON or a header-once table, whichever is smaller, if it fits the budget (no items yet).

        The plain table first; then the same with the columns that hold one
        value in every row said once (a venv's path in ``pip list -v``).
        """
        limit = ctx.budget_tokens - (MARKER_TOKENS if ctx.budget_is_cap else 0)
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
                if tokens.over(text, limit) is None:
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
            if tokens.over(text, ctx.budget_tokens - MARKER_TOKENS) is None:
                break
        cut = _cut_items(doc, limits, surrogates)
        if not cut:
            return None
        items = _top_level_items(doc, surrogates) + cut
        summary = f"{len(cut)} long values shortened; every key kept"
        return Compressed(text, summary, "json:pruned", items)

    def _rows(
        self,
        rest: Any,
        rest_whole: str,
        views: list[Rows],
        surrogates: bool,
        ctx: Context,
        tokens: _Tokens,
        nested: Nested,
    ) -> Compressed:
        """Chosen rows of each big collection, the rest of the document around them (``rest_whole``: written)."""
        transform = "json:rows"
        limit = ctx.budget_tokens - MARKER_TOKENS
        rest_text = ""
        if rest is not None:
            rest_text = _shortened_rest(rest, views[0].pick, surrogates, tokens, limit)
            if rest_text != rest_whole:
                transform += "+json:pruned"
        referenced = strings_in(rest) if rest is not None else frozenset()
        columns = [columns_of(view.array.rows) for view in views]
        for view, cols in zip(views, columns, strict=True):
            longest = _longest_string(cols, view.array.rows)
            if longest is not None:
                view.know_longest_string(longest)
        found = [
            _candidates(view, cols, referenced, ctx.query, nested) for view, cols in zip(views, columns, strict=True)
        ]
        # Headers, the rest of the document and the closing marker come out of the same budget.
        room = tokens.chars(limit) - len(rest_text) - 300 * len(views)
        for _attempt in range(_ATTEMPTS):
            selections = _select_all(views, found, room)
            text, summaries = _render(rest_text, views, columns, found, selections)
            # The per-character estimate came from a sample: check it on the real output.
            actual = tokens.over(text, limit)
            if actual is None or room <= 0:
                break
            # Rows tokenize denser than the sample the estimate came from: re-estimate from the output.
            room = int(len(text) * limit / actual * 0.97) - len(rest_text) - 300 * len(views)
        summary = join_summaries([view.array.path for view in views], summaries)
        if ctx.budget_is_cap and actual is not None:  # this text's tokens, over the limit
            text, summary = _cut_to(text, limit, tokens), f"head kept to fit the cap; {summary}"
        return Compressed(text, summary, transform, _items_of(views))


def _parse(content: str) -> tuple[Any, bool] | None:
    """The parsed document and whether it was JSON Lines; None if it is neither."""
    try:
        return json.loads(content), False
    except (ValueError, RecursionError):
        pass
    values = []
    decode, space = _DECODER.raw_decode, json.decoder.WHITESPACE.match
    try:
        for line in content.splitlines():
            if not line.strip():
                continue
            # json.loads(line) without its layers of calls, which cost more than a short line's parse.
            if line.startswith("\ufeff"):
                return None
            value, end = decode(line, space(line).end() if line[0] in _JSON_SPACE else 0)
            if end != len(line) and space(line, end).end() != len(line):
                return None
            values.append(value)
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
    scalars = view.array.scalars
    names = view.array.keys if view.is_map else rows if scalars else []
    # Map keys and scalars are hashable: one pass of set tests, then the type test on the few found.
    hits = itertools.compress(itertools.count(), map(referenced.__contains__, names))
    named = [i for i in hits if isinstance(names[i], str)][:QUERY_MAX_ROWS]
    shape = "map" if view.is_map else "scalars" if scalars else "records"
    latest = _MAP_LATEST if view.is_map else 1
    texts = _query_texts(view, query)
    return candidates(rows, columns, texts, query, nested, ends=_ENDS[shape], named=named, latest=latest)


def _longest_string(columns: Columns, rows: list[Any]) -> int | None:
    """The longest string among the rows' values; None when a row is a list or a value an object or a list."""
    if any(issubclass(kind, list) for kind in set(map(type, rows))):
        return None
    # Told by the columns' types first: an object's column is often the last, after every string was measured.
    if any(issubclass(kind, (dict, list)) for kinds in columns.types.values() for kind in kinds):
        return None
    longest = 0
    for key, kinds in columns.types.items():
        if any(issubclass(kind, str) for kind in kinds):
            values = columns.values[key]
            texts = values if kinds == {str} else [value for value in values if isinstance(value, str)]
            longest = max(longest, max(map(len, texts)))
    return longest


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
    selections = [select_rows(f, v.costs, s) for f, v, s in zip(found, views, shares, strict=True)]
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
        selections[k] = select_rows(found[k], view.costs, budget)
        tight = _tightened(view)
        if tight is not None and _left_out(found[k], selections[k]):
            tighter = select_rows(found[k], tight.costs, budget)
            if len(tighter.kept) > len(selections[k].kept):
                views[k], selections[k] = tight, tighter
    return selections


def _every_row(view: Rows, found: Candidates, budget: int) -> tuple[Rows, Selection] | None:
    """Every row of ``view`` (its long values shortened, harder if need be) when that fits ``budget``."""
    if len(view) > _EVERY_ROW_MAX or view.array.chars > budget * 8:
        return None
    tries = [view]
    # Rows this short have nothing to shorten: harder limits would give the same rows.
    if max(map(len, view.array.texts)) > render.TIGHTEST.string:
        tries += [_tightened(view), _tightened(view, render.TIGHTEST)]
    measured: list[Sequence[int]] = []
    for shown in tries:
        if shown is None:
            continue
        costs = shown.costs
        if any(costs is before for before in measured):  # rows shortened no further: the same answer
            continue
        measured.append(costs)
        if _fits(costs, budget):
            return shown, _everything(found, len(shown))
    return None


def _everything(found: Candidates, count: int) -> Selection:
    """Every one of ``count`` rows, each with the first reason ``found`` gives (``rest`` for the others).

    What ``select_rows`` keeps from the candidates and then every row when all of them fit.
    """
    reasons: dict[int, str] = {}
    for index, reason in found.ordered:
        reasons.setdefault(index, reason)
    for index in range(count):
        reasons.setdefault(index, "rest")
    return Selection(list(range(count)), reasons)


def _fits(costs: Sequence[int] | Rows, budget: int) -> bool:
    """True when every row fits ``budget`` (stops measuring once they do not)."""
    if isinstance(costs, list):
        return sum(costs) <= budget
    # A lower bound first, which rarely has to shorten a row: the costs known from the rows'
    # texts, and one character (the line break) for each other row.
    bound = 0
    for i in range(len(costs)):
        bound += costs.known_cost(i) or 1
        if bound > budget:
            return False
    used = 0
    for i in range(len(costs)):
        used += costs[i]
        if used > budget:
            return False
    return True


def _tightened(view: Rows, limits: render.Limits = render.TIGHT) -> Rows | None:
    """The same collection with long values shortened harder (None when they already are)."""
    if view.limits == limits:
        return None
    return view.tightened(limits)


def _cost(view: Rows, selection: Selection) -> int:
    costs = view.costs
    return sum(costs[i] for i in selection.kept)


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
    kept = _longest(len(lines), lambda n: tokens.over("\n".join(lines[:n]), limit) is None)
    if kept:
        return "\n".join(lines[:kept])
    first = lines[0]
    chars = _longest(len(first), lambda n: tokens.over(first[:n] + "…", limit) is None)
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
    # Looking for the escapes' start is a plain substring search, far cheaper than the pattern's over the text.
    if ("\\ud" in content or "\\uD" in content) and _ESCAPED_SURROGATE.search(content):
        return True
    if content.isascii():  # no surrogate among its characters, nothing to encode
        return False
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
    return list(map(str.lower, view.array.texts)) if query and query.strip() else []


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
    items: list[Item] = []
    for view in views:
        path, keys, texts = view.array.path, view.array.keys, view.array.texts
        positions = [f"{path}[{i}]" for i in range(len(texts))] if keys is None else child_paths(path, keys)
        items += Item.many(positions, texts)
    return items


def _top_level_items(doc: Any, surrogates: bool) -> list[Item]:
    """For a document without a big array: each top-level key (or element), minified."""
    if isinstance(doc, dict):
        return [Item(child_path("$", key), render.dumps(value, surrogates)) for key, value in doc.items()]
    if isinstance(doc, list):
        return [Item(f"$[{i}]", render.dumps(value, surrogates)) for i, value in enumerate(doc)]
    return [Item("$", render.dumps(doc, surrogates))]

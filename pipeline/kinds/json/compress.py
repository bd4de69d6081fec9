"""The JSON compressor: arrays of records wherever they sit, JSON Lines, and plain objects.

Lossless first (minified, or a header-once table for records that share
their keys); when that is still over budget, per-field statistics choose the
records to show (``select``) and the rest is summarised by category.
Objects without a big array keep every key and lose only the middle of long
values.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from ...contract import Compressed, Context, Item
from ...tokens import estimate_tokens, tokens_per_char
from . import render
from .select import Nested, candidates, select_rows
from .signals import columns_of
from .summary import array_summary, join_summaries

_MIN_ROWS = 8
_MIN_SCALARS = 100  # short lists of scalars (tags, files) read better in place
_MIN_SHARE = 0.01  # an array smaller than this share of the input is left in place
_MAX_DEPTH = 64
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SAMPLE_CHARS = 6000
_EXACT_COUNT_CHARS = 400_000  # above this, output size is estimated from samples of the output itself
_RESERVED_TOKENS = 60  # the closing marker the pipeline appends


@dataclass(slots=True)
class _Array:
    """A big array of records: where it is, its rows and each row minified (computed once)."""

    path: str
    rows: list[Any]
    texts: list[str]

    @property
    def chars(self) -> int:
        return sum(map(len, self.texts)) + len(self.texts) + 1


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


def _child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


def _find_arrays(doc: Any, min_chars: int, surrogates: bool) -> list[_Array]:
    """The big arrays of records in the document, outermost only, in document order."""
    found: list[_Array] = []
    stack: list[tuple[str, Any, int]] = [("$", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, list) and len(value) >= _MIN_ROWS and _row_like(value):
            array = _Array(path, value, [render.dumps(row, surrogates) for row in value])
            if array.chars >= min_chars:
                found.append(array)
                continue
        if depth >= _MAX_DEPTH:
            continue
        if isinstance(value, dict):
            children = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        for key, child in reversed(children):
            if isinstance(child, (dict, list)):
                stack.append((_child_path(path, key), child, depth + 1))
    return found


def _row_like(values: list[Any]) -> bool:
    records = sum(isinstance(v, dict) for v in values)
    if records >= len(values) * 0.5 or all(isinstance(v, list) for v in values):
        return True
    return len(values) >= _MIN_SCALARS and not any(isinstance(v, (dict, list)) for v in values)


def _skeleton(doc: Any, arrays: list[_Array], depth: int = 0) -> Any:
    """The document with each big array replaced by a pointer to where its rows are shown."""
    for array in arrays:
        if doc is array.rows:
            return f"<{len(array.rows)} records: {array.path} below>"
    if depth > _MAX_DEPTH:
        return doc
    if isinstance(doc, dict):
        return {k: _skeleton(v, arrays, depth + 1) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_skeleton(v, arrays, depth + 1) for v in doc]
    return doc


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


class _Rows:
    """One big array as the output shows it; rows are rendered only when asked (50 MB arrays)."""

    def __init__(self, array: _Array, surrogates: bool, pick: render.Picker, json_lines: bool = False):
        self.array = array
        self.surrogates = surrogates
        self.pick = pick
        self.noun = "JSON lines" if json_lines else "records"
        self.columns = render.common_keys(array.rows)
        columns = self.columns
        self.table_rows = sum(render.is_table_row(row, columns) for row in array.rows) if columns else 0
        # A table row drops each key's '"key":' from the record's minified text.
        self.key_chars = sum(len(render.dumps(k, surrogates)) + 1 for k in columns or ())
        self._lines: dict[int, str] = {}

    @property
    def others(self) -> bool:
        """True when some records do not fit the table's columns (they are shown whole)."""
        return self.columns is not None and self.table_rows < len(self.array.rows)

    def header(self, shown: int | None) -> str:
        """The line introducing this array in the output."""
        columns, surrogates = self.columns, self.surrogates
        return render.header(self.array.path, len(self), shown, columns, surrogates, self.others, self.noun)

    def table_chars(self) -> int:
        """Length of the lossless table body, computed without rendering it."""
        return self.array.chars - self.key_chars * self.table_rows

    def table(self) -> list[str]:
        """Every row, unshortened, as a table row or (other keys) the record itself."""
        return [render.render_row(row, self.columns, self.surrogates) for row in self.array.rows]

    def line(self, index: int) -> str:
        """Row ``index`` as shown in the lossy form: ``[index] row`` with long values shortened."""
        line = self._lines.get(index)
        if line is None:
            row = render.shorten(self.array.rows[index], self.pick)
            line = self._lines[index] = f"[{index}] {render.render_row(row, self.columns, self.surrogates)}"
        return line

    def __getitem__(self, index: int) -> int:
        """The cost in characters of showing row ``index`` (``select_rows`` reads costs this way)."""
        return len(self.line(index)) + 1

    def __len__(self) -> int:
        return len(self.array.rows)


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
        arrays = _find_arrays(doc, int(size * _MIN_SHARE), surrogates)
        whole = bool(arrays) and arrays[0].rows is doc
        if whole:  # the rows are already minified one by one: join them instead of encoding again
            minified = ("\n" if json_lines else ",").join(arrays[0].texts)
            minified = minified if json_lines else f"[{minified}]"
        elif json_lines:
            minified = "\n".join(render.dumps(value, surrogates) for value in doc)
        else:
            minified = render.dumps(doc, surrogates)
        tokens = _Tokens(ctx, minified)
        skeleton = None if whole or not arrays else _skeleton(doc, arrays)
        nested = Nested(ctx.query)
        pick = functools.partial(_notable_indices, nested)
        views = [_Rows(array, surrogates, pick, json_lines and array.rows is doc) for array in arrays]

        result = self._lossless(minified, skeleton, views, tokens, ctx)
        if result is not None:
            result.items = _items_of(views) if views else _top_level_items(doc, surrogates)
            return result
        if views:
            return self._rows(skeleton, views, surrogates, ctx, tokens, nested)
        result = self._pruned(doc, json_lines, surrogates, pick, ctx, tokens)
        if result is None:  # nothing long to shorten: minified is the best there is
            result = _minified(minified)
            result.items = _top_level_items(doc, surrogates)
        return result

    def _lossless(
        self, minified: str, skeleton: Any, views: list[_Rows], tokens: _Tokens, ctx: Context
    ) -> Compressed | None:
        """Minified JSON or a header-once table, whichever is smaller, if it fits the budget (no items yet)."""
        skeleton_text = render.dumps(skeleton, views[0].surrogates) if skeleton is not None else ""
        table_chars = len(skeleton_text) + sum(v.table_chars() + 200 for v in views) if views else None
        if table_chars is not None and table_chars < len(minified) and tokens.of(table_chars) <= ctx.budget_tokens:
            lines = [skeleton_text] if skeleton_text else []
            for view in views:
                lines.append(view.header(None))
                lines.extend(view.table())
            noun = views[0].noun if len(views) == 1 else "records"
            summary = f"{sum(len(v) for v in views)} {noun} re-encoded as a table; nothing omitted"
            return Compressed("\n".join(lines), summary, "json:table", lossless=True)
        if tokens.of(len(minified)) <= ctx.budget_tokens:
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
            if tokens.measure(text) <= ctx.budget_tokens - _RESERVED_TOKENS:
                break
        cut = _cut_items(doc, limits, surrogates)
        if not cut:
            return None
        items = _top_level_items(doc, surrogates) + cut
        summary = f"{len(cut)} long values shortened; every key kept"
        return Compressed(text, summary, "json:pruned", items)

    def _rows(
        self, skeleton: Any, views: list[_Rows], surrogates: bool, ctx: Context, tokens: _Tokens, nested: Nested
    ) -> Compressed:
        """Statistically chosen rows of each big array, the rest of the document around them."""
        transform = "json:rows"
        skeleton_text = ""
        if skeleton is not None:
            skeleton_text = render.dumps(render.shorten(skeleton, views[0].pick), surrogates)
            if skeleton_text != render.dumps(skeleton, surrogates):
                transform += "+json:pruned"
        columns = [columns_of(view.array.rows) for view in views]
        found = [
            candidates(view.array.rows, cols, _query_texts(view, ctx.query), ctx.query, nested)
            for view, cols in zip(views, columns, strict=True)
        ]
        total_chars = sum(view.array.chars for view in views) or 1
        # Headers, the skeleton and the closing marker come out of the same budget.
        room = tokens.chars(ctx.budget_tokens - _RESERVED_TOKENS) - len(skeleton_text) - 300 * len(views)
        for _attempt in range(2):
            lines = [skeleton_text] if skeleton_text else []
            summaries = []
            for view, cols, rows_found in zip(views, columns, found, strict=True):
                share = max(int(max(room, 0) * view.array.chars / total_chars), 1)
                selection = select_rows(rows_found, view, share)
                lines.append(view.header(len(selection.kept)))
                lines.extend(view.line(i) for i in selection.kept)
                summaries.append(array_summary(len(view), cols, selection, rows_found.query_matches))
            text = "\n".join(lines)
            # The per-character estimate came from a sample: check it once on the real output.
            actual = tokens.measure(text)
            if actual <= ctx.budget_tokens - _RESERVED_TOKENS or room <= 0:
                break
            room = int(room * (ctx.budget_tokens - _RESERVED_TOKENS) / actual * 0.95)
        summary = join_summaries([view.array.path for view in views], summaries)
        return Compressed(text, summary, transform, _items_of(views))


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


def _query_texts(view: _Rows, query: str | None) -> list[str]:
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
        if depth >= _MAX_DEPTH or not isinstance(value, (dict, list)):
            continue
        children = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        stack.extend((_child_path(path, key), child, depth + 1) for key, child in reversed(children))
    return items


def _items_of(views: list[_Rows]) -> list[Item]:
    """Every record of every big array, at its position, minified."""
    return [
        Item(f"{view.array.path}[{i}]", text) for view in views for i, text in enumerate(view.array.texts)
    ]


def _top_level_items(doc: Any, surrogates: bool) -> list[Item]:
    """For a document without a big array: each top-level key (or element), minified."""
    if isinstance(doc, dict):
        return [Item(_child_path("$", key), render.dumps(value, surrogates)) for key, value in doc.items()]
    if isinstance(doc, list):
        return [Item(f"$[{i}]", render.dumps(value, surrogates)) for i, value in enumerate(doc)]
    return [Item("$", render.dumps(doc, surrogates))]

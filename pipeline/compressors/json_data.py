"""The JSON compressor: arrays of records wherever they sit, JSON Lines, and plain objects.

Lossless first (minified, or a header-once table for records that share
their keys); when that is still over budget, per-field statistics choose the
records to show (``json_select``) and the rest is summarised by category.
Objects without a big array keep every key and lose only the middle of long
values.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from headroom_mcp.pipeline.compressors import json_render as render
from headroom_mcp.pipeline.compressors.json_select import category_field, select_rows
from headroom_mcp.pipeline.contract import Compressed, Context, Item

_MIN_ROWS = 8
_MIN_SCALARS = 100  # short lists of scalars (tags, files) read better in place
_MIN_SHARE = 0.02  # an array smaller than this share of the document is left in place
_MAX_DEPTH = 64
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SAMPLE_CHARS = 6000


@dataclass(slots=True)
class _Array:
    path: str
    rows: list[Any]
    chars: int


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


def _find_arrays(doc: Any, total_chars: int, ascii_only: bool) -> list[_Array]:
    """The big arrays of the document, outermost only, in document order."""
    found: list[_Array] = []
    stack: list[tuple[str, Any, int]] = [("$", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, list) and len(value) >= _MIN_ROWS and _row_like(value):
            chars = len(render.dumps(value, ascii_only))
            if chars >= total_chars * _MIN_SHARE:
                found.append(_Array(path, value, chars))
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
        middle = len(text) // 2
        sample = text[:_SAMPLE_CHARS] + text[middle : middle + _SAMPLE_CHARS]
        self.per_char = max(ctx.count_tokens(sample), 1) / max(len(sample), 1)

    def of(self, chars: int) -> int:
        return int(chars * self.per_char) + 1

    def chars(self, tokens: int) -> int:
        return int(tokens / self.per_char)


class JsonCompressor:
    """Compresses JSON documents and JSON Lines (see the module docstring)."""

    name = "json"

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Compress ``content`` towards ``ctx.budget_tokens``; None when it is not JSON."""
        parsed = _parse(content)
        if parsed is None:
            return None
        doc, json_lines = parsed
        ascii_only = _needs_ascii(content)
        try:
            return self._compress(doc, json_lines, ascii_only, ctx)
        except RecursionError:
            return None

    def _compress(self, doc: Any, json_lines: bool, ascii_only: bool, ctx: Context) -> Compressed | None:
        if json_lines:
            minified = "\n".join(render.dumps(value, ascii_only) for value in doc)
        else:
            minified = render.dumps(doc, ascii_only)
        tokens = _Tokens(ctx, minified)
        arrays = _find_arrays(doc, len(minified), ascii_only)
        skeleton = "" if not arrays or arrays[0].rows is doc else render.dumps(_skeleton(doc, arrays), ascii_only)

        table = self._table(skeleton, arrays, ascii_only) if arrays else None
        lossless, transform = (table, "json:table") if table and len(table) < len(minified) else (minified, "json:minified")
        if tokens.of(len(lossless)) <= ctx.budget_tokens:
            what = f"{sum(len(a.rows) for a in arrays)} records re-encoded as a table" if transform == "json:table" else "minified"
            return Compressed(lossless, f"{what}; nothing omitted", transform, _items(doc, arrays, ascii_only), True)
        if not arrays:
            return self._pruned(doc, json_lines, ascii_only)
        return self._rows(skeleton, arrays, ascii_only, ctx, tokens)

    def _table(self, skeleton: str, arrays: list[_Array], ascii_only: bool) -> str:
        lines = [skeleton] if skeleton else []
        for array in arrays:
            columns = render.common_keys(array.rows)
            lines.append(render.header(array.path, len(array.rows), None, columns, ascii_only))
            lines.extend(render.render_row(row, columns, ascii_only) for row in array.rows)
        return "\n".join(lines)

    def _pruned(self, doc: Any, json_lines: bool, ascii_only: bool) -> Compressed | None:
        shortened = render.shorten(doc)
        if json_lines:
            text = "\n".join(render.dumps(value, ascii_only) for value in shortened)
        else:
            text = render.dumps(shortened, ascii_only)
        items = _items(doc, [], ascii_only)
        return Compressed(text, "long values shortened; every key kept", "json:pruned", items)

    def _rows(
        self, skeleton: str, arrays: list[_Array], ascii_only: bool, ctx: Context, tokens: _Tokens
    ) -> Compressed:
        total_chars = sum(a.chars for a in arrays)
        # Headers, the skeleton and the closing marker come out of the same budget.
        room = max(tokens.chars(ctx.budget_tokens) - len(skeleton) - 200 * len(arrays) - 400, 0)
        lines = [skeleton] if skeleton else []
        summaries = []
        items: list[Item] = []
        for array in arrays:
            columns = render.common_keys(array.rows)
            shown = [render.render_row(render.shorten(row), columns, ascii_only) for row in array.rows]
            costs = [len(text) + len(str(i)) + 4 for i, text in enumerate(shown)]
            whole = [render.dumps(row, ascii_only) for row in array.rows]
            items.extend(Item(f"{array.path}[{i}]", text) for i, text in enumerate(whole))
            texts = [text.lower() for text in whole] if ctx.query else []
            share = max(int(room * array.chars / total_chars), costs[0] if costs else 0)
            selection = select_rows(array.rows, texts, costs, share, ctx.query)
            lines.append(render.header(array.path, len(array.rows), len(selection.kept), columns, ascii_only))
            lines.extend(f"[{i}] {shown[i]}" for i in selection.kept)
            summaries.append(_summary(array, selection.kept, selection.reasons, selection.dropped_failures))
        if len(arrays) == 1:
            summary = summaries[0]
        else:
            summary = "; ".join(f"{a.path}: {s}" for a, s in zip(arrays, summaries, strict=True))
        return Compressed("\n".join(lines), _clip(summary), "json:rows", items)


def _needs_ascii(content: str) -> bool:
    """True when parsed strings may hold lone surrogates, which UTF-8 output cannot carry."""
    if _ESCAPED_SURROGATE.search(content):
        return True
    try:
        content.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _items(doc: Any, arrays: list[_Array], ascii_only: bool) -> list[Item]:
    """Every record of every big array; for a document without one, each top-level entry."""
    if arrays:
        return [
            Item(f"{array.path}[{i}]", render.dumps(row, ascii_only))
            for array in arrays
            for i, row in enumerate(array.rows)
        ]
    if isinstance(doc, dict):
        return [Item(_child_path("$", key), render.dumps(value, ascii_only)) for key, value in doc.items()]
    if isinstance(doc, list):
        return [Item(f"$[{i}]", render.dumps(value, ascii_only)) for i, value in enumerate(doc)]
    return []


def _summary(array: _Array, kept: list[int], reasons: dict[int, str], dropped_failures: int) -> str:
    total = len(array.rows)
    kept_set = set(kept)
    dropped = [i for i in range(total) if i not in kept_set]
    flagged = [i for i, why in reasons.items() if why.startswith(("failure", "outlier", "rare"))]
    text = f"{total} rows → {len(kept)} shown; {len(dropped)} omitted"
    key = category_field(array.rows, flagged)
    if key is not None and dropped:
        counts = Counter(
            json.dumps(row.get(key) if isinstance(row, dict) else row, ensure_ascii=False).strip('"')
            for row in (array.rows[i] for i in dropped)
        )
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        parts = [f"{count} {key}={value[:30]}" for value, count in ordered[:4]]
        if len(ordered) > 4:
            parts.append(f"{sum(c for _, c in ordered[4:])} other")
        text += f" ({', '.join(parts)})"
    why = Counter(reason.split(" ")[0] for reason in reasons.values())
    text += "; shown: " + ", ".join(f"{count} {name}" for name, count in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])))
    if dropped_failures:
        text += f"; {dropped_failures} failing rows did not fit the budget"
    return text


def _clip(summary: str, limit: int = 400) -> str:
    summary = summary.replace("]", ")").replace("[", "(").replace("\n", " ")
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"

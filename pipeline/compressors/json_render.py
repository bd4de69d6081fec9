"""How JSON is written for a model: minified values, header-once tables, shortened long values."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

LONG_STRING = 300
LONG_LIST = 20

# One encoder for every call: json.dumps with arguments builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any, surrogates: bool = False) -> str:
    """Minified JSON with non-ASCII text as is.

    ``surrogates`` says strings may hold lone surrogates (legal in JSON, not
    encodable as UTF-8): those alone are written as ``\\uXXXX`` escapes, which
    is still valid JSON for the same value, so the rest of the text stays readable.
    """
    text = _ENCODER.encode(value)
    if surrogates:
        text = _LONE_SURROGATE.sub(_escape, text)
    return text


def _escape(match: re.Match[str]) -> str:
    # json.dumps only writes a surrogate inside a string literal, where an escape is equivalent.
    return f"\\u{ord(match.group()):04x}"


def shorten(value: Any, depth: int = 0) -> Any:
    """``value`` with long strings cut to head…tail and long lists to their ends, keeping every key."""
    if isinstance(value, str) and len(value) > LONG_STRING:
        return f"{value[:200]}…[{len(value) - 260} chars]…{value[-60:]}"
    if depth > 40:
        return value
    if isinstance(value, dict):
        return {k: shorten(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > LONG_LIST:
            head = [shorten(v, depth + 1) for v in value[:10]]
            tail = [shorten(v, depth + 1) for v in value[-2:]]
            return [*head, f"…[{len(value) - 12} more items]…", *tail]
        return [shorten(v, depth + 1) for v in value]
    return value


def common_keys(rows: Sequence[Any]) -> tuple[str, ...] | None:
    """The key order most records share, if most do (then they render as table rows)."""
    shapes = Counter(tuple(row) for row in rows if isinstance(row, dict))
    if not shapes:
        return None
    keys, count = shapes.most_common(1)[0]
    return keys if count >= len(rows) * 0.5 and keys else None


def render_row(row: Any, columns: tuple[str, ...] | None, surrogates: bool) -> str:
    """A table row (``[v1,v2,...]``) when the record has exactly ``columns``, else the record itself."""
    if columns is not None and isinstance(row, dict) and tuple(row) == columns:
        return dumps([row[key] for key in columns], surrogates)
    return dumps(row, surrogates)


def header(path: str, total: int, shown: int | None, columns: tuple[str, ...] | None, surrogates: bool) -> str:
    """The line that introduces an array: where it is, its size and its columns."""
    count = f"{total} records" if shown is None else f"{total} records, {shown} shown as [index] row"
    if columns is None:
        return f"{path}: {count}"
    return f"{path}: {count}; columns {dumps(list(columns), surrogates)} (records with other keys shown whole)"

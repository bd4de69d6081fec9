"""How JSON is written for a model: minified values, header-once tables, shortened long values."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

LONG_STRING = 300
LONG_LIST = 20


def dumps(value: Any, ascii_only: bool = False) -> str:
    """Minified JSON; ``ascii_only`` escapes everything (needed when strings hold lone surrogates)."""
    return json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))


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


def render_row(row: Any, columns: tuple[str, ...] | None, ascii_only: bool) -> str:
    """A table row (``[v1,v2,...]``) when the record has exactly ``columns``, else the record itself."""
    if columns is not None and isinstance(row, dict) and tuple(row) == columns:
        return dumps([row[key] for key in columns], ascii_only)
    return dumps(row, ascii_only)


def header(path: str, total: int, shown: int | None, columns: tuple[str, ...] | None, ascii_only: bool) -> str:
    """The line that introduces an array: where it is, its size and its columns."""
    count = f"{total} records" if shown is None else f"{total} records, {shown} shown as [index] row"
    if columns is None:
        return f"{path}: {count}"
    return f"{path}: {count}; columns {dumps(list(columns), ascii_only)} (records with other keys shown whole)"

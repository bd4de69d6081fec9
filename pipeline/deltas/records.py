"""Reading JSON results as collections of records: where the rows are, and which field names a row."""

from __future__ import annotations

import json
from typing import Any

# Field names that name a row, best first.
KEY_NAMES = ("id", "key", "name", "uuid", "_id", "guid", "slug", "path", "sha", "hash")
KEY_SUFFIXES = ("_id", "id", "_key", "key", "_name", "name", "uuid")

Path = tuple[str | int, ...]


def load(text: str) -> Any:
    """The JSON value of ``text``, or its JSON Lines as a list; raises ValueError when it is neither."""
    try:
        return json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        return [json.loads(line) for line in lines]


def is_records(value: Any) -> bool:
    """True for a non-empty list whose items are all objects."""
    return isinstance(value, list) and bool(value) and all(isinstance(row, dict) for row in value)


def records_path(document: Any) -> Path | None:
    """Where the rows are: ``()`` for a top-level array of objects, else the path of the largest one inside."""
    best: tuple[int, Path] | None = None
    stack: list[tuple[Path, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if is_records(value):
            # Ties go to the first array in document order (paths compare in that order).
            if best is None or len(value) > best[0] or (len(value) == best[0] and _before(path, best[1])):
                best = (len(value), path)
            continue
        if isinstance(value, dict):
            stack.extend((path + (name,), item) for name, item in value.items())
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
    return best[1] if best else None


def _before(a: Path, b: Path) -> bool:
    return [str(part) for part in a] < [str(part) for part in b]


def at(document: Any, path: Path) -> Any:
    """The value at ``path``, or None when the document has nothing there."""
    value = document
    for part in path:
        if isinstance(part, int) and isinstance(value, list) and part < len(value):
            value = value[part]
        elif isinstance(part, str) and isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def render_path(path: Path) -> str:
    """``$.data.items[0]`` style."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def key_field(*tables: list[dict]) -> str | None:
    """A field present in every row of every table, with unique scalar values in each; well-known names first.

    Candidates come in the first row's field order, so the choice never
    depends on hashing. Floats and booleans do not name rows.
    """
    first = tables[0][0]
    candidates = [name for name in first if all(_names_rows(table, name) for table in tables)]
    if not candidates:
        return None

    def rank(name: str) -> tuple[int, int]:
        lowered = name.lower()
        if lowered in KEY_NAMES:
            return 0, KEY_NAMES.index(lowered)
        if lowered.endswith(KEY_SUFFIXES):
            return 1, 0
        return 2, 0

    return min(candidates, key=lambda name: (rank(name), candidates.index(name)))


def _names_rows(table: list[dict], name: str) -> bool:
    seen = set()
    for row in table:
        value = row.get(name, _MISSING)
        if value is _MISSING or isinstance(value, bool) or not isinstance(value, (str, int)) or value in seen:
            return False
        seen.add(value)
    return True


_MISSING = object()

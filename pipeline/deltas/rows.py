"""The delta of JSON results: rows added, removed (by key) and changed (only the fields that changed)."""

from __future__ import annotations

import json
from typing import Any

from ..wording import plural
from .contract import Delta
from .records import at, is_records, key_field, load, records_path, render_path
from .similar import related
from .text import text_delta

_ABSENT = object()


def row_delta(previous: str, current: str) -> Delta | None:
    """Rows added, removed and changed between two JSON results holding the same array of objects.

    The array is the top-level one or the largest one inside an object; rows
    are matched by a key field (``id``, ``key``, ``name``...). Values outside
    the array that changed are listed as paths. Without such an array or key,
    the text diff (of the re-indented JSON when a side is on one line).
    None when the text is not JSON.
    """
    try:
        old_doc, new_doc = load(previous), load(current)
    except ValueError:
        return None
    path = records_path(new_doc)
    old_rows = at(old_doc, path) if path is not None else None
    if path is None or not is_records(old_rows):
        return _json_text_delta(previous, current, old_doc, new_doc)
    new_rows = at(new_doc, path)
    key = key_field(old_rows, new_rows)
    if key is None:
        return _json_text_delta(previous, current, old_doc, new_doc)
    old_by_key = {row[key]: row for row in old_rows}
    new_by_key = {row[key]: row for row in new_rows}
    common = sum(1 for name in new_by_key if name in old_by_key)
    if not related(common, len(old_by_key), len(new_by_key)):
        return None

    added = [row for name, row in new_by_key.items() if name not in old_by_key]
    removed = [name for name in old_by_key if name not in new_by_key]
    changed = []
    for name, row in new_by_key.items():
        if name in old_by_key and old_by_key[name] != row:
            changed.append((name, _changes(old_by_key[name], row, ())))
    outside = _changes(_without(old_doc, path), _without(new_doc, path), ()) if path else []

    where = render_path(path)
    unchanged = common - len(changed)
    counts = f"{len(added):,} added, {len(removed):,} removed, {len(changed):,} changed; {unchanged:,} unchanged"
    summary = f"{where}: {plural(len(new_rows), 'row')}, {counts} (rows keyed by {json.dumps(key)})"
    if outside:
        summary += f"; {plural(len(outside), 'value')} changed outside the rows"
    out = [summary]
    if added:
        out.append(f"added ({len(added):,}):")
        out.extend("  " + _compact(row) for row in added)
    if removed:
        out.append(f"removed ({len(removed):,}):")
        out.extend(f"  {key}={_compact(name)}" for name in removed)
    if changed:
        out.append(f"changed ({len(changed):,}):")
        out.extend(f"  {key}={_compact(name)}: " + "; ".join(map(_change, fields)) for name, fields in changed)
    if outside:
        out.append("changed outside the rows:")
        out.extend("  " + _change(item, root="$") for item in outside)
    if not (added or removed or changed or outside):
        out.append("(same rows and values; only formatting or row order differ)")
    return Delta(text="\n".join(out), summary=summary, transform="delta:rows")


def _changes(old: Any, new: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any, Any]]:
    """The paths whose values differ, going into objects (lists are compared whole)."""
    if old == new:
        return []
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [(path, old, new)]
    found = []
    for name in list(old) + [name for name in new if name not in old]:
        found += _changes(old.get(name, _ABSENT), new.get(name, _ABSENT), path + (name,))
    return found


def _without(document: Any, path: tuple) -> Any:
    """The document with the rows at ``path`` replaced by a placeholder (their changes are listed by row)."""
    if not path:
        return None
    head, rest = path[0], path[1:]
    if isinstance(document, dict) and head in document:
        return {**document, head: _without(document[head], rest)}
    if isinstance(document, list) and isinstance(head, int) and head < len(document):
        return [*document[:head], _without(document[head], rest), *document[head + 1 :]]
    return document


def _change(item: tuple[tuple[str, ...], Any, Any], root: str = "") -> str:
    path, old, new = item
    name = ".".join(path) if not root else render_path(path)
    return f"{name or '(row)'} {_value(old)} → {_value(new)}"


def _value(value: Any) -> str:
    return "(absent)" if value is _ABSENT else _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_text_delta(previous: str, current: str, old_doc: Any, new_doc: Any) -> Delta | None:
    """The text diff; of the JSON re-indented when a side is on one line (a line diff of one line says nothing)."""
    if previous.count("\n") > 1 and current.count("\n") > 1:
        return text_delta(previous, current)
    found = text_delta(_indented(old_doc), _indented(new_doc))
    if found is None:
        return None
    return Delta(text=found.text, summary=found.summary + " (of the JSON re-indented)", transform=found.transform)


def _indented(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)

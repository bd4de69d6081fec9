"""How JSON is written for a model: minified values, header-once tables, shortened long values."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# One encoder for every call: json.dumps with arguments builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_DEPTH = 40

# Indices of a long list worth showing besides its ends (failures, query matches, outliers).
Picker = Callable[[list[Any]], list[int]]


@dataclass(frozen=True, slots=True)
class Limits:
    """When a value counts as long, and how much of it stays visible."""

    string: int = 300  # strings longer than this keep their head and tail
    items: int = 20  # lists longer than this keep their ends and their notable items
    head: int = 10
    tail: int = 2
    notable: int = 10  # notable items kept from the middle of a long list

    def string_head(self) -> int:
        return self.string * 2 // 3

    def string_tail(self) -> int:
        return self.string // 5


DEFAULT = Limits()
TIGHT = Limits(string=120, items=8, head=3, tail=1, notable=4)
TIGHTEST = Limits(string=60, items=4, head=2, tail=1, notable=2)  # every row of a collection, if that fits


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


def is_long(value: Any, limits: Limits = DEFAULT) -> bool:
    """True for a string or list that :func:`shorten` would cut."""
    if isinstance(value, str):
        return len(value) > limits.string
    return isinstance(value, list) and len(value) > limits.items


def shorten(value: Any, pick: Picker | None = None, limits: Limits = DEFAULT, depth: int = 0) -> Any:
    """``value`` with long strings cut to head…tail and long lists to their ends, keeping every key.

    A long list also keeps the items ``pick`` names (a failing test in the
    middle of 200 passing ones); each run of dropped items becomes one
    ``"…[N items omitted, a..b]…"`` string, so indices stay countable.
    """
    if isinstance(value, str):
        if len(value) <= limits.string:
            return value
        head, tail = limits.string_head(), limits.string_tail()
        return f"{value[:head]}…[{len(value) - head - tail} chars]…{value[-tail:]}"
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: shorten(v, pick, limits, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) <= limits.items:
            return [shorten(v, pick, limits, depth + 1) for v in value]
        return _shorten_list(value, pick, limits, depth)
    return value


def _shorten_list(value: list[Any], pick: Picker | None, limits: Limits, depth: int) -> list[Any]:
    n = len(value)
    notable = pick(value)[: limits.notable] if pick else []
    keep = sorted({*range(limits.head), *range(n - limits.tail, n), *notable})
    out: list[Any] = []
    previous = -1
    for index in keep:
        if index - previous > 1:
            out.append(gap_note(previous + 1, index - 1))
        out.append(shorten(value[index], pick, limits, depth + 1))
        previous = index
    return out


def gap_note(first: int, last: int) -> str:
    """The placeholder for items ``first..last`` (inclusive) of a list."""
    count = last - first + 1
    return f"…[{count} item omitted, {first}]…" if count == 1 else f"…[{count} items omitted, {first}..{last}]…"


def common_keys(rows: Sequence[Any]) -> tuple[str, ...] | None:
    """The key order most records share, if most do (then they render as table rows).

    None when some record is itself a list: its text would look like a table row.
    """
    shapes = Counter(tuple(row) for row in rows if isinstance(row, dict))
    if not shapes or any(isinstance(row, list) for row in rows):
        return None
    keys, count = shapes.most_common(1)[0]
    return keys if count >= len(rows) * 0.5 and keys else None


def is_table_row(row: Any, columns: tuple[str, ...] | None) -> bool:
    """True when ``row`` renders as a table row under ``columns`` (same keys, same order)."""
    return columns is not None and isinstance(row, dict) and len(row) == len(columns) and tuple(row) == columns


def constant_columns(rows: Sequence[Any], columns: tuple[str, ...] | None) -> tuple[str, ...]:
    """The columns holding one same value in every table row (a venv's path in ``pip list -v``).

    Said once in the header instead of in every row; at least one column is
    left in the rows, and fewer than three rows are not worth it.
    """
    if columns is None:
        return ()
    table = [row for row in rows if is_table_row(row, columns)]
    if len(table) < 3:
        return ()
    first = table[0]
    constant = tuple(
        key for key in columns if all(row[key] == first[key] and type(row[key]) is type(first[key]) for row in table)
    )
    return constant if len(constant) < len(columns) else constant[1:]


def render_row(
    row: Any, columns: tuple[str, ...] | None, surrogates: bool, constants: Sequence[str] = ()
) -> str:
    """A table row (``[v1,v2,...]``) when the record has exactly ``columns``, else the record itself.

    ``constants`` are columns the header states once: a table row leaves them out.
    """
    if is_table_row(row, columns):
        if constants:
            return dumps([value for key, value in row.items() if key not in constants], surrogates)
        return dumps(list(row.values()), surrogates)
    return dumps(row, surrogates)


def header(
    path: str,
    total: int,
    shown: int | None,
    columns: tuple[str, ...] | None,
    surrogates: bool,
    others: bool = False,
    noun: str = "records",
    constants: dict[str, Any] | None = None,
    layout: str = "[index] row",
) -> str:
    """The line that introduces a collection: where it is, its size and its columns.

    ``others`` says some records have other keys; those are shown as whole
    objects. ``noun`` names the rows (``JSON lines`` when the index is a line's,
    ``entries`` for a map). ``constants`` are the columns with one value in
    every table row, said here once; ``layout`` says how a shown row reads.
    """
    count = f"{total} {noun}" if shown is None else f"{total} {noun}, {shown} shown as {layout}"
    if columns is None:
        return f"{path}: {count}"
    shown_columns = [key for key in columns if key not in (constants or {})]
    text = f"{path}: {count}; columns {dumps(shown_columns, surrogates)}"
    if constants:
        text += f"; every row also has {dumps(constants, surrogates)}"
    return text + (" (records with other keys shown whole)" if others else "")

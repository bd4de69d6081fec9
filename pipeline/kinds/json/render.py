"""How JSON is written for a model: minified values, header-once tables, shortened long values."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

# One encoder for every call: json.dumps with arguments builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_DEPTH = 40


def _core(default: Callable[[Any], Any]) -> Callable[[Any, int], Sequence[str]] | None:
    """The encoder's C core, built once: JSONEncoder.encode builds one per call, which costs more than
    writing a short row. Without circular-reference markers (parsed JSON has no cycles) it keeps no
    state between calls; deep nesting still raises RecursionError. None without the C accelerator."""
    if c_make_encoder is None:
        return None
    encoder = _ENCODER
    return c_make_encoder(
        None,
        default,
        encode_basestring,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )


# A whole collection's rows are written in one call of the core, a mark (a string of its own) between
# each two, and cut apart at the marks: a call costs about as much as writing a short row. The mark is
# written as "\u0000" (control characters are always escaped), so the text holds that once per mark
# unless a row holds it too, which its count tells.
_MARK = "\x00"
_ESCAPED_MARK = encode_basestring(_MARK)[1:-1]
_SEPARATOR = f",{encode_basestring(_MARK)},"

_encode_core = _core(_ENCODER.default)

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
    if type(value) is str:
        text = encode_basestring(value)
    elif _encode_core is not None:
        text = "".join(_encode_core(value, 0))
    else:
        text = _ENCODER.encode(value)
    if surrogates:
        text = _LONE_SURROGATE.sub(_escape, text)
    return text


def dumps_each(values: Sequence[Any], surrogates: bool = False) -> list[str]:
    """``dumps`` of each value: a whole collection's rows written at once (see ``_MARK``)."""
    if len(values) > 1 and not surrogates and set(map(type, values)) == {str}:
        # Strings alone: one string, the mark between each two, written and cut the same way.
        text = encode_basestring(_MARK.join(values))
        if text.count(_ESCAPED_MARK) == len(values) - 1:
            return text.replace(_ESCAPED_MARK, f'"{_MARK}"').split(_MARK)
    elif len(values) > 1 and not surrogates and _encode_core is not None:
        marked = [_MARK] * (2 * len(values) - 1)
        marked[::2] = values
        text = "".join(_encode_core(marked, 0))
        if text.count(_ESCAPED_MARK) == len(values) - 1:
            return text[1:-1].split(_SEPARATOR)
    return [dumps(value, surrogates) for value in values]


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
    kinds = set(map(type, rows))
    if any(issubclass(kind, list) for kind in kinds) or not any(issubclass(kind, dict) for kind in kinds):
        return None
    if kinds == {dict}:
        shapes = Counter(map(tuple, rows))
    else:
        shapes = Counter(tuple(row) for row in rows if isinstance(row, dict))
    if not shapes:
        return None
    keys, count = shapes.most_common(1)[0]
    return keys if count >= len(rows) * 0.5 and keys else None


def table_layout(rows: Sequence[Any]) -> tuple[tuple[str, ...] | None, list[bool]]:
    """``common_keys`` of the rows and their ``table_flags``, each record's keys read once when all are records."""
    if rows and set(map(type, rows)) == {dict}:
        shapes = list(map(tuple, rows))
        keys, count = Counter(shapes).most_common(1)[0]
        if count >= len(rows) * 0.5 and keys:
            return keys, list(map(keys.__eq__, shapes))
        return None, []
    columns = common_keys(rows)
    return columns, table_flags(rows, columns)


def is_table_row(row: Any, columns: tuple[str, ...] | None) -> bool:
    """True when ``row`` renders as a table row under ``columns`` (same keys, same order)."""
    return columns is not None and isinstance(row, dict) and len(row) == len(columns) and tuple(row) == columns


def table_flags(rows: Sequence[Any], columns: tuple[str, ...] | None) -> list[bool]:
    """``is_table_row`` of each row, at once (empty without columns)."""
    if columns is None:
        return []
    if set(map(type, rows)) == {dict}:  # a dict's keys in order are its shape
        return list(map(columns.__eq__, map(tuple, rows)))
    return [is_table_row(row, columns) for row in rows]


def constant_columns(table: Sequence[dict[str, Any]], columns: tuple[str, ...] | None) -> tuple[str, ...]:
    """The columns holding one same value in every table row (a venv's path in ``pip list -v``).

    ``table`` are the records that are table rows under ``columns``. Said once
    in the header instead of in every row; at least one column is left in the
    rows, and fewer than three rows are not worth it.
    """
    if columns is None or len(table) < 3:
        return ()
    first = table[0]
    constant = tuple(
        key for key in columns if all(row[key] == first[key] and type(row[key]) is type(first[key]) for row in table)
    )
    return constant if len(constant) < len(columns) else constant[1:]


def table_row(row: dict[str, Any], surrogates: bool, constants: Sequence[str] = ()) -> str:
    """A table row's values (``[v1,v2,...]``), leaving out the ``constants`` the header states once."""
    if constants:
        return dumps([value for key, value in row.items() if key not in constants], surrogates)
    return dumps(list(row.values()), surrogates)


def is_shortened(value: Any, limits: Limits) -> bool:
    """True when :func:`shorten` with ``limits`` would change ``value`` (it walks the same way)."""
    stack = [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > limits.string:
                return True
        elif depth <= _MAX_DEPTH:
            if isinstance(value, dict):
                stack.extend((child, depth + 1) for child in value.values())
            elif isinstance(value, list):
                if len(value) > limits.items:
                    return True
                stack.extend((child, depth + 1) for child in value)
    return False


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

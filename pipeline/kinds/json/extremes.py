"""The rows a reader of a table asks about first: its gaps, its extremes, its first and last dates.

Nulls where a column is usually filled (a failed reading), the rows holding
each numeric column's minimum and maximum (the hottest day), the earliest and
latest of each date column, and one row of each value of a low-cardinality
column. Each function maps a row index to the reason it is worth showing.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import compress
from typing import Any

from .signals import Columns

_MISSING_SHARE = 0.05  # a column null or absent in at most this share of rows is "usually filled"
_MAX_MISSING = 12  # null rows kept per column
_MIN_ROWS = 8
_DATE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}")
_SEPARATOR = "\x00"
_DATE_AFTER_SEPARATOR = re.compile(r"\x00\d{4}[-/]\d{2}[-/]\d{2}")
_ALL_DATES = re.compile(r"(?:\x00\d{4}[-/]\d{2}[-/]\d{2}[^\x00]*)*")


def missing_rows(columns: Columns) -> dict[int, str]:
    """Rows where a column that is filled almost everywhere is null or absent."""
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        if len(values) < _MIN_ROWS:
            continue
        nulls = values.count(None)  # no JSON value but null equals None
        if nulls and nulls <= max(1, len(values) * _MISSING_SHARE):
            empty = [i for i, v in enumerate(values) if v is None]
            for i in empty[:_MAX_MISSING]:
                flagged.setdefault(i, f"null {key}")
    return flagged


def extreme_rows(columns: Columns) -> dict[int, str]:
    """For each numeric column, the first row holding its minimum and the first holding its maximum."""
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        rows, numbers = columns.numbers(key)
        if len(numbers) < max(2, len(values) * 0.5):
            continue
        low, high = min(numbers), max(numbers)
        if low == high:
            continue
        # Ties go to the first row: index() finds the first equal number.
        first_low, first_high = rows[numbers.index(low)], rows[numbers.index(high)]
        flagged.setdefault(first_low, f"min {key}={_short(values[first_low])}")
        flagged.setdefault(first_high, f"max {key}={_short(values[first_high])}")
    return flagged


def date_rows(columns: Columns, latest: int = 1) -> dict[int, str]:
    """For each date column, the row with its earliest date and those with its ``latest`` latest.

    Dates compare as text (``2015/12/31`` after ``2012/01/01``): one column
    holds one format, and text keeps the order exact without parsing.
    """
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        kinds = columns.types[key]
        least = max(2, len(values) * 0.5)
        dates: list[str] | None = None
        if kinds == {str}:
            rows, dates = _dated_texts(values, least)
        elif any(issubclass(kind, str) for kind in kinds):
            rows = [i for i, v in enumerate(values) if isinstance(v, str) and _DATE.match(v)]
        else:
            continue
        if len(rows) < least:
            continue
        if dates is None:
            dates = [values[i].replace("/", "-") for i in rows]
        # Ties go to the first row: index() finds the first equal date.
        flagged.setdefault(rows[dates.index(min(dates))], f"earliest {key}")
        # The latest dates, latest first, each date's first row first (as many as it has among them).
        start, previous = 0, None
        for date in sorted(dates, reverse=True)[:latest]:  # heapq.nlargest's answer, without its loop in Python
            start = dates.index(date, start if date == previous else 0)
            flagged.setdefault(rows[start], f"latest {key}")
            start, previous = start + 1, date
    return flagged


def _dated_texts(values: list[str], least: float) -> tuple[list[int], list[str] | None]:
    """The rows of a column of strings that start with a date, and (when every row does) the dates to compare.

    The values are joined, each after a NUL, and the pattern run over them at once: a date right after
    a NUL starts a value when no value holds one. A column with fewer than ``least`` dates is not
    worth the rows' indices: it gives none.
    """
    joined = _SEPARATOR + _SEPARATOR.join(values)
    if joined.count(_SEPARATOR) != len(values):  # a value holds a NUL: each one on its own
        return list(compress(range(len(values)), map(_DATE.match, values))), None
    if _ALL_DATES.fullmatch(joined):
        # Every value is dated: its text, "/" read as "-", is what the dates compare by.
        dates = joined[1:].replace("/", "-").split(_SEPARATOR) if "/" in joined else values
        return list(range(len(values))), dates
    if len(_DATE_AFTER_SEPARATOR.findall(joined)) < least:
        return [], None
    return list(compress(range(len(values)), map(_DATE.match, values))), None


def category_rows(columns: Columns) -> dict[int, str]:
    """The first row of each value of each low-cardinality column (every kind of weather is seen once)."""
    flagged: dict[int, str] = {}
    for key, counts in columns.categorical.items():
        first = _first_rows(columns.values[key], columns.types[key], counts)
        for (_, value), i in sorted(first.items(), key=lambda kv: kv[1]):
            flagged.setdefault(i, f"category {key}={_short(value)}")
    return flagged


def _first_rows(values: list[Any], kinds: frozenset[type], counts: Counter) -> dict[tuple[type, Any], int]:
    """The first row of each string, boolean or integer value (keyed by type too: 1 is not True).

    ``counts`` are the column's values counted: when they are all of one type, each one's first
    row is where index() finds it.
    """
    if len(kinds) == 1 and issubclass(next(iter(kinds)), (str, bool, int)):
        kind = next(iter(kinds))
        return {(kind, value): values.index(value) for value in counts}
    backwards = values[::-1]
    try:
        # Read from the end, each value's first row is the last one written.
        first = dict(zip(zip(map(type, backwards), backwards), range(len(values) - 1, -1, -1)))
    except TypeError:  # objects or lists in the column
        first = {}
        for i, v in enumerate(values):
            if isinstance(v, (str, bool, int)):
                first.setdefault((type(v), v), i)
        return first
    return {slot: i for slot, i in first.items() if issubclass(slot[0], (str, bool, int))}


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."

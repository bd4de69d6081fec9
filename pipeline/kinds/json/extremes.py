"""The rows a reader of a table asks about first: its gaps, its extremes, its first and last dates.

Nulls where a column is usually filled (a failed reading), the rows holding
each numeric column's minimum and maximum (the hottest day), the earliest and
latest of each date column, and one row of each value of a low-cardinality
column. Each function maps a row index to the reason it is worth showing.
"""

from __future__ import annotations

import re
from typing import Any

from .signals import Columns, finite

_MISSING_SHARE = 0.05  # a column null or absent in at most this share of rows is "usually filled"
_MAX_MISSING = 12  # null rows kept per column
_MIN_ROWS = 8
_DATE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}")


def missing_rows(columns: Columns) -> dict[int, str]:
    """Rows where a column that is filled almost everywhere is null or absent."""
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        if len(values) < _MIN_ROWS:
            continue
        empty = [i for i, v in enumerate(values) if v is None]
        if empty and len(empty) <= max(1, len(values) * _MISSING_SHARE):
            for i in empty[:_MAX_MISSING]:
                flagged.setdefault(i, f"null {key}")
    return flagged


def extreme_rows(columns: Columns) -> dict[int, str]:
    """For each numeric column, the first row holding its minimum and the first holding its maximum."""
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        numbers = [(x, i) for i, v in enumerate(values) if (x := finite(v)) is not None]
        if len(numbers) < max(2, len(values) * 0.5):
            continue
        low = min(numbers)  # ties go to the first row: (value, index) pairs
        high = min(numbers, key=lambda pair: (-pair[0], pair[1]))
        if low[0] == high[0]:
            continue
        flagged.setdefault(low[1], f"min {key}={_short(values[low[1]])}")
        flagged.setdefault(high[1], f"max {key}={_short(values[high[1]])}")
    return flagged


def date_rows(columns: Columns, latest: int = 1) -> dict[int, str]:
    """For each date column, the row with its earliest date and those with its ``latest`` latest.

    Dates compare as text (``2015/12/31`` after ``2012/01/01``): one column
    holds one format, and text keeps the order exact without parsing.
    """
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        dates = [(v.replace("/", "-"), i) for i, v in enumerate(values) if isinstance(v, str) and _DATE.match(v)]
        if len(dates) < max(2, len(values) * 0.5):
            continue
        dates.sort()
        flagged.setdefault(dates[0][1], f"earliest {key}")
        newest = sorted(dates, key=lambda pair: (pair[0], -pair[1]))[-latest:]
        for _, i in reversed(newest):
            flagged.setdefault(i, f"latest {key}")
    return flagged


def category_rows(columns: Columns) -> dict[int, str]:
    """The first row of each value of each low-cardinality column (every kind of weather is seen once)."""
    flagged: dict[int, str] = {}
    for key in columns.categorical:
        values = columns.values[key]
        first: dict[tuple[type, Any], int] = {}
        for i, v in enumerate(values):
            if isinstance(v, (str, bool, int)):
                first.setdefault((type(v), v), i)
        for (_, value), i in sorted(first.items(), key=lambda kv: kv[1]):
            flagged.setdefault(i, f"category {key}={_short(value)}")
    return flagged


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."

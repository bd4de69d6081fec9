"""Per-field statistics of an array of records: what fails, what matches, what stands out.

Each function looks at the array column by column (``Columns``) and names the
rows worth showing with a short reason: failures judged by values (never by
key names), fields rarely filled in, query matches, numeric outliers, rare
values, change points and gaps in sorted fields. ``select`` ranks these
and fits them to a budget. Everything here is deterministic: no set order reaches the output.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# Values that say something went wrong, wherever they sit in a record.
_FAILURE_RE = re.compile(
    r"\b(error|errors|errored|fail|failed|failure|fatal|exception|traceback|panic|timeout|timed out|"
    r"refused|denied|unavailable|unreachable|crash(ed)?|abort(ed)?|invalid|forbidden|unauthori[sz]ed|"
    r"not found|exhausted|overflow|killed|oom|rejected|critical|unhealthy|degraded|broken)\b",
    re.IGNORECASE,
)
# The same in identifiers: NullPointerException, KeyError, UPSTREAM_TIMEOUT, ECONNREFUSED (case matters).
_FAILURE_CODE_RE = re.compile(
    r"[a-z](Exception|Error)\b|\b[A-Z0-9_]*(ERROR|FAIL|FAILED|FAILURE|TIMEOUT|TIMEDOUT|TIMED_OUT|UNAVAILABLE|"
    r"REFUSED|DENIED|FORBIDDEN|UNAUTHORI[SZ]ED|BAD_GATEWAY|ABORTED|CRASHED|PANIC|EXHAUSTED|NOT_FOUND)\b"
)
_SUCCESS_WORDS = {"ok", "success", "succeeded", "passed", "pass", "done", "completed", "healthy", "true"}
_MAX_FAILURE_SHARE = 0.5  # a "failure" value shared by most rows is the norm, not an anomaly
_OUTLIER_SCORE = 6.0  # robust z-score (distance from the median in MADs)
_MAX_PER_REASON = 12  # rows kept per outlier field / rare value
_CATEGORICAL_MAX_DISTINCT = 20
_RARE_SHARE = 0.01
_SPARSE_SHARE = 0.05  # a field holding something in at most this share of rows (else empty or absent)
_MIN_RUN = 10  # a change point separates two runs at least this long
_MAX_GAPS = 4  # gaps per sorted field
_GAP_FACTOR = 20.0  # a step this many times the usual step is a gap
_QUERY_MAX_WORDS = 16
_MAX_STATUS_CHARS = 1000  # longer text nested in a record is prose or a document, not a status
NESTED_MIN = 20  # nested lists of objects or strings at least this long get statistics of their own
_DIGITS = re.compile(r"\d+")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_QUERY_WORD = re.compile(r"[^\s'\"`,;()=<>]{2,}")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NUMBER_TYPES = frozenset({int, float})  # not bool: type(True) is bool

# Whether a nested table (see is_nested_table) has a failing item, judged within the list.
NestedFailure = Callable[[list[Any]], bool]


@dataclass(slots=True)
class Columns:
    """An array's top-level fields as columns, and the counts of those with few distinct values."""

    values: dict[str, list[Any]]
    categorical: dict[str, Counter]


def columns_of(rows: Sequence[Any]) -> Columns:
    """Each top-level field, in first-seen key order, as a column (None where absent).

    Computed once per array and shared by the selection and the summary; the
    statistics that need scalars skip the objects and lists in a column.
    """
    records = [_fields(row) for row in rows]
    keys = dict.fromkeys(k for record in records for k in record)
    values = {key: [record.get(key) for record in records] for key in keys}
    categorical = {key: counts for key, column in values.items() if (counts := _categorical(column)) is not None}
    return Columns(values, categorical)


def _fields(row: Any) -> dict[str, Any]:
    """The record's fields: keys of an object, positions of a table row, or ``value`` for a scalar."""
    if isinstance(row, dict):
        return row
    if isinstance(row, list):
        return {str(i): v for i, v in enumerate(row)}
    return {"value": row}


def is_nested_table(value: Any) -> bool:
    """A long list of objects or strings inside a record: its items are judged against each other.

    A failing test among 200 passing ones, an ERROR line among 100 log lines.
    Lists of numbers are left out: a failure is never spelled in a number alone.
    """
    if not isinstance(value, list) or len(value) < NESTED_MIN:
        return False
    sample = value[:: max(1, len(value) // 64)]  # asked for every list of every row: look at a few items
    return sum(isinstance(v, (dict, str)) for v in sample) >= len(sample) * 0.5


def _strings(value: Any, depth: int = 0) -> list[str]:
    """Every string inside ``value`` (bounded depth and width), for failure checks."""
    if isinstance(value, str):
        return [value]
    if depth > 4:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value[:50] for s in _strings(v, depth + 1)]
    return []


def _nested_tables(value: Any, depth: int = 0) -> list[list[Any]]:
    """The nested tables inside a field's value (the value itself, or within objects)."""
    if is_nested_table(value):
        return [value]
    if depth > 4 or not isinstance(value, dict):
        return []
    return [found for v in value.values() for found in _nested_tables(v, depth + 1)]


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (huge JSON integers overflow floats)."""
    if type(value) not in _NUMBER_TYPES:
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _looks_like_status_codes(values: list[Any]) -> bool:
    """HTTP-like status codes: few distinct integers in 100-599, the usual one a 2xx/3xx.

    A latency or size column whose usual value happens to be 250 is not one.
    """
    codes = Counter(v for v in values if type(v) in _NUMBER_TYPES)
    if not codes or len(codes) > 30 or sum(codes.values()) < len(values) * 0.9:
        return False
    if not all(100 <= v < 600 and float(v).is_integer() for v in codes):
        return False
    usual = codes.most_common(1)[0][0]
    return 200 <= usual < 400


class _Column:
    """What is usual in one field, to judge a single value against."""

    def __init__(self, values: list[Any], nested_failure: NestedFailure):
        self.mostly_true = sum(v is True for v in values) > len(values) / 2
        self.status_codes = _looks_like_status_codes(values)
        self.nested_failure = nested_failure
        self._cache: dict[tuple[type, Any], bool] = {}

    def is_failure(self, value: Any) -> bool:
        """True when ``value`` says something went wrong (cached: columns repeat their values)."""
        if isinstance(value, (dict, list)):
            return self._judge(value)
        key = (type(value), value)
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._cache[key] = self._judge(value)
        return verdict

    def _judge(self, value: Any) -> bool:
        # Empty values are the healthy state of error-like fields ("error": null).
        if value is None or value is True or value == "" or value == [] or value == {}:
            return False
        if value is False:
            return self.mostly_true  # ok=false, success=false where true is the norm
        if _is_number(value):
            return self.status_codes and 400 <= value < 600
        if isinstance(value, str):
            return value.strip().lower() not in _SUCCESS_WORDS and _says_failure(value)
        if is_nested_table(value):
            return self.nested_failure(value)
        # A README inside a record (pip inspect's description) mentions errors without being one.
        return any(_says_failure(s) for s in _strings(value) if len(s) <= _MAX_STATUS_CHARS)


def _says_failure(text: str) -> bool:
    return bool(_FAILURE_RE.search(text) or _FAILURE_CODE_RE.search(text))


def failure_rows(columns: Columns, n: int, nested_failure: NestedFailure) -> dict[int, tuple[str, str]]:
    """Rows whose values signal a failure that is not the norm of its field.

    Maps a row index to (reason, signature); rows with the same signature
    failed the same way (same field, same value up to digits). A long nested
    table was already judged against its own items, so a failure in
    it counts even when many rows have one.
    """
    flagged: dict[int, tuple[str, str]] = {}
    for key, values in columns.values.items():
        column = _Column(values, nested_failure)
        hits = _failing(values, column)
        inside = [i for i in hits if _has_nested_failure(values[i], nested_failure)]
        if len(hits) > max(1, n * _MAX_FAILURE_SHARE):
            hits = inside
        for i in hits:
            flagged.setdefault(i, (f"failure in {key}", f"{key}={_signature(values[i])}"))
    return flagged


def _has_nested_failure(value: Any, nested_failure: NestedFailure) -> bool:
    if not isinstance(value, (dict, list)):
        return False
    return any(nested_failure(found) for found in _nested_tables(value))


def _failing(values: list[Any], column: _Column) -> list[int]:
    """Indices of failing values; judges each distinct value once (columns repeat their values)."""
    try:
        distinct = set(zip(map(type, values), values))
    except TypeError:  # objects or lists in the column: judge each one
        return [i for i, v in enumerate(values) if column.is_failure(v)]
    bad = [v for _, v in distinct if column.is_failure(v)]
    if not bad:
        return []
    # is_failure again because a set conflates 1 with True and 0 with False.
    bad_set = set(bad)
    return [i for i, v in enumerate(values) if v in bad_set and column.is_failure(v)]


def _signature(value: Any) -> str:
    """What kind of failure a value is: its text without the digits of ids, counts and times, cut short.

    Numbers are kinds as they are (503 is not 504); an object is its start
    (an error object's code); a nested list is its first failing text.
    """
    if not isinstance(value, (str, dict, list)):
        return str(value)
    if isinstance(value, str):
        text = value[:200]
    elif _nested_tables(value):
        text = next((s for s in _strings(value) if _says_failure(s)), "")[:200]
    else:
        text = _ENCODER.encode(value)[:200]
    return _DIGITS.sub("#", text)[:60]


def failures_in_order(failures: dict[int, tuple[str, str]]) -> list[tuple[int, str]]:
    """Failures, one of each kind before a second of any, so a tight budget still shows every kind."""
    seen: Counter[str] = Counter()
    ranked = []
    for index in sorted(failures):
        reason, signature = failures[index]
        ranked.append((seen[signature], index, reason))
        seen[signature] += 1
    return [(index, reason) for _, index, reason in sorted(ranked)]


def query_rows(texts: Sequence[str], query: str | None) -> list[tuple[int, int]]:
    """Rows matching the query with their scores, best first; ``texts`` are the rows' lower-cased renderings.

    The whole query as a substring wins; otherwise each query word that picks
    out some rows (not most: key names, a shared path prefix) scores a row,
    so a SQL statement or a sentence naming an id still finds that row.
    """
    if not query or not query.strip() or not texts:
        return []
    limit = max(1, len(texts) // 2)
    needle = query.strip().lower()
    exact = [i for i, text in enumerate(texts) if needle in text]
    if exact and len(exact) <= limit:
        return [(i, 1) for i in exact]
    words = sorted(set(w.strip(".:!?") for w in _QUERY_WORD.findall(needle)) - {needle})[:_QUERY_MAX_WORDS]
    score: Counter[int] = Counter()
    for word in words:
        if len(word) < 2:
            continue
        hits = [i for i, text in enumerate(texts) if word in text]
        if len(hits) <= limit:
            score.update(hits)
    return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))


def outlier_rows(columns: dict[str, list[Any]]) -> dict[int, str]:
    """Rows far from their field's median, in units of the median absolute deviation."""
    flagged: dict[int, str] = {}
    for key, values in columns.items():
        numbers = [(i, x) for i, v in enumerate(values) if (x := finite(v)) is not None]
        if len(numbers) < 8 or len(numbers) < len(values) * 0.5:
            continue
        only = [x for _, x in numbers]
        if only == sorted(only) and len(set(only)) == len(only):
            continue  # ids, sequence numbers, sorted timestamps: every value is "unusual"
        median = statistics.median(only)
        spread = 1.4826 * statistics.median(abs(x - median) for x in only)
        if spread == 0:
            # Nearly constant: the few values that differ are the outliers.
            odd = [(i, abs(x - median)) for i, x in numbers if x != median]
            if len(odd) > len(numbers) * 0.02:
                continue
            scored = odd
        else:
            scored = [(i, abs(x - median) / spread) for i, x in numbers]
            scored = [(i, s) for i, s in scored if s > _OUTLIER_SCORE]
        for i, _ in sorted(scored, key=lambda pair: (-pair[1], pair[0]))[:_MAX_PER_REASON]:
            flagged.setdefault(i, f"outlier {key}={_short(values[i])}")
    return flagged


def _categorical(values: list[Any]) -> Counter | None:
    """Value counts of a low-cardinality field, or None when the field is not one."""
    hashable = [v for v in values if isinstance(v, (str, bool, int)) and not isinstance(v, float)]
    if len(hashable) < len(values) * 0.5:
        return None
    counts = Counter(hashable)
    if len(counts) < 2 or len(counts) > _CATEGORICAL_MAX_DISTINCT or len(counts) > len(values) / 5:
        return None
    return counts


def rare_rows(columns: Columns) -> dict[int, str]:
    """A few rows of each value seen in at most 1% of a low-cardinality field."""
    flagged: dict[int, str] = {}
    for key, counts in columns.categorical.items():
        values = columns.values[key]
        limit = max(1, int(len(values) * _RARE_SHARE))
        for value, count in sorted(counts.items(), key=lambda kv: (kv[1], str(kv[0]))):
            if count > limit:
                break
            rows = [i for i, v in enumerate(values) if v == value and type(v) is type(value)]
            for i in rows[:3]:
                flagged.setdefault(i, f"rare {key}={_short(value)}")
    return flagged


def change_points(columns: Columns) -> list[int]:
    """Both sides of each change where a categorical field comes in a few long runs (sorted data).

    A single odd row between two equal runs is a blip, not a change of regime:
    the rare-value check covers it.
    """
    points: set[int] = set()
    for key in columns.categorical:
        values = columns.values[key]
        starts = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        if not 0 < len(starts) <= 8:
            continue
        bounds = [0, *starts, len(values)]
        for k, start in enumerate(starts, start=1):
            if start - bounds[k - 1] >= _MIN_RUN and bounds[k + 1] - start >= _MIN_RUN:
                points.update((start - 1, start))
    return sorted(points)


def sparse_rows(columns: Columns) -> dict[int, str]:
    """Rows where a field that is empty or absent almost everywhere holds something.

    The value decides, not the key: an ``errors`` list, a ``deleted_at`` time
    or a ``warning`` present in 3 rows of 1000 is worth showing whatever it says.
    """
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        present = [i for i, v in enumerate(values) if _has_content(v)]
        if present and len(present) <= max(1, len(values) * _SPARSE_SHARE):
            for i in present[:_MAX_PER_REASON]:
                flagged.setdefault(i, f"rare field {key}")
    return flagged


def _has_content(value: Any) -> bool:
    return not (value is None or value is False or value == "" or value == [] or value == {})


def gap_points(columns: Columns) -> list[int]:
    """Both sides of the biggest jumps in a sorted numeric or timestamp field (a pause, a restart)."""
    points: set[int] = set()
    for values in columns.values.values():
        series = _sorted_series(values)
        if series is None:
            continue
        steps = [abs(b - a) for a, b in zip(series, series[1:])]
        positive = [s for s in steps if s > 0]
        if len(positive) < 8:
            continue
        usual = statistics.median(positive)
        gaps = sorted((i for i, s in enumerate(steps) if s > usual * _GAP_FACTOR), key=lambda i: (-steps[i], i))
        for i in gaps[:_MAX_GAPS]:
            points.update((i, i + 1))
    return sorted(points)


def _sorted_series(values: list[Any]) -> list[float] | None:
    """The field as numbers (timestamps as epoch seconds) when every row has one and they are sorted.

    Stops at the first value that is missing or out of order: most fields are
    not sorted, and parsing every timestamp of a 50 MB array costs seconds.
    """
    if len(values) < 20:
        return None
    first = values[0]
    convert = _epoch if isinstance(first, str) and _TIMESTAMP.match(first) else finite
    series: list[float] = []
    direction = 0  # +1 ascending, -1 descending, 0 not known yet
    for value in values:
        x = convert(value)
        if x is None:
            return None
        if series and x != series[-1]:
            step = 1 if x > series[-1] else -1
            if direction and step != direction:
                return None
            direction = step
        series.append(x)
    return series


def _epoch(value: Any) -> float | None:
    """An ISO-8601 timestamp as seconds; a naive one is read as UTC (only differences matter)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."

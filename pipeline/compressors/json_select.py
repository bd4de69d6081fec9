"""Which records of a big JSON array are worth showing, decided by per-field statistics.

Priority: failures (judged by values, never by key names), query matches,
numeric outliers, rare categorical values, boundaries, change points and gaps,
then a few evenly spaced rows. Long lists of records inside a record get the
same statistics of their own (:class:`Nested`), so a failing test deep in a
suite's ``tests`` list makes the suite a failure and stays visible. Every
decision is deterministic: no set order, no randomness, no clock.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Values that say something went wrong, wherever they sit in a record.
_FAILURE_RE = re.compile(
    r"\b(error|errors|errored|fail|failed|failure|fatal|exception|traceback|panic|timeout|timed out|"
    r"refused|denied|unavailable|unreachable|crash(ed)?|abort(ed)?|invalid|forbidden|unauthori[sz]ed|"
    r"not found|exhausted|overflow|killed|oom|rejected|critical|unhealthy|degraded|broken)\b",
    re.IGNORECASE,
)
_SUCCESS_WORDS = {"ok", "success", "succeeded", "passed", "pass", "done", "completed", "healthy", "true"}
_MAX_FAILURE_SHARE = 0.5  # a "failure" value shared by most rows is the norm, not an anomaly
_OUTLIER_SCORE = 6.0  # robust z-score (distance from the median in MADs)
_MAX_PER_REASON = 12  # rows kept per outlier field / rare value
_CATEGORICAL_MAX_DISTINCT = 20
_RARE_SHARE = 0.01
_MAX_GAPS = 4  # gaps per sorted field
_GAP_FACTOR = 20.0  # a step this many times the usual step is a gap
_QUERY_MAX_WORDS = 16
NESTED_MIN = 20  # nested lists of records at least this long get statistics of their own
_DIGITS = re.compile(r"\d+")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_QUERY_WORD = re.compile(r"[^\s'\"`,;()=<>]{2,}")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NUMBER_TYPES = frozenset({int, float})  # not bool: type(True) is bool


@dataclass(slots=True)
class Columns:
    """An array's top-level fields as columns, and the counts of those with few distinct values."""

    values: dict[str, list[Any]]
    categorical: dict[str, Counter]


@dataclass(slots=True)
class Candidates:
    """Rows worth showing, most important first, with why; and which rows failed."""

    ordered: list[tuple[int, str]]
    failures: frozenset[int]


@dataclass(slots=True)
class Selection:
    """Kept row indices (ascending), why each was kept, and how many failing rows did not fit."""

    kept: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    dropped_failures: int = 0


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


def is_record_list(value: Any) -> bool:
    """A long list of mostly objects: a nested table that deserves statistics of its own."""
    if not isinstance(value, list) or len(value) < NESTED_MIN:
        return False
    return sum(isinstance(v, dict) for v in value) >= len(value) * 0.5


class Nested:
    """Notable elements of long record lists nested in records, judged within each list.

    One instance per compression: results are cached by list identity, so the
    failure check of the outer rows and the rendering of the kept rows share them.
    """

    def __init__(self, query: str | None = None):
        self.query = query
        self._notable: dict[int, list[tuple[int, str]]] = {}
        self._failing: dict[int, bool] = {}

    def notable(self, values: list[Any]) -> list[tuple[int, str]]:
        """Elements worth showing (failures, query matches, outliers, rare values), best first."""
        key = id(values)
        found = self._notable.get(key)
        if found is None:
            texts = [_ENCODER.encode(v).lower() for v in values] if self.query else []
            ranked = candidates(values, columns_of(values), texts, self.query, self, boundaries=False)
            found = self._notable[key] = ranked.ordered
            self._failing[key] = bool(ranked.failures)
        return found

    def has_failure(self, values: list[Any]) -> bool:
        """True when some element of the list failed (rare and non-success within the list)."""
        self.notable(values)
        return self._failing[id(values)]


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


def _record_lists(value: Any, depth: int = 0) -> list[list[Any]]:
    """The long record lists inside a field's value (the value itself, or within objects)."""
    if is_record_list(value):
        return [value]
    if depth > 4 or not isinstance(value, dict):
        return []
    return [found for v in value.values() for found in _record_lists(v, depth + 1)]


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES


def _finite(value: Any) -> float | None:
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

    def __init__(self, values: list[Any], nested: Nested):
        self.mostly_true = sum(v is True for v in values) > len(values) / 2
        self.status_codes = _looks_like_status_codes(values)
        self.nested = nested
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
            return value.strip().lower() not in _SUCCESS_WORDS and bool(_FAILURE_RE.search(value))
        if is_record_list(value):
            return self.nested.has_failure(value)
        return any(_FAILURE_RE.search(s) for s in _strings(value))


def _failure_rows(columns: Columns, n: int, nested: Nested) -> dict[int, tuple[str, str]]:
    """Rows whose values signal a failure that is not the norm of its field.

    Maps a row index to (reason, signature); rows with the same signature
    failed the same way (same field, same value up to digits). A long nested
    record list was already judged against its own elements, so a failure in
    it counts even when many rows have one.
    """
    flagged: dict[int, tuple[str, str]] = {}
    for key, values in columns.values.items():
        column = _Column(values, nested)
        hits = _failing(values, column)
        inside = [i for i in hits if _has_nested_failure(values[i], nested)]
        if len(hits) > max(1, n * _MAX_FAILURE_SHARE):
            hits = inside
        for i in hits:
            flagged.setdefault(i, (f"failure in {key}", f"{key}={_signature(values[i])}"))
    return flagged


def _has_nested_failure(value: Any, nested: Nested) -> bool:
    if not isinstance(value, (dict, list)):
        return False
    return any(nested.has_failure(found) for found in _record_lists(value))


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
    """What kind of failure a value is: its failing text without digits (ids, counts, times), cut short."""
    if isinstance(value, str):
        text = value
    else:
        strings = _strings(value)
        text = next((s for s in strings if _FAILURE_RE.search(s)), None) or str(value)[:200]
    return _DIGITS.sub("#", text[:200])[:60]


def _failures_in_order(failures: dict[int, tuple[str, str]]) -> list[tuple[int, str]]:
    """Failures, one of each kind before a second of any, so a tight budget still shows every kind."""
    seen: Counter[str] = Counter()
    ranked = []
    for index in sorted(failures):
        reason, signature = failures[index]
        ranked.append((seen[signature], index, reason))
        seen[signature] += 1
    return [(index, reason) for _, index, reason in sorted(ranked)]


def query_rows(texts: Sequence[str], query: str | None) -> list[int]:
    """Rows matching the query, best first; ``texts`` are the rows' lower-cased renderings.

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
        return exact
    words = sorted(set(w.strip(".:!?") for w in _QUERY_WORD.findall(needle)) - {needle})[:_QUERY_MAX_WORDS]
    score: Counter[int] = Counter()
    for word in words:
        if len(word) < 2:
            continue
        hits = [i for i, text in enumerate(texts) if word in text]
        if len(hits) <= limit:
            score.update(hits)
    return [i for i, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))]


def _outlier_rows(columns: dict[str, list[Any]]) -> dict[int, str]:
    """Rows far from their field's median, in units of the median absolute deviation."""
    flagged: dict[int, str] = {}
    for key, values in columns.items():
        numbers = [(i, x) for i, v in enumerate(values) if (x := _finite(v)) is not None]
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


def _rare_rows(columns: Columns) -> dict[int, str]:
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


def _change_points(columns: Columns) -> list[int]:
    """Both sides of each change where a categorical field comes in a few long runs (sorted data)."""
    points: set[int] = set()
    for key in columns.categorical:
        values = columns.values[key]
        starts = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        if 0 < len(starts) <= 8 and len(values) / (len(starts) + 1) >= 20:
            points.update(starts)
            points.update(i - 1 for i in starts)
    return sorted(points)


def _gap_points(columns: Columns) -> list[int]:
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
    """The field as numbers (timestamps as epoch seconds) when every row has one and they are sorted."""
    if len(values) < 20:
        return None
    first = values[0]
    if isinstance(first, str) and _TIMESTAMP.match(first):
        series = [_epoch(v) for v in values]
    else:
        series = [_finite(v) for v in values]
    if any(x is None for x in series):
        return None
    ascending = all(a <= b for a, b in zip(series, series[1:]))
    descending = all(a >= b for a, b in zip(series, series[1:]))
    return series if ascending or descending else None  # type: ignore[return-value]


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


def candidates(
    rows: Sequence[Any],
    columns: Columns,
    texts: Sequence[str],
    query: str | None,
    nested: Nested,
    sample: int = 5,
    boundaries: bool = True,
) -> Candidates:
    """Rows worth showing, in priority order (a row may appear more than once; the first reason wins).

    ``texts`` are the rows' lower-cased renderings, for query matching.
    Failures come first, each kind of failure before a second of any kind.
    Without ``boundaries`` only the notable rows are listed (no first, last,
    change points or samples): that is what a nested list shows in its middle.
    """
    n = len(rows)
    failures = _failure_rows(columns, n, nested)
    ordered: list[tuple[int, str]] = _failures_in_order(failures)
    ordered += [(i, "query match") for i in query_rows(texts, query)]
    ordered += sorted(_outlier_rows(columns.values).items())
    ordered += sorted(_rare_rows(columns).items())
    if boundaries and n:
        ordered += [(0, "first"), (n - 1, "last")]
        ordered += [(i, "change point") for i in _change_points(columns)]
        ordered += [(i, "gap") for i in _gap_points(columns)]
        if sample > 0 and n > 2:
            step = n / (sample + 1)
            ordered += [(int(step * (k + 1)), "sample") for k in range(sample)]
    return Candidates(ordered, frozenset(failures))


def select_rows(found: Candidates, costs: Sequence[int], budget: int) -> Selection:
    """Take candidates in order while they fit ``budget`` (in the units of ``costs``, one per row).

    ``costs`` is only read for candidate rows, so it may compute lazily. The
    first candidate is always kept, so something is shown even when it alone
    is over budget.
    """
    reasons: dict[int, str] = {}
    used = 0
    for index, reason in found.ordered:
        if index in reasons:
            continue
        cost = costs[index]
        # Smaller rows later in the order may still fit, so keep looking instead of stopping.
        if used + cost > budget and reasons:
            continue
        reasons[index] = reason
        used += cost
    return Selection(sorted(reasons), reasons, sum(i not in reasons for i in found.failures))


def category_field(columns: Columns, flagged: Sequence[int]) -> str | None:
    """The low-cardinality field that best tells the flagged rows from the rest (for summaries)."""
    best: tuple[float, str] | None = None
    flagged_set = set(flagged)
    for key, counts in columns.categorical.items():
        values = columns.values[key]
        if len(counts) > 12:
            continue
        mode = counts.most_common(1)[0][0]
        off_all = sum(v != mode for v in values) / len(values)
        off_flagged = sum(values[i] != mode for i in flagged_set) / len(flagged_set) if flagged_set else 0.0
        score = (off_flagged - off_all) if flagged_set else -off_all
        if best is None or score > best[0]:
            best = (score, key)
    return best[1] if best else None

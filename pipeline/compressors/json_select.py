"""Which records of a big JSON array are worth showing, decided by per-field statistics.

Priority: failures (judged by values, never by key names), query matches,
numeric outliers, rare categorical values, boundaries and change points, then
a few evenly spaced rows. Every decision is deterministic.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Values that say something went wrong, wherever they sit in a record.
_FAILURE_RE = re.compile(
    r"\b(error|errors|errored|fail|failed|failure|fatal|exception|traceback|panic|timeout|timed out|"
    r"refused|denied|unavailable|unreachable|crash(ed)?|abort(ed)?|invalid|forbidden|unauthori[sz]ed|"
    r"not found|exhausted|overflow|killed|oom)\b",
    re.IGNORECASE,
)
_SUCCESS_WORDS = {"ok", "success", "succeeded", "passed", "pass", "done", "completed", "healthy", "true"}
_MAX_RARE_SHARE = 0.2  # a "failure" value shared by more rows than this is the norm, not an anomaly
_OUTLIER_SCORE = 6.0
_MAX_PER_REASON = 12  # rows kept per outlier field / rare value
_CATEGORICAL_MAX_DISTINCT = 20


@dataclass(slots=True)
class Selection:
    """Kept row indices (ascending) and why each was kept."""

    kept: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    dropped_failures: int = 0


def _fields(row: Any) -> dict[str, Any]:
    """The record's fields: keys of an object, positions of a table row, or ``value`` for a scalar."""
    if isinstance(row, dict):
        return row
    if isinstance(row, list):
        return {str(i): v for i, v in enumerate(row)}
    return {"value": row}


def _scalars(row: Any) -> dict[str, Any]:
    """The record's scalar fields."""
    return {k: v for k, v in _fields(row).items() if v is None or isinstance(v, (str, int, float, bool))}


def _strings(value: Any, depth: int = 0) -> list[str]:
    """Every string inside ``value`` (bounded depth), for failure and query checks."""
    if isinstance(value, str):
        return [value]
    if depth > 4:
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value[:50] for s in _strings(v, depth + 1)]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _failure_rows(rows: Sequence[Any]) -> dict[int, str]:
    """Rows whose values signal a failure that is rare in its field."""
    n = len(rows)
    flagged: dict[int, str] = {}
    records = [_fields(row) for row in rows]
    for key in dict.fromkeys(key for record in records for key in record):
        values = [record.get(key) for record in records]
        column = _Column(values)
        hits = [i for i, v in enumerate(values) if column.is_failure(v)]
        if hits and len(hits) <= max(1, n * _MAX_RARE_SHARE):
            for i in hits:
                flagged.setdefault(i, f"failure in {key}")
    return flagged


class _Column:
    """What is usual in one field, to judge a single value against."""

    def __init__(self, values: list[Any]):
        self.mostly_true = sum(v is True for v in values) > len(values) / 2
        codes = Counter(v for v in values if _is_number(v))
        usual = codes.most_common(1)[0][0] if codes else None
        # HTTP-like status codes: the usual value is a 2xx/3xx code
        self.status_codes = usual is not None and 200 <= usual < 400 and float(usual).is_integer()

    def is_failure(self, value: Any) -> bool:
        if value is None or value is True or value == "" or value == [] or value == {}:
            return False
        if value is False:
            return self.mostly_true  # ok=false, success=false where true is the norm
        if _is_number(value):
            return self.status_codes and 400 <= value < 600 and float(value).is_integer()
        if isinstance(value, str):
            return value.strip().lower() not in _SUCCESS_WORDS and bool(_FAILURE_RE.search(value))
        return any(_FAILURE_RE.search(s) for s in _strings(value))


def _query_rows(texts: Sequence[str], query: str | None) -> list[int]:
    if not query or not query.strip():
        return []
    needle = query.strip().lower()
    words = [w for w in re.findall(r"[0-9a-z_]+", needle) if len(w) > 1]
    exact = [i for i, text in enumerate(texts) if needle in text]
    if exact or not words:
        return exact
    return [i for i, text in enumerate(texts) if all(w in text for w in words)]


def _outlier_rows(columns: dict[str, list[Any]]) -> dict[int, str]:
    flagged: dict[int, str] = {}
    for key, values in columns.items():
        numbers = [(i, float(v)) for i, v in enumerate(values) if _is_number(v)]
        if len(numbers) < 8 or len(numbers) < len(values) * 0.5:
            continue
        only = [x for _, x in numbers]
        if len(set(only)) == len(only) and only == sorted(only):
            continue  # ids, sequence numbers, sorted timestamps: every value is "unusual"
        median = statistics.median(only)
        spread = 1.4826 * statistics.median(abs(x - median) for x in only)
        if spread == 0:
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
    hashable = [v for v in values if isinstance(v, (str, bool, int)) and not isinstance(v, float)]
    if len(hashable) < len(values) * 0.5:
        return None
    counts = Counter(hashable)
    if len(counts) < 2 or len(counts) > _CATEGORICAL_MAX_DISTINCT or len(counts) > len(values) / 5:
        return None
    return counts


def _rare_rows(columns: dict[str, list[Any]]) -> dict[int, str]:
    flagged: dict[int, str] = {}
    for key, values in columns.items():
        counts = _categorical(values)
        if counts is None:
            continue
        limit = max(1, int(len(values) * 0.01))
        for value, count in sorted(counts.items(), key=lambda kv: (kv[1], str(kv[0]))):
            if count > limit:
                break
            rows = [i for i, v in enumerate(values) if v == value and type(v) is type(value)]
            for i in rows[:3]:
                flagged.setdefault(i, f"rare {key}={_short(value)}")
    return flagged


def _change_points(columns: dict[str, list[Any]]) -> list[int]:
    """First rows of each run where a categorical field comes in a few long runs (sorted data)."""
    points: set[int] = set()
    for values in columns.values():
        if _categorical(values) is None:
            continue
        starts = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        if 0 < len(starts) <= 8 and len(values) / (len(starts) + 1) >= 20:
            points.update(starts)
            points.update(i - 1 for i in starts)
    return sorted(points)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


def select_rows(
    rows: Sequence[Any],
    texts: Sequence[str],
    costs: Sequence[int],
    budget: int,
    query: str | None = None,
    sample: int = 5,
) -> Selection:
    """Choose rows to show within ``budget`` (in the units of ``costs``, one per row).

    ``texts`` are the rows' lower-cased renderings, for query matching.
    Failures go first; each later class only while the budget lasts.
    """
    n = len(rows)
    columns: dict[str, list[Any]] = {}
    scalars = [_scalars(row) for row in rows]
    for key in dict.fromkeys(k for s in scalars for k in s):
        columns[key] = [s.get(key) for s in scalars]

    failures = _failure_rows(rows)
    ordered: list[tuple[int, str]] = sorted(failures.items())
    ordered += [(i, "query match") for i in _query_rows(texts, query)]
    ordered += sorted(_outlier_rows(columns).items())
    ordered += sorted(_rare_rows(columns).items())
    ordered += [(0, "first"), (n - 1, "last")] if n else []
    ordered += [(i, "change point") for i in _change_points(columns)]
    if sample > 0 and n > 2:
        step = n / (sample + 1)
        ordered += [(int(step * (k + 1)), "sample") for k in range(sample)]

    reasons: dict[int, str] = {}
    used = 0
    for index, reason in ordered:
        if index in reasons or (used + costs[index] > budget and reasons):
            continue
        reasons[index] = reason
        used += costs[index]
    return Selection(sorted(reasons), reasons, sum(i not in reasons for i in failures))


def category_field(rows: Sequence[Any], flagged: Sequence[int]) -> str | None:
    """The low-cardinality field that best tells the flagged rows from the rest (for summaries)."""
    columns: dict[str, list[Any]] = {}
    scalars = [_scalars(row) for row in rows]
    for key in dict.fromkeys(k for s in scalars for k in s):
        columns[key] = [s.get(key) for s in scalars]
    best: tuple[float, str] | None = None
    flagged_set = set(flagged)
    for key, values in columns.items():
        counts = _categorical(values)
        if counts is None or len(counts) > 12:
            continue
        mode = counts.most_common(1)[0][0]
        off_all = sum(v != mode for v in values) / len(values)
        off_flagged = sum(values[i] != mode for i in flagged_set) / len(flagged_set) if flagged_set else 0.0
        score = (off_flagged - off_all) if flagged_set else -off_all
        if best is None or score > best[0]:
            best = (score, key)
    return best[1] if best else None

"""Per-field statistics of an array of records: what fails, what matches, what stands out.

Each function looks at the array column by column (``Columns``) and names the
rows worth showing with a short reason: failures judged by values (never by
key names), fields rarely filled in, query matches, numeric outliers, rare
values, change points and gaps in sorted fields. ``select`` ranks these
and fits them to a budget. Everything here is deterministic: no set order reaches the output.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import math
import re
import statistics
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import contains, ge, is_not, itemgetter, le, ne, sub, truediv
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
# Each failure word above holds one of these (lower-cased): an ASCII text holding none cannot match
# either pattern, and searching for them is far cheaper than for those (about 30 case-blind words).
_FAILURE_HINTS = (
    "err|fail|fatal|exception|traceback|panic|timeout|timed|refused|denied|unavailable|unreachable|crash|abort|"
    "invalid|forbidden|unauthori|not found|not_found|exhausted|overflow|killed|oom|rejected|critical|unhealthy|"
    "degraded|broken|bad_gateway"
).split("|")


def _any_of(words: Sequence[str]) -> str:
    """A pattern finding any of ``words``, one branch per first letter (the matcher tries one, not all)."""
    branches: dict[str, list[str]] = {}
    for word in sorted(words):
        branches.setdefault(word[0], []).append(word[1:])
    parts = []
    for first, rests in branches.items():
        if "" in rests or len(rests) == 1:  # a word that is a prefix of others finds them all
            parts.append(re.escape(first + min(rests, key=len)))
        else:
            parts.append(f"{re.escape(first)}(?:{_any_of(rests)})")
    return "|".join(parts)


_FAILURE_HINT_RE = re.compile(_any_of(_FAILURE_HINTS))
# An ASCII text with every character no hint word holds deleted still holds each hint word it held (and may
# hold new ones, letters joined across what was deleted): with none left it held none. Far shorter (an id, a
# timestamp, a version keeps a letter or two), each word is looked for in it far faster than in the text.
_HINT_CHARS = {*"".join(_FAILURE_HINTS)}
_NOT_HINT = bytes(c for c in range(128) if chr(c).lower() not in _HINT_CHARS)
_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_HINT_BYTES = [word.encode() for word in _FAILURE_HINTS]
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
_SERIES_BLOCK = 256  # timestamps parsed at a time while a field looks sorted
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
    types: dict[str, frozenset[type]]  # the types of each column's values: most checks need no more
    _numbers: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)

    def numbers(self, key: str) -> tuple[list[int], list[float]]:
        """The rows of column ``key`` holding a finite number, and those numbers (see :func:`_finite`)."""
        found = self._numbers.get(key)
        if found is None:
            found = self._numbers[key] = _finite_numbers(self.values[key], self.types[key])
        return found


def columns_of(rows: Sequence[Any]) -> Columns:
    """Each top-level field, in first-seen key order, as a column (None where absent).

    Computed once per array and shared by the selection and the summary; the
    statistics that need scalars skip the objects and lists in a column.
    """
    kinds = set(map(type, rows))
    if not any(issubclass(kind, (dict, list)) for kind in kinds):
        values = {"value": list(rows)} if rows else {}
    else:
        records = rows if kinds == {dict} else [row if isinstance(row, dict) else _fields(row) for row in rows]
        keys = list(dict.fromkeys(itertools.chain.from_iterable(records)))
        if len(keys) > 1 and set(map(len, records)) == {len(keys)}:
            # Every record has every key (none has one the union lacks): read the columns off in one pass.
            values = dict(zip(keys, map(list, zip(*map(itemgetter(*keys), records)))))
        else:
            values = {key: list(map(dict.get, records, itertools.repeat(key))) for key in keys}
    types = {key: frozenset(map(type, column)) for key, column in values.items()}
    categorical = {
        key: counts for key, column in values.items() if (counts := _categorical(column, types[key])) is not None
    }
    return Columns(values, categorical, types)


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


def _finite_numbers(values: list[Any], kinds: frozenset[type]) -> tuple[list[int], list[float]]:
    """The indices of the finite numbers in ``values`` (of types ``kinds``) and those numbers as floats."""
    if not kinds & _NUMBER_TYPES:  # most text columns
        return [], []
    if kinds <= _NUMBER_TYPES:
        rows, numbers = list(range(len(values))), values
    else:
        rows = [i for i, v in enumerate(values) if type(v) in _NUMBER_TYPES]
        numbers = [values[i] for i in rows]
    try:
        floats = list(map(float, numbers))
    except OverflowError:  # a huge JSON integer: check each one
        pairs = [(i, x) for i, v in zip(rows, numbers) if (x := _finite(v)) is not None]
        return [i for i, _ in pairs], [x for _, x in pairs]
    if all(map(math.isfinite, floats)):
        return rows, floats
    pairs = [(i, x) for i, x in zip(rows, floats) if math.isfinite(x)]
    return [i for i, _ in pairs], [x for _, x in pairs]


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (huge JSON integers overflow floats)."""
    if type(value) not in _NUMBER_TYPES:
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _looks_like_status_codes(values: list[Any], kinds: frozenset[type]) -> bool:
    """HTTP-like status codes: few distinct integers in 100-599, the usual one a 2xx/3xx.

    A latency or size column whose usual value happens to be 250 is not one.
    """
    if kinds <= _NUMBER_TYPES:
        numbers = values
    else:
        numbers = [v for v in values if type(v) in _NUMBER_TYPES]
    if not numbers or len(numbers) < len(values) * 0.9:
        return False
    codes = set(numbers)  # counted only when they may be codes: most numeric columns are not
    if len(codes) > 30 or not all(100 <= v < 600 and float(v).is_integer() for v in codes):
        return False
    usual = Counter(numbers).most_common(1)[0][0]
    return 200 <= usual < 400


class _Column:
    """What is usual in one field, to judge a single value against."""

    def __init__(self, values: list[Any], kinds: frozenset[type], nested_failure: NestedFailure):
        self.values = values
        self.kinds = kinds
        self.nested_failure = nested_failure
        self._cache: dict[tuple[type, Any], bool] = {}

    # Only a column holding false or numbers needs these: most columns never pay for them.
    @functools.cached_property
    def mostly_true(self) -> bool:
        return sum(v is True for v in self.values) > len(self.values) / 2

    @functools.cached_property
    def status_codes(self) -> bool:
        return _looks_like_status_codes(self.values, self.kinds)

    def is_failure(self, value: Any) -> bool:
        """True when ``value`` says something went wrong (cached: columns repeat their values)."""
        if isinstance(value, (dict, list)):
            return self.judge(value)
        key = (type(value), value)
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._cache[key] = self.judge(value)
        return verdict

    def judge(self, value: Any) -> bool:
        """True when ``value`` says something went wrong (not cached: for values judged once)."""
        if type(value) is str:  # most values: the checks below, in their order, for a string
            return value != "" and value.strip().lower() not in _SUCCESS_WORDS and _says_failure(value)
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
        texts = [s for s in _strings(value) if len(s) <= _MAX_STATUS_CHARS]
        # One hint search over them all rules out most records (no hint word spans a line break).
        joined = "\n".join(texts)
        if joined.isascii() and not _may_hint(joined):
            return False
        return any(_says_failure(s) for s in texts)


def _says_failure(text: str) -> bool:
    # Non-ASCII text skips the hint: case-blind matching also folds a few non-ASCII letters (K, ſ) to ASCII ones.
    if text.isascii() and not _FAILURE_HINT_RE.search(text.lower()):
        return False
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
        column = _Column(values, columns.types[key], nested_failure)
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
    kinds = column.kinds
    if kinds == {str}:  # the usual text column
        bad = {text for text in _hinted(list(set(values))) if column.judge(text)}
        return list(itertools.compress(itertools.count(), map(bad.__contains__, values))) if bad else []
    if kinds <= _NUMBER_TYPES and not column.status_codes:  # a number fails only as an HTTP error code
        return []
    try:
        distinct = set(zip(map(type, values), values))
    except TypeError:  # objects or lists in the column: judge each one but the nulls (never a failure)
        present = itertools.compress(itertools.count(), map(is_not, values, itertools.repeat(None)))
        return [i for i in present if column.is_failure(values[i])]
    suspects = set(_hinted([v for kind, v in distinct if kind is str]))
    # Keyed by type too: a set of values alone conflates 1 with True and 0 with False.
    bad = {pair for pair in distinct if (pair[0] is not str or pair[1] in suspects) and column.judge(pair[1])}
    if not bad:
        return []
    return list(itertools.compress(itertools.count(), map(bad.__contains__, zip(map(type, values), values))))


def _may_hint(text: str) -> bool:
    """False when the ASCII ``text``, lower-cased, surely holds no hint word (see ``_NOT_HINT``)."""
    return any(map(text.encode("ascii").translate(_LOWER, _NOT_HINT).__contains__, _HINT_BYTES))


def _hinted(texts: list[str]) -> list[str]:
    """The texts that may say failure: the ASCII ones holding a hint word, and all others."""
    # A text without a hint word cannot fail: one search over them all finds the few worth judging.
    joined = "\n".join(texts)
    if joined.isascii():
        plain, found = texts, []
    else:
        plain = [text for text in texts if text.isascii()]
        found = [text for text in texts if not text.isascii()]
        joined = "\n".join(plain)
    if not _may_hint(joined):  # most columns: not one hint word in any text
        return found
    # No hint word holds a line break, so no match spans two texts.
    starts: list[int] = []
    for match in _FAILURE_HINT_RE.finditer(joined.lower()):
        starts = starts or list(itertools.accumulate((len(text) + 1 for text in plain), initial=0))
        found.append(plain[bisect.bisect_right(starts, match.start()) - 1])
    return found


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
    holding = _finder(texts)
    exact = holding(needle)
    if exact and len(exact) <= limit:
        return [(i, 1) for i in exact]
    words = sorted(set(w.strip(".:!?") for w in _QUERY_WORD.findall(needle)) - {needle})[:_QUERY_MAX_WORDS]
    score: Counter[int] = Counter()
    for word in words:
        if len(word) < 2:
            continue
        hits = holding(word)
        if len(hits) <= limit:
            score.update(hits)
    return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))


def _finder(texts: Sequence[str]) -> Callable[[str], list[int]]:
    """``_holding`` for many needles in the same texts: a needle in few of them is looked for in their join.

    Joined by line breaks when no text holds one: a needle without one found in the join lies within one
    text, and the next place to look is the next text's start.
    """
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        return functools.partial(_holding, texts)
    starts: list[int] = []
    find = joined.find

    def holding(needle: str) -> list[int]:
        if "\n" in needle or joined.count(needle) > len(texts) // 8:  # in many texts: each text once
            return _holding(texts, needle)
        hits: list[int] = []
        at = find(needle)
        if at >= 0 and not starts:
            starts.extend(itertools.accumulate(map((1).__add__, map(len, texts)), initial=0))
        while at >= 0:
            index = bisect.bisect_right(starts, at) - 1
            hits.append(index)
            at = find(needle, starts[index + 1])
        return hits

    return holding


def _holding(texts: Sequence[str], needle: str) -> list[int]:
    """Indices of the texts holding ``needle``, at C speed."""
    return list(itertools.compress(itertools.count(), map(contains, texts, itertools.repeat(needle))))


def outlier_rows(columns: Columns) -> dict[int, str]:
    """Rows far from their field's median, in units of the median absolute deviation."""
    flagged: dict[int, str] = {}
    for key, values in columns.values.items():
        rows, only = columns.numbers(key)
        if len(only) < 8 or len(only) < len(values) * 0.5:
            continue
        ordered = sorted(only)
        if only == ordered and len(set(only)) == len(only):
            continue  # ids, sequence numbers, sorted timestamps: every value is "unusual"
        median = _median(ordered)
        deviations = list(map(abs, map(sub, only, itertools.repeat(median))))  # abs(x - median), at C speed
        spread = 1.4826 * _median(sorted(deviations))
        if spread == 0:
            # Nearly constant: the few values that differ are the outliers.
            odd = [(i, d) for i, x, d in zip(rows, only, deviations) if x != median]
            if len(odd) > len(only) * 0.02:
                continue
            scored = odd
        else:
            scores = map(truediv, deviations, itertools.repeat(spread))
            scored = [(i, s) for i, s in zip(rows, scores) if s > _OUTLIER_SCORE]
        for i, _ in sorted(scored, key=lambda pair: (-pair[1], pair[0]))[:_MAX_PER_REASON]:
            flagged.setdefault(i, f"outlier {key}={_short(values[i])}")
    return flagged


def _median(ordered: list[float]) -> float:
    """``statistics.median`` of numbers already sorted (it would sort them again)."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _categorical(values: list[Any], kinds: frozenset[type]) -> Counter | None:
    """Value counts of a low-cardinality field (of types ``kinds``), or None when the field is not one."""
    counted = [issubclass(kind, (str, bool, int)) for kind in kinds]  # the types a category can have
    if all(counted):
        hashable = values
    elif not any(counted):  # numbers with decimals, objects: none a category
        return None
    else:
        # Counted by type first: a column of mostly floats or objects is ruled out without a pass in Python.
        per_type = Counter(map(type, values))
        if sum(n for kind, n in per_type.items() if issubclass(kind, (str, bool, int))) < len(values) * 0.5:
            return None
        hashable = [v for v in values if isinstance(v, (str, bool, int)) and not isinstance(v, float)]
    # Too many distinct values among the first few already: no need to count them all (ids, dates).
    if len(set(itertools.islice(hashable, 64))) > _CATEGORICAL_MAX_DISTINCT:
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
            for i in _first_of(values, value, 3):
                flagged.setdefault(i, f"rare {key}={_short(value)}")
    return flagged


def _first_of(values: list[Any], value: Any, limit: int) -> list[int]:
    """The first ``limit`` indices holding ``value`` with its type (1 is not True)."""
    found: list[int] = []
    start = 0
    while len(found) < limit:
        try:
            index = values.index(value, start)
        except ValueError:
            break
        if type(values[index]) is type(value):
            found.append(index)
        start = index + 1
    return found


def change_points(columns: Columns) -> list[int]:
    """Both sides of each change where a categorical field comes in a few long runs (sorted data).

    A single odd row between two equal runs is a blip, not a change of regime:
    the rare-value check covers it.
    """
    points: set[int] = set()
    for key in columns.categorical:
        values = columns.values[key]
        # Most fields change more often than that: stop at the ninth change.
        starts = list(itertools.islice(itertools.compress(itertools.count(1), map(ne, values[1:], values[:-1])), 9))
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
        limit = max(1, len(values) * _SPARSE_SHARE)
        present: list[int] = []
        for i, v in enumerate(values):
            if not (v is None or v is False or v == "" or v == [] or v == {}):
                present.append(i)
                if len(present) > limit:  # most fields are filled: stop as soon as this one is too full
                    break
        if present and len(present) <= limit:
            for i in present[:_MAX_PER_REASON]:
                flagged.setdefault(i, f"rare field {key}")
    return flagged


def gap_points(columns: Columns) -> list[int]:
    """Both sides of the biggest jumps in a sorted numeric or timestamp field (a pause, a restart)."""
    points: set[int] = set()
    for key in columns.values:
        series = _sorted_series(columns, key)
        if series is None:
            continue
        steps = list(map(abs, map(sub, series[1:], series)))
        positive = [s for s in steps if s > 0]
        if len(positive) < 8:
            continue
        usual = statistics.median(positive)
        gaps = sorted((i for i, s in enumerate(steps) if s > usual * _GAP_FACTOR), key=lambda i: (-steps[i], i))
        for i in gaps[:_MAX_GAPS]:
            points.update((i, i + 1))
    return sorted(points)


def _sorted_series(columns: Columns, key: str) -> list[float] | None:
    """The field as numbers (timestamps as epoch seconds) when every row has one and they are sorted.

    The first value says which. Timestamps are read a block at a time, stopping at the first block
    out of order: most fields are not sorted, and parsing every timestamp of a 50 MB array costs seconds.
    """
    values = columns.values[key]
    if len(values) < 20:
        return None
    first = values[0]
    if not (isinstance(first, str) and _TIMESTAMP.match(first)):
        rows, numbers = columns.numbers(key)
        return numbers if len(rows) == len(values) and _monotonic(numbers) else None
    series: list[float] = []
    for start in range(0, len(values), _SERIES_BLOCK):
        block = _epochs(values[start : start + _SERIES_BLOCK])
        if block is None or not _monotonic(series[-1:] + block, series):
            return None
        series += block
    return series


def _monotonic(numbers: list[float], before: list[float] | None = None) -> bool:
    """True when ``numbers`` never go down or never go up, the way ``before`` went if they continue it."""
    rising = all(map(le, numbers, numbers[1:]))
    falling = all(map(ge, numbers, numbers[1:]))
    if before:  # the direction ``before`` took, if it changed at all
        rising = rising and (before[0] <= before[-1])
        falling = falling and (before[0] >= before[-1])
    return rising or falling


def _epochs(values: list[Any]) -> list[float] | None:
    """ISO-8601 timestamps as seconds (a naive one read as UTC: only differences matter); None if one is not."""
    try:
        moments = list(map(datetime.fromisoformat, values))
    except (TypeError, ValueError):
        return None
    return [(m if m.tzinfo is not None else m.replace(tzinfo=timezone.utc)).timestamp() for m in moments]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."

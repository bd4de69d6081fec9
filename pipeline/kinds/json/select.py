"""Which records of a big JSON array are shown, in what order, within a budget.

Priority: failures (each kind of failure before a second of any), fields
filled in only in a few rows (an ``errors`` list), query matches, rows another
part of the document names, then anomalies (nulls where a column is usually
filled, numeric outliers, each numeric column's minimum and maximum, the
earliest and latest dates, rare categorical values, one row of each category),
boundaries, change points and gaps, then a few evenly spaced rows (the
signals come from ``signals`` and ``extremes``). Long lists of
records inside a record get the same treatment of their own
(:class:`Nested`), so a failing test deep in a suite's ``tests`` list makes
the suite a failure and stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import render
from .extremes import category_rows, date_rows, extreme_rows, missing_rows
from .signals import (
    Columns,
    change_points,
    columns_of,
    failure_rows,
    failures_in_order,
    gap_points,
    outlier_rows,
    query_rows,
    rare_rows,
    sparse_rows,
)

# Query matches shown at most: a query naming a common value (an endpoint, a region)
# would otherwise fill the whole budget; every match stays retrievable by query.
QUERY_MAX_ROWS = 30


@dataclass(slots=True)
class Candidates:
    """Rows worth showing, most important first, with why; and which rows failed."""

    ordered: list[tuple[int, str]]
    failures: frozenset[int]
    query_matches: frozenset[int] = frozenset()  # every row matching the query, also those over the cap


@dataclass(slots=True)
class Selection:
    """Kept row indices (ascending), why each was kept, and how many failing rows did not fit."""

    kept: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    dropped_failures: int = 0


class Nested:
    """Notable items of long lists nested in records, judged within each list.

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
            texts = list(map(str.lower, render.dumps_each(values))) if self.query else []
            ranked = candidates(values, columns_of(values), texts, self.query, self, boundaries=False)
            found = self._notable[key] = ranked.ordered
            self._failing[key] = bool(ranked.failures)
        return found

    def has_failure(self, values: list[Any]) -> bool:
        """True when some element of the list failed (rare and non-success within the list)."""
        self.notable(values)
        return self._failing[id(values)]


def _spread(ranked: list[tuple[int, int]], limit: int) -> list[int]:
    """At most ``limit`` of the ranked matches: the best, evenly spaced among equally good ones."""
    chosen: list[int] = []
    start = 0
    while start < len(ranked) and len(chosen) < limit:
        end = start
        while end < len(ranked) and ranked[end][1] == ranked[start][1]:
            end += 1
        group, room = [i for i, _ in ranked[start:end]], limit - len(chosen)
        if len(group) > room:
            group = [group[k * len(group) // room] for k in range(room)]
        chosen += group
        start = end
    return chosen


def candidates(
    rows: Sequence[Any],
    columns: Columns,
    texts: Sequence[str],
    query: str | None,
    nested: Nested,
    sample: int = 5,
    boundaries: bool = True,
    ends: tuple[int, int] = (1, 1),
    named: Sequence[int] = (),
    latest: int = 1,
) -> Candidates:
    """Rows worth showing, in priority order (a row may appear more than once; the first reason wins).

    ``texts`` are the rows' lower-cased renderings, for query matching.
    Failures come first, each kind of failure before a second of any kind.
    ``named`` are rows another part of the document names (the ``time``
    entry of the version ``dist-tags`` calls latest). ``ends`` says how many
    rows of the start and of the end are boundaries; ``latest`` how many of
    the latest dates are kept. Without ``boundaries`` only the notable rows are
    listed (no extremes, first, last, change points or samples): that is what
    a nested list shows in its middle.
    """
    n = len(rows)
    failures = failure_rows(columns, n, nested.has_failure)
    ordered: list[tuple[int, str]] = failures_in_order(failures)
    ordered += sorted(sparse_rows(columns).items())
    matches = query_rows(texts, query)
    ordered += [(i, "query match") for i in _spread(matches, QUERY_MAX_ROWS)]
    ordered += [(i, "named elsewhere") for i in named]
    if boundaries:
        ordered += sorted(missing_rows(columns).items())
    # An outlier is also its column's min or max: named an outlier, it says it is not the usual spread.
    ordered += sorted(outlier_rows(columns).items())
    if boundaries:
        ordered += sorted(extreme_rows(columns).items())
        ordered += sorted(date_rows(columns, latest).items())
    ordered += sorted(rare_rows(columns).items())
    if boundaries and n:
        ordered += sorted(category_rows(columns).items())
        head, tail = min(ends[0], n), min(ends[1], n)
        ordered += [(i, "first") for i in range(head)]
        ordered += [(i, "last") for i in range(n - 1, n - 1 - tail, -1)]
        ordered += [(i, "change-point") for i in change_points(columns)]
        ordered += [(i, "gap") for i in gap_points(columns)]
        if sample > 0 and n > 2:
            step = n / (sample + 1)
            ordered += [(int(step * (k + 1)), "sample") for k in range(sample)]
    return Candidates(ordered, frozenset(failures), frozenset(i for i, _ in matches))


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
        off_all = (len(values) - values.count(mode)) / len(values)  # count() finds the values equal to it
        off_flagged = sum(values[i] != mode for i in flagged_set) / len(flagged_set) if flagged_set else 0.0
        score = (off_flagged - off_all) if flagged_set else -off_all
        if best is None or score > best[0]:
            best = (score, key)
    return best[1] if best else None

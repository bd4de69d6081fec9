"""The one-line omission summary of a lossy JSON result (it goes inside the closing marker).

``1000 rows → 26 shown; 974 omitted (974 status=200); shown: 20 failure, 4 sample, 1 first, 1 last``:
counts by the field that best tells the kept rows from the dropped ones, so
the model knows what is missing without retrieving it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import filterfalse
from typing import Any

from .select import Selection, category_field
from .signals import Columns

SUMMARY_LIMIT = 200
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def array_summary(
    total: int, columns: Columns, selection: Selection, query_matches: frozenset[int], noun: str = "rows"
) -> list[str]:
    """The omission summary of one collection of ``total`` rows (a map's: entries) as parts, most important first."""
    kept, reasons = selection.kept, selection.reasons
    kept_set = set(kept)
    dropped = list(filterfalse(kept_set.__contains__, range(total)))
    head = f"{total} {noun} → {len(kept)} shown; {len(dropped)} omitted"
    flagged = [i for i, why in reasons.items() if why.startswith(("failure", "outlier", "rare", "null"))]
    key = category_field(columns, flagged) if dropped else None
    if key is not None:
        head += f" ({_counts(key, list(map(columns.values[key].__getitem__, dropped)))})"
    parts = [head]
    if selection.dropped_failures:
        parts.append(f"{selection.dropped_failures} failing rows did not fit the budget")
    shown_matches = len(query_matches.intersection(kept))
    if len(query_matches) > shown_matches:
        parts.append(f"{len(query_matches)} {noun} match the query, {shown_matches} shown")
    why = Counter(reason.split(" ")[0] for reason in reasons.values())
    ordered = sorted(why.items(), key=lambda kv: (-kv[1], kv[0]))
    parts.append("shown: " + ", ".join(f"{n} {name}" for name, n in ordered))
    return parts


def _counts(key: str, values: list[Any]) -> str:
    """``962 status=200, 8 status=503, 3 other``: the dropped rows by one field's values; sums to all."""
    counts = _label_counts(values)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{n} {key}={label}" for label, n in ordered[:3]]
    if len(ordered) > 3:
        parts.append(f"{sum(n for _, n in ordered[3:])} other")
    return ", ".join(parts)


def _label_counts(values: list[Any]) -> Counter[str]:
    """How many values have each label; each distinct value labelled once (1 and True apart)."""
    try:
        slots = Counter(zip(map(type, values), values))
    except TypeError:  # objects or lists among them: label each one
        return Counter(map(_label, values))
    counts: Counter[str] = Counter()
    for (_, value), count in slots.items():
        counts[_label(value)] += count
    return counts


def _label(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).strip('"')[:30]


def join_summaries(paths: list[str], summaries: list[list[str]]) -> str:
    """One line under the limit: each array's head, then details while they fit."""
    if len(paths) == 1:
        parts = summaries[0]
    else:
        parts = [f"{path}: {parts[0]}" for path, parts in zip(paths, summaries, strict=True)]
        parts += [f"{path}: {p}" for path, s in zip(paths, summaries, strict=True) for p in s[1:2]]
    line = _clean(parts[0])
    for part in parts[1:]:
        if len(line) + 2 + len(part) <= SUMMARY_LIMIT:
            line += "; " + _clean(part)
    return line if len(line) <= SUMMARY_LIMIT else line[: SUMMARY_LIMIT - 1] + "…"


def _clean(text: str) -> str:
    # A ']' would end the marker early; newlines would break its one line; a lone
    # surrogate (legal in JSON strings) could not be sent as UTF-8.
    text = text.replace("]", ")").replace("[", "(").replace("\n", " ")
    return _LONE_SURROGATE.sub("\ufffd", text)

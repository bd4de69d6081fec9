"""Whether two results are related enough for a delta to be worth reading."""

from __future__ import annotations

from collections import Counter

# Below this share of units in common the two results are different things, and a delta would be longer
# to read than the current result itself.
RELATED_SHARE = 0.5


def related(common: int, previous: int, current: int) -> bool:
    """True when ``common`` units are at least half of the bigger side's units (and there are some)."""
    return common > 0 and common >= RELATED_SHARE * max(previous, current)


def common_lines(previous: list[str], current: list[str]) -> int:
    """How many lines the two have in common, counting repeats (a multiset intersection, linear)."""
    return sum((Counter(previous) & Counter(current)).values())

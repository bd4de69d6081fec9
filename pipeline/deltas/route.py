"""Which maker computes the delta of each content kind, and the guarantees every delta keeps.

One line per kind in ``MAKERS``; a kind without a line gets the text diff.
Guarantees: identical inputs give an empty identical delta; a maker that
cannot read its kind, or raises, falls back to the text diff; a delta not
clearly smaller than the current result is None (send the result itself);
nothing raises; the same inputs give the same bytes.
"""

from __future__ import annotations

import logging

from .contract import Delta, Maker
from .lines import line_set_delta
from .rows import row_delta
from .suites import test_delta
from .text import text_delta

# Kind (as the pipeline's router detects it) → the maker of its delta.
MAKERS: dict[str, Maker] = {
    "log": test_delta,
    "json": row_delta,
    "listing": line_set_delta,
    "search": line_set_delta,
}

# The delta must be clearly smaller than what it replaces, as compressions must (DESIGN.md §2, never inflate).
SMALLER_SHARE = 0.9

_log = logging.getLogger(__name__)
_failed: set[str] = set()


def delta(previous: str, current: str, kind: str) -> Delta | None:
    """What changed from ``previous`` to ``current``, in the form that fits ``kind`` (the kind of ``current``).

    None when no delta makes sense: the two are unrelated (less than about
    half in common), or the delta would not be clearly smaller than
    ``current``. Never raises.
    """
    if previous == current:
        return Delta(text="", summary="identical to the previous result", identical=True, transform="delta:identical")
    maker = MAKERS.get(kind)
    if maker is not None:
        found = _attempt(maker, previous, current)
        if found is not None and _smaller(found, current):
            return found
    found = _attempt(text_delta, previous, current)
    return found if found is not None and _smaller(found, current) else None


def _attempt(maker: Maker, previous: str, current: str) -> Delta | None:
    try:
        return maker(previous, current)
    except Exception as error:  # a maker's bug costs the delta, never the call
        name = getattr(maker, "__qualname__", repr(maker))
        if name not in _failed:  # logged once per maker, not once per call
            _failed.add(name)
            _log.warning("delta maker %s failed: %r", name, error, exc_info=error)
        return None


def _smaller(found: Delta, current: str) -> bool:
    # Characters first: a delta under half the characters is smaller in tokens too, without counting them.
    if len(found.text) < len(current) // 2:
        return True
    from ..tokens import count_tokens

    return count_tokens(found.text) < SMALLER_SHARE * count_tokens(current)

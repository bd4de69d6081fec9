"""Which maker computes the delta of each content kind, and the guarantees every delta keeps.

One line per kind in ``MAKERS``; a kind without a line gets the text diff.
Guarantees: identical inputs give an empty identical delta; a maker that
cannot read its kind, or raises, falls back to the text diff; a delta not
clearly smaller than the current result is None (send the result itself);
nothing raises; the same inputs give the same bytes.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache

from .contract import Delta, Maker

# Kind (as the pipeline's router detects it) → ``module:function`` in this package, loaded on first use.
MAKERS: dict[str, str] = {
    "log": "suites:test_delta",
    "json": "rows:row_delta",
    "listing": "lines:line_set_delta",
    "search": "lines:line_set_delta",
}
TEXT_MAKER = "text:text_delta"

# The delta must be clearly smaller than what it replaces, as compressions must (DESIGN.md §2, never inflate).
SMALLER_SHARE = 0.9

_log = logging.getLogger(__name__)
_failed: set[str] = set()


@cache
def _load(spec: str) -> Maker:
    module_name, _, function = spec.partition(":")
    return getattr(importlib.import_module(f".{module_name}", __package__), function)


def delta(previous: str, current: str, kind: str) -> Delta | None:
    """What changed from ``previous`` to ``current``, in the form that fits ``kind`` (the kind of ``current``).

    None when no delta makes sense: the two are unrelated (less than about
    half in common), or the delta would not be clearly smaller than
    ``current``. Never raises.
    """
    if previous == current:
        return Delta(text="", summary="identical to the previous result", identical=True, transform="delta:identical")
    spec = MAKERS.get(kind)
    if spec is not None:
        found = _attempt(spec, previous, current)
        if found is not None and _smaller(found, current):
            return found
    found = _attempt(TEXT_MAKER, previous, current)
    return found if found is not None and _smaller(found, current) else None


def _attempt(spec: str, previous: str, current: str) -> Delta | None:
    try:
        return _load(spec)(previous, current)
    except Exception as error:  # a maker's bug costs the delta, never the call
        if spec not in _failed:  # logged once per maker, not once per call
            _failed.add(spec)
            _log.warning("delta maker %s failed: %r", spec, error, exc_info=error)
        return None


def _smaller(found: Delta, current: str) -> bool:
    # Characters first: a delta under half the characters is smaller in tokens too, without counting them.
    if len(found.text) < len(current) // 2:
        return True
    from ..tokens import count_tokens

    return count_tokens(found.text) < SMALLER_SHARE * count_tokens(current)

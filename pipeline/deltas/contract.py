"""What a delta is, and what a maker of one promises.

A maker is a plain function ``make(previous, current) -> Delta | None`` for
one content kind: it returns ``None`` when it cannot read the two texts as
its kind (the text diff is tried instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delta:
    """What changed between a call's previous result and its current one.

    ``text`` is what the model reads instead of the current result: only what
    changed, in the form that fits the kind (test state changes, a unified
    diff, rows added/removed/changed, lines added/removed); empty when the two
    are identical. ``summary`` is one line with counts
    (``2 tests changed state: 1 fixed, 1 new failure; 41 unchanged``).
    ``identical`` is true when the two results are byte-identical.
    ``transform`` names the form (``delta:tests``, ``delta:text``,
    ``delta:rows``, ``delta:lines``, ``delta:identical``).
    """

    text: str
    summary: str
    identical: bool = False
    transform: str = "delta:text"


Maker = Callable[[str, str], "Delta | None"]

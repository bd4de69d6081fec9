"""Token counts taken only as far as a comparison needs: the outline search compares, it never reports a count.

o200k's pre-tokenizer always ends a piece right after a line break that is
followed by a character that is neither white space nor ``/``, or by spaces
and tabs and then any character that is not white space: no piece spans
that point, so the text before it and the text after it tokenize as they do
within the whole, and their counts add up. A :class:`Tally` counts a text
in slices cut there and stops as soon as what it knows decides the
comparison. What it has not counted yet still has a floor
(``tokens.floor_tokens``), cheap to find: an outline is seldom tokenized
past the budget, the file seldom at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from ...tokens import TOKEN_CUT, floor_tokens
from ...tokens import count_tokens as o200k_count

# Slices of about this many characters: the call per slice costs what a few dozen characters do.
_SLICE_CHARS = 2048


class Tally:
    """The token count of ``text`` (plus ``extra`` tokens), found slice by slice on demand.

    A slice is first given its floor, then counted: the first is cheap and often enough. With a
    counter other than the project's own tokenizer, nothing is known about how its counts add up:
    the text is counted whole, once, the first time a comparison needs it.
    """

    def __init__(self, text: str, count: Callable[[str], int], extra: int = 0):
        self._count = count
        self._exact = count is o200k_count
        self._slices = _slices(text) if self._exact else iter((text,))
        self._floored: deque[tuple[str, int]] = deque()  # slices with a floor, not counted yet
        self._counted = extra
        self._floor = 0  # the floors of the slices in `_floored`
        self._sliced = False  # every slice is floored or counted

    def exceeds(self, limit: float) -> bool:
        """True when the count is over ``limit``."""
        while self._counted + self._floor <= limit:
            if not self._more():
                return False
        return True

    def within(self, other: Tally, share: float) -> bool:
        """True when this count is at most ``share`` of ``other``'s (``count <= other * share``).

        Each step works on the side that could overturn what is known so far, so the answer comes
        as soon as one side is whole and the other has gone far enough.
        """
        while True:
            if self._counted + self._floor <= (other._counted + other._floor) * share:
                if not self._more():
                    return True
            elif not other._more():
                return False

    def _more(self) -> bool:
        """Raise what is known: the floor of the next slice, or else the count of a floored one."""
        if not self._sliced:
            piece = next(self._slices, None)
            if piece is not None:
                least = floor_tokens(piece) if self._exact else 0
                self._floored.append((piece, least))
                self._floor += least
                return True
            self._sliced = True
        if not self._floored:
            return False  # all counted: the count is exact
        piece, least = self._floored.popleft()
        self._counted += self._count(piece)
        self._floor -= least
        return True


def _slices(text: str) -> Iterator[str]:
    """``text`` in consecutive slices of at least ``_SLICE_CHARS`` characters, each cut where pieces always end."""
    start, size = 0, len(text)
    while start < size:
        cut = TOKEN_CUT.search(text, start + _SLICE_CHARS - 1)
        end = cut.end() if cut is not None else size
        yield text[start:end]
        start = end

"""Token counts of a log's lines and notes, each text counted once however often it is priced."""

from __future__ import annotations

from collections.abc import Callable


class TokenCounts(dict[str, int]):
    """``counts[text]`` is ``count(text)``, counted on first use."""

    def __init__(self, count: Callable[[str], int]) -> None:
        super().__init__()
        self._count = count

    def __missing__(self, text: str) -> int:
        tokens = self[text] = self._count(text)
        return tokens

    def floor(self, text: str) -> int:
        """At most ``count(text)``, without counting: the count if known, else one token for any text at all."""
        return self.get(text, 1 if text else 0)

"""The one contract every compressor and shape detector follows.

A compressor is any object with a ``name`` and a ``compress(content, ctx)``
method that returns a :class:`Compressed` or ``None`` when it cannot help.
Adding a content type is one folder in ``kinds/`` (a detector and a
compressor) plus one line in ``router.py``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Item:
    """One retrievable unit of the original (a row, a line, a definition).

    ``position`` is a human-readable locator the model can use
    (``$.data.items[523]``, ``line 40``); ``text`` is the unit's exact text.
    """

    position: str
    text: str

    @classmethod
    def many(cls, positions: Sequence[str], texts: Sequence[str]) -> list[Item]:
        """``Item(position, text)`` for each pair, without a call of Python code per item.

        A big collection makes tens of thousands of items: set through the
        slots' descriptors, they cost about a quarter of what ``__init__``
        (which only sets them) does.
        """
        if len(positions) != len(texts):
            raise ValueError(f"{len(positions)} positions for {len(texts)} texts")
        items = list(map(object.__new__, repeat(cls, len(positions))))
        deque(map(_POSITION.__set__, items, positions), maxlen=0)
        deque(map(_TEXT.__set__, items, texts), maxlen=0)
        return items


_POSITION, _TEXT = Item.__dict__["position"], Item.__dict__["text"]


@dataclass(frozen=True, slots=True)
class Hints:
    """What the caller knows about the content's origin.

    ``tool_name`` and ``path`` come from the wrapper (the upstream tool's name
    and a path-like argument); ``kind`` forces a content kind.
    """

    tool_name: str | None = None
    path: str | None = None
    kind: str | None = None


class Context:
    """Everything a compressor may consult besides the content itself.

    ``key`` is the hash of the whole original: every marker a compressor
    writes must carry it (see ``markers.marker``). ``budget_tokens`` is the
    target size of the output; ``count_tokens`` measures text with the
    project's tokenizer. ``budget_is_cap`` is true when the caller set the
    budget (``max_tokens``): it must not be exceeded. Otherwise it is the
    default target, which a compressor may exceed to keep what its kind
    cannot do without (a code outline's first docstring lines).
    ``sentence_model`` is true when the caller opted in to the installed
    sentence model (``Options.sentence_model``) for compressors that can use one.

    ``budget_tokens`` may be given as a function, called once, on the first
    read: the pipeline passes one that waits for the exact count of a large
    input, which other cores work out while the compressor parses (so a
    compressor reads the budget as late as it can).
    """

    __slots__ = ("key", "_budget", "count_tokens", "query", "hints", "budget_is_cap", "sentence_model")

    def __init__(
        self,
        key: str,
        budget_tokens: int | Callable[[], int],
        count_tokens: Callable[[str], int],
        query: str | None = None,
        hints: Hints | None = None,
        budget_is_cap: bool = False,
        sentence_model: bool = False,
    ) -> None:
        self.key = key
        self._budget = budget_tokens
        self.count_tokens = count_tokens
        self.query = query
        self.hints = hints if hints is not None else Hints()
        self.budget_is_cap = budget_is_cap
        self.sentence_model = sentence_model

    @property
    def budget_tokens(self) -> int:
        """The output's target size in tokens (waits for it the first time when it is still being worked out)."""
        if callable(self._budget):
            self._budget = self._budget()
        return self._budget

    def __repr__(self) -> str:
        return f"Context(key={self.key!r}, budget_tokens={self._budget!r}, query={self.query!r}, hints={self.hints!r})"


@dataclass(slots=True)
class Compressed:
    """What a compressor returns when it could help.

    ``text`` is the compressed content without the closing whole-original
    marker (the pipeline appends it from ``summary``). ``summary`` is the
    one-line omission summary with counts by category, e.g.
    ``1000 rows → 20 shown; 980 omitted (962 status=ok, 15 status=failed)``.
    ``items`` are the units ``headroom_retrieve`` searches with a query.
    ``transform`` names what was done (``json:table``, ``json:rows``).
    ``lossless`` is true when ``text`` holds every value of the original.
    ``diagnostics`` say how the compressor worked when that varies (which
    ranking mode a text compressor used); they reach the caller's result.
    """

    text: str
    summary: str
    transform: str
    items: list[Item] = field(default_factory=list)
    lossless: bool = False
    diagnostics: list[str] = field(default_factory=list)


class Compressor(Protocol):
    """A content-kind specific compressor."""

    name: str

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        """Compress ``content`` towards ``ctx.budget_tokens``; ``None`` if it cannot help."""
        ...


class Detector(Protocol):
    """Decides whether content is of one kind, from an even sample of it."""

    kind: str

    def matches(self, content: str, hints: Hints) -> bool:
        """True when ``content`` looks like this detector's kind."""
        ...

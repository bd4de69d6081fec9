"""Repeated calls come back as deltas: only what changed since the same call earlier in this client session.

Agents re-run the test suite after each fix, re-read a file after editing
it, re-list a directory. The relay serves one client session per process,
so what it remembers here is that session's: a fresh client never hears of
a call it never saw. A result is compared with the last result of the same
call (same tool and arguments), else of the same tool on the same path; the
model then reads a header naming that call, what changed (in the form the
pipeline's ``deltas`` give for the kind), and a marker with the new
original's hash, so the whole new output is one retrieval away. An identical
result is one line. When the delta is not clearly smaller than compressing
the result afresh, the fresh compression is sent (``delta_answers``). This
module is the memory alone: the relay loads it at start, the pipeline only
with the first big result.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

# What one session remembers: the last results of this many calls, and at most this many characters of them.
_MAX_REMEMBERED = 64
_MAX_CHARS = 16_000_000


@dataclass(frozen=True, slots=True)
class Seen:
    """A result sent earlier in this session: which call made it, when, and its original text."""

    number: int
    tool: str
    at: str
    text: str


class Repeats:
    """One client session's memory of its calls' results (thread-safe: results are compressed in workers)."""

    def __init__(self, max_remembered: int = _MAX_REMEMBERED, max_chars: int = _MAX_CHARS) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._seen: OrderedDict[tuple[str, ...], Seen] = OrderedDict()
        self._max_remembered = max_remembered
        self._max_chars = max_chars

    def next_call(self, tool: str) -> int:
        """Number the next call of ``tool`` in this session (1, 2, ...), as the model would count them."""
        with self._lock:
            self._calls[tool] += 1
            return self._calls[tool]

    def earlier(self, keys: list[tuple[str, ...]]) -> Seen | None:
        """The last result remembered under the first of ``keys`` that has one."""
        with self._lock:
            return next((self._seen[key] for key in keys if key in self._seen), None)

    def remember(self, keys: list[tuple[str, ...]], seen: Seen) -> None:
        """Remember ``seen`` under each of ``keys``, forgetting the oldest past the bounds."""
        with self._lock:
            for key in keys:
                self._seen.pop(key, None)
                self._seen[key] = seen
            # A result remembered under two keys counts twice: the bound errs on the small side.
            while (
                len(self._seen) > self._max_remembered
                or sum(len(v.text) for v in self._seen.values()) > self._max_chars
            ):
                self._seen.popitem(last=False)

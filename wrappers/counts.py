"""Per-tool counters of one wrapped server: calls, compressions, tokens and retrievals per tool.

They go to the same shared store as the global counters (``api.count_tool``),
so ``headroom-mcp stats`` and ``headroom_stats`` in any process see every
wrapper's tools. Counts gather in memory and are written by ``flush``: a small
call never waits for the store.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..pipeline.compress import CompressionResult
    from ..pipeline.store import Store
    from .results import Compress

log = logging.getLogger(__name__)

# Bounded so that a wrapper running for weeks does not grow; a few MB at most.
REMEMBERED_HASHES = 10_000
# The positions of a retrieval's first items are enough to see what the model keeps looking for.
_POSITIONS_PER_RETRIEVAL = 20
# A query or a position is a counter's name: a longer one is cut (a model's query may be a whole paragraph).
_LABEL_CHARS = 200


def _default_store() -> Store:
    from .. import api

    return api.default_store()


class ToolCounts:
    """Counts the calls of one wrapped server's tools, and retrievals of what they produced.

    A retrieval counts for a tool only when this process produced the hash, and
    only for the last ``remembered`` hashes it produced (10,000 by default): a
    hash made by another process (another wrapper, ``serve``, the CLI), or an
    older one, counts in the global retrievals only. ``store`` gives the store
    at each count, so ``api.configure`` is followed.
    """

    def __init__(
        self,
        server: str,
        *,
        store: Callable[[], Store] = _default_store,
        remembered: int = REMEMBERED_HASHES,
    ) -> None:
        self.server = server
        self._store = store
        self._remembered = remembered
        self._lock = threading.Lock()  # counting runs in worker threads
        self._made_by: OrderedDict[str, str] = OrderedDict()
        self._unwritten: Counter[tuple[str, str]] = Counter()
        self._labels: Counter[tuple[str, str, str]] = Counter()
        self._listings: list[tuple[str, str]] = []

    def call(self, tool: str, results: Sequence[CompressionResult], delta_savings: Sequence[int] = ()) -> None:
        """Count one answered call of ``tool`` whose texts were compressed into ``results``.

        ``delta_savings``: for each text sent as a delta, the tokens that saved against its fresh compression.
        """
        done = [result for result in results if result.compressed]
        with self._lock:
            for result in done:
                self._labels[(tool, "kind", result.kind)] += 1
            for key in (result.hash for result in done if result.hash is not None):
                self._made_by[key] = tool
                self._made_by.move_to_end(key)
            while len(self._made_by) > self._remembered:
                self._made_by.popitem(last=False)
        self._add(
            tool,
            calls=1,
            compressed=int(bool(done)),
            tokens_before=sum(result.tokens_before for result in done),
            tokens_after=sum(result.tokens_after for result in done),
            deltas=len(delta_savings),
            delta_tokens_saved=sum(delta_savings),
        )

    def retrieval(
        self, key: str, query: str | None = None, positions: Sequence[str] = (), first_page: bool = True
    ) -> None:
        """Count a retrieval of ``key`` for the tool whose result made it, if this process made it.

        For ``learn``: a retrieval's ``query`` and the ``positions`` of the
        items it returned, or, without a query, that it asked for the whole
        original (counted on its first page only).
        """
        with self._lock:
            tool = self._made_by.get(key)
        if tool is None:
            return
        self._add(tool, retrievals=1, whole_retrievals=int(query is None and first_page))
        with self._lock:
            if query:
                self._labels[(tool, "asked", " ".join(query.split())[:_LABEL_CHARS])] += 1
            for position in positions[:_POSITIONS_PER_RETRIEVAL]:
                self._labels[(tool, "returned", position[:_LABEL_CHARS])] += 1

    def listing(self, before: str, after: str) -> None:
        """A compacted ``tools/list`` page, as the upstream sent it and as listed (JSON): its saving is counted
        when the counts are written, in a worker thread, so the listing never waits for the tokenizer."""
        with self._lock:
            self._listings.append((before, after))

    def _add(self, tool: str, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                if delta:
                    self._unwritten[(tool, name)] += delta

    @property
    def dirty(self) -> bool:
        """Whether counts wait to be written."""
        return bool(self._unwritten or self._labels or self._listings)

    def flush(self) -> None:
        """Write the gathered counts to the store (blocking: run it in a worker thread)."""
        from .. import api
        from ..pipeline.store import StoreError

        with self._lock:
            unwritten, self._unwritten = self._unwritten, Counter()
            labels, self._labels = self._labels, Counter()
            listings, self._listings = self._listings, []
        by_tool: dict[str, dict[str, int]] = {}
        for (tool, name), delta in unwritten.items():
            by_tool.setdefault(tool, {})[name] = delta
        try:
            store = self._store()
            for tool, deltas in by_tool.items():
                api.count_tool(self.server, tool, store=store, **deltas)
            for name in ("deltas", "delta_tokens_saved"):  # also global, as stats shows them
                total = sum(deltas.get(name, 0) for deltas in by_tool.values())
                if total:
                    store.incr(name, total)
            for (tool, field, label), delta in labels.items():
                store.incr(api.tool_label_counter(self.server, tool, field, label), delta)
            if listings:
                from ..pipeline.tokens import count_tokens

                saved = sum(count_tokens(before) - count_tokens(after) for before, after in listings)
                if saved > 0:
                    store.incr("compact_tokens_saved", saved)
        except StoreError as exc:  # statistics are never worth an answer
            log.warning("cannot count the tools of %s: %s", self.server, exc)


def recording(compress: Compress, results: list[CompressionResult]) -> Compress:
    """``compress`` that also appends each of its results to ``results``."""

    def record(content: str, **kwargs: Any) -> CompressionResult:
        result = compress(content, **kwargs)
        results.append(result)
        return result

    return record

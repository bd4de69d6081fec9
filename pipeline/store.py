"""Where originals live: a content-addressed store shared by every headroom-mcp process of a user.

One small interface, :class:`Store`, and three implementations:

- :class:`~.disk_store.DiskStore` (the default):
  diskcache in a private (0700) directory, size-bounded with LRU eviction,
  entries that expire after a week unless read again, safe to share between
  many processes, and never unpickling (see ``disk_store``).
- :class:`~.redis_store.RedisStore`: Redis or Valkey, shared by several
  machines (``store_url``), with the same keys and bytes and no pickle either.
- :class:`MemoryStore`: a dict in this process, for library users who want no
  disk and for tests that swap the store instead of patching it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from .contract import Item
from .paths import user_dir

DEFAULT_TTL_SECONDS: float = 7 * 24 * 3600
DEFAULT_SIZE_LIMIT: int = 1 << 30
# The counters every store reports, 0 until first counted.
COUNTERS: tuple[str, ...] = (
    "calls",
    "compressed",
    "tokens_before",
    "tokens_after",
    "retrievals",
    "deltas",
    "delta_tokens_saved",
    "compact_tokens_saved",
)


class StoreError(Exception):
    """The store cannot be opened or written (a full disk, a broken database, a bad directory)."""


@dataclass(frozen=True, slots=True)
class StoredOriginal:
    """An original exactly as it was handed to the pipeline, and the kind that compressed it."""

    key: str
    content: str
    kind: str


@runtime_checkable
class Store(Protocol):
    """Originals by content key, the items retrieval searches, and shared counters."""

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        """Keep ``content`` and its ``items`` under ``key``; an existing key only lives longer."""
        ...

    def get(self, key: str) -> StoredOriginal | None:
        """The original under ``key``; None if unknown, expired or refused. A hit extends its life."""
        ...

    def items(self, key: str) -> list[Item] | None:
        """The items stored with ``key`` (possibly empty); None if unknown. A hit extends its life."""
        ...

    def incr(self, counter: str, delta: int = 1) -> None:
        """Add ``delta`` to a counter shared by every user of the store."""
        ...

    def counters(self) -> dict[str, int]:
        """Every counter of the store, whoever counted it; the known ``COUNTERS`` are there even at 0."""
        ...

    def size_bytes(self) -> int:
        """Bytes the stored entries take."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


class WarnOnce:
    """A store's warnings, each topic at warning level the first time in this process and at debug level after.

    A store that cannot be read or written is retried on every call: the
    user needs to hear it once, not once per call.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._log = logger
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, topic: str, message: str, *args: object) -> None:
        with self._lock:
            first = topic not in self._seen
            self._seen.add(topic)
        self._log.log(logging.WARNING if first else logging.DEBUG, message, *args)


class LastRead:
    """The last original and items a store read, decoded, for the stores that keep them compressed.

    Paging through a 50 MB original would otherwise read and decompress all
    of it for every page. Content addressing makes it exact; a store still
    checks that the key is there before it answers from here, so an evicted
    or expired key is gone here too. ``which`` is 1 for the original, 2 for
    the items.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: tuple[str, StoredOriginal | None, list[Item] | None] | None = None

    def get(self, key: str, which: int) -> StoredOriginal | list[Item] | None:
        """What was kept of ``key`` (original or items), if anything."""
        with self._lock:
            return self._held[which] if self._held is not None and self._held[0] == key else None

    def keep(self, key: str, which: int, found: StoredOriginal | list[Item]) -> None:
        """Keep ``found`` as ``key``'s original or items, beside the other if it is ``key``'s too."""
        with self._lock:
            held = self._held if self._held is not None and self._held[0] == key else (key, None, None)
            self._held = (key, found, held[2]) if which == 1 else (key, held[1], found)  # type: ignore[assignment]

    def forget(self, key: str | None = None) -> None:
        """Drop what was kept of ``key`` (of any key when None)."""
        with self._lock:
            if key is None or (self._held is not None and self._held[0] == key):
                self._held = None


def default_store_dir() -> Path:
    """The store directory: ``$HEADROOM_MCP_CACHE_DIR`` if set, else ``headroom-mcp/store`` in the user cache."""
    override = os.environ.get("HEADROOM_MCP_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return user_dir("cache") / "store"


# --- in memory ----------------------------------------------------------------------


@dataclass(slots=True)
class _Held:
    expires: float
    original: StoredOriginal
    items: tuple[Item, ...]
    size: int


class MemoryStore:
    """A store in this process's memory with the disk store's rules: expiry, LRU bound, exact content.

    ``clock`` gives the time in seconds (injectable so tests need not sleep).
    ``size_limit`` bounds the memory the originals and items take; the least
    recently used go first (the newest entry always stays).
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        size_limit: int = DEFAULT_SIZE_LIMIT,
    ) -> None:
        self.ttl_seconds = float(ttl_seconds)
        self.size_limit = size_limit
        self._clock = clock
        self._lock = threading.Lock()
        # Least recently used first; with one ttl that is also the soonest to expire.
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._bytes = 0
        self._counts: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"MemoryStore(entries={len(self._held)}, ttl_seconds={self.ttl_seconds})"

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        with self._lock:
            now = self._clock()
            self._drop_expired(now)
            if self._live(key, now) is None:
                kept = tuple(items)
                size = sys.getsizeof(content) + sum(
                    sys.getsizeof(item.position) + sys.getsizeof(item.text) for item in kept
                )
                self._held[key] = _Held(0.0, StoredOriginal(key, content, kind), kept, size)
                self._bytes += size
            self._renew(key, now)
            while self._bytes > self.size_limit and len(self._held) > 1:
                self._bytes -= self._held.popitem(last=False)[1].size

    def get(self, key: str) -> StoredOriginal | None:
        with self._lock:
            now = self._clock()
            held = self._live(key, now)
            if held is None:
                return None
            self._renew(key, now)
            return held.original

    def items(self, key: str) -> list[Item] | None:
        with self._lock:
            now = self._clock()
            held = self._live(key, now)
            if held is None:
                return None
            self._renew(key, now)
            return list(held.items)

    def _live(self, key: str, now: float) -> _Held | None:
        held = self._held.get(key)
        if held is not None and held.expires <= now:
            self._bytes -= self._held.pop(key).size
            return None
        return held

    def _renew(self, key: str, now: float) -> None:
        self._held[key].expires = now + self.ttl_seconds
        self._held.move_to_end(key)

    def _drop_expired(self, now: float) -> None:
        while self._held:
            key, held = next(iter(self._held.items()))
            if held.expires > now:
                return
            self._bytes -= self._held.pop(key).size

    def incr(self, counter: str, delta: int = 1) -> None:
        if type(delta) is not int:
            raise TypeError(f"counter deltas are ints, not {type(delta).__name__}")
        with self._lock:
            self._counts[counter] = self._counts.get(counter, 0) + delta

    def counters(self) -> dict[str, int]:
        with self._lock:
            return {**dict.fromkeys(COUNTERS, 0), **self._counts}

    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def close(self) -> None:
        """Nothing to release; the entries stay readable."""

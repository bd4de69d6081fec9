"""Where originals live: a content-addressed store shared by every headroom-mcp process of a user.

Two implementations of one small interface: :class:`DiskStore` (diskcache,
the default) and :class:`MemoryStore` (a dict, for library users who want no
disk and for tests that swap the store rather than patch it).

diskcache unpickles whatever is in its database (CVE-2025-69872), so the
store keeps only bytes and ints and its :class:`SafeDisk` refuses any pickled
row instead of loading it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import diskcache
from diskcache.core import MODE_PICKLE

from headroom_mcp.pipeline.contract import Item
from headroom_mcp.pipeline.paths import user_dir

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 7 * 24 * 3600
DEFAULT_SIZE_LIMIT = 1 << 30
COUNTERS = ("calls", "compressed", "tokens_before", "tokens_after", "retrievals")
_ENCODING_ERRORS = "surrogatepass"  # lone surrogates are legal in JSON strings


class StoreError(Exception):
    """The store cannot be written (a full disk, a read-only or broken directory)."""


class RefusedPickle(Exception):
    """A row in the store's database is pickled; loading it could run code."""


@dataclass(frozen=True, slots=True)
class StoredOriginal:
    """An original as it was handed to the pipeline."""

    key: str
    content: str
    kind: str


class Store(Protocol):
    """Originals by content key, the items retrieval searches, and shared counters."""

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        """Keep ``content`` (and its ``items``) under ``key``; an existing key just lives longer."""
        ...

    def get(self, key: str) -> StoredOriginal | None:
        """The original under ``key``, or None if unknown, expired or refused; a hit extends its life."""
        ...

    def items(self, key: str) -> list[Item] | None:
        """The items stored with ``key`` (possibly empty), or None if unknown."""
        ...

    def incr(self, counter: str, delta: int = 1) -> None:
        """Add ``delta`` to a shared counter."""
        ...

    def counters(self) -> dict[str, int]:
        """Every known counter's value (0 when never counted)."""
        ...

    def size_bytes(self) -> int:
        """Bytes the store takes."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


def default_store_dir() -> Path:
    """``$HEADROOM_MCP_CACHE_DIR``, else ``headroom-mcp/store`` in the user cache directory."""
    if os.environ.get("HEADROOM_MCP_CACHE_DIR"):
        return Path(os.environ["HEADROOM_MCP_CACHE_DIR"]).expanduser()
    return user_dir("cache") / "store"


def _pack_content(content: str, kind: str) -> bytes:
    # kind first, then the original: one row, one read.
    return zlib.compress(kind.encode() + b"\n" + content.encode("utf-8", _ENCODING_ERRORS), 6)


def _unpack_content(key: str, data: bytes) -> StoredOriginal:
    kind, _, content = zlib.decompress(data).partition(b"\n")
    return StoredOriginal(key, content.decode("utf-8", _ENCODING_ERRORS), kind.decode())


def _pack_items(items: Sequence[Item]) -> bytes:
    pairs = [[item.position, item.text] for item in items]
    return zlib.compress(json.dumps(pairs, ensure_ascii=False).encode("utf-8", _ENCODING_ERRORS), 6)


def _unpack_items(data: bytes) -> list[Item]:
    pairs = json.loads(zlib.decompress(data).decode("utf-8", _ENCODING_ERRORS))
    return [Item(position, text) for position, text in pairs]


class SafeDisk(diskcache.Disk):
    """A diskcache ``Disk`` that never pickles on write and never unpickles on read."""

    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) not in (str, bytes, int):
            raise TypeError(f"store keys must be str, bytes or int, not {type(key).__name__}")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise RefusedPickle("pickled key")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN) -> Any:
        if type(value) not in (bytes, str, int) or read:
            raise TypeError(f"store values must be bytes, str or int, not {type(value).__name__}")
        return super().store(value, read, key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise RefusedPickle("pickled value")
        return super().fetch(mode, filename, value, read)


def _private_directory(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # mkdir's mode is masked by umask, and the directory may pre-exist
    return directory


class DiskStore:
    """The default store: diskcache in a 0700 directory, size-bounded with LRU eviction."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ):
        self.directory = Path(directory).expanduser()
        self.ttl_seconds = ttl_seconds
        self._warned: set[str] = set()
        # The last original read, decompressed: paging through a 50 MB original
        # would otherwise decompress all of it for every page.
        self._recent: dict[str, StoredOriginal | list[Item]] = {}
        try:
            _private_directory(self.directory)
            self._cache = diskcache.Cache(
                str(self.directory),
                disk=SafeDisk,
                timeout=60,
                size_limit=size_limit,
                eviction_policy="least-recently-used",
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store in {self.directory}: {exc}") from exc

    def __enter__(self) -> DiskStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        try:
            # Content-addressed: an existing key holds the same bytes, so only its life is extended.
            if self._cache.touch(f"orig:{key}", expire=self.ttl_seconds):
                self._cache.touch(f"items:{key}", expire=self.ttl_seconds)
                return
            self._cache.set(f"items:{key}", _pack_items(items), expire=self.ttl_seconds)
            self._cache.set(f"orig:{key}", _pack_content(content, kind), expire=self.ttl_seconds)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise StoreError(f"cannot write to the store in {self.directory}: {exc}") from exc

    def _read(self, name: str) -> bytes | None:
        try:
            value = self._cache.get(name)
            if value is not None:
                self._cache.touch(name, expire=self.ttl_seconds)
            return value
        except RefusedPickle as exc:
            self._warn_once("pickle", f"refused a pickled row in {self.directory} ({exc}); treated as missing")
        except (OSError, sqlite3.Error, diskcache.Timeout, zlib.error) as exc:
            self._warn_once("read", f"cannot read the store in {self.directory}: {exc}")
        return None

    def _recall(self, name: str) -> StoredOriginal | list[Item] | None:
        """The memo of ``name`` if the store still holds it (which also extends its life)."""
        if name not in self._recent:
            return None
        try:
            if self._cache.touch(name, expire=self.ttl_seconds):
                return self._recent[name]
        except (OSError, sqlite3.Error, diskcache.Timeout):
            pass
        del self._recent[name]
        return None

    def _remember(self, name: str, value: StoredOriginal | list[Item]) -> None:
        self._recent = {k: v for k, v in self._recent.items() if k.split(":")[1] == name.split(":")[1]}
        self._recent[name] = value

    def get(self, key: str) -> StoredOriginal | None:
        recalled = self._recall(f"orig:{key}")
        if isinstance(recalled, StoredOriginal):
            self._cache.touch(f"items:{key}", expire=self.ttl_seconds)
            return recalled
        data = self._read(f"orig:{key}")
        if not isinstance(data, bytes):
            return None
        self._cache.touch(f"items:{key}", expire=self.ttl_seconds)  # the items live as long as the original
        try:
            original = _unpack_content(key, data)
        except (zlib.error, UnicodeDecodeError) as exc:
            self._warn_once("corrupt", f"corrupt entry {key} in {self.directory}: {exc}")
            return None
        self._remember(f"orig:{key}", original)
        return original

    def items(self, key: str) -> list[Item] | None:
        recalled = self._recall(f"items:{key}")
        if isinstance(recalled, list):
            return list(recalled)
        data = self._read(f"items:{key}")
        if not isinstance(data, bytes):
            return None
        try:
            items = _unpack_items(data)
        except (zlib.error, ValueError) as exc:
            self._warn_once("corrupt", f"corrupt items {key} in {self.directory}: {exc}")
            return None
        self._remember(f"items:{key}", items)
        return list(items)

    def incr(self, counter: str, delta: int = 1) -> None:
        try:
            self._cache.incr(f"counter:{counter}", delta)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            self._warn_once("counter", f"cannot update counters in {self.directory}: {exc}")

    def counters(self) -> dict[str, int]:
        values = {}
        for name in COUNTERS:
            value = self._read(f"counter:{name}")
            values[name] = value if isinstance(value, int) else 0
        return values

    def size_bytes(self) -> int:
        return int(self._cache.volume())

    def close(self) -> None:
        self._cache.close()

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            log.warning("%s", message)


class MemoryStore:
    """A store in this process's memory, with the same expiry rules as the disk store."""

    def __init__(self, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.time):
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, StoredOriginal, list[Item]]] = {}
        self._counters: dict[str, int] = {}

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        with self._lock:
            existing = self._live(key)
            original, kept = existing if existing else (StoredOriginal(key, content, kind), list(items))
            self._entries[key] = (self._clock() + self.ttl_seconds, original, kept)

    def _live(self, key: str) -> tuple[StoredOriginal, list[Item]] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1], entry[2]

    def get(self, key: str) -> StoredOriginal | None:
        with self._lock:
            live = self._live(key)
            if live is None:
                return None
            self._entries[key] = (self._clock() + self.ttl_seconds, *live)
            return live[0]

    def items(self, key: str) -> list[Item] | None:
        with self._lock:
            live = self._live(key)
            return list(live[1]) if live else None

    def incr(self, counter: str, delta: int = 1) -> None:
        with self._lock:
            self._counters[counter] = self._counters.get(counter, 0) + delta

    def counters(self) -> dict[str, int]:
        with self._lock:
            return {name: self._counters.get(name, 0) for name in COUNTERS}

    def size_bytes(self) -> int:
        with self._lock:
            return sum(len(entry[1].content) for entry in self._entries.values())

    def close(self) -> None:
        """Nothing to release."""

"""The default store: diskcache in a private directory, which never unpickles.

Never unpickle. diskcache pickles any value that is not bytes, str, int or
float, and unpickles whatever its SQLite database holds (CVE-2025-69872): a
row planted in the database would run code in every process that reads it.
:class:`SafeDisk` refuses to write anything but bytes, str and int, and
refuses to read a pickled row (key or value); such a row is treated as
missing, logged once per process, and removed.

Layout of one stored original ``<key>`` (the bytes are ``packing``'s):

- ``orig:<key>``: the packed original and its kind;
- ``items:<key>``: the packed items.

Both expire together and a read (``get`` or ``items``) extends both. Counters
live in a second diskcache in ``<directory>/counters`` that never evicts, so
a busy store's LRU cannot reset the statistics.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_PICKLE, UNKNOWN

from .contract import Item
from .packing import pack_items, pack_original, unpack_items, unpack_original
from .store import (
    COUNTERS,
    DEFAULT_SIZE_LIMIT,
    DEFAULT_TTL_SECONDS,
    LastRead,
    StoredOriginal,
    StoreError,
    WarnOnce,
)

log = logging.getLogger(__name__)

# How long a process waits for another one's SQLite write lock before giving up.
SQLITE_TIMEOUT_SECONDS: float = 60.0
# Above this many characters the original is packed on another thread while the items are packed here: zlib lets
# go of the GIL. Below it the hand-over costs about what it saves.
_BESIDE_CHARS = 65_536
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_DB_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _packer() -> ThreadPoolExecutor:
    """One thread, for every store of the process, that packs originals beside the caller."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="headroom-pack")
        return _pool


class RefusedPickle(Exception):
    """A row in the store's database is pickled; loading it could run code, so it is not loaded."""


_warn_once = WarnOnce(log)


# --- encoding -----------------------------------------------------------------


# --- the diskcache side -----------------------------------------------------------


def _plain(value: object) -> bool:
    """True for what diskcache stores without pickling and this store allows: bytes, str, 64-bit int."""
    kind = type(value)
    return kind is bytes or kind is str or (kind is int and _INT64_MIN <= value <= _INT64_MAX)  # type: ignore[operator]


class SafeDisk(diskcache.Disk):
    """A diskcache ``Disk`` that never pickles on write and never unpickles on read.

    Writing anything but bytes, str or a 64-bit int (as key or value) raises
    ``TypeError``. Reading a pickled key or value raises :class:`RefusedPickle`
    before ``pickle`` is touched.
    """

    def put(self, key: Any) -> tuple[Any, bool]:
        if not _plain(key):
            raise TypeError(f"store keys must be bytes, str or a 64-bit int, not {type(key).__name__}")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise RefusedPickle("a pickled key")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> Any:
        if read or not _plain(value):
            kind = "a file object" if read else type(value).__name__
            raise TypeError(f"store values must be bytes, str or a 64-bit int, not {kind}")
        return super().store(value, read, key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise RefusedPickle("a pickled value")
        return super().fetch(mode, filename, value, read)


def _private_directory(directory: Path) -> None:
    """Create ``directory`` (and missing parents) as 0700 whatever the umask; tighten it if wider."""
    missing = []
    path = directory
    while not path.exists() and not path.is_symlink() and path.parent != path:
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # another process made it first
            continue
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    if not directory.is_dir():
        raise NotADirectoryError(f"not a directory: {directory}")
    if stat.S_IMODE(directory.stat().st_mode) != 0o700:
        os.chmod(directory, 0o700)


def _open_cache(directory: Path, **settings: Any) -> diskcache.Cache:
    return diskcache.Cache(str(directory), disk=SafeDisk, timeout=SQLITE_TIMEOUT_SECONDS, **settings)


def _names(key: str) -> tuple[str, str]:
    return f"orig:{key}", f"items:{key}"


class DiskStore:
    """The default store: diskcache in a 0700 directory, size-bounded with LRU eviction.

    ``size_limit`` bounds the bytes stored (diskcache's ``volume()``; it may
    overshoot by about one entry before eviction catches up); ``ttl_seconds``
    is how long an entry lives after it was stored or last read.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.directory = Path(directory).expanduser()
        self.size_limit = size_limit
        self.ttl_seconds = float(ttl_seconds)
        self._lock = threading.Lock()
        self._last = LastRead()
        self._counter_cache: diskcache.Cache | None = None
        try:
            _private_directory(self.directory)
            self._cache = _open_cache(self.directory, size_limit=size_limit, eviction_policy="least-recently-used")
        except _DB_ERRORS as exc:
            raise StoreError(f"cannot open the store in {self.directory}: {exc}") from exc

    def __repr__(self) -> str:
        return f"DiskStore({str(self.directory)!r}, size_limit={self.size_limit}, ttl_seconds={self.ttl_seconds})"

    def __enter__(self) -> DiskStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # originals

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        orig, listed = _names(key)
        try:
            try:
                # Content-addressed: a key already there holds the same content, so it only lives longer.
                with self._cache.transact():
                    has_orig = self._renew(orig)
                    has_items = self._renew(listed)
            except RefusedPickle as exc:
                self._refused(key, exc)
                has_orig = has_items = False
            if has_orig and has_items:
                return
            # Compress outside the transaction: other processes keep writing meanwhile.
            packing = None
            if not has_orig and not has_items and len(content) > _BESIDE_CHARS:
                packing = _packer().submit(pack_original, content, kind)
            packed_items = None if has_items else pack_items(items)
            if packing is not None:
                packed_orig = packing.result()
            else:
                packed_orig = None if has_orig else pack_original(content, kind)
            with self._cache.transact():
                # Items first: whoever sees the original also finds its items.
                if packed_items is not None:
                    self._cache.set(listed, packed_items, expire=self.ttl_seconds)
                if packed_orig is not None:
                    self._cache.set(orig, packed_orig, expire=self.ttl_seconds)
        except _DB_ERRORS as exc:
            raise StoreError(f"cannot write {key} to the store in {self.directory}: {exc}") from exc

    def get(self, key: str) -> StoredOriginal | None:
        found = self._load(key, 1)
        return found if isinstance(found, StoredOriginal) else None

    def items(self, key: str) -> list[Item] | None:
        found = self._load(key, 2)
        return list(found) if isinstance(found, list) else None

    def _renew(self, name: str) -> bool:
        """Extend the life of ``name`` and mark it recently used (for LRU); False if it is not there.

        ``touch`` sets the expiry only; the LRU time moves on a ``get``, here as a
        cheap file handle (or the small inline value) that is dropped at once.
        """
        handle = self._cache.get(name, read=True)
        if handle is None:
            return False
        if hasattr(handle, "close"):
            handle.close()
        return bool(self._cache.touch(name, expire=self.ttl_seconds))

    def _load(self, key: str, which: int) -> StoredOriginal | list[Item] | None:
        """Read the original (``which`` 1) or the items (2) of ``key``; a hit extends both entries' life."""
        name, companion = _names(key) if which == 1 else reversed(_names(key))
        memo = self._last.get(key, which)
        try:
            with self._cache.transact():
                # A memo hit still asks the store, so that an evicted or expired key is gone here too.
                data = self._cache.get(name, read=memo is not None)
                if data is not None:
                    self._cache.touch(name, expire=self.ttl_seconds)
                    self._renew(companion)
        except RefusedPickle as exc:
            self._refused(key, exc)
            return None
        except _DB_ERRORS as exc:
            _warn_once("read", "cannot read the store in %s: %s", self.directory, exc)
            return None
        if data is None:
            self._last.forget(key)
            return None
        if memo is not None:
            if hasattr(data, "close"):
                data.close()
            return memo
        try:
            found: StoredOriginal | list[Item] = (
                StoredOriginal(key, *unpack_original(data)) if which == 1 else unpack_items(data)
            )
        except (zlib.error, ValueError) as exc:
            _warn_once("corrupt", "corrupt entry %s in the store %s (%s); removed", name, self.directory, exc)
            self._discard(key)
            return None
        self._last.keep(key, which, found)
        return found

    def _refused(self, key: str, exc: RefusedPickle) -> None:
        _warn_once(
            "pickle", "refused %s for %s in the store %s: treated as missing and removed", exc, key, self.directory
        )
        self._discard(key)

    def _discard(self, key: str) -> None:
        """Remove both rows of a refused or corrupt entry (deleting never reads a value) so a put can replace them."""
        self._last.forget(key)
        try:
            with self._cache.transact():
                for name in _names(key):
                    self._cache.delete(name)
        except _DB_ERRORS as exc:
            _warn_once("read", "cannot read the store in %s: %s", self.directory, exc)

    # counters

    def _counters(self) -> diskcache.Cache:
        with self._lock:
            if self._counter_cache is None:
                directory = self.directory / "counters"
                _private_directory(directory)
                self._counter_cache = _open_cache(directory, eviction_policy="none")
            return self._counter_cache

    def incr(self, counter: str, delta: int = 1) -> None:
        if type(delta) is not int:
            raise TypeError(f"counter deltas are ints, not {type(delta).__name__}")
        try:
            self._counters().incr(counter, delta)
        except (*_DB_ERRORS, TypeError, OverflowError) as exc:  # TypeError: a row that is no int
            _warn_once("counters", "cannot update the counters in %s: %s", self.directory, exc)

    def counters(self) -> dict[str, int]:
        """Every counter in the store, whichever process counted it: the known ones first (0 if never counted)."""
        values = dict.fromkeys(COUNTERS, 0)
        try:
            cache = self._counters()
            for name in sorted(self._counter_names(cache)):
                try:
                    value = cache.get(name)
                except RefusedPickle as exc:
                    _warn_once("pickle", "refused %s under counter %s in %s", exc, name, self.directory)
                    continue
                if type(value) is int:
                    values[name] = value
        except _DB_ERRORS as exc:
            _warn_once("counters", "cannot read the counters in %s: %s", self.directory, exc)
        return values

    def _counter_names(self, cache: diskcache.Cache) -> list[str]:
        """The counters' names, read from the table itself: diskcache's key iterators raise at a pickled key.

        A row with ``raw = 1`` holds its key as written; ``raw = 0`` means a
        pickled key, skipped without being loaded. (``_sql`` is diskcache's
        own query helper; the version is pinned.)
        """
        names = []
        for key, raw in cache._sql("SELECT key, raw FROM Cache").fetchall():
            if not raw:
                _warn_once("pickle", "refused a pickled counter name in %s", self.directory)
            elif type(key) is str:
                names.append(key)
        return names

    # the rest

    def size_bytes(self) -> int:
        try:
            return int(self._cache.volume())
        except _DB_ERRORS as exc:
            _warn_once("read", "cannot read the store in %s: %s", self.directory, exc)
            return 0

    def close(self) -> None:
        self._last.forget()
        with self._lock:
            counter_cache, self._counter_cache = self._counter_cache, None
        self._cache.close()
        if counter_cache is not None:
            counter_cache.close()

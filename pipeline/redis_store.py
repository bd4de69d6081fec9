"""A store shared by several machines: Redis or Valkey, for gateways behind a load balancer.

Selected by ``store_url`` (``redis://host:port/db``, ``rediss://``, ``unix:///path/to.sock``).
The layout is the disk store's, under the prefix ``headroom-mcp:``:

- ``orig:<key>`` and ``items:<key>``: ``packing``'s bytes (zlib, never a
  pickle). A value that does not unpack (written by another program, or
  planted) is refused as missing, logged once, and deleted; nothing read
  from Redis is ever executed.
- ``counters``: one hash, the counters ``stats`` shows.

Every key carries a TTL (``ttl_seconds``): a read renews an original and
its items, each count renews the counters. Memory is bounded by Redis's own
``maxmemory`` (with ``maxmemory-policy allkeys-lru`` the least recently
used originals go first). ``GETEX`` needs Redis 6.2 or Valkey.

A store that cannot be reached raises :class:`~.store.StoreError` from
``put`` (the content then passes through), from reads (a retrieval says the
store is unreachable) and from ``counters``; a count that cannot be written
is dropped and logged once. The client reconnects on the next call.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .contract import Item
from .packing import pack_items, pack_original, unpack_items, unpack_original
from .store import COUNTERS, DEFAULT_TTL_SECONDS, LastRead, StoredOriginal, StoreError, WarnOnce

log = logging.getLogger(__name__)

PREFIX = "headroom-mcp:"
SCHEMES = ("redis", "rediss", "unix")
# Seconds to connect and to wait for an answer: an unreachable store must cost a call little, not hang it.
_TIMEOUT_SECONDS = 2.0

_warn_once = WarnOnce(log)


class RedisStore:
    """Originals, items and counters in Redis, shared by every process that names the same URL."""

    def __init__(self, url: str, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, prefix: str = PREFIX) -> None:
        import redis  # here: only a process configured for Redis loads the client

        if urlsplit(url).scheme not in SCHEMES:
            raise StoreError(f"store_url must start with {', '.join(s + '://' for s in SCHEMES)}: {shown_url(url)}")
        self.url = url
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self._prefix = prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._unreachable: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError, OSError)
        try:
            # No connection yet: the first command connects, and every later one reconnects if it must.
            self._client = redis.Redis.from_url(
                url, socket_connect_timeout=_TIMEOUT_SECONDS, socket_timeout=_TIMEOUT_SECONDS
            )
        except (ValueError, *self._errors) as exc:
            raise StoreError(f"cannot use the store at {shown_url(url)}: {exc}") from exc
        # A hit here still renews the keys in Redis, which tells whether they are still there.
        self._last = LastRead()

    def __repr__(self) -> str:
        return f"RedisStore({shown_url(self.url)!r})"

    def __enter__(self) -> RedisStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, key: str, content: str, kind: str, items: Sequence[Item]) -> None:
        orig, listed = self._names(key)
        with self._talking(f"write {key} to"):
            # Content-addressed: a key already there holds the same content, so it only lives longer.
            has_orig, has_items = (
                self._client.pipeline().pexpire(orig, self.ttl_ms).pexpire(listed, self.ttl_ms).execute()
            )
            if has_orig and has_items:
                return
            writes = self._client.pipeline()
            # Items first: whoever sees the original also finds its items.
            if not has_items:
                writes.set(listed, pack_items(items), px=self.ttl_ms)
            if not has_orig:
                writes.set(orig, pack_original(content, kind), px=self.ttl_ms)
            writes.execute()

    def get(self, key: str) -> StoredOriginal | None:
        found = self._load(key, 1)
        return found if isinstance(found, StoredOriginal) else None

    def items(self, key: str) -> list[Item] | None:
        found = self._load(key, 2)
        return list(found) if isinstance(found, list) else None

    def _load(self, key: str, which: int) -> StoredOriginal | list[Item] | None:
        """Read the original (``which`` 1) or the items (2) of ``key``; a hit renews both keys."""
        name, companion = self._names(key) if which == 1 else reversed(self._names(key))
        memo = self._last.get(key, which)
        with self._talking(f"read {key} from"):
            if memo is not None:
                there, _ = self._client.pipeline().pexpire(name, self.ttl_ms).pexpire(companion, self.ttl_ms).execute()
                data = b"" if there else None
            else:
                data, _ = self._client.pipeline().getex(name, px=self.ttl_ms).pexpire(companion, self.ttl_ms).execute()
        if data is None:
            self._last.forget(key)
            return None
        if memo is not None:
            return memo
        try:
            found: StoredOriginal | list[Item] = (
                StoredOriginal(key, *unpack_original(data)) if which == 1 else unpack_items(data)
            )
        except (zlib.error, ValueError) as exc:
            _warn_once("refused", "refused %s in %s: not headroom's format (%s); deleted", name, self, exc)
            self._discard(key)
            return None
        self._last.keep(key, which, found)
        return found

    def _discard(self, key: str) -> None:
        """Delete both keys of a refused entry, so that the next put writes them again."""
        self._last.forget(key)
        try:
            self._client.delete(*self._names(key))
        except self._errors as exc:
            _warn_once("unreachable", "the store at %s is unreachable: %s", shown_url(self.url), exc)

    def incr(self, counter: str, delta: int = 1) -> None:
        if type(delta) is not int:
            raise TypeError(f"counter deltas are ints, not {type(delta).__name__}")
        name = self._prefix + "counters"
        try:
            self._client.pipeline().hincrby(name, counter, delta).pexpire(name, self.ttl_ms).execute()
        except self._errors as exc:  # a count is never worth an answer; a planted non-integer field lands here too
            _warn_once("counters", "cannot update the counters in %s: %s", self, exc)

    def counters(self) -> dict[str, int]:
        """Every counter in the store, whichever process counted it: the known ones first (0 if never counted)."""
        values = dict.fromkeys(COUNTERS, 0)
        with self._talking("read the counters from"):
            stored: dict[bytes, bytes] = self._client.hgetall(self._prefix + "counters")
        for raw_name, raw_value in sorted(stored.items()):
            try:
                values[raw_name.decode("utf-8", "surrogatepass")] = int(raw_value)
            except ValueError:  # not written by headroom: skipped, never evaluated
                _warn_once("counter", "skipped counter %r in %s: not an integer", raw_name, self)
        return values

    def size_bytes(self) -> int:
        """Bytes of memory the Redis server uses in all (its own figure; other data there counts too)."""
        with self._talking("read the size of"):
            info: dict[str, Any] = self._client.info("memory")
        return int(info.get("used_memory", 0))

    def close(self) -> None:
        try:
            self._client.close()
        except self._errors:
            pass

    def _names(self, key: str) -> tuple[str, str]:
        return f"{self._prefix}orig:{key}", f"{self._prefix}items:{key}"

    @contextmanager
    def _talking(self, doing: str) -> Iterator[None]:
        """Turn the client's failures into a :class:`StoreError` that says what could not be done, and where."""
        try:
            yield
        except self._unreachable as exc:
            raise StoreError(f"the store at {shown_url(self.url)} is unreachable: {exc}") from exc
        except self._errors as exc:
            raise StoreError(f"cannot {doing} the store at {shown_url(self.url)}: {exc}") from exc


def shown_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))

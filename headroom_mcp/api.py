"""The library face of headroom-mcp: compress, compress_content, retrieve, stats.

A process opens one store (from the settings) on first use; every call of
this module shares it. Pass ``store=`` to use another one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from headroom_mcp.config import Settings, load_settings
from headroom_mcp.pipeline import compress as pipeline
from headroom_mcp.pipeline import retrieval
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.conversation import compress as conversation
from headroom_mcp.pipeline.disk_store import DiskStore
from headroom_mcp.pipeline.store import Store, default_store_dir

_lock = threading.Lock()
_settings: Settings | None = None
_store: Store | None = None


def configure(settings: Settings | None = None) -> None:
    """Set the process-wide settings; the store they name opens on first use."""
    global _settings, _store
    with _lock:
        if _store is not None:
            _store.close()
        _settings, _store = settings or load_settings(), None


def current_settings() -> Settings:
    """The process-wide settings, read from the config file and environment on first use."""
    global _settings
    with _lock:
        if _settings is None:
            _settings = load_settings()
        return _settings


def default_store() -> Store:
    """The process-wide store, opened on first use from the settings."""
    global _store
    settings = current_settings()
    with _lock:
        if _store is None:
            _store = DiskStore(
                settings.cache_dir or default_store_dir(),
                size_limit=settings.cache_size_limit,
                ttl_seconds=settings.ttl_seconds,
            )
        return _store


def options_from(settings: Settings) -> pipeline.Options:
    """The pipeline's options taken from the settings."""
    return pipeline.Options(
        min_tokens=settings.min_tokens,
        target_ratio=settings.target_ratio,
        min_budget_tokens=settings.min_budget_tokens,
        max_budget_tokens=settings.max_budget_tokens,
        max_output_ratio=settings.max_output_ratio,
    )


def compress_content(
    content: str | bytes,
    *,
    query: str | None = None,
    kind: str | None = None,
    max_tokens: int | None = None,
    hints: Hints | None = None,
    store: Store | None = None,
    settings: Settings | None = None,
) -> pipeline.CompressionResult:
    """Compress tool output for a model; the original stays retrievable by the result's ``hash``.

    ``bytes`` that are not UTF-8 pass through unchanged (decoded with
    ``surrogateescape`` so that encoding the text back gives the same bytes).
    """
    settings = settings or current_settings()
    store = store or default_store()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            text = content.decode("utf-8", "surrogateescape")
            return pipeline.CompressionResult(text, None, "binary", 0, 0, [], ["not valid UTF-8: passed through"])
    result = pipeline.compress_content(
        content,
        store=store,
        query=query,
        kind=kind,
        max_tokens=max_tokens,
        hints=hints,
        options=options_from(settings),
    )
    _count(store, result.compressed, result.tokens_before, result.tokens_after)
    return result


def compress(content: str | list[Any], **kwargs: object) -> str | list[Any]:
    """The compressed text of ``content``, or for a list of messages the compressed messages.

    See :func:`compress_content` and :func:`compress_messages` for the arguments.
    """
    if isinstance(content, list):
        return compress_messages(content, **kwargs).messages  # type: ignore[arg-type]
    return compress_content(content, **kwargs).text  # type: ignore[arg-type]


def compress_messages(
    messages: list[Any],
    *,
    system: Any = None,
    query: str | None = None,
    max_tokens: int | None = None,
    align_cache: bool = True,
    store: Store | None = None,
    settings: Settings | None = None,
) -> conversation.MessagesResult:
    """Compress the tool outputs of an Anthropic or OpenAI conversation (DESIGN.md §6).

    ``system`` is Anthropic's separate system prompt; ``max_tokens`` holds the
    whole conversation to a budget. Every dropped part stays retrievable.
    """
    settings = settings or current_settings()
    store = store or default_store()
    result = conversation.compress_messages(
        messages,
        store=store,
        system=system,
        query=query,
        max_tokens=max_tokens,
        align_cache=align_cache,
        options=options_from(settings),
    )
    _count(store, result.tokens_after < result.tokens_before, result.tokens_before, result.tokens_after)
    return result


def retrieve(
    key: str,
    *,
    query: str | None = None,
    cursor: str | None = None,
    store: Store | None = None,
    page_tokens: int | None = None,
) -> retrieval.Retrieval:
    """A page of the original behind ``key``, or its items best matching ``query``.

    Raises :class:`~headroom_mcp.pipeline.retrieval.UnknownKey` for unknown or
    expired keys.
    """
    store = store or default_store()
    result = retrieval.retrieve(
        key,
        store=store,
        query=query,
        cursor=cursor,
        page_tokens=page_tokens or current_settings().page_tokens,
    )
    store.incr("retrievals")
    return result


@dataclass(frozen=True, slots=True)
class Stats:
    """Counters shared by every headroom-mcp process using one store."""

    calls: int
    compressed: int
    tokens_before: int
    tokens_after: int
    retrievals: int
    store_bytes: int

    @property
    def tokens_saved(self) -> int:
        """Tokens the model did not have to read."""
        return self.tokens_before - self.tokens_after


def stats(store: Store | None = None) -> Stats:
    """The store's shared counters and size."""
    store = store or default_store()
    counters = store.counters()
    return Stats(
        calls=counters.get("calls", 0),
        compressed=counters.get("compressed", 0),
        tokens_before=counters.get("tokens_before", 0),
        tokens_after=counters.get("tokens_after", 0),
        retrievals=counters.get("retrievals", 0),
        store_bytes=store.size_bytes(),
    )


def _count(store: Store, compressed: bool, tokens_before: int, tokens_after: int) -> None:
    """The counters ``headroom_stats`` shows: one call, and its tokens when it compressed."""
    store.incr("calls")
    if compressed:
        store.incr("compressed")
        store.incr("tokens_before", tokens_before)
        store.incr("tokens_after", tokens_after)

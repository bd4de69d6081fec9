"""The library face of headroom-mcp: compress, compress_content, retrieve, stats, tool_stats.

A process opens one store (from the settings) on first use; every call of
this module shares it. Pass ``store=`` to use another one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
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
    """The process-wide store, opened on first use from the settings: Redis if ``store_url`` is set, else disk."""
    global _store
    settings = current_settings()
    with _lock:
        if _store is None and settings.store_url:
            from headroom_mcp.pipeline.redis_store import RedisStore

            _store = RedisStore(settings.store_url, ttl_seconds=settings.ttl_seconds)
        elif _store is None:
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
        sentence_model=settings.sentence_model,
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
    deltas: int = 0
    delta_tokens_saved: int = 0
    compact_tokens_saved: int = 0

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
        deltas=counters.get("deltas", 0),
        delta_tokens_saved=counters.get("delta_tokens_saved", 0),
        compact_tokens_saved=counters.get("compact_tokens_saved", 0),
    )


# Per-tool counters: the prefix, then a JSON array [server, tool, field], so that any
# server or tool name (spaces, dots, slashes, quotes) parses back exactly.
TOOL_COUNTER_PREFIX = "tool:"
TOOL_FIELDS: tuple[str, ...] = (
    "calls",
    "compressed",
    "tokens_before",
    "tokens_after",
    "retrievals",
    "whole_retrievals",
    "deltas",
    "delta_tokens_saved",
)
# What one tool's results were and what retrievals asked of them, for ``learn``: the prefix, then
# [server, tool, field, label] with field "kind" (a compressed result's content kind), "asked" (a retrieval's
# query) or "returned" (the position of an item a retrieval returned). Positions, never copies of the content.
TOOL_LABEL_PREFIX = "tool+:"
TOOL_LABEL_FIELDS: tuple[str, ...] = ("kind", "asked", "returned")


def tool_counter(server: str, tool: str, field: str) -> str:
    """The name of the shared counter ``field`` of ``tool`` on the wrapped ``server``, e.g. ``tool:["fs","read","calls"]``."""
    if field not in TOOL_FIELDS:
        raise ValueError(f"unknown tool counter {field!r}; known: {', '.join(TOOL_FIELDS)}")
    # json.dumps escapes all but ASCII: SQLite cannot hold the lone surrogates a JSON name may carry.
    return TOOL_COUNTER_PREFIX + json.dumps([server, tool, field], separators=(",", ":"))


def parse_tool_counter(name: str) -> tuple[str, str, str] | None:
    """``(server, tool, field)`` of a per-tool counter name; None for any other counter."""
    parts = _named_parts(name, TOOL_COUNTER_PREFIX, 3)
    if parts is None:
        return None
    server, tool, field = parts
    return (server, tool, field) if field in TOOL_FIELDS else None


def _named_parts(name: str, prefix: str, size: int) -> list[str] | None:
    """The JSON array of ``size`` strings after ``prefix`` in a counter's name; None for any other name."""
    if not name.startswith(prefix):
        return None
    try:
        parts = json.loads(name[len(prefix) :])
    except ValueError:
        return None
    if isinstance(parts, list) and len(parts) == size and all(isinstance(part, str) for part in parts):
        return parts
    return None


def tool_label_counter(server: str, tool: str, field: str, label: str) -> str:
    """The shared counter of how often retrievals of ``tool``'s results had ``label`` as ``field``."""
    if field not in TOOL_LABEL_FIELDS:
        raise ValueError(f"unknown tool label {field!r}; known: {', '.join(TOOL_LABEL_FIELDS)}")
    return TOOL_LABEL_PREFIX + json.dumps([server, tool, field, label], separators=(",", ":"))


def tool_labels(
    store: Store | None = None, counters: Mapping[str, int] | None = None
) -> dict[tuple[str, str, str], dict[str, int]]:
    """``(server, tool, field)`` → how often each label was counted, as ``learn`` reads them.

    ``counters``: the store's counters when the caller has read them already.
    """
    found: dict[tuple[str, str, str], dict[str, int]] = {}
    for name, value in (counters if counters is not None else (store or default_store()).counters()).items():
        parts = _named_parts(name, TOOL_LABEL_PREFIX, 4)
        if parts is not None:
            server, tool, field, label = parts
            labels = found.setdefault((server, tool, field), {})
            labels[label] = labels.get(label, 0) + value
    return found


def count_tool(server: str, tool: str, *, store: Store | None = None, **deltas: int) -> None:
    """Add ``deltas`` (keyword per field of ``TOOL_FIELDS``) to one tool's counters, shared like the global ones."""
    store = store or default_store()
    for field, delta in deltas.items():
        name = tool_counter(server, tool, field)
        if delta:
            store.incr(name, delta)


@dataclass(frozen=True, slots=True)
class ToolStats:
    """One tool of one wrapped server, as counted by every wrapper sharing the store.

    ``calls`` are the calls the upstream answered; ``compressed`` those whose
    result was compressed, with their tokens before and after. ``retrievals``
    are headroom_retrieve calls for hashes this tool's results produced, as
    far as the wrapper that made them could tell (see ``wrappers/counts.py``);
    ``whole_retrievals`` those among them that asked for the whole original.
    ``deltas`` are results sent as what changed since the same call earlier in
    the session, and ``delta_tokens_saved`` what that saved against compressing
    them afresh (``tokens_after`` counts what was sent).
    """

    server: str
    tool: str
    calls: int
    compressed: int
    tokens_before: int
    tokens_after: int
    retrievals: int
    whole_retrievals: int = 0
    deltas: int = 0
    delta_tokens_saved: int = 0

    @property
    def tokens_saved(self) -> int:
        """Tokens the model did not have to read."""
        return self.tokens_before - self.tokens_after


def tool_stats(store: Store | None = None, counters: Mapping[str, int] | None = None) -> list[ToolStats]:
    """Per-tool counters of the wrapped servers, the most tokens saved first.

    ``counters``: the store's counters when the caller has read them already.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for name, value in (counters if counters is not None else (store or default_store()).counters()).items():
        parsed = parse_tool_counter(name)
        if parsed is not None:
            server, tool, field = parsed
            # Equal triples spelled differently (another JSON writer) add up.
            fields = counts.setdefault((server, tool), dict.fromkeys(TOOL_FIELDS, 0))
            fields[field] += value
    rows = [ToolStats(server, tool, **fields) for (server, tool), fields in counts.items()]
    return sorted(rows, key=lambda row: (-row.tokens_saved, -row.calls, row.server, row.tool))


def _count(store: Store, compressed: bool, tokens_before: int, tokens_after: int) -> None:
    """The counters ``headroom_stats`` shows: one call, and its tokens when it compressed."""
    store.incr("calls")
    if compressed:
        store.incr("compressed")
        store.incr("tokens_before", tokens_before)
        store.incr("tokens_after", tokens_after)

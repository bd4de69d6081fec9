"""The answer to a repeated call: a header naming the earlier call, what changed, and the new original's marker."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..pipeline.compress import CompressionResult
from ..pipeline.contract import Hints
from ..pipeline.deltas import delta
from ..pipeline.markers import marker
from ..pipeline.tokens import count_tokens
from .repeats import Repeats, Seen
from .results import Compress

# A delta is sent only when it costs at most this share of the fresh compression's tokens.
CLEARLY_SMALLER = 0.7


def with_deltas(
    compress: Compress,
    repeats: Repeats,
    tool: str,
    arguments: Mapping[str, Any] | None,
    number: int,
    savings: list[int],
) -> Compress:
    """``compress`` for the texts of call ``number`` of ``tool``, answering a repeat with a delta.

    Each text is compressed afresh first (which stores its original); a delta
    replaces the fresh text only when it is clearly smaller. ``savings``
    collects the tokens each delta saved against the fresh compression.
    """
    index = 0
    call_key = json.dumps(arguments or {}, sort_keys=True, default=str)

    def compress_repeat(content: str, *, query: str | None = None, hints: Hints | None = None, **kwargs: Any):
        nonlocal index
        index += 1
        fresh = compress(content, query=query, hints=hints, **kwargs)
        if not fresh.compressed or fresh.hash is None:
            return fresh  # small or incompressible: nothing stored to point a delta at
        keys = [("call", tool, call_key, str(index))]
        if hints is not None and hints.path:
            keys.append(("path", tool, hints.path, str(index)))
        earlier = repeats.earlier(keys)
        repeats.remember(keys, Seen(number, tool, time.strftime("%H:%M:%S"), content))
        if earlier is None:
            return fresh
        return _as_delta(earlier, content, fresh, fresh.hash, query, savings)

    return compress_repeat


def _as_delta(
    earlier: Seen, content: str, fresh: CompressionResult, key: str, query: str | None, savings: list[int]
) -> CompressionResult:
    """The delta answer for ``content`` (stored under ``key``) against ``earlier``, or ``fresh`` if not smaller."""
    found = delta(earlier.text, content, fresh.kind)
    if found is None:
        return fresh
    header = f"same as call #{earlier.number} of {earlier.tool}, {earlier.at}"
    if found.identical:
        text = marker(f"{header}: unchanged", key, query)
    else:
        text = f"[headroom: {header}, except:]\n{found.text}\n{marker(found.summary, key, query)}"
    tokens = count_tokens(text)
    if tokens > CLEARLY_SMALLER * fresh.tokens_after:
        return fresh
    savings.append(fresh.tokens_after - tokens)
    return CompressionResult(
        text,
        key,
        fresh.kind,
        fresh.tokens_before,
        tokens,
        [*fresh.transforms, found.transform],
        [*fresh.diagnostics, f"{header}: sent what changed ({tokens} tokens against {fresh.tokens_after})"],
    )

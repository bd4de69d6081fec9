"""Per-tool policy: which upstream results are compressed, and how hard."""

from __future__ import annotations

import functools
from typing import Any

from .. import api
from ..config import Settings, ToolPolicy
from ..pipeline.compress import CompressionResult
from ..pipeline.contract import Hints
from .results import Compress


def compress_with_policy(settings: Settings) -> Compress:
    """A compress function for the wrapper that applies ``settings.tools[tool]`` to each call.

    A tool's ``keep`` patterns join the call's query: what they name is kept
    as a query's matches are. With ``learn = "auto"``, what retrievals taught
    fills the keys the configured policy leaves unset.
    """
    learned = None
    if settings.learn == "auto":
        from ..learning import AutoPolicies

        learned = AutoPolicies(api.default_store, settings.max_budget_tokens)

    def compress(content: str, *, query: str | None = None, hints: Hints | None = None, **_: Any) -> CompressionResult:
        tool = hints.tool_name if hints else None
        configured = settings.tools.get(tool or "")
        policy = (learned.policy(tool, configured) if learned and tool else configured) or ToolPolicy()
        if not policy.compress:
            return CompressionResult(content, None, "text", 0, 0, [], [f"compression off for {tool}"])
        return api.compress_content(
            content,
            query=" ".join(filter(None, [*policy.keep, query])) or None,
            hints=hints,
            max_tokens=policy.max_tokens,
            settings=with_min_tokens(policy.min_tokens),
        )

    @functools.cache
    def with_min_tokens(min_tokens: int | None) -> Settings:
        return settings if min_tokens is None else settings.model_copy(update={"min_tokens": min_tokens})

    return compress

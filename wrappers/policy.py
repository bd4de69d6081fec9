"""Per-tool policy: which upstream results are compressed, and how hard."""

from __future__ import annotations

from typing import Any

from .. import api
from ..config import Settings, ToolPolicy
from ..pipeline.compress import CompressionResult
from ..pipeline.contract import Hints
from .results import Compress


def compress_with_policy(settings: Settings) -> Compress:
    """A compress function for the wrapper that applies ``settings.tools[tool]`` to each call."""
    per_tool = {name: settings.model_copy(update=_overrides(policy)) for name, policy in settings.tools.items()}

    def compress(content: str, *, query: str | None = None, hints: Hints | None = None, **_: Any) -> CompressionResult:
        tool = hints.tool_name if hints else None
        policy = settings.tools.get(tool or "", ToolPolicy())
        if not policy.compress:
            return CompressionResult(content, None, "text", 0, 0, [], [f"compression off for {tool}"])
        return api.compress_content(
            content,
            query=query,
            hints=hints,
            max_tokens=policy.max_tokens,
            settings=per_tool.get(tool or "", settings),
        )

    return compress


def _overrides(policy: ToolPolicy) -> dict[str, Any]:
    return {"min_tokens": policy.min_tokens} if policy.min_tokens is not None else {}

"""headroom-mcp: keep agents' context small without losing what they need.

``from headroom_mcp import compress, compress_content, compress_messages, retrieve`` — imported
lazily so that ``import headroom_mcp`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["compress", "compress_content", "compress_messages", "retrieve", "stats", "tool_stats", "configure", "__version__"]

if TYPE_CHECKING:
    from headroom_mcp.api import (
        compress,
        compress_content,
        compress_messages,
        configure,
        retrieve,
        stats,
        tool_stats,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from headroom_mcp import api

        return getattr(api, name)
    raise AttributeError(f"module 'headroom_mcp' has no attribute {name!r}")

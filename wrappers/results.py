"""Putting upstream answers through the pipeline: text blocks and text resources, nothing else.

The wrapper never compresses by itself; it hands each text to the pipeline
with hints taken from the call, and puts the answer back where the text was.
Images, audio and blobs pass untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread
import mcp_types as types

from headroom_mcp.pipeline.compress import CompressionResult
from headroom_mcp.pipeline.contract import Hints

Compress = Callable[..., CompressionResult]
_PATH_KEYS = ("path", "file", "filename", "file_path", "uri", "url")


def hints_for(tool: str, arguments: Mapping[str, Any] | None) -> tuple[str | None, Hints]:
    """The query hint (the call's short string arguments) and the tool and path hints."""
    arguments = arguments or {}
    strings = [v for v in arguments.values() if isinstance(v, str) and 0 < len(v) <= 200]
    path = next((arguments[k] for k in _PATH_KEYS if isinstance(arguments.get(k), str)), None)
    return (" ".join(strings) or None), Hints(tool_name=tool, path=path)


async def compress_tool_result(
    result: types.CallToolResult, tool: str, arguments: Mapping[str, Any] | None, compress: Compress
) -> types.CallToolResult:
    """``result`` with each large text block compressed; errors and non-text blocks unchanged."""
    if result.is_error:
        return result
    query, hints = hints_for(tool, arguments)
    content = [await _text_block(block, query, hints, compress) for block in result.content]
    return result.model_copy(update={"content": content})


async def compress_resource(
    result: types.ReadResourceResult, uri: str, compress: Compress
) -> types.ReadResourceResult:
    """``result`` with each large text resource compressed; blobs unchanged."""
    hints = Hints(tool_name="resources/read", path=uri)
    contents = []
    for item in result.contents:
        if isinstance(item, types.TextResourceContents):
            done = await anyio.to_thread.run_sync(lambda text=item.text: compress(text, hints=hints))
            item = item.model_copy(update={"text": done.text}) if done.compressed else item
        contents.append(item)
    return result.model_copy(update={"contents": contents})


async def _text_block(block: Any, query: str | None, hints: Hints, compress: Compress) -> Any:
    if not isinstance(block, types.TextContent):
        return block
    done = await anyio.to_thread.run_sync(lambda: compress(block.text, query=query, hints=hints))
    return block.model_copy(update={"text": done.text}) if done.compressed else block

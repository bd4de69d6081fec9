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

from ..pipeline.compress import CompressionResult
from ..pipeline.contract import Hints
from ..pipeline.hints import hints_for

Compress = Callable[..., CompressionResult]
# Strings shorter than this are not worth a worker thread, nor compressing inside structuredContent.
_MIN_STRUCTURED_CHARS = 1500


async def compress_tool_result(
    result: types.CallToolResult,
    tool: str,
    arguments: Mapping[str, Any] | None,
    compress: Compress,
    output_schema: Mapping[str, Any] | None = None,
) -> types.CallToolResult:
    """``result`` with large text blocks and large strings of its structured content compressed.

    Claude Code shows the model ``structuredContent`` instead of the text when
    both are present, so it is compressed too, and kept only if it still
    validates against the tool's ``output_schema``.
    """
    if result.is_error:
        return result
    query, hints = hints_for(tool, arguments)
    compress = _once_per_text(compress)  # servers often repeat the text in structuredContent
    content = [await _text_block(block, query, hints, compress) for block in result.content]
    update: dict[str, Any] = {"content": content}
    if result.structured_content is not None:
        structured = await anyio.to_thread.run_sync(
            lambda: _compress_strings(result.structured_content, query, hints, compress)
        )
        if structured is not result.structured_content and _valid(structured, output_schema):
            update["structured_content"] = structured
    return result.model_copy(update=update)


def _once_per_text(compress: Compress) -> Compress:
    """``compress`` that answers a repeated text from its first answer."""
    seen: dict[tuple[str, str | None], CompressionResult] = {}

    def once(content: str, *, query: str | None = None, **kwargs: Any) -> CompressionResult:
        if (content, query) not in seen:
            seen[(content, query)] = compress(content, query=query, **kwargs)
        return seen[(content, query)]

    return once


def _compress_strings(value: Any, query: str | None, hints: Hints, compress: Compress, depth: int = 0) -> Any:
    """``value`` with every long string replaced by its compression; the same object if nothing changed."""
    if isinstance(value, str) and len(value) >= _MIN_STRUCTURED_CHARS:
        done = compress(value, query=query, hints=hints)
        return done.text if done.compressed else value
    if depth > 32:
        return value
    if isinstance(value, dict):
        new = {k: _compress_strings(v, query, hints, compress, depth + 1) for k, v in value.items()}
        return value if all(new[k] is v for k, v in value.items()) else new
    if isinstance(value, list):
        items = [_compress_strings(v, query, hints, compress, depth + 1) for v in value]
        return value if all(n is v for n, v in zip(items, value, strict=True)) else items
    return value


def _valid(value: Any, schema: Mapping[str, Any] | None) -> bool:
    if not schema:
        return True
    import jsonschema  # only when a tool declares an output schema

    try:
        validator = jsonschema.validators.validator_for(schema)
        return validator(schema).is_valid(value)
    except jsonschema.SchemaError:
        return False


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
    if len(block.text) < _MIN_STRUCTURED_CHARS:
        done = compress(block.text, query=query, hints=hints)  # small: cheaper than a thread hop
    else:
        done = await anyio.to_thread.run_sync(lambda: compress(block.text, query=query, hints=hints))
    return block.model_copy(update={"text": done.text}) if done.compressed else block

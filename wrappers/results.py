"""Putting upstream answers through the pipeline: text blocks and text resources, nothing else.

The wrapper never compresses by itself; it hands each text to the pipeline
with hints taken from the call, and puts the answer back where the text was.
Images, audio and blobs pass untouched. Results are plain JSON-RPC data (the
message-level relay never builds SDK objects); these functions are blocking
and run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..pipeline.compress import CompressionResult
from ..pipeline.contract import Hints
from ..pipeline.hints import hints_for

Compress = Callable[..., CompressionResult]
# Strings shorter than this are not worth compressing inside structuredContent.
_MIN_STRUCTURED_CHARS = 1500


def compress_tool_result(
    result: dict[str, Any],
    tool: str,
    arguments: Mapping[str, Any] | None,
    compress: Compress,
    output_schema: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``result`` (a ``tools/call`` result) with large texts compressed; the same object if nothing changed.

    Claude Code shows the model ``structuredContent`` instead of the text when
    both are present, so it is compressed too, and kept only if it still
    validates against the tool's ``output_schema``.
    """
    if result.get("isError"):
        return result
    query, hints = hints_for(tool, arguments)
    compress = _once_per_text(compress)  # servers often repeat the text in structuredContent
    update: dict[str, Any] = {}
    blocks = result.get("content")
    if isinstance(blocks, list):
        content = [_text_block(block, query, hints, compress) for block in blocks]
        if any(new is not old for new, old in zip(content, blocks, strict=True)):
            update["content"] = content
    structured = result.get("structuredContent")
    if structured is not None:
        smaller = _compress_strings(structured, query, hints, compress)
        if smaller is not structured and _valid(smaller, output_schema):
            update["structuredContent"] = smaller
    return {**result, **update} if update else result


def compress_resource(result: dict[str, Any], uri: str, compress: Compress) -> dict[str, Any]:
    """``result`` (a ``resources/read`` result) with each large text resource compressed; blobs unchanged."""
    hints = Hints(tool_name="resources/read", path=uri)
    items = result.get("contents")
    if not isinstance(items, list):
        return result
    contents = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            done = compress(item["text"], hints=hints)
            item = {**item, "text": done.text} if done.compressed else item
        contents.append(item)
    changed = any(new is not old for new, old in zip(contents, items, strict=True))
    return {**result, "contents": contents} if changed else result


def _once_per_text(compress: Compress) -> Compress:
    """``compress`` that answers a repeated text from its first answer."""
    seen: dict[tuple[str, str | None], CompressionResult] = {}

    def once(content: str, *, query: str | None = None, **kwargs: Any) -> CompressionResult:
        if (content, query) not in seen:
            seen[(content, query)] = compress(content, query=query, **kwargs)
        return seen[(content, query)]

    return once


def _text_block(block: Any, query: str | None, hints: Hints, compress: Compress) -> Any:
    if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
        return block
    done = compress(block["text"], query=query, hints=hints)
    return {**block, "text": done.text} if done.compressed else block


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

"""headroom's own MCP tools: their typed arguments and results, and how each call is answered.

Shared by ``serve`` and (for ``headroom_retrieve``) the wrapper. Every failure
becomes an ``isError`` result with a readable message: an exception escaping
``on_call_tool`` would reach the client as a bare JSON-RPC error instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any

import anyio.to_thread
import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from headroom_mcp import api
from headroom_mcp.pipeline import router
from headroom_mcp.pipeline.retrieval import BadCursor, UnknownKey
from headroom_mcp.pipeline.store import StoreError
from headroom_mcp.wrappers import retrieve

log = logging.getLogger(__name__)

COMPRESS = "headroom_compress"
RETRIEVE = retrieve.NAME
STATS = "headroom_stats"


class CompressArgs(BaseModel):
    """Arguments of headroom_compress: one text (``content``), or a whole conversation (``messages``)."""

    model_config = ConfigDict(extra="forbid")
    content: str | None = Field(None, description="The text to compress (tool output, a file, a log, JSON).")
    messages: list[dict[str, Any]] | None = Field(
        None,
        description="A conversation in the Anthropic or OpenAI format: its tool outputs are compressed, "
        "everything else comes back as it was.",
    )
    system: str | list[dict[str, Any]] | None = Field(
        None, description="With messages: Anthropic's separate system prompt (its dynamic values move to its end)."
    )
    query: str | None = Field(None, description="What you are looking for; steers what is kept.")
    kind: str | None = Field(None, description=f"Force a content kind: {', '.join(router.kinds())}.")
    max_tokens: int | None = Field(None, ge=1, description="Token budget for the result (the whole conversation).")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str | None) -> str | None:
        if kind is not None and kind not in router.kinds():
            raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(router.kinds())}")
        return kind

    @model_validator(mode="after")
    def _one_input(self) -> CompressArgs:
        if (self.content is None) == (self.messages is None):
            raise ValueError("give exactly one of content or messages")
        if self.messages is None and self.system is not None:
            raise ValueError("system goes with messages")
        if self.messages is not None and self.kind is not None:
            raise ValueError("kind goes with content; a conversation's outputs are detected one by one")
        return self


class CompressOutput(BaseModel):
    """Structured result of headroom_compress (the compressed text, or the messages' JSON, is the text block)."""

    hash: str | None = Field(description="Key of the stored original; null when nothing was compressed.")
    kind: str
    tokens_before: int
    tokens_after: int
    transforms: list[str]
    diagnostics: list[str]
    messages: list[dict[str, Any]] | None = Field(None, description="With messages: the compressed conversation.")
    system: str | list[dict[str, Any]] | None = Field(None, description="With system: the aligned system prompt.")
    tokens_saved: int | None = None
    details: list[dict[str, Any]] | None = Field(
        None, description="With messages: per tool output, its message index, block, kind, hash and tokens."
    )


class ToolStatsOutput(BaseModel):
    """One tool of one wrapped server (counted by ``headroom-mcp wrap``)."""

    server: str = Field(description="The wrapped server's name (its serverInfo.name, else its command).")
    tool: str
    calls: int = Field(description="Calls the server answered.")
    compressed: int = Field(description="Calls whose result was compressed.")
    tokens_before: int
    tokens_after: int
    tokens_saved: int
    retrievals: int = Field(description="headroom_retrieve calls for hashes of this tool's results.")
    whole_retrievals: int = Field(0, description="Those of them that asked for the whole original.")
    deltas: int = Field(0, description="Results of repeated calls sent as what changed.")
    delta_tokens_saved: int = Field(0, description="Tokens those deltas saved against compressing afresh.")


class StatsOutput(BaseModel):
    """Counters shared by every headroom-mcp process of this user."""

    calls: int
    compressed: int
    tokens_before: int
    tokens_after: int
    tokens_saved: int
    retrievals: int
    store_bytes: int
    deltas: int = Field(0, description="Results of repeated calls sent as what changed.")
    delta_tokens_saved: int = Field(0, description="Tokens those deltas saved against compressing afresh.")
    compact_tokens_saved: int = Field(0, description="Tokens compact tool lists saved.")
    tools: list[ToolStatsOutput] = Field(
        default_factory=list, description="Per tool of the wrapped servers, the most tokens saved first."
    )


def _tool(name: str, description: str, args: type[BaseModel], output: type[BaseModel], title: str) -> types.Tool:
    return types.Tool(
        name=name,
        title=title,
        description=description,
        input_schema=args.model_json_schema(),
        output_schema=output.model_json_schema(),
        annotations=types.ToolAnnotations(title=title, read_only_hint=name != COMPRESS, open_world_hint=False),
    )


class _NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


RETRIEVE_TOOL = types.Tool.model_validate(retrieve.definition())
COMPRESS_TOOL = _tool(
    COMPRESS,
    "Compress large text (JSON, logs, search results, code, prose) to what matters, keeping "
    "errors, outliers and what matches `query`. The original is kept: the result's marker "
    "names a hash for headroom_retrieve.",
    CompressArgs,
    CompressOutput,
    "Compress content",
)
STATS_TOOL = _tool(
    STATS,
    "How many calls headroom-mcp compressed, the tokens saved, retrievals and the store size.",
    _NoArgs,
    StatsOutput,
    "headroom statistics",
)


def error_result(message: str) -> types.CallToolResult:
    """An ``isError`` tool result the model can read."""
    return types.CallToolResult.model_validate(retrieve.error(message))


def _text_result(blocks: list[str], structured: BaseModel) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=block) for block in blocks],
        structured_content=structured.model_dump(mode="json"),
    )


async def call_compress(arguments: Mapping[str, Any]) -> types.CallToolResult:
    """Answer headroom_compress."""
    args = CompressArgs.model_validate(arguments)
    if args.messages is not None:
        return await _compress_conversation(args)
    result = await anyio.to_thread.run_sync(
        lambda: api.compress_content(args.content, query=args.query, kind=args.kind, max_tokens=args.max_tokens)
    )
    structured = CompressOutput(
        hash=result.hash,
        kind=result.kind,
        tokens_before=result.tokens_before,
        tokens_after=result.tokens_after,
        transforms=result.transforms,
        diagnostics=result.diagnostics,
    )
    return _text_result([result.text], structured)


async def _compress_conversation(args: CompressArgs) -> types.CallToolResult:
    messages = args.messages or []
    result = await anyio.to_thread.run_sync(
        lambda: api.compress_messages(messages, system=args.system, query=args.query, max_tokens=args.max_tokens)
    )
    structured = CompressOutput(
        hash=None,
        kind="messages",
        tokens_before=result.tokens_before,
        tokens_after=result.tokens_after,
        transforms=result.transforms_applied,
        diagnostics=result.diagnostics,
        messages=result.messages,
        system=result.system,
        tokens_saved=result.tokens_saved,
        details=[asdict(detail) for detail in result.details],
    )
    shown = {"messages": result.messages, **({"system": result.system} if args.system is not None else {})}
    return _text_result([json.dumps(shown, ensure_ascii=False)], structured)


async def call_retrieve(arguments: Mapping[str, Any]) -> types.CallToolResult:
    """Answer headroom_retrieve."""
    return types.CallToolResult.model_validate(await anyio.to_thread.run_sync(lambda: retrieve.answer(arguments)))


async def call_stats(arguments: Mapping[str, Any]) -> types.CallToolResult:
    """Answer headroom_stats."""
    _NoArgs.model_validate(arguments)
    counts, per_tool = await anyio.to_thread.run_sync(lambda: (api.stats(), api.tool_stats()))
    output = StatsOutput(
        calls=counts.calls,
        compressed=counts.compressed,
        tokens_before=counts.tokens_before,
        tokens_after=counts.tokens_after,
        tokens_saved=counts.tokens_saved,
        retrievals=counts.retrievals,
        store_bytes=counts.store_bytes,
        deltas=counts.deltas,
        delta_tokens_saved=counts.delta_tokens_saved,
        compact_tokens_saved=counts.compact_tokens_saved,
        tools=[ToolStatsOutput(**asdict(row), tokens_saved=row.tokens_saved) for row in per_tool],
    )
    lines = [
        f"{counts.calls} calls, {counts.compressed} compressed, {counts.tokens_saved} tokens saved "
        f"({counts.tokens_before} → {counts.tokens_after}), {counts.retrievals} retrievals, "
        f"store {counts.store_bytes / 1e6:.1f} MB"
    ]
    lines += [
        f"{row.tool} ({row.server}): {row.calls} calls, {row.compressed} compressed, {row.tokens_saved} tokens saved "
        f"({row.tokens_before} → {row.tokens_after}), {row.retrievals} retrievals"
        for row in per_tool
    ]
    return _text_result(["\n".join(lines)], output)


Handler = Callable[[Mapping[str, Any]], Awaitable[types.CallToolResult]]

HANDLERS: dict[str, Handler] = {COMPRESS: call_compress, RETRIEVE: call_retrieve, STATS: call_stats}


async def answer(
    name: str, arguments: Mapping[str, Any] | None, handlers: Mapping[str, Handler] = HANDLERS
) -> types.CallToolResult:
    """Run one of headroom's tools; every failure is an ``isError`` result, never an exception."""
    handler = handlers.get(name)
    if handler is None:
        return error_result(f"Unknown tool {name!r}. Available: {', '.join(handlers)}.")
    try:
        return await handler(arguments or {})
    except ValidationError as exc:
        return error_result(retrieve.invalid_arguments(name, exc))
    except (UnknownKey, BadCursor, StoreError) as exc:
        return error_result(str(exc))
    except Exception as exc:  # the session must survive any bug in a tool
        log.exception("%s failed", name)
        return error_result(f"{name} failed: {type(exc).__name__}: {exc}")

"""The compressing pass-through: a server that looks like the upstream, plus ``headroom_retrieve``.

Handlers are registered only for what the upstream offers, so the client
sees the upstream's capabilities. Each request is forwarded with fresh
params (copying the client's params would carry its ``_meta`` envelope,
which older upstreams reject). Upstream failures come back as ``isError``
results or readable JSON-RPC errors, never as a hung session. Each answered
tool call is counted per tool (``counts.ToolCounts``).
"""

from __future__ import annotations

import warnings
from typing import Any

import anyio.to_thread
import mcp_types as types
from mcp import Client
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError

from .. import api, tools
from ..pipeline.compress import CompressionResult
from .counts import ToolCounts, recording
from .notifications import Downstream
from .results import Compress, compress_resource, compress_tool_result
from .upstream import Upstream, UpstreamError


def _paged(params: types.PaginatedRequestParams | None) -> types.PaginatedRequestParams:
    return types.PaginatedRequestParams(cursor=params.cursor if params else None)


def _error(exc: UpstreamError | MCPError) -> MCPError:
    if isinstance(exc, MCPError):
        return exc
    return MCPError(code=types.INTERNAL_ERROR, message=str(exc))


def _progress_relay(ctx: Any):
    """A progress callback passing the upstream's progress on to the client, if it asked for progress."""
    meta = ctx.meta or {}
    token = meta.get("progress_token", meta.get("progressToken"))
    if token is None:
        return None

    async def relay(progress: float, total: float | None, message: str | None) -> None:
        await ctx.session.send_progress_notification(
            token, progress, total, message, related_request_id=str(ctx.request_id)
        )

    return relay


def build_proxy(
    upstream: Upstream,
    connected: Client,
    compress: Compress = api.compress_content,
    downstream: Downstream | None = None,
    counts: ToolCounts | None = None,
) -> Server:
    """A server mirroring ``connected`` (the upstream's first connection), forwarding to ``upstream``.

    ``counts`` defaults to per-tool counters named for the upstream's
    ``serverInfo.name`` (or its command's basename when it gives none).
    """
    downstream = downstream or Downstream()
    capabilities = connected.server_capabilities
    info = connected.server_info
    counts = counts or ToolCounts(info.name if info and info.name else upstream.name())
    handlers: dict[str, Any] = {}
    output_schemas: dict[str, dict[str, Any] | None] = {}

    async def forward(operation, what: str):
        try:
            return await upstream.call(operation, what)
        except UpstreamError as exc:
            raise _error(exc) from None

    if capabilities.tools is not None:

        async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
            page = _paged(params)
            result = await forward(lambda c: c.session.list_tools(params=page), "tools/list")
            output_schemas.update({tool.name: tool.output_schema for tool in result.tools})
            if result.next_cursor is None and tools.RETRIEVE not in output_schemas:
                result = result.model_copy(update={"tools": [*result.tools, tools.RETRIEVE_TOOL]})
            return result

        async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
            name, arguments = params.name, dict(params.arguments or {})
            if name == tools.RETRIEVE:
                local = await tools.answer(name, arguments, {tools.RETRIEVE: tools.call_retrieve})
                if not local.is_error:
                    key = (local.structured_content or {}).get("hash")
                    query, first = arguments.get("query"), arguments.get("cursor") is None
                    await anyio.to_thread.run_sync(lambda: (counts.retrieval(key, query, (), first), counts.flush()))
                if not local.is_error or tools.RETRIEVE not in output_schemas:
                    return local
                # Another headroom upstream (maybe with its own store) may know the hash.
            relay = _progress_relay(ctx)
            try:
                result = await upstream.call(
                    lambda c: c.session.call_tool(name, arguments, progress_callback=relay), f"tools/call {name}"
                )
            except UpstreamError as exc:
                return tools.error_result(str(exc))
            except MCPError as exc:
                return tools.error_result(f"upstream error calling {name}: {exc}")
            if name == tools.RETRIEVE:
                return result  # an original asked for by hash is never compressed again
            if name not in output_schemas and result.structured_content is not None:
                await list_tools(ctx, None)  # the schema decides whether compressed structure may be returned
            made: list[CompressionResult] = []
            plain = result.model_dump(by_alias=True, mode="json", exclude_none=True)
            schema = output_schemas.get(name)
            done = await anyio.to_thread.run_sync(
                lambda: compress_tool_result(plain, name, arguments, recording(compress, made), schema)
            )
            await anyio.to_thread.run_sync(lambda: (counts.call(name, made), counts.flush()))
            return result if done is plain else types.CallToolResult.model_validate(done)

        handlers.update(on_list_tools=list_tools, on_call_tool=call_tool)

    if capabilities.resources is not None:

        async def list_resources(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
            page = _paged(params)
            return await forward(lambda c: c.session.list_resources(params=page), "resources/list")

        async def list_templates(
            ctx: Any, params: types.PaginatedRequestParams | None
        ) -> types.ListResourceTemplatesResult:
            page = _paged(params)
            return await forward(lambda c: c.session.list_resource_templates(params=page), "resources/templates/list")

        async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
            uri = str(params.uri)
            result = await forward(lambda c: c.session.read_resource(uri), "resources/read")
            plain = result.model_dump(by_alias=True, mode="json", exclude_none=True)
            done = await anyio.to_thread.run_sync(lambda: compress_resource(plain, uri, compress))
            return result if done is plain else types.ReadResourceResult.model_validate(done)

        handlers.update(
            on_list_resources=list_resources,
            on_list_resource_templates=list_templates,
            on_read_resource=read_resource,
        )

    if capabilities.prompts is not None:

        async def list_prompts(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
            page = _paged(params)
            return await forward(lambda c: c.session.list_prompts(params=page), "prompts/list")

        async def get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
            name, arguments = params.name, dict(params.arguments or {})
            return await forward(lambda c: c.session.get_prompt(name, arguments), "prompts/get")

        handlers.update(on_list_prompts=list_prompts, on_get_prompt=get_prompt)

    if capabilities.resources is not None and capabilities.resources.subscribe:

        async def subscribe(ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
            uri = str(params.uri)
            return await forward(lambda c: c.session.subscribe_resource(uri), "resources/subscribe")

        async def unsubscribe(ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
            uri = str(params.uri)
            return await forward(lambda c: c.session.unsubscribe_resource(uri), "resources/unsubscribe")

        handlers.update(on_subscribe_resource=subscribe, on_unsubscribe_resource=unsubscribe)

    if capabilities.logging is not None:

        async def set_level(ctx: Any, params: types.SetLevelRequestParams) -> types.EmptyResult:
            level = params.level
            return await forward(lambda c: c.session.set_logging_level(level), "logging/setLevel")

        handlers.update(on_set_logging_level=set_level)

    if capabilities.completions is not None:

        async def complete(ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
            fresh = types.CompleteRequestParams(ref=params.ref, argument=params.argument, context=params.context)
            return await forward(
                lambda c: c.session.send_request(types.CompleteRequest(params=fresh), types.CompleteResult),
                "completion/complete",
            )

        handlers.update(on_completion=complete)

    with warnings.catch_warnings():
        # logging/setLevel is deprecated as of 2026-07-28, but upstreams on older protocols still take it.
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        return _server(info, connected.instructions, {name: _noting(downstream, h) for name, h in handlers.items()})


def _server(info: Any, instructions: str | None, handlers: dict[str, Any]) -> Server:
    return Server(
        info.name if info else "upstream",
        version=info.version if info else "",
        instructions=instructions,
        **handlers,
    )


def _noting(downstream: Downstream, handler: Any) -> Any:
    """``handler``, first remembering the client's session so upstream notifications can reach it."""

    async def noted(ctx: Any, params: Any) -> Any:
        downstream.seen(ctx)
        return await handler(ctx, params)

    return noted

"""``headroom-mcp wrap -- CMD ARGS...``: serve the compressing proxy on stdio."""

from __future__ import annotations

import anyio
from mcp.server.stdio import stdio_server

from headroom_mcp import api
from headroom_mcp.wrappers.policy import compress_with_policy
from headroom_mcp.wrappers.proxy import build_proxy
from headroom_mcp.wrappers.upstream import Upstream, UpstreamCommand


async def wrap_stdio(command: UpstreamCommand, *, call_timeout: float = 120.0) -> None:
    """Start the upstream, mirror it on this process's stdio, and stop it when the client leaves."""
    async with anyio.create_task_group() as task_group:
        upstream = Upstream(command, task_group, call_timeout=call_timeout)
        connected = await upstream.client()
        server = build_proxy(upstream, connected, compress_with_policy(api.current_settings()))
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
        await upstream.close()

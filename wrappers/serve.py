"""``headroom-mcp wrap -- CMD ARGS...``: serve the compressing proxy on stdio."""

from __future__ import annotations

import anyio
from mcp import Client
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.stdio import stdio_server

from headroom_mcp import api
from headroom_mcp.wrappers.policy import compress_with_policy
from headroom_mcp.wrappers.notifications import Downstream
from headroom_mcp.wrappers.proxy import build_proxy
from headroom_mcp.wrappers.upstream import Upstream, UpstreamCommand


async def wrap_stdio(command: UpstreamCommand, *, call_timeout: float = 120.0) -> None:
    """Start the upstream, mirror it on this process's stdio, and stop it when the client leaves."""
    async with anyio.create_task_group() as task_group:
        downstream = Downstream()
        relays = {
            "logging_callback": downstream.log_message,
            "message_handler": downstream.message,
            "sampling_callback": downstream.sample,
            "elicitation_callback": downstream.elicit,
        }
        upstream = Upstream(command, task_group, call_timeout=call_timeout, client_options=relays)
        connected = await upstream.client()
        server = build_proxy(upstream, connected, compress_with_policy(api.current_settings()), downstream)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options(_list_changed(connected)))
        await upstream.close()


def _list_changed(connected: Client) -> NotificationOptions:
    """Announce the list-changed notifications the upstream announces (they are relayed)."""
    caps = connected.server_capabilities
    return NotificationOptions(
        tools_changed=bool(caps.tools and caps.tools.list_changed),
        resources_changed=bool(caps.resources and caps.resources.list_changed),
        prompts_changed=bool(caps.prompts and caps.prompts.list_changed),
    )

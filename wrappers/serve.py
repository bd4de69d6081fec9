"""``headroom-mcp wrap``: serve the compressing proxy on stdio, or on streamable HTTP."""

from __future__ import annotations

import warnings
from typing import Any

import anyio
from mcp import Client
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPDeprecationWarning

from .. import api
from .notifications import Downstream
from .policy import compress_with_policy
from .proxy import build_proxy
from .upstream import Upstream, UpstreamCommand


async def wrap(command: UpstreamCommand, *, call_timeout: float = 120.0, http: tuple[str, int] | None = None) -> None:
    """Start the upstream and mirror it on stdio (until the client leaves) or on HTTP at ``http``."""
    # The wrapper speaks each upstream's own protocol era on purpose; mcp warns at every old-era call.
    warnings.filterwarnings("ignore", category=MCPDeprecationWarning)
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
        if http:
            await _serve_http(server, *http)
        else:
            async with stdio_server() as (read_stream, write_stream):
                options = server.create_initialization_options(_list_changed(connected))
                await server.run(read_stream, write_stream, options)
        await upstream.close()


async def _serve_http(server: Any, host: str, port: int) -> None:
    import uvicorn  # only for --http

    app = server.streamable_http_app(host=host)
    await uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).serve()


def _list_changed(connected: Client) -> NotificationOptions:
    """Announce the list-changed notifications the upstream announces (they are relayed)."""
    caps = connected.server_capabilities
    return NotificationOptions(
        tools_changed=bool(caps.tools and caps.tools.list_changed),
        resources_changed=bool(caps.resources and caps.resources.list_changed),
        prompts_changed=bool(caps.prompts and caps.prompts.list_changed),
    )

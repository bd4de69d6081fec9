"""``headroom-mcp serve``: an MCP server exposing headroom_compress, headroom_retrieve, headroom_stats."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from headroom_mcp import __version__, tools

INSTRUCTIONS = (
    "headroom compresses large tool output. Compressed text carries a marker like "
    "[headroom: ... headroom_retrieve hash=<key> ...]: call headroom_retrieve with that hash "
    "(and a query for just the matching parts) when you need what was left out."
)


async def _list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[tools.COMPRESS_TOOL, tools.RETRIEVE_TOOL, tools.STATS_TOOL])


async def _call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    return await tools.answer(params.name, params.arguments)


def build_server() -> Server:
    """The ``serve`` server, ready to run on any transport."""
    return Server(
        "headroom-mcp",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
    )


async def serve_stdio() -> None:
    """Serve MCP over this process's stdin and stdout until the client closes them."""
    server = build_server()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())

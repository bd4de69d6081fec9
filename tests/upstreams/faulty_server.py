"""A small MCP upstream that misbehaves on request: hangs, crashes, or writes garbage to stdout."""

from __future__ import annotations

import os
import sys

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.stdio import stdio_server

TOOLS = [
    types.Tool(name=name, description=what, input_schema={"type": "object"})
    for name, what in [
        ("ok", "answers at once"),
        ("hang", "never answers"),
        ("crash", "exits mid-call"),
        ("garbage", "writes a line that is not JSON-RPC, then answers"),
        ("slow", "answers after 60 s; writes the file named by `cancelled_marker` if cancelled first"),
        ("change", "announces that its tool list changed"),
    ]
]


async def list_tools(ctx, params) -> types.ListToolsResult:
    return types.ListToolsResult(tools=TOOLS)


async def call_tool(ctx, params) -> types.CallToolResult:
    if params.name == "hang":
        await anyio.sleep_forever()
    if params.name == "crash":
        os._exit(3)
    if params.name == "slow":
        try:
            await anyio.sleep(60)
        except anyio.get_cancelled_exc_class():
            with open((params.arguments or {})["cancelled_marker"], "w") as marker:
                marker.write("cancelled")
            raise
    if params.name == "change":
        await ctx.session.send_tool_list_changed()
    if params.name == "garbage":
        os.write(real_stdout, b"this is not json\n")
    return types.CallToolResult(content=[types.TextContent(text=f"{params.name} from pid {os.getpid()}")])


async def main() -> None:
    server = Server("faulty", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read_stream, write_stream):
        options = server.create_initialization_options(NotificationOptions(tools_changed=True))
        await server.run(read_stream, write_stream, options)


real_stdout = os.dup(sys.stdout.fileno())  # stdio_server points fd 1 at stderr while serving
anyio.run(main)

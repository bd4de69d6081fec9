"""A small MCP upstream with one tool, `run`, that runs a real command and answers with what it printed.

Stands in for the command-running servers agents use to run test suites, so that a real pytest run can be
repeated through the wrapper.
"""

from __future__ import annotations

import subprocess

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

RUN = types.Tool(
    name="run",
    description="Run a command (argv, in cwd) and return its output.",
    input_schema={
        "type": "object",
        "properties": {"argv": {"type": "array", "items": {"type": "string"}}, "cwd": {"type": "string"}},
        "required": ["argv"],
    },
)


async def list_tools(ctx, params) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[RUN])


async def call_tool(ctx, params) -> types.CallToolResult:
    arguments = params.arguments or {}
    done = await anyio.to_thread.run_sync(
        lambda: subprocess.run(arguments["argv"], cwd=arguments.get("cwd"), capture_output=True, text=True)
    )
    return types.CallToolResult(content=[types.TextContent(text=done.stdout + done.stderr)])


async def main() -> None:
    server = Server("command", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


anyio.run(main)

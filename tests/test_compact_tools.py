"""`headroom-mcp wrap --compact-tools`: shorter tool listings, the full definitions through headroom_describe.

Real upstreams (server-filesystem, server-everything, mcp-server-git) behind the real wrapper,
driven by the real mcp client over stdio; each compacted session is compared with an
uncompacted one of the same server.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import headroom_command, run_git
from headroom_mcp.pipeline.tokens import count_tokens
from mcp import Client, MCPError
from test_wrap_relay import Raw, handshake
from test_wrap_stdio import BIN, FILESYSTEM, GIT, connect, wrapped

pytestmark = pytest.mark.anyio
EVERYTHING = str(BIN / "mcp-server-everything")
DESCRIBE = "headroom_describe"
COMPACT = "--compact-tools"


def _tree(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def main():\n    return 'hello'\n\n\nprint(main())\n")
    (root / "notes.txt").write_text("first line\nsecond line\nthird line\n")
    return root


def _repo(root: Path) -> Path:
    root.mkdir()
    run_git(root, "init", "-q")
    for i in range(4):
        (root / "notes.txt").write_text(f"change {i}\n")
        run_git(root, "add", "notes.txt")
        run_git(root, "commit", "-qm", f"change number {i}", date=f"2024-01-0{i + 1}T12:00:00+00:00")
    (root / "notes.txt").write_text("not committed\n")
    return root


def _calls(server: str, root: Path) -> list[tuple[str, dict[str, Any]]]:
    """Calls with every kind of argument the server's tools take: strings, numbers, enums, arrays of objects."""
    if server == "filesystem":
        return [
            ("read_text_file", {"path": str(root / "notes.txt"), "head": 2}),
            ("list_directory", {"path": str(root)}),
            ("read_multiple_files", {"paths": [str(root / "notes.txt"), str(root / "src" / "app.py")]}),
            (
                "edit_file",
                {"path": str(root / "notes.txt"), "edits": [{"oldText": "second", "newText": "2nd"}], "dryRun": True},
            ),
        ]
    if server == "everything":
        return [
            ("echo", {"message": "hello through a compact listing"}),
            ("get-sum", {"a": 2, "b": 40}),
            ("get-annotated-message", {"messageType": "error", "includeImage": False}),
            ("get-structured-content", {"location": "New York"}),
        ]
    return [
        ("git_status", {"repo_path": str(root)}),
        ("git_log", {"repo_path": str(root), "max_count": 3}),
        ("git_branch", {"repo_path": str(root), "branch_type": "local"}),
        ("git_diff_unstaged", {"repo_path": str(root)}),
    ]


def _upstream(server: str, tmp_path: Path) -> tuple[list[str], Path]:
    if server == "filesystem":
        root = _tree(tmp_path / "project")
        return [FILESYSTEM, str(root)], root
    if server == "everything":
        return [EVERYTHING], tmp_path
    root = _repo(tmp_path / "repo")
    return [GIT, "--repository", str(root)], root


async def _all_tools(client: Client) -> list[dict[str, Any]]:
    """Every page of the listing, each tool as the wire spells it."""
    tools, cursor = [], None
    while True:
        page = await client.list_tools(cursor=cursor)
        tools += [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in page.tools]
        cursor = page.next_cursor
        if not cursor:
            return tools


def _tokens(tools: list[dict[str, Any]]) -> int:
    return count_tokens(json.dumps({"tools": tools}, ensure_ascii=False, separators=(",", ":")))


@asynccontextmanager
async def _plain_and_compact(upstream: list[str], env: dict[str, str]) -> AsyncIterator[tuple[Client, Client]]:
    async with AsyncExitStack() as stack:
        plain = await stack.enter_async_context(connect(wrapped(upstream), env))
        compact = await stack.enter_async_context(connect(wrapped(upstream, COMPACT), env))
        yield plain, compact


@pytest.mark.parametrize("server", ["filesystem", "everything", "git"])
async def test_compact_listing_is_smaller_and_every_definition_comes_back_whole(server, tmp_path, cli_env):
    upstream, _ = _upstream(server, tmp_path)
    async with _plain_and_compact(upstream, cli_env) as (plain, compact):
        full = await _all_tools(plain)
        short = await _all_tools(compact)
        described = {tool["name"]: await compact.call_tool(DESCRIBE, {"tool": tool["name"]}) for tool in full}
    assert [tool["name"] for tool in short] == [tool["name"] for tool in full] + [DESCRIBE]
    assert _tokens(short) < _tokens(full) * 0.85, (_tokens(short), _tokens(full))
    replaced = 0
    for before, after in zip(full, short):
        # Only the description and the input schema change; name, title, annotations, outputSchema, _meta stay.
        rest = {key: value for key, value in before.items() if key not in ("description", "inputSchema")}
        assert {key: value for key, value in after.items() if key not in ("description", "inputSchema")} == rest
        if after["inputSchema"] != before["inputSchema"]:
            replaced += 1
            assert after["inputSchema"] == {"type": "object"}
            assert DESCRIBE in after["description"] and "(" in after["description"]
        if after.get("description") != before.get("description"):
            assert after["description"].endswith(f"Full definition: {DESCRIBE}."), after
    assert replaced >= 2
    for tool in full:
        answer = described[tool["name"]]
        assert not answer.is_error, answer
        expected = {key: tool[key] for key in ("name", "description", "inputSchema") if key in tool}
        assert answer.structured_content == expected
        assert json.loads(answer.content[0].text) == expected
    # `stats` shows what compact listings saved, apart from what compression saved (written as the wrapper ends).
    stats = subprocess.run([*headroom_command(), "stats"], env=cli_env, capture_output=True, text=True, timeout=120)
    saved = re.search(r"compact lists: (\d+) tokens saved", stats.stdout)
    assert saved and int(saved.group(1)) > 0, stats.stdout


@pytest.mark.parametrize("server", ["filesystem", "everything", "git"])
async def test_tools_are_called_as_before_with_the_same_arguments(server, tmp_path, cli_env):
    upstream, root = _upstream(server, tmp_path)
    async with _plain_and_compact(upstream, cli_env) as (plain, compact):
        schemas = {tool["name"]: tool["inputSchema"] for tool in await _all_tools(compact)}
        for name, arguments in _calls(server, root):
            # Whatever the full schema accepts, the compact one accepts: a client that validates lets it through.
            jsonschema.validate(arguments, schemas[name])
            before = await plain.call_tool(name, arguments)
            after = await compact.call_tool(name, arguments)
            assert not before.is_error, (name, before)
            assert after.model_dump() == before.model_dump(), name


@pytest.mark.parametrize("server", ["filesystem", "everything", "git"])
async def test_without_the_flag_the_listing_is_the_upstreams_plus_retrieve_only(server, tmp_path, cli_env):
    upstream, _ = _upstream(server, tmp_path)
    async with connect(upstream, cli_env, "legacy") as direct:
        expected = await _all_tools(direct)
    async with connect(wrapped(upstream), cli_env, "legacy") as client:
        through = await _all_tools(client)
        # Not intercepted either: the upstream, which has no such tool, answers the call.
        try:
            unknown = (await client.call_tool(DESCRIBE, {"tool": through[0]["name"]})).content[0].text
        except MCPError as exc:
            unknown = str(exc)
    assert through[:-1] == expected
    assert through[-1]["name"] == "headroom_retrieve"
    assert DESCRIBE in unknown and "inputSchema" not in unknown


async def test_an_unknown_tool_is_a_readable_error(cli_env):
    async with connect(wrapped([EVERYTHING], COMPACT), cli_env) as client:
        await client.list_tools()
        unknown = await client.call_tool(DESCRIBE, {"tool": "no_such_tool"})
        missing = await client.call_tool(DESCRIBE, {})
    assert unknown.is_error and "no_such_tool" in unknown.content[0].text and "echo" in unknown.content[0].text
    assert missing.is_error and "`tool`" in missing.content[0].text


def test_describe_before_any_listing_asks_the_upstream(tmp_path, cli_env):
    upstream, _ = _upstream("git", tmp_path)
    servers = [Raw(upstream, cli_env), Raw(wrapped(upstream, COMPACT), cli_env)]
    try:
        for server in servers:
            handshake(server)
        servers[0].send({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}})
        expected = next(tool for tool in servers[0].answer(1)["result"]["tools"] if tool["name"] == "git_log")
        # The client's first request after the handshake: the wrapper has seen no listing yet.
        params = {"name": DESCRIBE, "arguments": {"tool": "git_log"}}
        servers[1].send({"jsonrpc": "2.0", "id": "d", "method": "tools/call", "params": params})
        answer = servers[1].answer("d")["result"]
    finally:
        for server in servers:
            server.close()
    assert answer["structuredContent"] == {key: expected[key] for key in ("name", "description", "inputSchema")}


@pytest.mark.parametrize("how", ["environment", "config file"])
async def test_the_setting_turns_it_on_too(how, tmp_path, cli_env):
    env = dict(cli_env)
    if how == "environment":
        env["HEADROOM_MCP_COMPACT_TOOLS"] = "true"
    else:
        Path(env["HEADROOM_MCP_CONFIG"]).write_text("compact_tools = true\n")
    async with connect(wrapped([EVERYTHING]), env) as client:
        tools = await _all_tools(client)
        answer = await client.call_tool(DESCRIBE, {"tool": "gzip-file-as-resource"})
    assert tools[-1]["name"] == DESCRIBE
    gzip = next(tool for tool in tools if tool["name"] == "gzip-file-as-resource")
    assert gzip["inputSchema"] == {"type": "object"} and "outputType?:" in gzip["description"]
    assert "properties" in answer.structured_content["inputSchema"]


def test_compact_tools_is_refused_where_it_does_not_apply(cli_env):
    done = subprocess.run(
        [*headroom_command(), "wrap", COMPACT, "--url", "http://127.0.0.1:9/mcp"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "stdio only" in done.stderr


# A real MCP server whose tools come in pages of two: long descriptions and schemas on every page.
PAGED_SERVER = textwrap.dedent(
    """
    import json

    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server

    SCHEMA = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look for, in the words the documents use."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many results at most."},
            "mode": {"type": "string", "enum": ["fast", "exact"], "description": "Ranking: quick or thorough."},
        },
        "required": ["query"],
        "additionalProperties": False,
    }
    TOOLS = [
        types.Tool(
            name=f"search_{i}",
            description=f"Search collection {i}. It holds documents of kind {i}; results come ranked, best first.",
            input_schema=SCHEMA,
        )
        for i in range(5)
    ]


    async def list_tools(ctx, params):
        start = int(params.cursor) if params is not None and params.cursor else 0
        following = str(start + 2) if start + 2 < len(TOOLS) else None
        return types.ListToolsResult(tools=TOOLS[start : start + 2], next_cursor=following)


    async def call_tool(ctx, params):
        return types.CallToolResult(content=[types.TextContent(text=json.dumps(params.arguments, sort_keys=True))])


    async def main():
        server = Server("paged", on_list_tools=list_tools, on_call_tool=call_tool)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


    anyio.run(main)
    """
)


async def test_pages_stay_pages_and_a_headroom_behind_answers_for_itself(tmp_path, cli_env):
    script = tmp_path / "paged_server.py"
    script.write_text(PAGED_SERVER)
    upstream = [sys.executable, str(script)]
    async with connect(upstream, cli_env) as direct:
        original = await _all_tools(direct)
    async with connect(wrapped(upstream, COMPACT), cli_env) as client:
        pages, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor)
            pages.append([tool.name for tool in page.tools])
            cursor = page.next_cursor
            if not cursor:
                break
        first = await client.call_tool(DESCRIBE, {"tool": "search_0"})
        arguments = {"query": "pages", "limit": 3, "mode": "exact"}
        called = await client.call_tool("search_0", arguments)
    assert pages == [["search_0", "search_1"], ["search_2", "search_3"], ["search_4", "headroom_retrieve", DESCRIBE]]
    assert first.structured_content["inputSchema"] == original[0]["inputSchema"]
    assert json.loads(called.content[0].text) == arguments
    # Two wrappers, both compacting: one headroom_describe, the inner one's, answering with the upstream's own.
    inner = [*headroom_command(), "wrap", COMPACT, "--", *upstream]
    async with connect(wrapped(inner, COMPACT), dict(cli_env, HEADROOM_MCP_LOG_LEVEL="WARNING")) as client:
        tools = await _all_tools(client)
        answer = await client.call_tool(DESCRIBE, {"tool": "search_3"})
    names = [tool["name"] for tool in tools]
    assert names.count(DESCRIBE) == 1 and names.count("headroom_retrieve") == 1
    assert answer.structured_content == {key: original[3][key] for key in ("name", "description", "inputSchema")}
    assert '(query: string, limit?: integer, mode?: "fast"|"exact")' in tools[3]["description"]

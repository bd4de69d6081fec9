"""Statistics per wrapped tool: what `headroom-mcp stats` and `headroom_stats` show after real wrapped sessions."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pydantic
import pytest
from conftest import ROOT, headroom_command
from headroom_mcp.pipeline.compress import CompressionResult
from headroom_mcp.pipeline.disk_store import DiskStore
from headroom_mcp.pipeline.markers import find_keys
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.wrappers.counts import ToolCounts
from test_wrap_stdio import FILESYSTEM, connect, wrapped

from headroom_mcp import api

pytestmark = pytest.mark.anyio


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder holding a big real source file (pydantic's main.py) for the filesystem server."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "models.py").write_text((Path(pydantic.__file__).parent / "main.py").read_text())
    return root


async def _wrapped_session(project: Path, env: dict[str, str]) -> tuple[str, str]:
    """Through the wrapper: one big read (compressed), two small file-info calls, one retrieval of the read.

    Returns the server's name as the client saw it and the read's hash.
    """
    async with connect(wrapped([FILESYSTEM, str(project)]), env) as client:
        read = await client.call_tool("read_text_file", {"path": str(project / "models.py")})
        for _ in range(2):
            info = await client.call_tool("get_file_info", {"path": str(project / "models.py")})
            assert not info.is_error and not find_keys(info.content[0].text)
        (key,) = find_keys(read.content[0].text)
        found = await client.call_tool("headroom_retrieve", {"hash": key, "query": "model_copy"})
        assert not found.is_error
        return client.server_info.name, key


def _stats_command(env: dict[str, str]) -> tuple[dict[str, int], list[list[str]]]:
    """The real `headroom-mcp stats`: its global block, and its per-tool table's rows under the header."""
    done = subprocess.run([*headroom_command(), "stats"], env=env, capture_output=True, timeout=120, text=True)
    assert done.returncode == 0, done.stderr
    block, _, table = done.stdout.partition("\n\n")
    totals = {name.strip(): value.strip() for name, value in (line.split(":", 1) for line in block.splitlines())}
    header, *rows = table.splitlines()
    assert re.split(r" {2,}", header.strip()) == [
        "server", "tool", "calls", "tokens before", "tokens after", "saved", "retrievals"
    ]
    numbers = {name: int(value) for name, value in totals.items() if value.isdigit()}
    return numbers, [re.split(r" {2,}", row.strip()) for row in rows]


async def test_stats_command_lists_each_wrapped_tool_with_its_calls_savings_and_retrieval(project, cli_env):
    server, _ = await _wrapped_session(project, cli_env)
    totals, rows = _stats_command(cli_env)
    assert server == "secure-filesystem-server"
    by_tool = {row[1]: row for row in rows}
    assert set(by_tool) == {"read_text_file", "get_file_info"} and [row[0] for row in rows] == [server, server]
    # The big read saved tokens and comes first; the small calls passed through.
    _, _, calls, before, after, saved, retrievals = rows[0]
    assert rows[0] is by_tool["read_text_file"]
    assert (calls, retrievals) == ("1", "1") and int(before) > 2 * int(after) > 0 and saved.endswith("%")
    assert by_tool["get_file_info"][2:] == ["2", "0", "0", "-", "0"]
    # The global counters count the same compressions, as they did before tools had rows.
    assert (totals["tokens before"], totals["tokens after"]) == (int(before), int(after))
    assert totals["compressed"] == 1 and totals["retrievals"] == 1


async def test_headroom_stats_in_serve_shows_the_wrapped_tools_and_counts_a_foreign_retrieval_only_globally(
    project, cli_env
):
    server, key = await _wrapped_session(project, cli_env)
    async with connect([*headroom_command(), "serve"], cli_env) as served:
        schema = next(t for t in (await served.list_tools()).tools if t.name == "headroom_stats").output_schema
        # This hash was made by the wrapper, not by serve: serve cannot tell which tool made it.
        assert not (await served.call_tool("headroom_retrieve", {"hash": key})).is_error
        stats = await served.call_tool("headroom_stats", {})
    jsonschema.validate(stats.structured_content, schema)
    tools = {row["tool"]: row for row in stats.structured_content["tools"]}
    read = tools["read_text_file"]
    assert stats.structured_content["tools"][0] == read and read["server"] == server
    assert (read["calls"], read["compressed"], read["retrievals"]) == (1, 1, 1)
    assert read["tokens_saved"] == read["tokens_before"] - read["tokens_after"] > 0
    assert (tools["get_file_info"]["calls"], tools["get_file_info"]["tokens_saved"]) == (2, 0)
    assert stats.structured_content["retrievals"] == 2
    text = stats.content[0].text
    assert f"read_text_file ({server}): 1 calls, 1 compressed, {read['tokens_saved']} tokens saved" in text


def test_a_fresh_disk_store_sees_the_counters_another_process_wrote(cache_dir):
    # Names with spaces, dots, slashes, quotes and non-ASCII must come back exactly.
    server, tool = 'team "fs" v1.2/eu', "read file.txt/ünï"
    script = (
        "import sys\n"
        "from headroom_mcp import api\n"
        "from headroom_mcp.pipeline.disk_store import DiskStore\n"
        "with DiskStore(sys.argv[1]) as store:\n"
        "    store.incr('calls', 3)\n"
        "    api.count_tool(sys.argv[2], sys.argv[3], store=store, calls=3, compressed=2,"
        " tokens_before=900, tokens_after=90, retrievals=1)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(cache_dir), server, tool], check=True, cwd=ROOT, timeout=60)
    with DiskStore(cache_dir) as fresh:
        assert fresh.counters()["calls"] == 3
        assert api.tool_stats(fresh) == [api.ToolStats(server, tool, 3, 2, 900, 90, 1)]


def test_a_retrieval_counts_for_the_tool_that_made_the_hash_among_the_last_remembered():
    store = MemoryStore()
    counts = ToolCounts("fs", store=lambda: store, remembered=2)
    made = {key: CompressionResult("short", key, "json", 1000, 100) for key in ("a" * 16, "b" * 16, "c" * 16)}
    counts.call("search", [made["a" * 16]])
    counts.call("read", [made["b" * 16], CompressionResult("as it was", None, "text", 0, 0)])
    counts.call("read", [made["c" * 16]])
    for key in ("a" * 16, "b" * 16, "0" * 16):  # the oldest is forgotten; an unknown hash is someone else's
        counts.retrieval(key)
    assert api.tool_stats(store) == []  # gathered in memory: a call never waits for the store
    counts.flush()
    rows = {row.tool: row for row in api.tool_stats(store)}
    assert rows["read"] == api.ToolStats("fs", "read", 2, 2, 2000, 200, 1, whole_retrievals=1)  # no query: all of it
    assert rows["search"] == api.ToolStats("fs", "search", 1, 1, 1000, 100, 0)

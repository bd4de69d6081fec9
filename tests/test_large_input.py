"""A 50 MB tool output: compressed, stored, and given back exactly, through the library and over stdio."""

from __future__ import annotations

import json

import pytest
from conftest import headroom_command
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.disk_store import DiskStore
from headroom_mcp.pipeline.retrieval import retrieve
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from samples import api_results


@pytest.fixture(scope="module")
def fifty_megabytes() -> str:
    content = json.dumps(api_results(200_000), indent=2)
    assert len(content) > 50_000_000
    return content


def test_fifty_megabytes_compress_and_come_back_exactly(fifty_megabytes, tmp_path):
    with DiskStore(tmp_path / "store") as store:
        result = compress_content(fifty_megabytes, store=store)
        assert result.compressed and result.tokens_after < result.tokens_before * 0.2
        # A client's tool-output limit (Claude Code: 25,000 tokens) is never exceeded by default,
        # and the marker says how many failing rows did not fit.
        assert result.tokens_after <= 25_000
        assert "did not fit" in result.text.rsplit("[headroom:", 1)[1]
        pages, cursor = [], None
        while True:
            page = retrieve(result.hash, store=store, cursor=cursor)
            pages.append(page.blocks[0])
            cursor = page.next_cursor
            if cursor is None:
                break
        assert "".join(pages) == fifty_megabytes
        found = retrieve(result.hash, store=store, query="req-123456")
        assert found.matches == 1 and '"id":"req-123456"' in found.blocks[1]


@pytest.mark.anyio
async def test_fifty_megabytes_over_stdio(fifty_megabytes, cli_env):
    command, *args = headroom_command()
    params = StdioServerParameters(command=command, args=[*args, "serve"], env=cli_env)
    async with Client(params, read_timeout_seconds=300) as client:
        result = await client.call_tool("headroom_compress", {"content": fifty_megabytes})
        assert not result.is_error
        assert result.structured_content["hash"] and len(result.content[0].text) < len(fifty_megabytes) / 5
        # The server is still answering after the big call.
        stats = await client.call_tool("headroom_stats", {})
    assert stats.structured_content["compressed"] == 1

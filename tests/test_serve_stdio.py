"""`headroom-mcp serve` over real stdio, driven by the real mcp client."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from conftest import headroom_command
from headroom_mcp.pipeline.tokens import count_tokens
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from samples import api_results, failing_ids

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def serve(cli_env: dict[str, str]) -> AsyncIterator[Client]:
    command, *args = headroom_command()
    params = StdioServerParameters(command=command, args=[*args, "serve"], env=cli_env)
    async with Client(params, read_timeout_seconds=120) as client:
        yield client


def _text(result) -> str:
    return "".join(block.text for block in result.content)


async def _retrieve_all(client: Client, key: str) -> tuple[str, int]:
    pages, cursor = [], None
    while True:
        args = {"hash": key} if cursor is None else {"hash": key, "cursor": cursor}
        result = await client.call_tool("headroom_retrieve", args)
        assert not result.is_error, _text(result)
        assert result.structured_content["hash"] == key
        pages.append(_text(result))
        cursor = result.structured_content["next_cursor"]
        if cursor is None:
            return "".join(pages), len(pages)


async def test_lists_its_three_tools(cli_env):
    async with serve(cli_env) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names == {"headroom_compress", "headroom_retrieve", "headroom_stats"}


@pytest.mark.parametrize("error_field", [False, True], ids=["error-absent", "error-null-when-healthy"])
async def test_api_results_compress_80_percent_keeping_every_failure(cli_env, error_field):
    rows = api_results(error_field=error_field)
    original = json.dumps(rows, indent=2)
    async with serve(cli_env) as client:
        result = await client.call_tool("headroom_compress", {"content": original})
    assert not result.is_error, _text(result)
    text = _text(result)
    saved = 1 - count_tokens(text) / count_tokens(original)
    assert saved >= 0.80, f"saved only {saved:.1%}"
    for index in failing_ids():
        assert rows[index]["id"] in text
        assert rows[index]["error"]["message"] in text
    meta = result.structured_content
    assert meta["kind"] == "json" and meta["hash"] and f"hash={meta['hash']}" in text
    assert meta["tokens_before"] == count_tokens(original)
    # Healthy rows are not mistaken for failures: most of them were dropped.
    assert sum(row["id"] in text for row in rows) < len(rows) * 0.2


async def test_retrieve_pages_rebuild_the_exact_original_and_query_finds_a_dropped_record(cli_env):
    rows = api_results()
    original = json.dumps(rows, indent=2)
    async with serve(cli_env) as client:
        compressed = await client.call_tool("headroom_compress", {"content": original})
        key = compressed.structured_content["hash"]
        text = _text(compressed)
        dropped = next(row for row in rows if f'"{row["id"]}"' not in text)

        rebuilt, pages = await _retrieve_all(client, key)
        assert rebuilt == original
        assert pages >= 2  # ~97k tokens cannot come back in one client-sized page

        found = await client.call_tool("headroom_retrieve", {"hash": key, "query": dropped["id"]})
    assert not found.is_error
    best = found.content[1].text  # block 0 is the header
    assert dropped["id"] in best and str(dropped["latency_ms"]) in best
    assert found.structured_content["matches"] >= 1


async def test_unknown_hash_is_an_error_naming_it(cli_env):
    async with serve(cli_env) as client:
        result = await client.call_tool("headroom_retrieve", {"hash": "0123456789abcdef"})
        malformed = await client.call_tool("headroom_retrieve", {"hash": "not a hash"})
    assert result.is_error
    assert "0123456789abcdef" in _text(result) and "run the original tool again" in _text(result).lower()
    assert malformed.is_error


async def test_invalid_arguments_are_readable_errors(cli_env):
    async with serve(cli_env) as client:
        missing = await client.call_tool("headroom_compress", {})
        bad_kind = await client.call_tool("headroom_compress", {"content": "x", "kind": "klingon"})
    assert missing.is_error and "content" in _text(missing)
    assert bad_kind.is_error and "klingon" in _text(bad_kind)


def _prose(words: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    vocab = "alpha beta gamma delta quorum lattice ferrous vector ember cobalt meadow signal".split()
    return " ".join(rng.choice(vocab) + str(rng.randint(0, 999)) for _ in range(words))


async def test_incompressible_and_bad_input_come_back_byte_identical(cli_env):
    rng = random.Random(5)
    # Already minified, no big array, too few keys to be a map, nothing long: nothing a JSON compressor may drop.
    flat_object = json.dumps({f"k{i:04d}": f"{rng.getrandbits(128):032x}" for i in range(90)}, separators=(",", ":"))
    inputs = {
        "one line of random words": _prose(3000),
        "flat minified object": flat_object,
        "malformed json": json.dumps(api_results(200), indent=2)[:-40],
        "binary": "\x00\x01\x02\xff\xfe" * 2000,
        "control characters": "".join(chr(rng.randint(0, 31)) for _ in range(20000)),
        "lone surrogate": json.dumps(api_results(200), indent=2).replace("req-00001", "req-\udc80"),
    }
    async with serve(cli_env) as client:
        for name, content in inputs.items():
            if name == "lone surrogate":
                continue  # cannot be sent as JSON-RPC text by a conforming client
            result = await client.call_tool("headroom_compress", {"content": content})
            assert not result.is_error, (name, _text(result))
            assert _text(result) == content, name
            assert result.structured_content["hash"] is None, name
        stats = await client.call_tool("headroom_stats", {})
    assert stats.structured_content["calls"] == len(inputs) - 1


async def test_stats_count_calls_savings_and_retrievals(cli_env):
    original = json.dumps(api_results(), indent=2)
    async with serve(cli_env) as client:
        compressed = await client.call_tool("headroom_compress", {"content": original})
        await client.call_tool("headroom_retrieve", {"hash": compressed.structured_content["hash"], "query": "req-00421"})
        stats = (await client.call_tool("headroom_stats", {})).structured_content
    meta = compressed.structured_content
    assert stats["calls"] == 1 and stats["compressed"] == 1 and stats["retrievals"] == 1
    assert stats["tokens_saved"] == meta["tokens_before"] - meta["tokens_after"] > 0
    assert stats["store_bytes"] > 0

"""Per-tool policy as the wrapper applies it, on the library path (no upstream needed)."""

from __future__ import annotations

import json

from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.wrappers.policy import compress_with_policy
from samples import api_results

from headroom_mcp import api
from headroom_mcp.config import Settings, ToolPolicy


def test_min_tokens_max_tokens_and_off_per_tool(cache_dir):
    settings = Settings(
        cache_dir=cache_dir,
        tools={
            "huge_floor": ToolPolicy(min_tokens=10**9),
            "tight": ToolPolicy(max_tokens=600),
            "off": ToolPolicy(compress=False),
        },
    )
    api.configure(settings)  # the store of this test, not the user's
    compress = compress_with_policy(settings)
    content = json.dumps(api_results(), indent=2)
    default = compress(content, hints=Hints(tool_name="anything"))
    assert default.compressed
    assert compress(content, hints=Hints(tool_name="huge_floor")).text == content
    assert compress(content, hints=Hints(tool_name="off")).text == content
    tight = compress(content, hints=Hints(tool_name="tight"))
    assert tight.compressed and tight.tokens_after < default.tokens_after
    assert (cache_dir / "cache.db").exists()

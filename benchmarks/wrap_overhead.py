"""Proxy overhead: the same calls direct and through `headroom-mcp wrap`, measured in one run.

Run: .venv/bin/python benchmarks/wrap_overhead.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
FILESYSTEM = str(ROOT / "tests" / "upstreams" / "node_modules" / ".bin" / "mcp-server-filesystem")
SMALL_CALLS = 200
LARGE_CALLS = 20


async def _timed(argv: list[str], env: dict[str, str], directory: str, big: str) -> tuple[float, float, int]:
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
    async with Client(params, mode="legacy") as client:
        await client.call_tool("list_allowed_directories", {})
        small = []
        for _ in range(SMALL_CALLS):
            started = time.perf_counter()
            await client.call_tool("list_allowed_directories", {})
            small.append(time.perf_counter() - started)
        large, size = [], 0
        for _ in range(LARGE_CALLS):
            started = time.perf_counter()
            result = await client.call_tool("read_text_file", {"path": big})
            large.append(time.perf_counter() - started)
            size = len(result.content[0].text)
    return statistics.median(small), statistics.median(large), size


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        big = Path(directory) / "results.json"
        rows = [{"id": f"req-{i:05d}", "status": 200 if i % 97 else 503, "latency_ms": 100 + i % 50} for i in range(5200)]
        big.write_text(json.dumps(rows, indent=2))
        env = dict(os.environ, HEADROOM_MCP_CACHE_DIR=str(Path(directory) / "store"))
        upstream = [FILESYSTEM, directory]
        wrapped = [sys.executable, "-m", "headroom_mcp", "wrap", "--", *upstream]
        direct = await _timed(upstream, env, directory, str(big))
        through = await _timed(wrapped, env, directory, str(big))
    print(f"small call, median of {SMALL_CALLS}: direct {direct[0] * 1e3:.2f} ms, wrapped {through[0] * 1e3:.2f} ms, "
          f"added {(through[0] - direct[0]) * 1e3:.2f} ms ({through[0] / direct[0]:.2f}x)")
    print(f"{direct[2] / 1e3:.0f} KB result, median of {LARGE_CALLS}: direct {direct[1] * 1e3:.1f} ms "
          f"({direct[2]} chars), wrapped {through[1] * 1e3:.1f} ms ({through[2]} chars returned), "
          f"ratio {through[1] / direct[1]:.2f}x")


if __name__ == "__main__":
    anyio.run(main)

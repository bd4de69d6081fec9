"""Wrapper overhead: start-up and the same calls, direct and through `headroom-mcp wrap`, in one run.

Start-up is the time from starting the server's command to the answer of the first
``tools/list`` (what a client waits for at launch), the median of several starts.
The wrapper is started as clients start it: its console script.

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
SMALL_CALLS = 500
LARGE_CALLS = 20
STARTS = 10
HEADROOM = str(Path(sys.executable).parent / "headroom-mcp")


async def _startup(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``argv`` to the first ``tools/list`` answer."""
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        await client.list_tools()
        return time.perf_counter() - started


async def _calls(upstream: list[str], wrapped: list[str], env: dict[str, str], big: str) -> dict[str, tuple]:
    """Small and large calls, direct and wrapped alternating on two open sessions (same machine state)."""
    sessions = {}
    async with Client(StdioServerParameters(command=upstream[0], args=upstream[1:], env=env), mode="legacy") as direct:
        async with Client(
            StdioServerParameters(command=wrapped[0], args=wrapped[1:], env=env), mode="legacy"
        ) as through:
            sessions = {"direct": direct, "wrapped": through}
            times: dict[str, dict[str, list[float]]] = {k: {"small": [], "large": []} for k in sessions}
            sizes: dict[str, int] = {}
            for client in sessions.values():
                await client.call_tool("list_allowed_directories", {})
                await client.call_tool("read_text_file", {"path": big})
            for _ in range(SMALL_CALLS):
                for name, client in sessions.items():
                    started = time.perf_counter()
                    await client.call_tool("list_allowed_directories", {})
                    times[name]["small"].append(time.perf_counter() - started)
            for _ in range(LARGE_CALLS):
                for name, client in sessions.items():
                    started = time.perf_counter()
                    result = await client.call_tool("read_text_file", {"path": big})
                    times[name]["large"].append(time.perf_counter() - started)
                    sizes[name] = len(result.content[0].text)
    return {
        name: (statistics.median(t["small"]), statistics.median(t["large"]), sizes[name]) for name, t in times.items()
    }


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        big = Path(directory) / "results.json"
        rows = [{"id": f"req-{i:05d}", "status": 200 if i % 97 else 503, "latency_ms": 100 + i % 50} for i in range(5200)]
        big.write_text(json.dumps(rows, indent=2))
        env = dict(os.environ, HEADROOM_MCP_CACHE_DIR=str(Path(directory) / "store"))
        upstream = [FILESYSTEM, directory]
        wrapped = [HEADROOM, "wrap", "--", *upstream]
        starts: dict[str, list[float]] = {"direct": [], "wrapped": []}
        for _ in range(STARTS):  # interleaved, so both see the same machine
            starts["direct"].append(await _startup(upstream, env))
            starts["wrapped"].append(await _startup(wrapped, env))
        measured = await _calls(upstream, wrapped, env, str(big))
        direct, through = measured["direct"], measured["wrapped"]
    up_direct, up_wrapped = (statistics.median(starts[k]) for k in ("direct", "wrapped"))
    print(f"start-up to the first tools/list answer, median of {STARTS}: direct {up_direct * 1e3:.0f} ms, "
          f"wrapped {up_wrapped * 1e3:.0f} ms, added {(up_wrapped - up_direct) * 1e3:.0f} ms")
    print(f"small call, median of {SMALL_CALLS}: direct {direct[0] * 1e3:.2f} ms, wrapped {through[0] * 1e3:.2f} ms, "
          f"added {(through[0] - direct[0]) * 1e3:.2f} ms ({through[0] / direct[0]:.2f}x)")
    print(f"{direct[2] / 1e3:.0f} KB result, median of {LARGE_CALLS}: direct {direct[1] * 1e3:.1f} ms "
          f"({direct[2]} chars), wrapped {through[1] * 1e3:.1f} ms ({through[2]} chars returned), "
          f"ratio {through[1] / direct[1]:.2f}x")


if __name__ == "__main__":
    anyio.run(main)

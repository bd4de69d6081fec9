"""What a server's tool listing costs the model on every turn: direct, wrapped, and wrapped with --compact-tools.

For each server, the o200k tokens of its whole ``tools/list`` (every page, as compact JSON),
and the time from starting its command to the last page (median of a few starts, interleaved).
Servers: those the tests run (server-everything, server-filesystem, mcp-server-git) and Claude
Code's own ``claude mcp serve`` (installed for the install tests; a large tool surface), run with
a temporary HOME so that no user's settings are read.

Run: .venv/bin/python benchmarks/tool_surface.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from headroom_mcp.pipeline.tokens import count_tokens  # noqa: E402

BIN = ROOT / "tests" / "upstreams" / "node_modules" / ".bin"
HEADROOM = str(Path(sys.executable).parent / "headroom-mcp")
STARTS = 3
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tool-surface-bench", "version": "1.0"},
    },
}


def listing(argv: list[str], env: dict[str, str]) -> tuple[list[dict[str, Any]], float]:
    """Every tool ``argv`` lists, over JSON-RPC lines, and the seconds from its start to the last page."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdin is not None and process.stdout is not None

    def ask(message: dict[str, Any]) -> dict[str, Any]:
        process.stdin.write(json.dumps(message).encode() + b"\n")
        process.stdin.flush()
        while True:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{argv[0]} closed its output")
            answer = json.loads(line)
            if answer.get("id") == message["id"] and "method" not in answer:
                return answer

    try:
        ask(INITIALIZE)
        process.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        tools: list[dict[str, Any]] = []
        cursor, asked = None, 0
        while True:
            asked += 1
            params = {"cursor": cursor} if cursor else {}
            page = ask({"jsonrpc": "2.0", "id": asked, "method": "tools/list", "params": params})["result"]
            tools += page["tools"]
            cursor = page.get("nextCursor")
            if not cursor:
                return tools, time.perf_counter() - started
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tokens(tools: list[dict[str, Any]]) -> int:
    """o200k tokens of the listing as compact JSON."""
    return count_tokens(json.dumps({"tools": tools}, ensure_ascii=False, separators=(",", ":")))


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory) / "home"
        home.mkdir()
        repo = Path(directory) / "repo"
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        env = dict(
            os.environ,
            HOME=str(home),
            HEADROOM_MCP_CACHE_DIR=str(Path(directory) / "store"),
            HEADROOM_MCP_CONFIG=str(Path(directory) / "no-config.toml"),
        )
        servers = {
            "server-everything": [str(BIN / "mcp-server-everything")],
            "server-filesystem": [str(BIN / "mcp-server-filesystem"), directory],
            "mcp-server-git": [str(Path(sys.executable).parent / "mcp-server-git"), "--repository", str(repo)],
            "claude mcp serve (Claude Code)": [str(BIN / "claude"), "mcp", "serve"],
        }
        ways = {
            "direct": lambda argv: argv,
            "wrapped": lambda argv: [HEADROOM, "wrap", "--", *argv],
            "compact": lambda argv: [HEADROOM, "wrap", "--compact-tools", "--", *argv],
        }
        print(f"tools/list, o200k tokens of every page as compact JSON; start to last page, median of {STARTS} starts")
        header = f"{'server':<32} {'tools':>5} {'direct':>8} {'wrapped':>8} {'compact':>8} {'saved':>6}"
        print(header + "   start-up ms (direct / wrapped / compact)")
        for name, argv in servers.items():
            measured: dict[str, tuple[list[dict[str, Any]], list[float]]] = {}
            for _ in range(STARTS):  # interleaved, so that each way sees the same machine
                for way, command in ways.items():
                    tools, seconds = listing(command(argv), env)
                    measured.setdefault(way, (tools, []))[1].append(seconds)
            counts = {way: tokens(tools) for way, (tools, _) in measured.items()}
            starts = " / ".join(f"{statistics.median(times) * 1e3:.0f}" for _, times in measured.values())
            saved = 1 - counts["compact"] / counts["wrapped"]
            print(
                f"{name:<32} {len(measured['direct'][0]):>5} {counts['direct']:>8,} {counts['wrapped']:>8,} "
                f"{counts['compact']:>8,} {saved:>6.1%}   {starts}"
            )


if __name__ == "__main__":
    main()

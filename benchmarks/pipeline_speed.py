"""Where the pipeline's time goes, per kind and per output, and whether a change altered any output.

    .venv/bin/python benchmarks/pipeline_speed.py                 # CPU time per kind and the slowest outputs
    .venv/bin/python benchmarks/pipeline_speed.py --save DIR      # also write every output to DIR
    .venv/bin/python benchmarks/pipeline_speed.py --compare DIR   # and name every output that differs from DIR

The outputs are those of ``vs_headroom_ai.py`` (the examples and the fidelity
corpus), each compressed without a query and, for the corpus, once per
question with its query: the calls ``headroom-mcp bench --fidelity`` makes.
Times are this process's CPU time (``time.process_time``), the best of
``--repeat`` warm runs, so other work on the machine moves them less than wall
time; the first, cold run is shown apart. A speed-up that changes no output
cannot cost fidelity; one that does must be checked with the fidelity bench.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from vs_headroom_ai import CASES, outputs  # noqa: E402


def calls() -> list[dict]:
    """Every call to time: each output without a query, then each corpus question's query on its output."""
    found = [dict(job, query=None) for job in outputs()]
    for case in json.loads((CASES / "cases.json").read_text()):
        hints = case.get("hints") or {}
        for question in case["questions"]:
            found.append(
                {
                    "name": f"{Path(case['file']).name} ?{question['query']}",
                    "file": str(CASES / case["file"]),
                    "tool": hints.get("tool_name"),
                    "path": hints.get("path"),
                    "query": question["query"],
                }
            )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs; each call's best CPU time is kept")
    parser.add_argument("--save", type=Path, help="write every output here")
    parser.add_argument("--compare", type=Path, help="name every output that differs from the ones saved here")
    parser.add_argument("--kind", help="only outputs detected as this kind")
    parser.add_argument("--no-query", action="store_true", help="only the calls without a query")
    args = parser.parse_args()

    from headroom_mcp.pipeline.compress import compress_content
    from headroom_mcp.pipeline.contract import Hints
    from headroom_mcp.pipeline.store import MemoryStore

    jobs = [job for job in calls() if not (args.no_query and job["query"])]
    texts = {job["file"]: Path(job["file"]).read_text(encoding="utf-8") for job in jobs}
    store = MemoryStore()

    def run(job: dict):
        hints = Hints(tool_name=job["tool"], path=job["path"])
        started = time.process_time()
        result = compress_content(texts[job["file"]], store=store, query=job["query"], hints=hints)
        spent = time.process_time() - started
        # What retrieval searches is part of the output: a change to the items changes answers too.
        items = store.items(result.hash) if result.hash else []
        signature = "\0".join([result.kind, result.text, *(f"{i.position}\t{i.text}" for i in items or [])])
        return spent, result, signature

    cold_started = time.process_time()
    first = [run(job) for job in jobs]
    results, signatures = [done[1] for done in first], [done[2] for done in first]
    cold = time.process_time() - cold_started
    best = [float("inf")] * len(jobs)
    for _ in range(args.repeat):
        for index, job in enumerate(jobs):
            spent, _, signature = run(job)
            best[index] = min(best[index], spent)
            if signature != signatures[index]:
                print(f"NOT DETERMINISTIC: {job['name']}", file=sys.stderr)

    chosen = [i for i, result in enumerate(results) if not args.kind or result.kind == args.kind]
    per_kind: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for i in chosen:
        slot = per_kind[results[i].kind]
        slot[0 if jobs[i]["query"] is None else 1] += best[i]
    print(f"{'kind':10} {'no query':>10} {'queries':>10}")
    for kind, (plain, queried) in sorted(per_kind.items(), key=lambda item: -sum(item[1])):
        print(f"{kind:10} {plain * 1000:8.1f}ms {queried * 1000:8.1f}ms")
    plain_total = sum(best[i] for i in chosen if jobs[i]["query"] is None)
    query_total = sum(best[i] for i in chosen if jobs[i]["query"] is not None)
    print(
        f"{'total':10} {plain_total * 1000:8.1f}ms {query_total * 1000:8.1f}ms   (cold first run of all calls: {cold:.2f}s)"
    )
    print("slowest:")
    for i in sorted(chosen, key=lambda i: -best[i])[:12]:
        print(f"  {best[i] * 1000:8.1f}ms {results[i].kind:8} {jobs[i]['name']}")

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        saved = {jobs[i]["name"]: digest(signatures[i]) for i in chosen}
        (args.save / "digests.json").write_text(json.dumps(saved, indent=1))
        for i in chosen:
            name = hashlib.sha256(jobs[i]["name"].encode()).hexdigest()[:16]
            (args.save / f"{name}.txt").write_text(results[i].text, encoding="utf-8", errors="surrogatepass")
        print(f"saved {len(chosen)} outputs to {args.save}")
    if args.compare:
        before = json.loads((args.compare / "digests.json").read_text())
        changed = [jobs[i]["name"] for i in chosen if before.get(jobs[i]["name"]) != digest(signatures[i])]
        for name in changed:
            old = args.compare / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.txt"
            print(f"CHANGED: {name}   (was {old})")
        print(f"{len(changed)} of {len(chosen)} outputs differ from {args.compare}")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

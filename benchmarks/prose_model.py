"""Is the sentence model worth its time? Prose compressed with and without it, side by side in one run.

    .venv/bin/python benchmarks/prose_model.py

Over the READMEs of the test upstreams (over 8 KB) and the fidelity corpus's
prose, without a query: how many output lines the two rankings share, and the
time of each (the model's first sight of a document, then the same document
again, when the model has kept every vector). Then questions whose answer is
known (the fidelity corpus's, the paraphrases of ``test_prose_compressor``,
and questions put in other words than their answer's): is the answer kept
with the question as the query, by each ranking. It needs the model
(``headroom-mcp model install``) and the test upstreams (``scripts/setup``).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.kinds.prose.compress import ProseCompressor
from headroom_mcp.pipeline.kinds.prose.detect import ProseDetector
from headroom_mcp.pipeline.model import load_embedder
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "tests" / "upstreams" / "node_modules"
CASES = ROOT / "benchmarks" / "fidelity" / "cases"
PROSE_CASES = ("man_ls.txt", "man_git_log.txt", "pydoc_json.txt", "ajv_README.md")
# (document, question, a fragment of the line that answers it)
QUESTIONS = [
    (CASES / "man_ls.txt", "synopsis", "ls [OPTION]... [FILE]..."),
    (CASES / "man_ls.txt", "sort by size", "sort by file size, largest first"),
    (CASES / "man_ls.txt", "exit status", "if serious trouble"),
    (CASES / "man_git_log.txt", "follow renames", "Continue listing the history of a file beyond renames"),
    (CASES / "man_git_log.txt", "author", "--author=<pattern>, --committer=<pattern>"),
    (CASES / "man_git_log.txt", "since date", "--since=<date>, --after=<date>"),
    (CASES / "pydoc_json.txt", "sort_keys", "If sort_keys is true, then the output of dictionaries will be"),
    (CASES / "ajv_README.md", "allErrors", "option allErrors"),
    (MODULES / "commander/Readme.md", "show which release of my tool is installed", "The optional `.version()` method"),
    (MODULES / "commander/Readme.md", "flag that is compulsory", "You may specify a required (mandatory) option"),
    (MODULES / "body-parser/README.md", "What is the biggest request payload accepted by default?",
     "Controls the maximum request body size"),
    (MODULES / "qs/README.md", "How do I change how many levels of nested brackets are parsed?",
     "This depth can be overridden by passing"),
    (MODULES / "minimatch/README.md", "How can I ignore upper and lower case when matching?",
     "Perform a case-insensitive match."),
    (MODULES / "debug/README.md", "How do I turn off all logging at runtime?", "Will disable all namespaces."),
    (MODULES / "cors/README.md", "Why does my DELETE request send an extra request first?",
     "Certain CORS requests are considered 'complex'"),
    (MODULES / "lru-cache/README.md", "Can I get an expired entry back before it is removed?", "allowStale"),
]


def documents() -> list[Path]:
    """The upstreams' own READMEs over 8 KB (not those of nested packages), then the corpus's prose."""
    readmes = [
        path
        for path in sorted(MODULES.glob("**/[Rr][Ee][Aa][Dd][Mm][Ee]*.md"))
        if path.stat().st_size > 8000 and "node_modules" not in path.relative_to(MODULES).parts
    ]
    return readmes + [CASES / name for name in PROSE_CASES]


def run(text: str, query: str | None, routes: Router):
    started = time.perf_counter()
    result = compress_content(text, store=MemoryStore(), query=query, routes=routes, kind="prose")
    return result, time.perf_counter() - started


def main() -> int:
    model = load_embedder()
    if model is None:
        print("no sentence model: headroom-mcp model install", file=sys.stderr)
        return 1
    with_model = Router([Route("prose", ProseDetector(), ProseCompressor(embedder=model))])
    without = Router([Route("prose", ProseDetector(), ProseCompressor(embedder=None))])
    count_tokens("warm up")
    model.embed(["warm up"])
    print(f"{'document':44} {'tokens':>7} {'bm25 ms':>8} {'model ms':>9} {'again ms':>9} {'lines alike':>12}")
    alike, plain, first, again = [], [], [], []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        bm25, plain_s = run(text, None, without)
        model_result, first_s = run(text, None, with_model)
        _, again_s = run(text, None, with_model)
        if not (bm25.compressed and model_result.compressed):
            continue
        ours, theirs = set(bm25.text.splitlines()), set(model_result.text.splitlines())
        alike.append(len(ours & theirs) / len(ours | theirs))
        plain.append(plain_s), first.append(first_s), again.append(again_s)
        name = str(path.relative_to(ROOT))[-44:]
        print(
            f"{name:44} {bm25.tokens_before:7d} {plain_s * 1e3:8.0f} {first_s * 1e3:9.0f} {again_s * 1e3:9.0f} "
            f"{alike[-1]:12.1%}"
        )
    print(
        f"no query, {len(alike)} documents: output lines alike (Jaccard) median {statistics.median(alike):.1%}, "
        f"least {min(alike):.1%}; median ms: bm25 {statistics.median(plain) * 1e3:.0f}, with the model "
        f"{statistics.median(first) * 1e3:.0f} (first sight), {statistics.median(again) * 1e3:.0f} (seen before)"
    )
    kept = {"bm25": 0, "model": 0}
    for path, question, answer in QUESTIONS:
        text = path.read_text(encoding="utf-8")
        row = []
        for name, routes in (("bm25", without), ("model", with_model)):
            result, _ = run(text, question, routes)
            found = any(answer in line for line in result.text.splitlines())
            kept[name] += found
            row.append("kept" if found else "lost")
        print(f"{path.parent.name + '/' + path.name:32} {question[:56]:56} bm25 {row[0]:4}  model {row[1]}")
    print(f"answers kept with the question as the query: bm25 {kept['bm25']}/{len(QUESTIONS)}, "
          f"model {kept['model']}/{len(QUESTIONS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search results (grep, git grep, ripgrep styles) on real grep output over a real source tree."""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import mcp
import pydantic
import pytest
from conftest import read_back, require_tools
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.kinds.listing.compress import ListingCompressor
from headroom_mcp.pipeline.kinds.listing.detect import ListingDetector
from headroom_mcp.pipeline.kinds.search.compress import SearchCompressor
from headroom_mcp.pipeline.kinds.search.detect import SearchDetector
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

TREE = Path(mcp.__file__).parent
ROUTES = Router(
    [
        Route("search", SearchDetector(), SearchCompressor()),
        Route("listing", ListingDetector(), ListingCompressor()),
    ]
)
HIT = re.compile(r"(?P<path>[^:]+):(?P<line>\d+):(?P<text>.*)")


def grep(*args: str, cwd: Path = TREE, stderr: bool = False) -> str:
    """Real grep output, paths relative to ``cwd`` (grep -r without a path searches ``.``)."""
    done = subprocess.run(
        ["grep", *args], cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"}
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout + (done.stderr if stderr else "")


def parsed_hits(text: str) -> list[tuple[str, int, str, str]]:
    """(path, line, text, raw line) of every ``path:N:text`` line of grep -n output."""
    found = []
    for line in text.splitlines():
        match = HIT.fullmatch(line)
        if match:
            found.append((match["path"], int(match["line"]), match["text"], line))
    return found


def file_line(path: str, count: int) -> str:
    return f"{path} ({count:,} hit{'' if count == 1 else 's'})"


@pytest.fixture(scope="module")
def defs() -> str:
    text = grep("-rn", "def ", "--include=*.py")
    assert len(parsed_hits(text)) >= 300, "the mcp package should have hundreds of definitions"
    return text


def compress(text: str, query: str | None = None, hints: Hints | None = None, store: MemoryStore | None = None):
    return compress_content(text, store=store or MemoryStore(), query=query, hints=hints, routes=ROUTES)


def shown_hits(output: str) -> list[tuple[str, int]]:
    """(file, line) of every hit line shown in the compressed output, in order."""
    shown, current = [], None
    for line in output.splitlines():
        header = re.fullmatch(r"(\S.*) \([\d,]+ hits?\)", line)
        if header:
            current = header[1]
        elif current and (hit := re.match(r"  (\d+)(?::\d+)?: ", line)):
            shown.append((current, int(hit[1])))
    return shown


def test_every_file_is_named_with_its_count_and_70_percent_is_saved(defs):
    counts = Counter(path for path, *_ in parsed_hits(defs))
    result = compress(defs)
    assert result.kind == "search" and result.transforms == ["search:grouped"]
    before, after = count_tokens(defs), count_tokens(result.text)
    assert after <= 0.3 * before, (before, after)
    lines = result.text.splitlines()
    assert lines[0] == f"{sum(counts.values()):,} hits in {len(counts)} files"
    for path, count in counts.items():
        assert file_line(path, count) in lines
    # Without a query: files in grep's order, each file's first hits.
    files_in_output = [line.rsplit(" (", 1)[0] for line in lines if re.fullmatch(r"\S.* \([\d,]+ hits?\)", line)]
    assert files_in_output == list(counts)
    first_hits = {}
    for path, line, *_ in parsed_hits(defs):
        first_hits.setdefault(path, line)
    shown = shown_hits(result.text)
    assert {path for path, _ in shown} == set(counts)  # every file shows at least one hit
    assert all((path, first_hits[path]) in shown for path in counts)
    assert f"{sum(counts.values()):,} hits in {len(counts)} files → {len(shown)} hits shown" in lines[-1]


def _rare_name(hits: list[tuple[str, int, str, str]]) -> tuple[str, list[str]]:
    """A defined name that 2-4 hit lines contain, all in files late in grep's order; and those lines."""
    file_order = {path: i for i, path in enumerate(dict.fromkeys(path for path, *_ in hits))}
    best = None
    for name in sorted({m for _, _, text, _ in hits for m in re.findall(r"def (\w{10,})", text)}):
        lines = [raw for path, _, text, raw in hits if name.lower() in text.lower()]
        if 2 <= len(lines) <= 4:
            earliest = min(file_order[raw.split(":", 1)[0]] for raw in lines)
            if best is None or earliest > best[0]:
                best = (earliest, name, lines)
    assert best is not None and best[0] > 10
    return best[1], best[2]


def test_hits_matching_the_query_are_shown_first_and_retrieved_exactly(defs):
    hits = parsed_hits(defs)
    name, expected = _rare_name(hits)
    expected_at = {(raw.split(":")[0], int(raw.split(":")[1])) for raw in expected}
    store = MemoryStore()
    result = compress(defs, query=name, store=store)
    shown = shown_hits(result.text)
    # The files holding those hits are named before every other file, each with those hits first.
    matching_files = {path for path, _ in expected_at}
    files = list(dict.fromkeys(path for path, _ in shown))
    assert set(files[: len(matching_files)]) == matching_files
    for path in matching_files:
        in_file = [hit for hit in shown if hit[0] == path]
        wanted = {hit for hit in expected_at if hit[0] == path}
        assert set(in_file[: len(wanted)]) == wanted
    assert count_tokens(result.text) <= 0.3 * count_tokens(defs)

    # The hits holding the name come first; near matches (sharing a part of it) may follow.
    found = retrieve(result.hash, store=store, query=name)
    assert found.matches >= len(expected)
    best = found.blocks[1 : 1 + len(expected)]
    assert sorted(best) == sorted(f"{raw.split(':')[0]}:{raw.split(':')[1]}: {raw}" for raw in expected)


def test_a_regex_query_ranks_definitions_of_its_words():
    text = grep("-rn", r"send_request\|def ", "--include=*.py")
    result = compress(text, query=r"def \w+_request|send_request")
    shown = shown_hits(result.text)
    lines = {(path, line): raw for path, line, _, raw in parsed_hits(text)}
    first = lines[shown[0]]
    assert re.search(r"def send_request\b", first), first  # the definition itself, not a use or a longer name


def test_ripgrep_heading_style(defs):
    hits = parsed_hits(defs)
    blocks: dict[str, list[str]] = {}
    for path, line, text, _ in hits:
        blocks.setdefault(path, []).append(f"{line}:{text}")
    heading = "\n\n".join(f"{path}\n" + "\n".join(lines) for path, lines in blocks.items()) + "\n"
    assert SearchDetector().matches(heading, Hints()) and not ListingDetector().matches(heading, Hints())

    store = MemoryStore()
    result = compress(heading, store=store)
    assert result.kind == "search"
    assert count_tokens(result.text) <= 0.3 * count_tokens(heading)
    for path, lines in blocks.items():
        assert file_line(path, len(lines)) in result.text.splitlines()
    items = store.items(result.hash)
    assert [(item.position, item.text) for item in items] == [(f"{p}:{n}", f"{n}:{t}") for p, n, t, _ in hits]


def test_context_lines_belong_to_the_nearest_hit_and_are_counted_not_shown():
    with_context = grep("-rn", "-C", "2", "raise ", "--include=*.py")
    plain = parsed_hits(grep("-rn", "raise ", "--include=*.py"))
    assert "\n--\n" in with_context and len(plain) >= 100
    store = MemoryStore()
    result = compress(with_context, store=store)
    assert result.kind == "search"
    assert count_tokens(result.text) <= 0.3 * count_tokens(with_context)
    lines = result.text.splitlines()
    assert lines[0].startswith(f"{len(plain):,} hits in ")
    for path, count in Counter(path for path, *_ in plain).items():
        assert file_line(path, count) in lines
    assert re.search(r"[\d,]+ context lines omitted", lines[-1])

    items = store.items(result.hash)
    hit_items = [item for item in items if not item.position.startswith("line ")]
    assert [item.position for item in hit_items] == [f"{p}:{n}" for p, n, _, _ in plain]
    # Every line grep printed (but the separators) is in exactly one item.
    item_lines = [line for item in items for line in item.text.split("\n")]
    assert Counter(item_lines) == Counter(line for line in with_context.splitlines() if line != "--")
    # A context line `path-12-text` sits in the item of a hit of the same file at most 2 lines away.
    for item in hit_items:
        path, number = item.position.rsplit(":", 1)
        for line in item.text.split("\n")[1:] if "\n" in item.text else []:
            if line.startswith(f"{path}-"):
                context_number = int(line[len(path) + 1 :].split("-", 1)[0])
                assert abs(context_number - int(number)) <= 2, (item.position, line)


def test_git_grep_style_without_line_numbers(defs):
    text = grep("-r", "def ", "--include=*.py")
    counts = Counter(line.split(":", 1)[0] for line in text.splitlines())
    store = MemoryStore()
    result = compress(text, store=store)
    assert result.kind == "search"
    assert count_tokens(result.text) <= 0.3 * count_tokens(text)
    for path, count in counts.items():
        assert file_line(path, count) in result.text.splitlines()
    assert [item.position for item in store.items(result.hash)] == [line.split(":", 1)[0] for line in text.splitlines()]


def test_vimgrep_columns_are_kept_apart_from_the_text(defs):
    hits = parsed_hits(defs)
    vimgrep = "\n".join(f"{p}:{n}:{t.index('def ') + 1}:{t}" for p, n, t, _ in hits)
    result = compress(vimgrep)
    assert result.kind == "search"
    path, number, text, _ = hits[0]
    assert f"  {number}:{text.index('def ') + 1}: {text.rstrip()}" in result.text.splitlines()


def test_lines_that_are_not_hits_are_kept_verbatim():
    # grep reports matching binaries (pydantic's __pycache__) on stderr; shells merge them in.
    text = grep("-rn", "model_dump", "pydantic", cwd=Path(pydantic.__file__).parent.parent, stderr=True)
    notes = [line for line in text.splitlines() if line.startswith("grep: ")]
    assert notes, "pydantic's __pycache__ should hold binary files that match"
    result = compress(text)
    assert result.kind == "search"
    assert notes[0] in result.text.splitlines()


def test_the_tool_name_lets_a_weaker_sample_through(defs):
    hits = [raw for *_, raw in parsed_hits(defs)][:300]
    noise = [f"grep: {p}/__pycache__/x.cpython-311.pyc: binary file matches" for p, *_ in parsed_hits(defs)[:200]]
    mixed = "\n".join(line for pair in zip(hits, noise + [""] * 100, strict=True) for line in pair if line)
    assert not SearchDetector().matches(mixed, Hints())
    assert not SearchDetector().matches(mixed, Hints(tool_name="merge_files"))  # "rg" is a word, not a substring
    assert SearchDetector().matches(mixed, Hints(tool_name="ripgrep_search"))


def test_pages_without_a_query_rebuild_the_original(defs):
    store = MemoryStore()
    result = compress(defs, store=store)
    text, pages = read_back(result.hash, store, page_tokens=3000)
    assert pages > 1 and text == defs


def test_output_is_deterministic(defs):
    assert compress(defs, query="send").text == compress(defs, query="send").text


# --- detection: what is and is not search output -------------------------------------------


def _gcc_output(tmp_path: Path) -> str:
    require_tools("gcc")
    source = tmp_path / "a.c"
    source.write_text(
        "#include <stdio.h>\nint main(void) {\n    int unused;\n    int x;\n    char *s = 5;\n"
        '    printf("%d\\n", x);\n    return "no";\n}\n'
    )
    done = subprocess.run(
        ["gcc", "-Wall", "-Wextra", "-c", "a.c", "-o", "/dev/null"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "warning:" in done.stderr
    return done.stderr


def _pytest_output(tmp_path: Path) -> str:
    (tmp_path / "test_tiny.py").write_text(
        "import pytest\n@pytest.mark.parametrize('n', range(30))\ndef test_ok(n):\n    assert n >= 0\n"
        "def test_fail():\n    assert 1 == 2\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_tiny.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "::test_ok[0] PASSED" in done.stdout
    return done.stdout


def _traceback() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import json; json.loads('{bad')"], capture_output=True, text=True
    )
    return done.stderr


def _log_output() -> str:
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("headroom-test-search")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    for i in range(40):
        logger.info("request %d served from src/cache.py in %d ms", i, i * 3)
    logger.removeHandler(handler)
    return stream.getvalue()


def _unified_diff() -> str:
    source = (TREE / "client" / "session.py").read_text().splitlines(keepends=True)
    changed = [line.replace("self", "this") if i % 7 == 0 else line for i, line in enumerate(source)]
    return "".join(difflib.unified_diff(source, changed, "a/client/session.py", "b/client/session.py"))


def _find_listing() -> str:
    return subprocess.run(["find", ".", "-type", "f"], cwd=TREE, capture_output=True, text=True).stdout


def test_detectors_tell_search_results_from_everything_else(tmp_path, defs):
    search, listing = SearchDetector(), ListingDetector()
    yes = {
        "grep -rn": defs,
        "grep -rn -C 2": grep("-rn", "-C", "2", "raise ", "--include=*.py"),
        "grep -r": grep("-r", "def ", "--include=*.py"),
    }
    no = {
        "gcc warnings": _gcc_output(tmp_path),
        "pytest -v": _pytest_output(tmp_path),
        "traceback": _traceback(),
        "json": json.dumps([{"path": p, "line": n, "text": t} for p, n, t, _ in parsed_hits(defs)[:50]], indent=2),
        "python source": (TREE / "client" / "session.py").read_text(),
        "unified diff": _unified_diff(),
        "prose": (Path(__file__).resolve().parent.parent / "README.md").read_text(),
        "log": _log_output(),
        "urls": "\n".join(f"https://pypi.org/project/{p.split('/')[0]}/{n}" for p, n, _, _ in parsed_hits(defs)[:60]),
        "clock times": "\n".join(f"12:{m:02d}:{s:02d} worker {m} done" for m in range(10) for s in range(0, 60, 7)),
        "find": _find_listing(),
    }
    for name, text in yes.items():
        assert search.matches(text, Hints()), name
        assert not listing.matches(text, Hints()), name
    for name, text in no.items():
        assert not search.matches(text, Hints()), name

"""Before detection the pipeline cleans what terminals and file readers add; after it, no output passes the cap.

Inputs are real: `cat -n` and `nl` of installed sources, coloured git and grep
output, a real binary as base64, all produced here by the tools themselves.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import mcp
import pydantic
import pytest
from conftest import EXAMPLES, read_back, run_git
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

STDIO_H = Path("/usr/include/stdio.h")
PYDANTIC_MAIN = Path(pydantic.__file__).parent / "main.py"
ESCAPE = "\x1b["


def run(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.stdout, done.stderr
    return done.stdout


def numbered_lines(text: str) -> dict[int, str]:
    """The ``cat -n``/``nl`` lines of ``text`` by their number."""
    found = {}
    for line in text.split("\n"):
        match = re.match(r" *(\d+)\t(.*)", line)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def test_c_header_read_with_cat_n_is_outlined_as_code_and_kept_lines_keep_their_numbers():
    source = STDIO_H.read_text()
    listing = run("cat", "-n", str(STDIO_H))
    result = compress_content(listing, store=MemoryStore(), hints=Hints(path=str(STDIO_H)))
    assert result.kind == "code" and result.compressed
    kept = numbered_lines(result.text)
    assert len(kept) > 50, "the outline kept lines, each with its cat -n number"
    lines = source.split("\n")
    for number, text in kept.items():
        # A declaration cut to its first line ends with "…": it is the start of its original line.
        original = lines[number - 1]
        assert original == text or original.startswith(text.removesuffix("…").rstrip()), f"line {number}"
    printf = next(n for n, text in enumerate(lines, 1) if text.startswith("extern int printf ("))
    assert printf in kept


def test_python_read_with_nl_goes_to_the_code_compressor_and_a_query_keeps_its_definition_numbered():
    listing = run("nl", "-ba", str(PYDANTIC_MAIN))
    result = compress_content(listing, store=MemoryStore(), query="model_dump_json")
    assert result.kind == "code" and result.tokens_after < result.tokens_before * 0.6
    lines = PYDANTIC_MAIN.read_text().split("\n")
    start = next(n for n, text in enumerate(lines, 1) if text.lstrip().startswith("def model_dump_json("))
    kept = numbered_lines(result.text)
    assert kept.get(start, "").lstrip().startswith("def model_dump_json(")
    assert "line-number gutter read from line 1" in result.diagnostics


def test_json_read_with_a_gutter_is_compressed_as_json(tmp_path):
    pretty = tmp_path / "page.json"
    pretty.write_text(run(sys.executable, "-m", "json.tool", str(EXAMPLES / "api_page_nested.json")))
    listing = run("cat", "-n", str(pretty))
    result = compress_content(listing, store=MemoryStore())
    assert result.kind == "json" and result.compressed


def test_grep_n_hits_of_one_file_are_search_results_not_a_gutter():
    hits = run("grep", "-n", "def ", str(PYDANTIC_MAIN))
    assert len(hits.splitlines()) > 40
    result = compress_content(hits, store=MemoryStore())
    assert not any("gutter" in note for note in result.diagnostics)


@pytest.fixture(scope="module")
def coloured_diff(tmp_path_factory) -> str:
    """`git diff --color=always` over edits of real modules."""
    root = tmp_path_factory.mktemp("repo")
    run_git(root, "init", "-q", "-b", "main")
    sources = sorted(Path(mcp.__file__).parent.rglob("*.py"))[:30]
    for source in sources:
        (root / source.name).write_text(source.read_text())
    run_git(root, "add", ".")
    run_git(root, "commit", "-q", "-m", "import")
    for source in sources:
        target = root / source.name
        target.write_text(target.read_text().replace("self", "this").replace("return ", "return  "))
    return run_git(root, "diff", "--color=always")


def test_ansi_colours_are_removed_before_detection_and_said_in_the_marker(coloured_diff):
    assert ESCAPE in coloured_diff
    store = MemoryStore()
    result = compress_content(coloured_diff, store=store)
    assert result.kind == "diff" and result.compressed
    assert ESCAPE not in result.text
    assert "ANSI escape codes removed" in result.text.splitlines()[-1]
    assert read_back(result.hash, store)[0] == coloured_diff, "the original comes back with its colours"


def test_coloured_output_no_compressor_knows_comes_back_without_escapes():
    coloured = run("ls", "-l", "--color=always", str(Path(sys.executable).parent))
    assert ESCAPE in coloured and count_tokens(coloured) > 500
    result = compress_content(coloured, store=MemoryStore(), kind="text")
    assert ESCAPE not in result.text
    assert result.compressed and "clean:ansi" in result.transforms


def test_unknown_text_over_the_cap_comes_back_as_head_and_tail_every_byte_retrievable():
    library = max(Path(pydantic.__file__).parent.parent.rglob("*.so"), key=lambda path: (path.stat().st_size, path.name))
    one_line = base64.b64encode(library.read_bytes()[:4_000_000]).decode()
    assert len(one_line) > 5_000_000 and "\n" not in one_line
    store = MemoryStore()
    result = compress_content(one_line, store=store)
    assert result.tokens_after <= 20_000 and count_tokens(result.text) <= 20_000
    assert result.text.startswith(one_line[:2000]) and one_line[-500:] in result.text
    assert read_back(result.hash, store)[0] == one_line


def test_a_callers_max_tokens_caps_whatever_the_compressor_returns():
    content = (EXAMPLES / "grep_hits.txt").read_text()
    for cap in (300, 1500):
        result = compress_content(content, store=MemoryStore(), max_tokens=cap)
        assert count_tokens(result.text) <= cap, (cap, result.transforms)


def test_a_compressor_that_overshoots_the_cap_is_cut_to_it():
    from headroom_mcp.pipeline.contract import Compressed
    from headroom_mcp.pipeline.router import Route, Router

    class Always:
        kind = "any"

        def matches(self, content, hints):
            return True

    class Verbose:
        name = "verbose"

        def compress(self, content, ctx):
            return Compressed(text=content[: len(content) // 2], summary="half of it", transform="verbose:half")

    rows = json.dumps([{"line": n, "text": "word " * 20} for n in range(6000)], indent=1)
    store = MemoryStore()
    result = compress_content(rows, store=store, routes=Router([Route("any", Always(), Verbose())]), hints=Hints())
    assert count_tokens(result.text) <= 20_000 < count_tokens(rows) // 2
    assert result.transforms == ["verbose:half", "cap:head+tail"]
    assert read_back(result.hash, store)[0] == rows

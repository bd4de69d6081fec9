"""Retrieval: pages that rebuild the exact original, and BM25 matches with positions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from headroom_mcp.pipeline.contract import Item
from headroom_mcp.pipeline.markers import content_key
from headroom_mcp.pipeline.retrieval import BadCursor, UnknownKey, retrieve
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens


def stored(content: str, items: list[Item] | None = None) -> tuple[MemoryStore, str]:
    store = MemoryStore()
    key = content_key(content)
    store.put(key, content, "text", items or [])
    return store, key


def read_all(store, key, page_tokens) -> tuple[str, list[str]]:
    pages, cursor = [], None
    while True:
        found = retrieve(key, store=store, cursor=cursor, page_tokens=page_tokens)
        assert len(found.blocks) == 1
        pages.append(found.blocks[0])
        cursor = found.next_cursor
        if cursor is None:
            return "".join(pages), pages


def _mixed_text(seed: int) -> str:
    rng = random.Random(seed)
    pieces = ["naïve café ", "日本語のテキスト ", "emoji 🎉🚀 ", "\r\n", "\n", "\t", "x" * 300, "0123456789 "]
    return "".join(rng.choice(pieces) for _ in range(6000))


@pytest.mark.parametrize(
    "content",
    [_mixed_text(1), "no newline at all " * 5000, "\n" * 3000, "a"],
    ids=["mixed-unicode", "one-long-line", "only-newlines", "one-char"],
)
def test_pages_concatenate_to_the_exact_original_and_each_fits(content):
    store, key = stored(content)
    rebuilt, pages = read_all(store, key, page_tokens=1000)
    assert rebuilt == content
    assert all(count_tokens(page) <= 1000 for page in pages)


def test_pages_end_at_newlines_when_one_is_near():
    content = "".join(f"row {i} " + "word " * 20 + "\n" for i in range(2000))
    store, key = stored(content)
    _, pages = read_all(store, key, page_tokens=1000)
    assert len(pages) > 5 and all(page.endswith("\n") for page in pages)


def test_query_returns_best_matches_with_positions_exact_first():
    items = [Item(f"$[{i}]", f'{{"id":"req-{i:05d}","status":200}}') for i in range(1000)]
    store, key = stored("\n".join(item.text for item in items), items)
    found = retrieve(key, store=store, query="req-00421")
    assert found.blocks[1] == '$[421]: {"id":"req-00421","status":200}'
    assert found.matches >= 1


def test_query_without_stored_items_searches_lines():
    content = "\n".join(["ok"] * 50 + ["FAILED test_tax.py::test_compute_tax - AssertionError"] + ["ok"] * 50)
    store, key = stored(content)
    found = retrieve(key, store=store, query="test_compute_tax")
    assert found.blocks[1].startswith("line 51: FAILED")


def test_query_with_no_match_says_so_without_error():
    store, key = stored("alpha\nbeta\n" * 100)
    found = retrieve(key, store=store, query="zeta")
    assert found.matches == 0 and "zeta" in found.blocks[0] and found.next_cursor is None


def test_query_pages_through_many_matches():
    items = [Item(f"line {i}", f"error: disk quota exceeded on volume {i} " + "pad " * 50) for i in range(400)]
    store, key = stored("\n".join(item.text for item in items), items)
    seen, cursor = [], None
    while True:
        found = retrieve(key, store=store, query="quota", cursor=cursor, page_tokens=2000)
        seen.extend(found.blocks[1:])
        cursor = found.next_cursor
        if cursor is None:
            break
    assert len(seen) == 400 and len(set(seen)) == 400


def test_unknown_malformed_and_expired_keys():
    now = [1000.0]
    store = MemoryStore(ttl_seconds=60, clock=lambda: now[0])
    key = content_key("hello")
    store.put(key, "hello", "text", [])
    assert retrieve(key.upper(), store=store).blocks == ["hello"]
    now[0] += 3600
    with pytest.raises(UnknownKey, match=key):
        retrieve(key, store=store)
    with pytest.raises(UnknownKey):
        retrieve("../../etc/passwd", store=store)


def test_bad_cursor():
    store, key = stored("content\n" * 10)
    for cursor in ("abc", "-1", "999999"):
        with pytest.raises(BadCursor):
            retrieve(key, store=store, cursor=cursor)


def test_an_item_bigger_than_a_page_is_shown_around_its_match():
    # One 3,000-line hunk: the query names its last line, far past the first page.
    hunk = "\n".join(["@@ -1,5 +1,3000 @@", *(f"+rewritten line {i}" for i in range(3000))])
    store, key = stored(hunk, [Item("notes.txt @@ -1,5 +1,3000 @@", hunk)])
    found = retrieve(key, store=store, query="rewritten line 2999", page_tokens=500)
    excerpt = found.blocks[1]
    assert excerpt.startswith("notes.txt @@ -1,5 +1,3000 @@ (excerpt around the match): [… ")
    assert "+rewritten line 2999" in excerpt and "+rewritten line 2990" in excerpt
    assert "+rewritten line 10\n" not in excerpt
    assert count_tokens(excerpt) <= 600


def test_the_item_whose_position_names_the_query_comes_before_its_mentions():
    callers = [Item(f"lines {i * 3 + 1}–{i * 3 + 2} (def caller_{i})", f"def caller_{i}():\n    return helper()") for i in range(80)]
    definition = Item("lines 400–460 (def helper)", "def helper():\n" + "    step = 1\n" * 60 + "    return step")
    items = [*callers, definition]
    store, key = stored("\n".join(item.text for item in items), items)
    found = retrieve(key, store=store, query="helper")
    assert found.blocks[1].startswith("lines 400–460 (def helper): def helper():")


FAILING_SUITE = '''
import pytest

def parse_amount(text):
    return float(text)

@pytest.mark.parametrize("n", range(60))
def test_increment(n):
    assert n + 1 > n

@pytest.mark.parametrize("amount", ["12.5", "7", None, "3.25"])
def test_parse_amount(amount):
    assert parse_amount(amount) > 0

def test_parse_amount_rejects_words():
    with pytest.raises(ValueError):
        parse_amount("twelve")
'''


def test_a_query_naming_a_test_its_error_and_argument_returns_its_summary_line_not_only_full_matches(tmp_path):
    import subprocess
    import sys

    from headroom_mcp.pipeline.compress import compress_content

    (tmp_path / "test_amounts.py").write_text(FAILING_SUITE)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_amounts.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    log = run.stdout * 3  # three runs of the same suite: big enough to be compressed
    summary = next(line for line in log.splitlines() if line.startswith("FAILED test_amounts.py::test_parse_amount"))
    assert "TypeError" in summary
    store = MemoryStore()
    result = compress_content(log, store=store)
    found = retrieve(result.hash, store=store, query="test_parse_amount TypeError amount=None")
    page = "\n".join(found.blocks)
    assert summary in page
    assert found.matches > 1


def test_an_identifier_written_in_camel_case_finds_its_snake_case_definition():
    import pydantic
    from headroom_mcp.pipeline.compress import compress_content
    from headroom_mcp.pipeline.contract import Hints

    source = (Path(pydantic.__file__).parent / "main.py").read_text()
    store = MemoryStore()
    result = compress_content(source, store=store, hints=Hints(path="pydantic/main.py"))
    found = retrieve(result.hash, store=store, query="modelDumpJson")
    assert "def model_dump_json(" in found.blocks[1]


def test_a_method_is_not_shown_again_beside_the_impl_block_that_holds_it():
    from headroom_mcp.pipeline.compress import compress_content
    from headroom_mcp.pipeline.contract import Hints

    path = Path(__file__).parent / "data" / "code" / "pyo3_ffi_descrobject.rs"
    source = path.read_text()
    store = MemoryStore()
    result = compress_content(source, store=store, hints=Hints(path=str(path)), max_tokens=700)
    found = retrieve(result.hash, store=store, query="type_code")
    blocks = found.blocks[1:]
    assert any("impl Default for PyMemberDef {" in block and "type_code: 0," in block for block in blocks)
    bodies = [block.split(": ", 1)[1] for block in blocks]
    assert not [a for a in bodies for b in bodies if a is not b and a in b], "a block repeats another's text"

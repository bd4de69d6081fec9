"""The pipeline's guarantees, whatever a compressor does: never lose, never inflate, fail open."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import read_back
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Compressed, Context, Hints, Item
from headroom_mcp.pipeline.markers import content_key, find_keys
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore, StoreError
from headroom_mcp.pipeline.tokens import count_tokens, estimate_tokens
from samples import api_results


class Always:
    kind = "any"

    def matches(self, content: str, hints: Hints) -> bool:
        return True


class Fixed:
    """A compressor that returns what it is told and remembers the context it got."""

    name = "fixed"

    def __init__(self, make):
        self.make = make
        self.seen: list[Context] = []

    def compress(self, content: str, ctx: Context) -> Compressed | None:
        self.seen.append(ctx)
        return self.make(content, ctx)


def router_with(compressor) -> Router:
    return Router([Route("any", Always(), compressor)])


LINES = "\n".join(f"line {i}: the quick brown fox jumps over the lazy dog {i * 7}" for i in range(600))


def test_compressed_output_is_marked_and_its_original_stored_first():
    store = MemoryStore()
    items = [Item("line 1", "line 1: ...")]
    fixed = Fixed(lambda c, ctx: Compressed("head only", "600 lines → 1 shown", "test", items))
    result = compress_content(LINES, store=store, query="fox 42", routes=router_with(fixed))
    assert result.hash == content_key(LINES)
    assert result.text.startswith("head only\n")
    assert find_keys(result.text) == [result.hash]
    assert 'query="fox 42"' in result.text
    assert store.get(result.hash).content == LINES
    assert store.items(result.hash) == items
    assert result.tokens_before == count_tokens(LINES) and result.tokens_after == count_tokens(result.text)


def test_output_not_clearly_smaller_returns_the_original_and_stores_nothing():
    store = MemoryStore()
    fixed = Fixed(lambda c, ctx: Compressed(c[: int(len(c) * 0.95)], "almost nothing dropped", "test"))
    result = compress_content(LINES, store=store, routes=router_with(fixed))
    assert result.text == LINES and result.hash is None
    assert "saved too little" in result.diagnostics[0]
    assert store.get(content_key(LINES)) is None


def test_compressor_that_raises_fails_open_and_is_logged_once(caplog):
    def broken(content, ctx):
        raise ZeroDivisionError("bad maths")

    routes = router_with(Fixed(broken))
    with caplog.at_level(logging.WARNING):
        first = compress_content(LINES, store=MemoryStore(), routes=routes)
        second = compress_content(LINES + "\nmore", store=MemoryStore(), routes=routes)
    assert first.text == LINES and second.text == LINES + "\nmore"
    assert "ZeroDivisionError: bad maths" in first.diagnostics[0]
    assert len([r for r in caplog.records if "any compressor failed" in r.getMessage()]) == 1


def test_compressor_that_cannot_help_passes_through():
    result = compress_content(LINES, store=MemoryStore(), routes=router_with(Fixed(lambda c, ctx: None)))
    assert result.text == LINES and result.hash is None and "could not help" in result.diagnostics[0]


class BrokenStore(MemoryStore):
    def put(self, *args, **kwargs):
        raise StoreError("disk full")


def test_unwritable_store_means_no_lossy_output():
    fixed = Fixed(lambda c, ctx: Compressed("tiny", "everything dropped", "test"))
    result = compress_content(LINES, store=BrokenStore(), routes=router_with(fixed))
    assert result.text == LINES and "disk full" in result.diagnostics[0]


def test_small_input_passes_through_unless_a_budget_is_given():
    fixed = Fixed(lambda c, ctx: Compressed("x", "dropped", "test"))
    small = "a few words " * 20
    assert compress_content(small, store=MemoryStore(), routes=router_with(fixed)).text == small
    assert fixed.seen == []
    forced = compress_content(small, store=MemoryStore(), max_tokens=5, routes=router_with(fixed))
    assert forced.compressed and fixed.seen[-1].budget_tokens == 5


def test_default_budget_is_a_fraction_with_a_floor_and_a_cap():
    fixed = Fixed(lambda c, ctx: None)
    big = LINES * 5
    huge = LINES * 100
    compress_content(big, store=MemoryStore(), routes=router_with(fixed))
    compress_content(LINES[:8000], store=MemoryStore(), routes=router_with(fixed))
    compress_content(huge, store=MemoryStore(), routes=router_with(fixed))
    assert fixed.seen[0].budget_tokens == int(count_tokens(big) * 0.15)
    assert fixed.seen[1].budget_tokens == 1000
    assert fixed.seen[2].budget_tokens == 20_000


def test_binary_content_is_never_handed_to_a_compressor():
    fixed = Fixed(lambda c, ctx: Compressed("x", "dropped", "test"))
    binary = "\x00\x01\x02binary\x03" * 5000
    result = compress_content(binary, store=MemoryStore(), routes=router_with(fixed))
    assert result.text == binary and fixed.seen == []


def test_json_is_detected_over_the_whole_content():
    rows = api_results(300)
    json_lines = "\n".join(json.dumps(row) for row in rows)
    for content in (json.dumps(rows), json.dumps({"data": {"items": rows}}), json_lines):
        assert compress_content(content, store=MemoryStore()).kind == "json"
    prose_with_braces = "{curly} start but then prose " * 300
    assert compress_content(prose_with_braces, store=MemoryStore()).kind == "text"


def test_large_content_token_estimate_is_close():
    content = json.dumps(api_results(12000), indent=1)
    assert len(content) > 2_000_000
    exact = count_tokens(content)
    assert abs(estimate_tokens(content) - exact) / exact < 0.03


@pytest.mark.parametrize("kind", [None, "json"])
def test_malformed_json_under_the_cap_passes_through(kind):
    broken = json.dumps(api_results(200))[:-3]
    result = compress_content(broken, store=MemoryStore(), kind=kind)
    assert result.text == broken and result.hash is None


def test_malformed_json_over_the_cap_is_cut_to_head_and_tail_and_read_back_exactly():
    broken = json.dumps(api_results(300))[:-3]
    store = MemoryStore()
    result = compress_content(broken, store=store)
    assert count_tokens(broken) > 20_000 >= result.tokens_after
    assert result.text.startswith(broken[:1000]) and broken[-200:] in result.text
    assert "head and tail" in result.diagnostics[0] and "cap:head+tail" in result.transforms
    assert read_back(result.hash, store)[0] == broken


def test_the_path_a_tool_read_is_not_part_of_the_query_compressors_see():
    recorder = Fixed(lambda content, ctx: None)
    hints = Hints(tool_name="read_text_file", path="/srv/docs/guide.md")
    for query in ("/srv/docs/guide.md", "/srv/docs/guide.md install", "install"):
        compress_content(LINES, store=MemoryStore(), query=query, hints=hints, routes=router_with(recorder))
    assert [ctx.query for ctx in recorder.seen] == [None, "install", "install"]


def test_items_made_in_bulk_are_the_items_the_constructor_makes():
    positions, texts = [f"$[{i}]" for i in range(1000)], [json.dumps({"id": i, "ok": i % 7 != 0}) for i in range(1000)]
    made = Item.many(positions, texts)
    assert made == [Item(position, text) for position, text in zip(positions, texts)]
    assert all(type(item) is Item for item in made) and hash(made[3]) == hash(Item("$[3]", texts[3]))
    with pytest.raises(AttributeError):
        made[0].text = "changed"  # still frozen
    with pytest.raises(ValueError):
        Item.many(positions, texts[:-1])
    assert Item.many([], []) == []

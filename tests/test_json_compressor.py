"""The JSON compressor on its own: what it keeps, what it says it dropped, and that it never breaks."""

from __future__ import annotations

import json
import re

import pytest

from headroom_mcp.pipeline.compressors.json_data import JsonCompressor
from headroom_mcp.pipeline.contract import Context
from headroom_mcp.pipeline.markers import content_key, marker
from headroom_mcp.pipeline.tokens import count_tokens
from samples import api_results, failing_ids


def compress(text: str, query: str | None = None, budget: int | None = None):
    tokens = count_tokens(text)
    ctx = Context(
        key=content_key(text),
        budget_tokens=budget or max(1000, int(tokens * 0.15)),
        count_tokens=count_tokens,
        query=query,
    )
    return JsonCompressor().compress(text, ctx)


def closing(result, text: str) -> str:
    return f"{result.text}\n{marker(result.summary, content_key(text))}"


def omitted_counts(summary: str) -> int:
    inside = re.search(r"omitted \(([^)]*)\)", summary).group(1)
    return sum(int(part.split()[0]) for part in inside.split(", "))


@pytest.mark.parametrize("error_field", [False, True])
def test_api_results_keep_every_failure_and_save_80_percent(error_field):
    rows = api_results(error_field=error_field)
    text = json.dumps(rows, indent=2)
    result = compress(text)
    out = closing(result, text)
    assert count_tokens(out) <= 0.2 * count_tokens(text)
    for i in failing_ids():
        assert rows[i]["id"] in result.text and rows[i]["error"]["message"] in result.text
    shown = sum(row["id"] in result.text for row in rows)
    assert shown < 100  # healthy rows, error null or absent, are not failures
    assert re.search(rf"1000 rows → {shown} shown; {1000 - shown} omitted", result.summary)
    assert omitted_counts(result.summary) == 1000 - shown
    assert [item.position for item in result.items] == [f"$[{i}]" for i in range(1000)]
    assert json.loads(result.items[421].text) == rows[421]


def test_array_inside_an_object_keeps_the_rest_of_the_document():
    rows = api_results()
    text = json.dumps({"data": {"items": rows}, "total": 1000, "next_cursor": "abc"}, indent=2)
    result = compress(text)
    assert '"next_cursor":"abc"' in result.text and '"total":1000' in result.text
    assert "$.data.items: 1000 records" in result.text
    assert result.items[7].position == "$.data.items[7]"


def test_json_lines():
    rows = api_results()
    text = "\n".join(json.dumps(row) for row in rows)
    result = compress(text)
    assert result is not None and result.transform == "json:rows"
    assert all(rows[i]["id"] in result.text for i in failing_ids())


def test_query_keeps_a_healthy_row_that_would_be_dropped():
    text = json.dumps(api_results(), indent=2)
    assert "req-00421" not in compress(text).text
    assert '[421] ["req-00421"' in compress(text, query="req-00421").text


def test_numeric_outlier_is_kept():
    rows = api_results(500, failure_rate=0.002)
    rows[250]["latency_ms"] = 60000
    result = compress(json.dumps(rows))
    assert '"req-00250"' in result.text and "60000" in result.text
    assert "outlier" in result.summary


def test_rare_category_is_kept():
    rows = api_results(600, failure_rate=0.002)
    rows[300]["region"] = "sa-east-1"
    assert "sa-east-1" in compress(json.dumps(rows)).text


def test_long_string_is_shortened_but_short_error_message_is_intact():
    rows = api_results()
    failing = failing_ids()[0]
    rows[failing]["stack"] = "at frame\n" * 400
    result = compress(json.dumps(rows))
    assert rows[failing]["error"]["message"] in result.text
    assert "chars]…" in result.text and "at frame\\n" * 400 not in result.text


def test_object_without_a_big_array_keeps_every_key():
    manifest = {
        "name": "left-pad",
        "version": "1.3.0",
        "description": "Pads strings on the left. " * 400,
        "keywords": [f"keyword-{i}" for i in range(60)],
        "scripts": {"test": "node test.js"},
        "license": "WTFPL",
    }
    text = json.dumps(manifest, indent=2)
    result = compress(text, budget=1000)
    assert result.transform == "json:pruned"
    pruned = json.loads(result.text)
    assert list(pruned) == list(manifest)
    assert pruned["scripts"] == manifest["scripts"] and pruned["license"] == "WTFPL"
    assert "more items" in json.dumps(pruned["keywords"])
    assert count_tokens(result.text) < count_tokens(text) * 0.3


def test_big_array_of_scalars_keeps_failures_and_ends():
    lines = [f"GET /static/asset-{i}.js 200" for i in range(2000)]
    lines[1234] = "GET /api/orders 500 upstream timed out"
    result = compress(json.dumps(lines))
    assert "timed out" in result.text and "[0] " in result.text and "[1999] " in result.text


def test_small_uniform_array_is_re_encoded_losslessly_as_a_table():
    rows = [{"name": f"pkg-{i}", "version": f"1.{i}.0", "ok": True} for i in range(40)]
    text = json.dumps(rows, indent=4)
    result = compress(text, budget=100_000)
    assert result.lossless and result.transform == "json:table"
    assert '$: 40 records; columns ["name","version","ok"]' in result.text
    table_rows = [json.loads(line) for line in result.text.splitlines()[1:]]
    assert table_rows == [[row["name"], row["version"], row["ok"]] for row in rows]


@pytest.mark.parametrize(
    "text",
    [
        '{"truncated": [1, 2, 3',
        "\x00\x01binary\xff" * 100,
        "[" * 10000 + "]" * 10000,
        json.dumps([{"name": "lone \udc80 surrogate", "n": i} for i in range(300)]),
        '[{"n": NaN}, {"n": Infinity}]' * 1,
        "not json at all",
    ],
    ids=["malformed", "binary", "deep", "lone-surrogate", "nan", "prose"],
)
def test_bad_input_never_raises(text):
    result = compress(text, budget=50)
    if result is not None:
        result.text.encode("utf-8")  # whatever comes back can be sent


def test_same_input_gives_identical_output():
    text = json.dumps(api_results(), indent=2)
    assert compress(text, query="payments") == compress(text, query="payments")


def test_rows_given_as_arrays_keep_their_failures():
    header = [["id", "status", "latency_ms"]]
    rows = [[f"job-{i}", "passed", 100 + i % 7] for i in range(3000)]
    rows[1777] = ["job-1777", "failed: OOM killed", 104]
    result = compress(json.dumps(header + rows))
    assert "job-1777" in result.text and "OOM killed" in result.text
    assert '[0] ["id","status","latency_ms"]' in result.text
    assert count_tokens(result.text) < count_tokens(json.dumps(rows)) * 0.2

"""The JSON compressor on its own: what it keeps, what it says it dropped, and that it never breaks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Context
from headroom_mcp.pipeline.disk_store import DiskStore
from headroom_mcp.pipeline.kinds.json.compress import JsonCompressor
from headroom_mcp.pipeline.markers import content_key, marker
from headroom_mcp.pipeline.retrieval import retrieve
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
    assert len(result.summary) <= 200 and "]" not in result.summary and "\n" not in result.summary
    assert [item.position for item in result.items] == [f"$[{i}]" for i in range(1000)]
    assert json.loads(result.items[421].text) == rows[421]


def test_array_inside_an_object_keeps_the_rest_of_the_document():
    rows = api_results()
    text = json.dumps({"data": {"items": rows}, "total": 1000, "next_cursor": "abc"}, indent=2)
    result = compress(text)
    assert '"next_cursor":"abc"' in result.text and '"total":1000' in result.text
    assert "$.data.items: 1000 records" in result.text
    assert [item.position for item in result.items] == [f"$.data.items[{i}]" for i in range(1000)]


def test_json_lines():
    rows = api_results()
    text = "\n".join(json.dumps(row) for row in rows)
    result = compress(text)
    assert result is not None and result.transform == "json:rows"
    assert all(rows[i]["id"] in result.text for i in failing_ids())
    assert result.items[17].position == "$[17]" and json.loads(result.items[17].text) == rows[17]
    assert result.text.startswith("$: 1000 JSON lines, ")  # the index is the line's, not an array's
    assert count_tokens(result.text) < 0.2 * count_tokens(text)


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
    assert pruned["keywords"][:3] == ["keyword-0", "keyword-1", "keyword-2"]
    assert pruned["keywords"][-1] == "keyword-59" and any("items omitted" in k for k in pruned["keywords"])
    assert "chars]…" in pruned["description"]
    assert count_tokens(result.text) < count_tokens(text) * 0.3
    # What was shortened can be fetched back whole by its path.
    by_path = {item.position: item.text for item in result.items}
    assert json.loads(by_path["$.description"]) == manifest["description"]
    assert json.loads(by_path["$.keywords"]) == manifest["keywords"]


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
    assert result.summary == "40 records re-encoded as a table; nothing omitted"
    assert [json.loads(item.text) for item in result.items] == rows


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


def test_lone_surrogate_is_escaped_alone_and_other_text_stays_readable():
    rows = [{"name": f"café ☕ {i}", "note": "ok"} for i in range(300)]
    rows[5]["note"] = "broken \udc80 byte"
    result = compress(json.dumps(rows, ensure_ascii=False), budget=100_000)
    result.text.encode("utf-8")
    assert "café ☕ 7" in result.text and "\\udc80" in result.text
    assert json.loads(result.items[5].text)["note"] == "broken \udc80 byte"


def test_too_many_failures_for_the_budget_shows_every_kind_first():
    rows = [{"id": f"r{i}", "status": 200, "error": None} for i in range(2000)]
    for i in range(600):  # many failures of one kind, more than the budget holds
        rows[i] = {"id": f"r{i}", "status": 503, "error": {"code": "DB_DOWN", "message": f"pool exhausted {i}"}}
    rows[1900] = {"id": "r1900", "status": 507, "error": {"code": "DISK_FULL", "message": "no space left"}}
    result = compress(json.dumps(rows), budget=1000)
    assert '"DISK_FULL"' in result.text and '"DB_DOWN"' in result.text
    assert "failing rows did not fit the budget" in result.summary
    assert count_tokens(result.text) < 1000


def test_rare_failure_values_are_kept_and_a_false_error_flag_is_not_a_failure():
    rows = [{"job": f"j{i}", "ok": True, "error": False, "state": "succeeded", "n": i % 5} for i in range(1500)]
    rows[300]["ok"] = False
    rows[900]["state"] = "failed"
    result = compress(json.dumps(rows, indent=2))
    assert '[300] ["j300",false' in result.text and '[900] ["j900",true,false,"failed"' in result.text
    shown = [line for line in result.text.splitlines() if line.startswith("[")]
    assert len(shown) < 20  # error=false in every row did not make every row a failure


def test_several_big_arrays_in_one_document():
    doc = {"requests": api_results(400), "users": [{"id": i, "name": f"user {i}"} for i in range(1500)]}
    result = compress(json.dumps(doc))
    assert "$.requests: 400 records" in result.text and "$.users: 1500 records" in result.text
    positions = [item.position for item in result.items]
    assert positions[:400] == [f"$.requests[{i}]" for i in range(400)]
    assert positions[400:] == [f"$.users[{i}]" for i in range(1500)]
    assert "$.requests:" in result.summary and "$.users:" in result.summary


def test_long_value_outside_the_array_is_pruned_but_kept_by_key():
    doc = {"query": "x" * 5000, "items": api_results(), "next_cursor": "abc"}
    result = compress(json.dumps(doc))
    assert result.transform == "json:rows+json:pruned"
    assert '"next_cursor":"abc"' in result.text and "chars]…" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "[" + "1" * 5000 + "]",
        '{"big": 1e999, "rows": [' + ",".join(['{"a": 1}'] * 50) + "]}",
        '{"a": "\\ud800"}\n{"a": "\\udfff x"}\n',
        "\n".join(['{"a": 1}'] * 20 + ["{broken"]),
    ],
    ids=["huge-int", "huge-float", "jsonl-surrogates", "jsonl-broken-line"],
)
def test_odd_numbers_and_lines_never_raise(text):
    result = compress(text, budget=20)
    if result is not None:
        result.text.encode("utf-8")


def test_determinism_covers_every_field_of_the_result():
    rows = api_results(error_field=True)
    rows[10]["latency_ms"] = 60000
    text = json.dumps({"data": {"items": rows}, "total": 1000}, indent=2)
    first, second = compress(text, query="payments timed out"), compress(text, query="payments timed out")
    assert first.text == second.text and first.summary == second.summary and first.items == second.items


def shown_lines(result) -> list[str]:
    return [line for line in result.text.splitlines() if re.match(r"\[\d+\] ", line)]


def test_records_without_the_table_keys_are_shown_whole_not_padded_with_null():
    rows = api_results()  # failing rows alone have an "error" key
    result = compress(json.dumps(rows))
    assert "(records with other keys shown whole)" in result.text.splitlines()[0]
    first_failure = failing_ids()[0]
    line = next(line for line in shown_lines(result) if line.startswith(f"[{first_failure}] "))
    assert json.loads(line.split(" ", 1)[1]) == rows[first_failure]
    assert all(line.endswith('"]') or line.endswith("}") for line in shown_lines(result))


def test_a_failing_element_deep_in_a_nested_list_is_shown_with_its_position():
    suites = [
        {"suite": f"s{j}", "tests": [{"name": f"t{j}-{i}", "status": "passed", "ms": 10 + i % 5} for i in range(200)]}
        for j in range(12)
    ]
    suites[7]["tests"][137] = {"name": "t7-137", "status": "failed", "ms": 12, "message": "expected 3, got 4"}
    result = compress(json.dumps(suites))
    line = next(line for line in shown_lines(result) if line.startswith("[7] "))
    assert '"t7-137","status":"failed"' in line and "expected 3, got 4" in line
    assert "items omitted, 10..136" in line  # the gap before it says which items are missing
    assert "failure" in result.summary


def test_a_query_naming_a_field_or_a_common_value_does_not_flood_the_output():
    text = json.dumps(api_results(), indent=2)
    plain = compress(text)
    assert compress(text, query="status").text == plain.text  # every row has the key: no signal
    common = compress(text, query="/api/v1/payments")  # about a fifth of the rows
    assert count_tokens(common.text) < 2 * count_tokens(plain.text)
    assert re.search(r"\d+ rows match the query, \d+ shown", common.summary)


def test_a_query_sentence_finds_the_row_it_names():
    text = json.dumps(api_results(), indent=2)
    result = compress(text, query="SELECT * FROM requests WHERE id = 'req-00421'")
    assert '[421] ["req-00421"' in result.text


def test_both_sides_of_a_gap_in_sorted_timestamps_are_kept():
    rows = [{"t": f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z", "v": i % 3} for i in range(900)]
    for i in range(600, 900):  # the service was silent for two hours
        rows[i]["t"] = f"2026-11-20T12:{i // 60:02d}:{i % 60:02d}Z"
    result = compress(json.dumps(rows))
    starts = {line.split(" ", 1)[0] for line in shown_lines(result)}
    assert {"[599]", "[600]"} <= starts
    assert "gap" in result.summary


def test_records_that_are_lists_do_not_pass_for_table_rows():
    rows: list = [{"a": i, "b": f"x{i}"} for i in range(60)]
    rows[5] = [5, "x5"]  # would read like the table row of {"a": 5, "b": "x5"}
    result = compress(json.dumps(rows, indent=2), budget=100_000)
    assert result.lossless and result.transform == "json:minified"
    assert json.loads(result.text) == rows


def test_summary_counts_by_category_add_up_and_fit_in_the_marker():
    rows = [{"id": i, "status": "ok", "ms": 100 + i % 9} for i in range(3000)]
    for i in range(0, 3000, 20):  # 150 failures of two kinds: more than the budget holds
        rows[i]["status"] = "timeout" if i % 40 else "failed"
    result = compress(json.dumps(rows), budget=1000)
    kept = len(shown_lines(result))
    assert re.match(rf"3000 rows → {kept} shown; {3000 - kept} omitted \(", result.summary)
    assert omitted_counts(result.summary) == 3000 - kept
    assert "status=ok" in result.summary and "status=timeout" in result.summary
    assert "failing rows did not fit the budget" in result.summary
    assert len(result.summary) <= 200 and "]" not in result.summary and "\n" not in result.summary
    assert '"timeout"' in result.text and '"failed"' in result.text  # one of each kind before more of either


@pytest.mark.parametrize(
    ("field", "healthy", "failing"),
    [
        ("status", "completed", "failed"),
        ("ok", True, False),
        ("success", True, False),
        ("code", 200, 503),
        ("log", "request served", "Traceback (most recent call last): KeyError 'user'"),
        ("result", "ok", "NullPointerException at Foo.bar(Foo.java:12)"),
        ("result", "ok", "UPSTREAM_TIMEOUT"),
    ],
)
def test_failures_are_judged_by_value(field, healthy, failing):
    rows = [{"id": f"job-{i}", field: healthy, "error": None, "n": i % 4} for i in range(1200)]
    rows[777][field] = failing
    result = compress(json.dumps(rows, indent=1))
    assert '"job-777"' in result.text
    assert len(shown_lines(result)) < 20  # "error": null everywhere did not make every row a failure


def test_a_field_filled_in_only_in_a_few_rows_is_shown_whatever_its_name():
    rows = [{"id": f"q{i}", "data": {"user": {"name": f"n{i}"}}} for i in range(1000)]
    for i in (123, 456, 789):  # no failure word, no status: only the value's presence is unusual
        rows[i]["problems"] = [{"message": "Cannot return null for non-nullable field User.email"}]
    result = compress(json.dumps(rows))
    assert all(f'"q{i}"' in result.text for i in (123, 456, 789))
    assert len(shown_lines(result)) < 20


def test_huge_integers_do_not_break_the_statistics():
    rows = [{"id": i, "big": 10**400 + i, "ms": 100 + i % 7} for i in range(400)]
    result = compress(json.dumps(rows))
    assert result is not None and str(10**400 + 3)[:50] in json.dumps([item.text for item in result.items])


def test_binary_read_with_surrogateescape_is_not_json():
    text = (b"\x00\xff\xfe\x80 not json " * 200).decode("utf-8", "surrogateescape")
    assert compress(text) is None


def test_output_is_identical_across_hash_seeds():
    """Set and dict order must not leak into the output (string hashing differs per process)."""
    script = (
        "import hashlib, json, sys; sys.path.insert(0, 'tests');"
        "from test_json_compressor import compress; from samples import api_results;"
        "rows = api_results(error_field=True); rows[5]['region'] = 'sa-east-1'; rows[9]['latency_ms'] = 9000;"
        "r = compress(json.dumps({'data': rows, 'meta': {'x': 'y' * 900}}), query='payments timed out eu-west-1');"
        "print(hashlib.sha256(repr((r.text, r.summary, r.transform, r.items)).encode()).hexdigest())"
    )
    root = Path(__file__).resolve().parent.parent
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


def test_an_object_with_nothing_long_to_shorten_is_minified_losslessly():
    # Under 100 keys an object is a record; with thousands of keys it is a map, a collection of entries
    # (test_a_big_object_used_as_a_map_is_a_collection).
    settings = {f"option_{i}": i % 7 == 0 for i in range(90)}
    text = json.dumps(settings, indent=4)
    result = compress(text, budget=100)
    assert result.lossless and result.transform == "json:minified"
    assert json.loads(result.text) == settings and result.summary == "minified; nothing omitted"


def test_both_sides_of_a_change_of_regime_are_kept_but_a_blip_is_not_a_change():
    rows = [{"seq": i, "build": "v1" if i < 700 else "v2", "ms": 100 + i % 9} for i in range(1000)]
    rows[300]["build"] = "v0"  # one odd row: a rare value, not a change of regime
    result = compress(json.dumps(rows))
    starts = {line.split(" ", 1)[0] for line in shown_lines(result)}
    assert {"[699]", "[700]", "[300]"} <= starts and not {"[299]", "[301]"} & starts
    assert "change-point" in result.summary


def test_an_error_line_among_many_log_lines_of_a_record_is_shown():
    rows = [{"job": f"j{i}", "logs": [f"step {k} done" for k in range(100)]} for i in range(60)]
    rows[33]["logs"][80] = "ERROR: disk quota exceeded"
    result = compress(json.dumps(rows))
    line = next(line for line in shown_lines(result) if line.startswith("[33] "))
    assert "ERROR: disk quota exceeded" in line and "items omitted, 10..79" in line


# Recorded once from real runs (see tests/data/json/README.md): sqlite3 -json over vega_datasets'
# seattle-weather.csv and cars.json, pip list -v --format=json, pip inspect, npm view typescript --json.
DATA = Path(__file__).parent / "data" / "json"


def recorded(name: str) -> str:
    return (DATA / name).read_text()


def shown_rows(result, rows: list) -> dict[int, dict]:
    """The rows a reader sees, by index, from the ``[index] row`` lines of the output."""
    return {int(line[1 : line.index("]")]): rows[int(line[1 : line.index("]")])] for line in shown_lines(result)}


def test_daily_measurements_keep_each_columns_min_max_and_dates_without_padding():
    text = recorded("sqlite_weather_daily.json")
    rows = json.loads(text)
    result = compress(text)
    shown = shown_rows(result, rows)
    for column in ("precipitation", "temp_max", "temp_min", "wind"):
        values = [row[column] for row in rows]
        assert any(row[column] == max(values) for row in shown.values()), f"max {column}"
        assert any(row[column] == min(values) for row in shown.values()), f"min {column}"
    dates = sorted(row["date"] for row in rows)
    assert {dates[0], dates[-1]} <= {row["date"] for row in shown.values()}
    assert {row["weather"] for row in rows} == {row["weather"] for row in shown.values()}
    # What is left looks like what is shown: a few samples, not the budget filled with look-alike days.
    assert len(shown) <= 40 and count_tokens(result.text) < max(1000, count_tokens(text) * 0.15) / 4
    assert f"1461 rows → {len(shown)} shown" in result.summary


def test_rows_where_a_usually_filled_numeric_column_is_null_are_shown():
    text = recorded("sqlite_cars.json")
    rows = json.loads(text)
    result = compress(text)
    shown = shown_rows(result, rows)
    nulls = [i for i, row in enumerate(rows) if row["Miles_per_Gallon"] is None or row["Horsepower"] is None]
    assert len(nulls) == 14 and set(nulls) <= set(shown)
    assert "null" in result.summary


def test_pip_list_is_shown_whole_once_its_constant_columns_are_said_once():
    text = recorded("pip_list_verbose.json")
    packages = json.loads(text)
    result = compress(text)
    assert result.lossless and result.transform == "json:table"
    assert count_tokens(closing(result, text)) <= 1000
    header, *lines = result.text.splitlines()
    columns = json.loads(re.search(r"columns (\[.*?\])", header).group(1))
    constants = json.loads(re.search(r"every row also has (\{.*?\})", header).group(1))
    assert columns == ["name", "version"] and set(constants) == {"location", "installer"}
    rebuilt = []
    for line in lines:
        value = json.loads(line)
        rebuilt.append({**dict(zip(columns, value)), **constants} if isinstance(value, list) else value)
    assert rebuilt == packages  # every name and version, and nothing lost


def test_pip_inspect_shows_every_package_when_shortened_records_fit_and_readmes_are_not_failures():
    text = recorded("pip_inspect.json")
    installed = json.loads(text)["installed"]
    result = compress(text)
    for package in installed:
        name, version = package["metadata"]["name"], package["metadata"]["version"]
        assert f'"name":"{name}","version":"{version}"' in result.text
    assert count_tokens(closing(result, text)) <= max(1000, count_tokens(text) * 0.15)
    # A README that mentions errors (requests, pytest, numpy ...) does not make its package a failure.
    assert not re.search(r"\d{2,} failure", result.summary)


def npm_view() -> tuple[str, dict]:
    text = recorded("npm_view_typescript.json")
    return text, json.loads(text)


def test_npm_view_comes_back_under_20000_tokens_with_the_newest_versions_and_their_dates(tmp_path):
    text, package = npm_view()
    with DiskStore(tmp_path / "store") as store:
        result = compress_content(text, store=store)
        assert result.compressed and result.tokens_after < 20_000
        times = package["time"]
        latest = package["dist-tags"]["latest"]
        newest = sorted(times, key=lambda version: times[version])[-3:]
        for version in [latest, *newest]:
            assert f"{json.dumps(version)}: {json.dumps(times[version])}" in result.text
        for version in package["versions"][-3:]:
            assert f'] "{version}"' in result.text
        found = retrieve(result.hash, store=store, query="5.4.2")
        assert f'$.time["5.4.2"]: {{"5.4.2":"{times["5.4.2"]}"}}' in found.blocks[1:4]


def test_a_big_object_used_as_a_map_is_a_collection():
    text, package = npm_view()
    keys = list(package["time"])
    result = compress(text, query="5.4.2", budget=20_000)
    assert '"time":"<3478 entries: $.time below>"' in result.text
    assert "$.time: 3478 entries, " in result.text
    for key in [*keys[:3], *keys[-3:], "5.4.2"]:
        assert f"\n{json.dumps(key)}: " in result.text
    shown = len(re.findall(r'^"[^"]+": "', result.text, flags=re.MULTILINE))
    assert shown < 100 and f"$.time: 3478 entries → {shown} shown; {3478 - shown} omitted" in result.summary


def test_a_long_list_of_scalars_shows_its_ends_and_query_matches_with_a_count():
    text, package = npm_view()
    versions = package["versions"]
    result = compress(text, query="5.4.2", budget=20_000)
    for index in [0, 1, 2, len(versions) - 2, len(versions) - 1, versions.index("5.4.2")]:
        assert f'\n[{index}] "{versions[index]}"' in result.text
    shown = len(re.findall(r'^\[\d+\] "', result.text, flags=re.MULTILINE))
    assert f"$.versions: 3478 rows → {shown} shown; {3478 - shown} omitted" in result.summary


def test_every_row_and_entry_stays_retrievable_at_its_position():
    text, package = npm_view()
    result = compress(text, budget=20_000)
    by_position = {item.position: item.text for item in result.items}
    assert len(result.items) == len(package["versions"]) + len(package["time"])
    assert json.loads(by_position['$.time["5.4.2"]']) == {"5.4.2": package["time"]["5.4.2"]}
    assert json.loads(by_position["$.versions[100]"]) == package["versions"][100]


@pytest.mark.parametrize(
    "name",
    [
        "sqlite_weather_daily.json",
        "sqlite_cars.json",
        "pip_list_verbose.json",
        "pip_inspect.json",
        "npm_view_typescript.json",
    ],
)
@pytest.mark.parametrize("cap", [300, 1500, 6000])
def test_a_callers_cap_is_never_exceeded_with_the_closing_marker(name, cap):
    text = recorded(name)
    ctx = Context(
        key=content_key(text), budget_tokens=cap, count_tokens=count_tokens, budget_is_cap=True, query="weather"
    )
    result = JsonCompressor().compress(text, ctx)
    assert count_tokens(f"{result.text}\n{marker(result.summary, ctx.key, ctx.query)}") <= cap
    assert JsonCompressor().compress(text, ctx).text == result.text


def test_a_cap_holds_for_one_record_without_a_big_collection():
    record = json.loads(recorded("pip_inspect.json"))["installed"][5]
    text = json.dumps(record, indent=2)
    for cap in (150, 600):
        ctx = Context(key=content_key(text), budget_tokens=cap, count_tokens=count_tokens, budget_is_cap=True)
        result = JsonCompressor().compress(text, ctx)
        assert count_tokens(f"{result.text}\n{marker(result.summary, ctx.key)}") <= cap
        assert record["metadata"]["name"] in result.text and not result.lossless


def test_rows_holding_nul_characters_or_their_escape_stay_retrievable_exactly():
    # Rows are written at once with a NUL between each two, then cut apart: a row's own NUL must not cut it.
    rows = [{"id": i, "note": "a\x00b" if i % 7 else "plain", "raw": "\\u0000" if i % 11 else "x"} for i in range(300)]
    result = compress(json.dumps(rows), budget=1000)
    assert [json.loads(item.text) for item in result.items] == rows

    names = {f"v{i}": "\x00" if i % 5 == 0 else f"1.0.{i}" for i in range(150)}
    result = compress(json.dumps({"rows": rows, "names": names}), budget=1000)
    by_position = {item.position: json.loads(item.text) for item in result.items}
    assert [by_position[f"$.rows[{i}]"] for i in range(300)] == rows
    assert all(by_position[f"$.names.{key}"] == {key: value} for key, value in names.items())


def test_a_string_equal_to_a_collections_pointer_leaves_the_minified_document_intact():
    # Records of different keys do not make a table: the whole document fits minified.
    rows = [{f"key{i}": i, "name": f"package-{i}"} for i in range(300)]
    doc = {"items": rows, "note": "<300 records: $.items below>", "<300 records: $.items below>": 1}
    result = compress(json.dumps(doc, indent=2), budget=20_000)
    assert result.transform == "json:minified" and json.loads(result.text) == doc


def test_date_columns_read_at_once_give_what_each_value_read_alone_gives():
    from headroom_mcp.pipeline.kinds.json.extremes import date_rows
    from headroom_mcp.pipeline.kinds.json.signals import columns_of

    def one_by_one(values: list[str]) -> list[int]:
        return [i for i, v in enumerate(values) if re.match(r"\d{4}[-/]\d{2}[-/]\d{2}", v)]

    columns = {
        "every": [f"2024/01/{d:02d}T00:00" for d in range(28, 0, -1)],
        "most": [f"2023-02-{d:02d}" if d % 4 else "soon" for d in range(1, 29)],
        "few": [f"2023-02-{d:02d}" if d % 4 == 0 else "n/a" for d in range(1, 29)],
        "nul": [f"2023-03-{d:02d}\x00x" if d % 2 else f"x\x002023-03-{d:02d}" for d in range(1, 29)],
    }
    for key, values in columns.items():
        rows = one_by_one(values)
        found = date_rows(columns_of([{key: v} for v in values]), latest=3)
        if len(rows) < len(values) * 0.5:
            assert found == {}
            continue
        dates = [values[i].replace("/", "-") for i in rows]
        assert found[rows[dates.index(min(dates))]] == f"earliest {key}"
        latest = sorted(range(len(rows)), key=lambda k: (dates[k], -k), reverse=True)[:3]
        assert {rows[k] for k in latest} <= set(found)


def test_texts_without_a_hint_word_are_ruled_out_and_those_with_one_kept():
    from headroom_mcp.pipeline.kinds.json.signals import _hinted, _may_hint

    assert not _may_hint("2026-11-20T10:00:00Z\nreq-00042\n5.0.0-dev.20230101\n/api/v1/users")
    assert _may_hint("Upstream TIMED OUT") and _may_hint("e.r.r") and _may_hint("ECONN_REFUSED")
    texts = ["ok", "req-1", "connection refused", "Fatal: disk", "état: échec", "fine"]
    assert set(_hinted(texts)) == {"connection refused", "Fatal: disk", "état: échec"}


def test_query_words_found_in_the_joined_rows_name_the_rows_each_text_names():
    from headroom_mcp.pipeline.kinds.json.signals import _finder, _holding

    texts = [f'{{"id":{i},"name":"pkg-{i % 7}","tag":"{"beta" if i % 13 == 0 else "stable"}"}}' for i in range(200)]
    for rows in (texts, texts[:3], [*texts[:5], "two\nlines pkg-1", *texts[5:]]):
        holding = _finder(rows)
        for needle in ("beta", "pkg-3", "stable", '"id":1', "lines pkg", "\nlines", "absent"):
            assert holding(needle) == _holding(rows, needle)


def test_an_ascii_output_no_longer_than_the_limit_is_not_counted():
    from headroom_mcp.pipeline.kinds.json.compress import _Tokens

    counted: list[str] = []

    def count(text: str) -> int:
        counted.append(text)
        return count_tokens(text)

    ctx = Context(key="k", budget_tokens=1000, count_tokens=count)
    tokens = _Tokens(ctx, '{"a":1}')
    counted.clear()
    assert tokens.over("x" * 50, 50) is None and counted == []
    assert tokens.over("é" * 50, 50) is None and counted == ["é" * 50]
    assert tokens.over("ab " * 40, 10) == count_tokens("ab " * 40)
    assert tokens.over('{"a":1}', 0) == count_tokens('{"a":1}') and counted[-1] != '{"a":1}'

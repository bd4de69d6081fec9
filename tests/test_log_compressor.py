"""Logs from real runs: a pytest suite with failures, a gcc build, an application's own log, web servers.

Each log is produced here by running the real tool (or was recorded once from
a real run into ``tests/data/log/``: tools not installed here), then compressed through
the default pipeline (detection included) and checked for what a reader of
that log needs: failures, errors, warnings with counts, summaries, and the
way back to every dropped line.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, read_back, require_tools
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.kinds.log import signals
from headroom_mcp.pipeline.kinds.log.signals import Role
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

SUITE = """
import pytest


def div(a, b):
    return a / b


@pytest.mark.parametrize("n", range(1800))
def test_increment(n):
    assert n + 1 > n


@pytest.mark.parametrize("word", [f"word{i}" for i in range(700)])
def test_roundtrip_case(word):
    assert word.upper().lower() == word


def test_div_by_zero():
    assert div(1, 0) == 0


def test_rounding():
    value = round(2.675, 2)
    assert value == 2.68, f"banker's rounding gave {value}"


class TestParser:
    def test_parse_header(self):
        header = {"name": "x"}
        assert header["version"] == "1.0"
"""
FAILING = {
    "test_calc.py::test_div_by_zero": "ZeroDivisionError: division by zero",
    "test_calc.py::test_rounding": "AssertionError: banker's rounding gave 2.67",
    "test_calc.py::TestParser::test_parse_header": "KeyError: 'version'",
}


def saved(result, original: str) -> float:
    """Share of o200k tokens saved, the closing marker included."""
    return 1 - count_tokens(result.text) / count_tokens(original)


def run(content: str, **kwargs):
    store = MemoryStore()
    return compress_content(content, store=store, **kwargs), store


@pytest.fixture(scope="module")
def pytest_log(tmp_path_factory) -> str:
    """A real ``pytest -v`` run: 2,500 passing cases, three failures."""
    folder = tmp_path_factory.mktemp("suite")
    (folder / "test_calc.py").write_text(SUITE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_calc.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout[-2000:]
    return done.stdout


def test_pytest_run_keeps_every_failure_and_saves_ninety_percent(pytest_log):
    assert len(pytest_log.splitlines()) > 2000
    result, _ = run(pytest_log)
    assert result.kind == "log" and result.compressed
    assert saved(result, pytest_log) >= 0.90, result.text
    for test_id, message in FAILING.items():
        assert f"{test_id} FAILED" in result.text
        assert f"FAILED {test_id} - {message}" in result.text
    summary = re.search(r"=+ 3 failed, 2500 passed in [\d.]+s =+", pytest_log).group()
    assert summary in result.text
    # The tracebacks themselves, not only the ids.
    assert "E       AssertionError: banker's rounding gave 2.67" in result.text
    assert_line = SUITE.split("\n").index('    assert value == 2.68, f"banker\'s rounding gave {value}"') + 1
    assert f"test_calc.py:{assert_line}: AssertionError" in result.text
    # The 2,500 passing lines are counted, not listed.
    assert "PASSED" in result.text and result.text.count("PASSED") < 5
    folded = re.findall(r"\[×([\d,]+)\] .*PASSED", result.text)
    assert sum(int(n.replace(",", "")) for n in folded) == 2500


def test_failing_test_name_retrieves_its_whole_traceback(pytest_log):
    result, store = run(pytest_log)
    found = retrieve(result.hash, store=store, query="test_rounding")
    text = "\n".join(found.blocks)
    start = pytest_log.index("_ test_rounding _")
    traceback = pytest_log[pytest_log.rindex("\n", 0, start) + 1 : pytest_log.index("AssertionError\n", start)]
    assert traceback in text
    assert re.search(r"lines \d+–\d+: _+ test_rounding _+", text)


def test_tight_budget_still_names_every_failure(pytest_log):
    result, _ = run(pytest_log, max_tokens=400)
    assert result.compressed and result.tokens_after <= 400 + 60  # the budget, plus the closing marker
    for test_id in FAILING:
        assert test_id in result.text
    assert "3 failed, 2500 passed" in result.text


def test_a_long_session_header_never_costs_a_failure_its_name(pytest_log):
    # The same run from deeper checkouts: the header's paths grow, the failures stay what matters.
    rootdir = re.search(r"^rootdir: (.*)$", pytest_log, re.M).group(0)
    for depth in range(0, 40, 4):
        moved = pytest_log.replace(rootdir, "rootdir: /home/someone" + "/src" * depth + "/suite")
        result, _ = run(moved, max_tokens=400)
        assert [test_id for test_id in FAILING if test_id not in result.text] == [], depth
        assert "3 failed, 2500 passed" in result.text


def test_the_same_log_compresses_to_the_same_bytes(pytest_log):
    assert run(pytest_log)[0].text == run(pytest_log)[0].text


@pytest.fixture(scope="module")
def gcc_log(tmp_path_factory) -> str:
    """A real ``make`` of 40 C files with two kinds of warning each and one syntax error."""
    require_tools("gcc", "make")
    folder = tmp_path_factory.mktemp("cbuild")
    (folder / "src").mkdir()
    for i in range(1, 41):
        (folder / "src" / f"mod{i}.c").write_text(
            textwrap.dedent(
                f"""\
                #include <stdio.h>
                int helper{i}(int n) {{
                    int unused_{i};
                    unsigned int limit = 10;
                    for (int k = 0; k < n; k++) {{
                        if (k < limit) {{ printf("%d\\n", k); }}
                    }}
                    return n;
                }}
                """
            )
        )
    (folder / "src" / "main.c").write_text(
        "int helper1(int n);\nint main(void) {\n    int total = helper1(3)\n    return total;\n}\n"
    )
    (folder / "Makefile").write_text(
        "SRCS := $(sort $(wildcard src/*.c))\nOBJS := $(SRCS:src/%.c=build/%.o)\n"
        "app: $(OBJS)\n\tgcc -o $@ $^\n"
        "build/%.o: src/%.c\n\t@mkdir -p build\n\tgcc -Wall -Wextra -O2 -c $< -o $@\n"
    )
    done = subprocess.run(["make", "-k"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    return done.stdout + done.stderr


def test_build_log_keeps_the_error_and_each_distinct_warning_with_counts(gcc_log):
    result, _ = run(gcc_log)
    assert result.kind == "log" and result.compressed
    assert saved(result, gcc_log) >= 0.80, result.text
    error = next(line for line in gcc_log.splitlines() if ": error: " in line)
    assert error in result.text
    assert re.search(r"make: \*\*\* \[.*\] Error \d", result.text)
    for flag in ("-Wunused-variable", "-Wsign-compare"):
        total = sum(1 for line in gcc_log.splitlines() if flag in line)
        first = next(line for line in gcc_log.splitlines() if flag in line)
        assert first in result.text
        assert f"×{total} in all" in result.text, flag


def _logger_into_text(name: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger of its own writing to a string, as an application's logging configuration would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger, stream


def app_log() -> str:
    """An application's own log, written by :mod:`logging`: routine requests, a repeated warning, one crash."""
    logger, stream = _logger_into_text("shop.api")

    def load_order(order_id: int) -> dict:
        return {"id": order_id, "lines": []}

    def price(order: dict) -> float:
        return sum(line["qty"] for line in order["lines"]) / len(order["lines"])

    try:
        for n in range(3000):
            logger.info("GET /api/orders/%d 200 in %dms user=u%04d", n, 5 + n % 40, n % 97)
            if n % 250 == 0:
                logger.warning("cache miss ratio %.2f above threshold", 0.5 + n / 10000)
            if n == 1717:
                try:
                    price(load_order(n))
                except ZeroDivisionError:
                    logger.exception("pricing failed for order %d", n)
    finally:
        logger.handlers.clear()
    return stream.getvalue()


def test_application_log_keeps_the_crash_and_folds_routine_lines_with_ranges():
    content = app_log()
    result, store = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.90
    assert "pricing failed for order 1717" in result.text
    assert "ZeroDivisionError: division by zero" in result.text
    assert "in price" in result.text  # the project's own frame
    # The request lines around the crash become one template each side, with the range of their values.
    assert re.search(r"\[×1,716\] .*GET /api/orders/\{2–1717\} 200 in \{5–44\}ms", result.text), result.text
    assert re.search(r"\[×1,279\] .*GET /api/orders/\{1718–2996\} 200", result.text), result.text
    assert "cache miss ratio" in result.text and "×12 in all" in result.text
    found = retrieve(result.hash, store=store, query="/api/orders/2024 ")
    assert "GET /api/orders/2024 200" in found.blocks[1]


def german_app_log() -> str:
    """The same kind of application log, its messages in German: every line holds letters beyond ASCII."""
    logger, stream = _logger_into_text("laden.api")
    try:
        for n in range(3000):
            logger.info("Bestellung %d geprüft für Kundin „k%04d“ in %dms", n, n % 97, 5 + n % 40)
            if n % 250 == 0:
                logger.warning("Trefferquote des Zwischenspeichers %.2f über dem Schwellwert", 0.5 + n / 10000)
            if n == 1717:
                try:
                    1 / (n - n)
                except ZeroDivisionError:
                    logger.exception("Preisberechnung für Bestellung %d fehlgeschlagen", n)
    finally:
        logger.handlers.clear()
    return stream.getvalue()


def test_a_log_beyond_ascii_keeps_its_crash_and_folds_like_any_other():
    content = german_app_log()
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.90
    assert "Preisberechnung für Bestellung 1717 fehlgeschlagen" in result.text
    assert "ZeroDivisionError: division by zero" in result.text
    assert re.search(r"\[×1,716\] .*Bestellung \{2–1717\} geprüft für Kundin „k\{0–96\}“ in \{5–44\}ms", result.text)
    assert "Trefferquote des Zwischenspeichers" in result.text and "×12 in all" in result.text


@pytest.mark.parametrize(
    "content",
    [
        "\n".join(f"Paragraph {i}. The service failed to start because the config was wrong." for i in range(300)),
        "\n".join(f"def handler_{i}(event):\n    raise ValueError('bad event {i}')\n" for i in range(200)),
    ],
    ids=["prose", "python-source"],
)
def test_prose_and_code_are_not_logs(content):
    assert compress_content(content, store=MemoryStore()).kind != "log"


def test_a_shell_tool_hint_lowers_the_bar_for_sparse_logs():
    lines = [f"step {i}: copying asset {i}.png" for i in range(400)]
    lines[::8] = [f"2026-01-02 10:00:{i:02d} INFO checkpoint {i}" for i in range(50)]
    content = "\n".join(lines)
    assert compress_content(content, store=MemoryStore()).kind != "log"
    hinted = compress_content(content, store=MemoryStore(), hints=Hints(tool_name="run_command"))
    assert hinted.kind == "log" and hinted.compressed


def test_every_dropped_line_comes_back_by_query_with_its_line_number(pytest_log):
    result, store = run(pytest_log)
    line_number = next(i for i, line in enumerate(pytest_log.splitlines(), 1) if "test_increment[1234]" in line)
    found = retrieve(result.hash, store=store, query="test_increment[1234]")
    assert found.blocks[1].startswith(f"line {line_number}: test_calc.py::test_increment[1234] PASSED")


def test_pages_rebuild_the_exact_original(gcc_log):
    result, store = run(gcc_log)
    text, pages = read_back(result.hash, store, page_tokens=1000)
    assert pages > 1 and text == gcc_log


def test_go_and_cargo_style_failures_are_kept():
    passing = [f"=== RUN   TestCase{i}\n--- PASS: TestCase{i} (0.00s)" for i in range(600)]
    go_log = "\n".join(
        [
            *passing[:300],
            "=== RUN   TestDivide",
            "    calc_test.go:42: Divide(1, 0) = 0, want error",
            "--- FAIL: TestDivide (0.00s)",
            *passing[300:],
            "FAIL",
            "FAIL\texample.com/calc\t0.012s",
        ]
    )
    result, _ = run(go_log)
    assert result.kind == "log" and saved(result, go_log) >= 0.9
    for line in (
        "    calc_test.go:42: Divide(1, 0) = 0, want error",
        "--- FAIL: TestDivide (0.00s)",
        "FAIL\texample.com/calc\t0.012s",
    ):
        assert line in result.text


def test_cargo_test_failures_keep_panics_and_the_result_line(tmp_path):
    require_tools("cargo")
    crate = tmp_path / "calc"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n')
    cases = "\n".join(f"    #[test] fn add_{i}() {{ assert_eq!(add({i}, 1), {i + 1}); }}" for i in range(600))
    (crate / "src" / "lib.rs").write_text(
        "pub fn add(a: i64, b: i64) -> i64 { a + b }\n"
        "pub fn div(a: i64, b: i64) -> i64 { if b == 0 { 0 } else { a / b } }\n"
        "#[cfg(test)]\nmod tests {\n    use super::*;\n"
        f"{cases}\n"
        '    #[test] fn div_by_zero() { assert_eq!(div(1, 0), 1, "division by zero must not give 0"); }\n'
        "}\n"
    )
    done = subprocess.run(
        ["cargo", "test", "--offline"],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "CARGO_TARGET_DIR": str(tmp_path / "target"), "RUST_BACKTRACE": "0"},
    )
    content = done.stdout + done.stderr
    assert done.returncode != 0 and "div_by_zero" in content
    result, store = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.6
    assert "division by zero must not give 0" in result.text
    assert re.search(r"test result: FAILED\. 600 passed; 1 failed", result.text)
    found = retrieve(result.hash, store=store, query="div_by_zero")
    assert any("panicked at src/lib.rs" in block for block in found.blocks)


def test_node_test_runner_failures_are_kept(tmp_path):
    require_tools("node")
    node = shutil.which("node")
    cases = "\n".join(f"test('adds {i}', () => {{ assert.strictEqual({i} + 1, {i + 1}); }});" for i in range(800))
    (tmp_path / "calc.test.js").write_text(
        "const test = require('node:test');\nconst assert = require('node:assert');\n"
        f"{cases}\n"
        "test('parses config', () => { assert.deepStrictEqual({a: 1, b: [1, 2]}, {a: 1, b: [1, 3]}); });\n"
    )
    for reporter in ("spec", "tap"):
        done = subprocess.run(
            [node, "--test", f"--test-reporter={reporter}", "calc.test.js"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        content = done.stdout
        assert done.returncode != 0
        result, _ = run(content)
        assert result.kind == "log" and saved(result, content) >= 0.8, reporter
        assert "parses config" in result.text and "deep-equal" in result.text
        assert re.search(r"(#|ℹ) fail 1", result.text)


def test_a_tight_budget_drops_library_frames_before_the_projects_own():
    import json
    import traceback

    def load_settings(text: str) -> dict:
        return json.loads(text)

    def start_service() -> None:
        load_settings('{"port": 80,}')

    try:
        start_service()
    except json.JSONDecodeError:
        trace = traceback.format_exc()
    library = [line for line in trace.splitlines() if line.startswith("  File ") and "/json/" in line]
    own = [line for line in trace.splitlines() if line.startswith("  File ") and "test_log_compressor.py" in line]
    assert library and own
    routine = [f"2026-01-02 10:{i // 60 % 60:02d}:{i % 60:02d} INFO worker: heartbeat {i}" for i in range(2000)]
    content = "\n".join(
        [*routine[:1000], "2026-01-02 10:16:40 ERROR worker: could not start", *trace.splitlines(), *routine[1000:]]
    )
    result, _ = run(content, max_tokens=300)
    assert result.tokens_after <= 300 + 60  # the budget, plus the closing marker
    assert "json.decoder.JSONDecodeError" in result.text
    assert all(line in result.text for line in own)
    assert not all(line in result.text for line in library)


def test_jest_verbose_output_keeps_the_failure_block_and_the_totals():
    # Written in jest's --verbose format (jest itself is not installed here).
    suites = []
    for suite in range(12):
        suites.append(f" PASS  src/module{suite}.test.js")
        suites.append(f"  module{suite}")
        suites.extend(f"    ✓ handles case {case} ({case % 7} ms)" for case in range(60))
    failure = [
        " FAIL  src/calc.test.js",
        "  Calculator",
        "    ✓ adds (1 ms)",
        "    ✕ divides by zero (3 ms)",
        "",
        "  ● Calculator › divides by zero",
        "",
        "    expect(received).toBe(expected) // Object.is equality",
        "",
        "    Expected: Infinity",
        "    Received: 0",
        "",
        "      12 |   test('divides by zero', () => {",
        "    > 13 |     expect(div(1, 0)).toBe(Infinity);",
        "         |                       ^",
        "      14 |   });",
        "",
        "      at Object.toBe (src/calc.test.js:13:23)",
        "",
    ]
    totals = [
        "Test Suites: 1 failed, 12 passed, 13 total",
        "Tests:       1 failed, 721 passed, 722 total",
        "Snapshots:   0 total",
        "Time:        3.21 s",
        "Ran all test suites.",
    ]
    content = "\n".join([*suites[:400], *failure, *suites[400:], *totals])
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.85
    for line in ("    ✕ divides by zero (3 ms)", "  ● Calculator › divides by zero", "    Received: 0", *totals[:2]):
        assert line in result.text
    assert "    > 13 |     expect(div(1, 0)).toBe(Infinity);" in result.text


def test_unittest_verbose_run_keeps_the_error_and_failure_reports(tmp_path):
    cases = "\n".join(f"    def test_add_{i}(self):\n        self.assertEqual({i} + 1, {i + 1})" for i in range(600))
    (tmp_path / "test_calc.py").write_text(
        "import unittest\n\nclass CalcTest(unittest.TestCase):\n"
        f"{cases}\n"
        "    def test_div(self):\n        self.assertEqual(1 / 0, 0)\n"
        "    def test_concat(self):\n        self.assertEqual('a' + 'b', 'ba', 'concatenation order')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_calc"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    content = done.stderr
    assert done.returncode == 1 and "FAILED (failures=1, errors=1)" in content
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.9
    for line in (
        "ERROR: test_div (test_calc.CalcTest.test_div)",
        "ZeroDivisionError: division by zero",
        "FAIL: test_concat (test_calc.CalcTest.test_concat)",
        "AssertionError: 'ab' != 'ba'",
        "FAILED (failures=1, errors=1)",
    ):
        assert any(kept.startswith(line) for kept in result.text.splitlines()), line
    assert re.search(r"^Ran 602 tests in ", result.text, re.M)


LOG_DATA = ROOT / "tests" / "data" / "log"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Recorded from real runs (see tests/data/log/README.md): what each web server printed, and its distinct exceptions.
WEB_LOGS = {
    "flask_devserver.log": ("ZeroDivisionError: division by zero", "KeyError: 5", "ValueError: invalid literal"),
    "uvicorn_asgi.log": ("KeyError: 'carol'", "ZeroDivisionError: division by zero"),
    "express_morgan.log": ("TypeError: Cannot read properties of undefined", "SyntaxError: Expected double-quoted"),
    "gunicorn_flask.log": ("ZeroDivisionError: division by zero", "ValueError: invalid literal"),
    "django_runserver.log": ("KeyError: 'kiwi'", "ZeroDivisionError: division by zero"),
}


def recorded(name: str) -> str:
    """A recorded log, with the ANSI colours the pipeline strips before detection already stripped."""
    return _ANSI.sub("", (LOG_DATA / name).read_text())


def test_failed_progress_and_short_summary_lines_are_kept_verbatim():
    content = recorded("pytest_more_itertools.log")
    lines = content.splitlines()
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.8
    shown = set(result.text.splitlines())
    progress = [line for line in lines if re.match(r"\S+::\S+ FAILED +\[", line)]
    start = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    summary = lines[start:]
    assert len(progress) >= 10 and len(summary) >= 40
    assert [line for line in progress if line not in shown] == []
    assert [line for line in summary if line not in shown] == []
    # Each failure's report keeps at least its header, whatever else of it fits.
    headers = [line for line in lines if re.match(r"_{3,} \S.* _{3,}$", line)]
    assert len(headers) >= 40 and [line for line in headers if line not in shown] == []


def test_pytest_session_header_and_totals_are_kept_even_under_a_tight_cap():
    content = recorded("pytest_more_itertools.log")
    header = [line for line in content.splitlines()[:6] if re.match(r"platform |rootdir: |configfile: |collect", line)]
    totals = content.splitlines()[-1]
    assert len(header) == 4 and "44 failed, 749 passed" in totals
    for max_tokens in (None, 2000, 600):
        result, _ = run(content, max_tokens=max_tokens)
        assert all(line in result.text.splitlines() for line in [*header, totals]), max_tokens


def test_each_warning_class_keeps_its_first_locations_and_says_its_total():
    content = recorded("make_regex_warnings.log")
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.75
    shown = set(result.text.splitlines())
    by_flag: dict[str, list[str]] = {}
    for line in content.splitlines():
        match = re.search(r": warning: .*\[(-W[\w-]+)\]$", line)
        if match:
            by_flag.setdefault(match.group(1), []).append(line)
    assert len(by_flag["-Wunused-parameter"]) > 50
    for flag, located in by_flag.items():
        assert [line for line in located[:5] if line not in shown] == [], flag
        if len(located) > 1:
            assert f"×{len(located)} in all" in result.text, flag


@pytest.mark.parametrize("name", sorted(WEB_LOGS))
def test_web_server_log_keeps_each_exception_with_its_request_and_counts_the_rest(name):
    content = recorded(name)
    result, store = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.8, result.text
    shown = result.text.splitlines()
    for exception in WEB_LOGS[name]:
        assert any(line.startswith(exception) for line in shown), exception
    # Every request that failed with a 5xx is there, next to its traceback.
    failed = [line for line in content.splitlines() if re.search(r'HTTP/1\.1" 5\d\d\b|^(?:GET|POST) \S+ 5\d\d ', line)]
    assert failed and all(line in shown for line in failed)
    for index, line in enumerate(shown):
        if line in failed:
            near = shown[max(0, index - 2) : index + 3]
            assert any(re.match(r"\w+(?:Error|Exception)\b", other) for other in near), line
    # The routine requests are folded, with counts.
    folded = [line for line in shown if re.match(r"\[×\d+\] .*GET /", line)]
    assert folded and sum(int(re.match(r"\[×(\d+)\]", line).group(1)) for line in folded) > 100


@pytest.mark.parametrize("name", ["pytest_more_itertools.log", "make_regex_warnings.log", *sorted(WEB_LOGS)])
def test_folded_lines_read_as_patterns_not_alternations_of_ids(name):
    result, _ = run(recorded(name))
    alternations = re.findall(r"\{[^{}]*\|[^{}]*\}", result.text)
    assert [a for a in alternations if "/" in a or "::" in a or "." in a] == []


@pytest.mark.parametrize("name", ["pytest_more_itertools.log", "make_regex_warnings.log", *sorted(WEB_LOGS)])
@pytest.mark.parametrize("max_tokens", [300, 1500])
def test_a_callers_cap_is_never_exceeded(name, max_tokens):
    result, _ = run(recorded(name), max_tokens=max_tokens)
    assert result.kind == "log" and result.compressed
    assert result.tokens_after <= max_tokens
    assert "cap:head+tail" not in result.transforms  # the log compressor fit by itself


def test_second_location_of_a_repeated_warning_is_kept(tmp_path):
    require_tools("gcc", "make")
    (tmp_path / "src").mkdir()
    for i in range(1, 31):
        (tmp_path / "src" / f"buf{i}.c").write_text(
            f"#include <string.h>\n"
            f"char *take{i}(const char *name, int flags) {{\n"
            f"    char *copy = (char *)name;\n"
            f"    copy[0] = (char)strlen(name);\n"
            f"    return copy;\n"
            f"}}\n"
        )
    (tmp_path / "Makefile").write_text(
        "OBJS := $(patsubst src/%.c,build/%.o,$(sort $(wildcard src/*.c)))\nall: $(OBJS)\n"
        "build/%.o: src/%.c\n\t@mkdir -p build\n\tgcc -Wall -Wextra -Wcast-qual -c $< -o $@\n"
    )
    done = subprocess.run(["make", "-k"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    content = done.stdout + done.stderr
    located = [line for line in content.splitlines() if line.endswith("[-Wcast-qual]")]
    assert len(located) == 30
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.6
    shown = set(result.text.splitlines())
    assert [line for line in located[:5] if line not in shown] == []
    assert "×30 in all" in result.text
    # Every later place is still named, by file and line, in the note under the first.
    places = [re.match(r"(\S+?):(\d+:\d+):", line).groups() for line in located[5:]]
    note = next(line for line in result.text.splitlines() if "×30 in all" in line)
    assert all(f"{path}:{where}" in note for path, where in places), note


@pytest.mark.parametrize("name", sorted(WEB_LOGS))
def test_a_tight_cap_still_shows_each_distinct_exception(name):
    result, _ = run(recorded(name), max_tokens=500)
    assert result.tokens_after <= 500
    for exception in WEB_LOGS[name]:
        assert any(line.startswith(exception) for line in result.text.splitlines()), exception


@pytest.mark.parametrize("name", ["flask_devserver.log", "gunicorn_flask.log", "django_runserver.log"])
def test_the_first_client_errors_stand_out_from_the_routine_requests(name):
    content = recorded(name)
    not_found = [line for line in content.splitlines() if re.search(r'HTTP/1\.1" 404\b', line)]
    assert len(not_found) >= 3
    result, _ = run(content)
    assert result.kind == "log" and saved(result, content) >= 0.8
    assert all(line in result.text.splitlines() for line in not_found[:3])


def test_a_query_brings_every_line_holding_its_words_into_view():
    content = recorded("make_regex_warnings.log")
    asked = [line for line in content.splitlines() if "unused parameter ‘unused’" in line]
    assert len(asked) > 10
    plain, _ = run(content)
    assert not all(line in plain.text.splitlines() for line in asked)
    result, _ = run(content, query="‘unused’ -Wunused-parameter")
    assert all(line in result.text.splitlines() for line in asked)


@pytest.mark.parametrize(
    ("line", "is_error"),
    [
        ("ERROR: could not open file", True),
        ("npm ERR! code ENOENT", True),
        ("thread 'main' panicked at src/main.rs:3:5", True),
        ("Segmentation fault (core dumped)", True),
        ("E       AssertionError: assert 1 == 2", True),
        ("    raise KeyError(name)", True),
        ("fatal: not a git repository", True),
        ("request timed out after 30s", True),
        ("  ✗ renders the header", True),
        ("ÜBERTRAGUNG FAILED nach 3 Versuchen", True),
        ("installing http-errors@2.0.0", False),
        ("collecting tests/fail/test_a.py", False),
        ("compiling errors.py", False),
        ("0 errors, 2 warnings", False),
        ("Straße: keine errorlosen Fahrten", False),
    ],
)
def test_error_words_count_only_where_they_stand_alone(line, is_error):
    assert (signals.classify(line) is Role.ERROR) is is_error

"""A repeated call's result as a delta: only what changed since the previous result.

Every input comes from a real run made by the test itself: ``python -m pytest``
and ``python -m unittest`` on a small project written to a temporary folder,
run, edited (one test fixed, one broken) and run again; ``ls -la`` and ``find``
over a temporary tree before and after files are added and removed; a copy of
``diskcache/core.py`` from the installed packages, edited in two places; JSON of
real sqlite3 queries (Python's ``sqlite3``) before and after rows are inserted,
deleted and updated, and real ``pip list --format json`` output.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import diskcache.core
import pytest
from conftest import ROOT
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.deltas import MAKERS, Delta, delta, records
from headroom_mcp.pipeline.router import DEFAULT
from headroom_mcp.pipeline.tokens import count_tokens

CALC = """
def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def div(a, b):
    return a / b
"""

TEST_CALC = """
import pytest
from calc import add, sub, div


@pytest.mark.parametrize("n", range(40))
def test_add(n):
    assert add(n, 1) == n + 1


def test_sub():
    assert sub(3, 1) == 2


class TestDiv:
    def test_div(self):
        assert div(4, 2) == 2

    def test_div_zero(self):
        assert div(1, 0) == 0
"""


def run(args: list[str], cwd: Path) -> str:
    """stdout and stderr of a real command, as a tool would return them."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)
    return done.stdout + done.stderr


def delta_of(previous: str, current: str) -> Delta | None:
    """The delta with the kind the pipeline detects for ``current``, as the wrapper will ask for it."""
    return delta(previous, current, DEFAULT.detect(current, Hints()))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def pytest_runs(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """``pytest -v`` and plain ``pytest`` logs of one project before and after: ``sub`` fixed, ``test_mul`` added
    failing, ``test_div_zero`` failing the same way in both runs."""
    project = tmp_path_factory.mktemp("calc")
    (project / "calc.py").write_text(CALC)
    (project / "test_calc.py").write_text(TEST_CALC)
    pytest_cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    before = run([*pytest_cmd, "-v"], project), run(pytest_cmd, project)
    edit(project / "calc.py", "def sub(a, b):\n    return a + b", "def sub(a, b):\n    return a - b")
    edit(project / "test_calc.py", "def test_sub():", "def test_mul():\n    assert add(2, 2) == 5\n\n\ndef test_sub():")
    after = run([*pytest_cmd, "-v"], project), run(pytest_cmd, project)
    return {"verbose": (before[0], after[0]), "plain": (before[1], after[1])}


def test_pytest_rerun_names_the_fixed_test_and_the_failures_left(pytest_runs):
    previous, current = pytest_runs["verbose"]
    assert DEFAULT.detect(current, Hints()) == "log"
    found = delta_of(previous, current)

    assert found is not None and found.transform == "delta:tests"
    assert "fixed: test_calc.py::test_sub (FAILED → PASSED)" in found.text
    assert "test_calc.py::test_mul FAILED" in found.text
    assert "still failing, same error: test_calc.py::TestDiv::test_div_zero" in found.text
    # The new failure's report in full, from the current log.
    report = re.search(r"^_+ test_mul _+$.*?^test_calc.py:\d+: AssertionError$", current, re.M | re.S)
    assert report and report[0] in found.text
    assert "E       assert 4 == 5" in found.text
    summary_line = next(line for line in current.splitlines() if "2 failed, 42 passed" in line)
    assert found.text.endswith(summary_line)
    # The unchanged failure's report and the 40 passing lines are not repeated.
    assert "def test_div_zero" not in found.text
    assert "test_add[7]" not in found.text
    assert found.summary == "2 tests changed state: 1 fixed, 1 new (1 failing); 1 still failing; 41 unchanged"
    assert count_tokens(found.text) * 4 < count_tokens(current)


def test_plain_pytest_rerun_names_the_test_no_longer_failing(pytest_runs):
    previous, current = pytest_runs["plain"]
    found = delta_of(previous, current)

    assert found is not None and found.transform == "delta:tests"
    assert "fixed: test_calc.py::test_sub (FAILED → not failing)" in found.text
    assert "new failure: test_calc.py::test_mul" in found.text
    assert "E       assert 4 == 5" in found.text
    assert "def test_div_zero" not in found.text


def test_unittest_rerun_shows_the_changed_error_in_full(tmp_path):
    methods = "".join(f"    def test_ok_{n}(self):\n        self.assertEqual({n} + 1, {n + 1})\n\n" for n in range(30))
    source = (
        "import unittest\n\n\nclass TestCalc(unittest.TestCase):\n"
        + methods
        + "    def test_sub(self):\n        self.assertEqual(3 - 1, 1)\n\n"
        + "    def test_lookup(self):\n        raise KeyError('boom')\n"
    )
    (tmp_path / "test_u.py").write_text(source)
    previous = run([sys.executable, "-m", "unittest", "-v", "test_u"], tmp_path)
    edit(tmp_path / "test_u.py", "self.assertEqual(3 - 1, 1)", "self.assertEqual(3 - 1, 2)")
    edit(tmp_path / "test_u.py", "KeyError('boom')", "KeyError('bang')")
    edit(tmp_path / "test_u.py", "self.assertEqual(7 + 1, 8)", "self.assertEqual(7 + 1, 9)")
    current = run([sys.executable, "-m", "unittest", "-v", "test_u"], tmp_path)
    found = delta_of(previous, current)

    assert found is not None and found.transform == "delta:tests"
    assert "fixed: test_u.TestCalc.test_sub (FAILED → PASSED)" in found.text
    assert "new failure: test_u.TestCalc.test_ok_7 (PASSED → FAILED)" in found.text
    assert "still failing, error changed: test_u.TestCalc.test_lookup" in found.text
    assert "KeyError: 'bang'" in found.text and "AssertionError: 8 != 9" in found.text
    assert "FAIL: test_ok_7 (test_u.TestCalc.test_ok_7)" in found.text
    assert found.text.endswith("FAILED (failures=1, errors=1)")
    assert "test_ok_3" not in found.text
    assert count_tokens(found.text) * 2 < count_tokens(current)


def test_edited_source_file_gives_a_unified_diff_naming_the_edited_lines(tmp_path):
    original = Path(diskcache.core.__file__).read_text()
    lines = original.splitlines()
    assert lines[96] == "        'get': 'access_count = access_count + 1',"
    assert lines[899] == "            for (filename,) in rows:"
    edited = list(lines)
    edited[96] = "        'get': 'access_count = access_count + 2',"
    edited[899:899] = ["            # remove the files of the culled rows", "            rows = sorted(rows)"]
    current = "\n".join(edited) + "\n"
    assert DEFAULT.detect(current, Hints(path="core.py")) == "code"
    found = delta_of(original, current)

    assert found is not None and found.transform == "delta:text"
    headers = [line for line in found.text.splitlines() if line.startswith("@@")]
    assert headers == ["@@ -94,7 +94,7 @@", "@@ -897,6 +897,8 @@"]
    assert "-        'get': 'access_count = access_count + 1'," in found.text
    assert "+        'get': 'access_count = access_count + 2'," in found.text
    assert "+            rows = sorted(rows)" in found.text
    assert found.summary == "2 hunks: +3 -1 lines; 2,451 unchanged"
    assert count_tokens(found.text) * 50 < count_tokens(current)


def test_big_file_diff_reapplies_to_the_current_file():
    """10,000+ lines of real source with edits spread through it: the hunks rebuild the current text exactly."""
    site = Path(diskcache.core.__file__).parent.parent
    sources = ["diskcache/core.py", "diskcache/fanout.py", "diskcache/persistent.py", "anyio/_core/_fileio.py"]
    lines = [line for name in sources * 3 for line in (site / name).read_text().splitlines()]
    assert len(lines) > 10_000
    edited = list(lines)
    for at in range(500, len(lines), 1_000):
        edited[at] = edited[at] + "  # edited"
        edited.insert(at + 10, "inserted = True")
    found = delta("\n".join(lines), "\n".join(edited), "code")

    assert found is not None
    assert apply_unified(lines, found.text) == edited
    assert found.summary.startswith(f"{2 * len(range(500, len(lines), 1_000))} hunks")


def apply_unified(old: list[str], diff: str) -> list[str]:
    """``old`` with the hunks of a unified diff applied, checking every context and removed line."""
    out, position = [], 0
    body = diff.splitlines()[2:]
    for line in body:
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$", line)
        if header:
            start = int(header[1]) - (1 if header[2] != "0" else 0)
            out += old[position:start]
            position = start
        elif line[0] == "+":
            out.append(line[1:])
        else:
            assert old[position] == line[1:], (position, line)
            if line[0] == " ":
                out.append(line[1:])
            position += 1
    return out + old[position:]


def make_tree(root: Path) -> None:
    for package in ("app", "app/models", "tests"):
        (root / package).mkdir(parents=True, exist_ok=True)
        for n in range(8):
            (root / package / f"module_{n}.py").write_text("x = 1\n" * (n + 1))


@pytest.mark.parametrize("command", [["find", ".", "-type", "f"], ["ls", "-laR"]], ids=["find", "ls-laR"])
def test_listing_rerun_lists_the_files_added_and_removed(tmp_path, command):
    make_tree(tmp_path)
    previous = run(command, tmp_path)
    (tmp_path / "app" / "models" / "invoice.py").write_text("y = 2\n")
    (tmp_path / "tests" / "test_invoice.py").write_text("z = 3\n")
    (tmp_path / "app" / "module_3.py").unlink()
    current = run(command, tmp_path)
    assert DEFAULT.detect(current, Hints()) == "listing"
    found = delta_of(previous, current)

    assert found is not None and found.transform == "delta:lines"
    added = [line for line in found.text.splitlines() if line.startswith("+ ")]
    removed = [line for line in found.text.splitlines() if line.startswith("- ")]
    assert any("invoice.py" in line for line in added)
    assert any("test_invoice.py" in line for line in added)
    assert any("module_3.py" in line for line in removed)
    assert not any("module_5.py" in line for line in added + removed)
    assert count_tokens(found.text) * 2 < count_tokens(current)


def query_json(db: sqlite3.Connection) -> str:
    """A query's rows as JSON objects, the way a database tool returns them."""
    cursor = db.execute("SELECT id, customer, status, total, updated_at FROM orders ORDER BY id")
    names = [column[0] for column in cursor.description]
    return json.dumps([dict(zip(names, row)) for row in cursor.fetchall()], indent=2)


def test_json_rows_show_added_removed_and_changed_fields_old_and_new(tmp_path):
    db = sqlite3.connect(tmp_path / "shop.db")
    db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, status TEXT, total REAL, updated_at TEXT)")
    db.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
        [(n, f"customer-{n % 17}", "paid", round(n * 3.7, 2), "2026-03-01") for n in range(1, 101)],
    )
    previous = query_json(db)
    db.execute("UPDATE orders SET status = 'refunded', updated_at = '2026-03-02' WHERE id = 42")
    db.execute("DELETE FROM orders WHERE id = 17")
    db.execute("INSERT INTO orders VALUES (101, 'customer-new', 'pending', 12.5, '2026-03-02')")
    current = query_json(db)
    assert DEFAULT.detect(current, Hints()) == "json"
    found = delta_of(previous, current)

    assert found is not None and found.transform == "delta:rows"
    assert '"id":101,"customer":"customer-new","status":"pending"' in found.text
    assert "  id=17" in found.text.splitlines()
    assert 'id=42: status "paid" → "refunded"; updated_at "2026-03-01" → "2026-03-02"' in found.text
    assert "id=43" not in found.text
    assert found.summary == '$: 100 rows, 1 added, 1 removed, 1 changed; 98 unchanged (rows keyed by "id")'
    assert count_tokens(found.text) * 20 < count_tokens(current)


def test_pip_list_json_is_keyed_by_package_name():
    listed = run([sys.executable, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"], ROOT)
    packages = json.loads(listed)
    assert len(packages) > 20
    upgraded = [dict(row) for row in packages if row["name"] != packages[3]["name"]]
    upgraded[0]["version"] = upgraded[0]["version"] + ".post1"
    current = json.dumps(upgraded)
    found = delta_of(listed, current)

    assert found is not None and found.transform == "delta:rows"
    assert f"name={json.dumps(packages[3]['name'])}" in found.text
    old_version = packages[0]["version"]
    assert f'version "{old_version}" → "{old_version}.post1"' in found.text


def test_identical_results_give_an_empty_identical_delta(pytest_runs):
    _, current = pytest_runs["verbose"]
    found = delta_of(current, current)
    assert found == Delta(
        text="", summary="identical to the previous result", identical=True, transform="delta:identical"
    )


def test_unrelated_results_give_none(pytest_runs):
    site = Path(diskcache.core.__file__).parent
    assert delta((site / "core.py").read_text(), (site / "fanout.py").read_text(), "code") is None
    _, log = pytest_runs["verbose"]
    assert delta(log, (site / "core.py").read_text(), "code") is None


def test_malformed_json_falls_back_to_the_text_diff(tmp_path):
    rows = [{"id": n, "name": f"item-{n}", "price": n * 2} for n in range(60)]
    previous = json.dumps(rows, indent=2)
    rows[30]["price"] = 999
    current = json.dumps(rows, indent=2)[:-40]  # cut off mid-row, as a truncated tool answer is
    found = delta(previous, current, "json")

    assert found is not None and found.transform == "delta:text"
    assert '-    "price": 60' in found.text and '+    "price": 999' in found.text


def test_a_maker_that_raises_falls_back_to_the_text_diff(monkeypatch):
    monkeypatch.setitem(MAKERS, "json", records.render_path)  # wrong arity: raises TypeError
    rows = [{"id": n, "name": f"item-{n}"} for n in range(60)]
    previous = json.dumps(rows, indent=2)
    rows[5]["name"] = "renamed"
    found = delta(previous, json.dumps(rows, indent=2), "json")
    assert found is not None and found.transform == "delta:text"
    assert '+    "name": "renamed"' in found.text


def test_the_same_inputs_give_the_same_bytes_in_any_process(tmp_path, pytest_runs):
    """String hashing differs between processes: the output must not depend on it."""
    previous, current = pytest_runs["verbose"]
    (tmp_path / "previous.log").write_text(previous)
    (tmp_path / "current.log").write_text(current)
    script = (
        "import sys\nfrom pathlib import Path\nfrom headroom_mcp.pipeline.deltas import delta\n"
        "d = delta(Path('previous.log').read_text(), Path('current.log').read_text(), 'log')\n"
        "sys.stdout.write(d.text)\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1

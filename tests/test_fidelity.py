"""The fidelity corpus: on real tool outputs, the lines that answer a user's question survive compression.

Targets from issue 10. The corpus is ``benchmarks/fidelity`` (real outputs recorded once, with the
questions and answer lines in ``cases.json``); ``headroom-mcp bench --fidelity`` prints the same figures.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from headroom_mcp import fidelity
from headroom_mcp.fidelity import load_cases, measure, unmatched_answers

CORPUS = ROOT / "benchmarks" / "fidelity"


@pytest.fixture(scope="module")
def report() -> fidelity.Report:
    return measure(CORPUS)


def _dropped(report: fidelity.Report, attribute: str, first_look_only: bool = False) -> str:
    lines = []
    for result in report.cases:
        checks = [c for c in result.answers if not (first_look_only and c.lookup)]
        lines += [f"{result.file}: {c.question!r} {c.fragments}" for c in checks if not getattr(c, attribute)]
    return "\n".join(lines)


def test_every_answer_line_is_a_line_of_its_original():
    cases = load_cases(CORPUS)
    assert unmatched_answers(CORPUS, cases) == []
    listed = {Path(case.file).name for case in cases}
    recorded = {path.name for path in (CORPUS / "cases").iterdir()}
    assert listed == recorded, "every recorded output has questions, and every case has its output"
    assert all(case.questions and all(q.answers for q in case.questions) for case in cases)


def test_a_fragment_missing_from_its_original_fails_loudly(tmp_path: Path):
    shutil.copytree(CORPUS / "cases", tmp_path / "cases")
    entry = json.loads((CORPUS / "cases.json").read_text())[0]
    entry["questions"][0]["answers"] = [["a fragment no tool ever printed"]]
    (tmp_path / "cases.json").write_text(json.dumps([entry]))
    with pytest.raises(ValueError, match="a fragment no tool ever printed"):
        measure(tmp_path)


def test_the_report_names_each_case_and_every_answer_line_it_dropped(tmp_path: Path, capsys):
    entries = json.loads((CORPUS / "cases.json").read_text())
    small = [e for e in entries if e["file"].endswith(("unittest_v_test_json.log", "pip_index_versions_numpy.txt"))]
    (tmp_path / "cases").mkdir()
    for entry in small:
        shutil.copy(CORPUS / entry["file"], tmp_path / entry["file"])
    small[0]["questions"].append({"ask": "a line of the middle", "query": "test_dump", "answers": [["test_dump "]]})
    (tmp_path / "cases.json").write_text(json.dumps(small))
    assert fidelity.run(tmp_path) == 0
    printed = capsys.readouterr().out
    assert "unittest_v_test_json.log" in printed and "pip_index_versions_numpy.txt" in printed
    dropped = measure(tmp_path).not_visible
    assert all(f"{check.fragments}" in printed for _, check in dropped)
    passed_through = next(r for r in measure(tmp_path).cases if r.file.endswith("numpy.txt"))
    assert passed_through.tokens_after == passed_through.tokens_before
    assert all(check.visible and check.recoverable for check in passed_through.answers)


def test_first_look_answer_lines_are_visible_without_a_query(report):
    """What failed, what is largest, the newest, the summary, a signature: seen without asking."""
    assert report.visible >= 0.95, _dropped(report, "visible", first_look_only=True)


def test_answer_lines_are_visible_with_the_users_question(report):
    assert report.with_query >= 0.98, _dropped(report, "with_query")


def test_every_answer_line_is_one_retrieval_away(report):
    assert report.recoverable == 1.0, _dropped(report, "recoverable")


def test_total_savings_are_at_least_80_percent(report):
    assert report.saved >= 0.80


def test_no_output_or_retrieval_page_is_over_20000_tokens(report):
    assert report.largest_output[1] <= 20_000, report.largest_output
    assert report.largest_page[1] <= 20_000, report.largest_page


def test_big_outputs_save_at_least_30_percent(report):
    assert [(r.file, r.tokens_before, r.tokens_after) for r in report.low_savings] == []

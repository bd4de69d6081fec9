"""Reading a test run's log: each test's outcome, each failure's report, the closing summary.

pytest (``-v``, ``-rA``, plain with its short summary) and unittest (``-v``
and plain) are read. A plain run names only its failing tests: it is
``complete`` only when every test's outcome is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OUTCOMES = ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS")
FAILING = frozenset({"FAILED", "ERROR"})
# When one test is reported twice (passed its call, then errored in teardown), the worse word wins.
_SEVERITY = {"PASSED": 0, "SKIPPED": 1, "XFAIL": 2, "XPASS": 3, "FAILED": 4, "ERROR": 5}

_WORD = "|".join(OUTCOMES)
# ``tests/test_a.py::test_x[1] PASSED    [ 10%]`` (pytest -v) and xdist's ``[gw0] [ 10%] PASSED tests/...``.
_PYTEST_PROGRESS = re.compile(rf"^(?P<id>\S+?::.+?) (?P<word>{_WORD})(?:\s+\[\s*\d+%\])?\s*$")
_XDIST_PROGRESS = re.compile(rf"^\[gw\d+\] \[\s*\d+%\] (?P<word>{_WORD}) (?P<id>\S+?::.+?)\s*$")
# The short summary (``-rA``; failures and errors by default): ``FAILED tests/a.py::t - assert 1 == 2``.
_PYTEST_SHORT = re.compile(rf"^(?P<word>{_WORD}) (?P<id>\S+?(?:::.+?)?)(?: - .*)?$")
_PYTEST_SUMMARY = re.compile(
    r"^(?:=+ )?(?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)(?:, )?)+"
    r" in [\d.]+s(?: \([^)]*\))?(?: =+)?$|^=+ no tests ran in [\d.]+s =+$|^Interrupted: .*$"
)
_PYTEST_BANNER = re.compile(r"^=+ (?P<title>.+?) =+$")
_PYTEST_SECTION = re.compile(r"^_{3,} (?P<name>.+?) _{3,}$")

# unittest -v: ``test_add (test_calc.TestCalc.test_add) ... ok``; the docstring line may sit between.
_UNITTEST_NAME = re.compile(r"^(?P<name>\w+) \((?P<where>[\w.]+)\)")
_UNITTEST_WORD = re.compile(r" \.\.\. (?P<word>ok|FAIL|ERROR|skipped\b.*|expected failure|unexpected success)$")
_UNITTEST_WORDS = {"ok": "PASSED", "FAIL": "FAILED", "ERROR": "ERROR", "expected failure": "XFAIL"}
_UNITTEST_HEADER = re.compile(r"^(?P<word>FAIL|ERROR): (?P<name>\w+) \((?P<where>[\w.]+)\)")
_UNITTEST_RULE = "=" * 70
_UNITTEST_THIN = "-" * 70
_UNITTEST_RAN = re.compile(r"^Ran \d+ tests? in [\d.]+s$")
_UNITTEST_VERDICT = re.compile(r"^(?:OK|FAILED)(?: \(.*\))?$")


@dataclass
class TestRun:
    """What a test log says: ``outcomes`` by test id in order of appearance, ``reports`` of failing tests
    (their whole section of the log), the closing ``summary`` lines, and whether every test is listed."""

    outcomes: dict[str, str] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    complete: bool = False


def read_test_run(text: str) -> TestRun | None:
    """The tests of a pytest or unittest log; None when it names no test's outcome and has no runner's summary."""
    lines = text.splitlines()
    run = TestRun()
    run.complete = _read_outcomes(lines, run)
    _read_pytest_reports(lines, run)
    _read_unittest_reports(lines, run)
    run.summary = [line for line in lines if _PYTEST_SUMMARY.match(line) or _UNITTEST_RAN.match(line)]
    # A plain run that passed names no test, but its summary says it was a test run.
    if not run.outcomes and not run.summary:
        return None
    verdict = [line for line in lines if _UNITTEST_VERDICT.match(line)]
    if any(_UNITTEST_RAN.match(line) for line in run.summary) and verdict:
        run.summary.append(verdict[-1])
    return run


def _read_outcomes(lines: list[str], run: TestRun) -> bool:
    """Fills ``run.outcomes``; true when passing tests are listed too (a verbose run)."""
    verbose = False
    pending: str | None = None
    for line in lines:
        match = _PYTEST_PROGRESS.match(line) or _XDIST_PROGRESS.match(line)
        if match:
            verbose = True
            _record(run, match["id"], match["word"])
            continue
        match = _PYTEST_SHORT.match(line)
        if match and ("::" in match["id"] or match["id"].endswith(".py")):
            verbose = verbose or match["word"] == "PASSED"
            _record(run, match["id"], match["word"])
            continue
        name = _UNITTEST_NAME.match(line)
        word = _UNITTEST_WORD.search(line)
        if name:
            pending = _unittest_id(name["name"], name["where"])
        if word and pending:
            verbose = True
            found = word["word"]
            _record(run, pending, "SKIPPED" if found.startswith("skipped") else _UNITTEST_WORDS.get(found, "XPASS"))
            pending = None
        elif not name:
            pending = None if not line.strip() else pending
    return verbose


def _record(run: TestRun, test: str, word: str) -> None:
    known = run.outcomes.get(test)
    if known is None or _SEVERITY[word] > _SEVERITY[known]:
        run.outcomes[test] = word


def _unittest_id(name: str, where: str) -> str:
    """``test_calc.TestCalc.test_add``: Python 3.11 names the method in the parentheses, older ones do not."""
    return where if where.endswith("." + name) else f"{where}.{name}"


def _read_pytest_reports(lines: list[str], run: TestRun) -> None:
    """Each ``____ test_name ____`` section of FAILURES and ERRORS, whole, under the test's id."""
    inside = False
    start: int | None = None
    name = ""
    for index, line in enumerate(lines + ["=" * 10 + " end " + "=" * 10]):
        banner = _PYTEST_BANNER.match(line)
        section = _PYTEST_SECTION.match(line) if inside else None
        if (banner or section) and start is not None:
            run.reports[_pytest_id(name, run)] = "\n".join(lines[start:index]).rstrip()
            start = None
        if banner:
            inside = banner["title"] in ("FAILURES", "ERRORS")
        elif section:
            start, name = index, section["name"]


def _pytest_id(name: str, run: TestRun) -> str:
    """The test id a report's title names: ``TestCalc.test_sub[1]`` is ``...::TestCalc::test_sub[1]``."""
    name = re.sub(r"^ERROR at (?:setup|teardown|call) of ", "", name)
    collecting = re.match(r"^ERROR collecting (.+)$", name)
    if collecting:
        return collecting[1]
    base, bracket, params = name.partition("[")
    wanted = "::" + base.replace(".", "::") + bracket + params
    failing = [test for test, word in run.outcomes.items() if word in FAILING and test.endswith(wanted)]
    known = failing or [test for test in run.outcomes if test.endswith(wanted)]
    return known[0] if known else name


def _read_unittest_reports(lines: list[str], run: TestRun) -> None:
    """Each ``FAIL: test (id)`` block between unittest's rules, whole, under the test's id."""
    start: int | None = None
    test = ""
    for index, line in enumerate(lines):
        ends = line == _UNITTEST_RULE or (
            line == _UNITTEST_THIN and index + 1 < len(lines) and _UNITTEST_RAN.match(lines[index + 1])
        )
        if ends and start is not None:
            run.reports[test] = "\n".join(lines[start:index]).rstrip()
            start = None
        header = _UNITTEST_HEADER.match(lines[index + 1]) if line == _UNITTEST_RULE and index + 1 < len(lines) else None
        if header:
            start, test = index, _unittest_id(header["name"], header["where"])
            # A plain run names its failing tests only here.
            _record(run, test, "FAILED" if header["word"] == "FAIL" else "ERROR")

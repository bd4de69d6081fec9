"""The delta of test logs: which tests changed state, and the reports of failures that are new or changed.

Logs without test outcomes (builds, servers) get the text diff instead.
"""

from __future__ import annotations

import re

from ..wording import plural
from .contract import Delta
from .outcomes import FAILING, read_test_run
from .similar import common_lines, related

# What differs between two runs of one failure without the failure changing: object addresses, timings.
_NOISE = re.compile(r"0x[0-9a-fA-F]+|\b\d+(?:\.\d+)?m?s\b")


def test_delta(previous: str, current: str) -> Delta | None:
    """Tests fixed, newly failing, new and removed; the current report of each failure that is new or changed.

    The current log's summary lines (``1 failed, 41 passed in 0.52s``) close
    the text. None when either log names no test outcome, or when the two
    runs share fewer than half of their tests.
    """
    old, new = read_test_run(previous), read_test_run(current)
    if old is None or new is None:
        return None
    if old.complete and new.complete:
        common = sum(1 for test in new.outcomes if test in old.outcomes)
        if not related(common, len(old.outcomes), len(new.outcomes)):
            return None
    else:
        # A plain run lists failures only, whose reports make up most of its lines: half of the shorter log will do.
        old_lines, new_lines = previous.splitlines(), current.splitlines()
        shorter = min(len(old_lines), len(new_lines))
        if not related(common_lines(old_lines, new_lines), shorter, shorter):
            return None

    fixed, broke, other, added, removed, same_failure, changed_failure = [], [], [], [], [], [], []
    unchanged = 0
    for test, word in new.outcomes.items():
        before = old.outcomes.get(test)
        if before is None:
            # A plain run lists only failures: a test it names for the first time may have passed before.
            (added if old.complete else broke if word in FAILING else added).append(test)
        elif before in FAILING and word not in FAILING:
            fixed.append(test)
        elif word in FAILING and before not in FAILING:
            broke.append(test)
        elif word != before:
            other.append(test)
        elif word in FAILING and _signature(old.reports.get(test)) != _signature(new.reports.get(test)):
            changed_failure.append(test)
        elif word in FAILING:
            same_failure.append(test)
        else:
            unchanged += 1
    gone = [test for test in old.outcomes if test not in new.outcomes]
    if new.complete:
        removed = gone
    else:
        # A plain run does not name passing tests: a failure it no longer names stopped failing (or was not run).
        fixed += [test for test in gone if old.outcomes[test] in FAILING]
        unchanged += sum(1 for test in gone if old.outcomes[test] not in FAILING)

    out = []
    out += [f"fixed: {test} ({old.outcomes[test]} → {new.outcomes.get(test, 'not failing')})" for test in fixed]
    out += [f"new failure: {test} ({old.outcomes.get(test, 'not failing')} → {new.outcomes[test]})" for test in broke]
    out += [f"changed: {test} ({old.outcomes[test]} → {new.outcomes[test]})" for test in other]
    out += [f"new: {test} {new.outcomes[test]}" for test in added]
    out += [f"removed: {test} (was {old.outcomes[test]})" for test in removed]
    out += [f"still failing, same error: {test}{_first_error(new.reports.get(test))}" for test in same_failure]
    out += [f"still failing, error changed: {test}" for test in changed_failure]
    state_changes = len(fixed) + len(broke) + len(other) + len(added) + len(removed)
    failing_new = sum(1 for test in added if new.outcomes[test] in FAILING)
    summary = _summary(
        state_changes, fixed, broke, other, added, removed, same_failure, changed_failure, unchanged, failing_new
    )
    out.insert(0, summary)

    shown = [test for test in new.outcomes if test in broke or test in changed_failure or test in added]
    reports = [new.reports[test] for test in shown if new.outcomes[test] in FAILING and test in new.reports]
    for report in reports:
        out += ["", report]
    if new.summary:
        out += ["", *new.summary]
    return Delta(text="\n".join(out), summary=summary, transform="delta:tests")


def _summary(
    changes: int, fixed, broke, other, added, removed, same_failure, changed_failure, unchanged, failing_new
) -> str:
    parts = [
        (len(fixed), "fixed"),
        (len(broke), "new failure" if len(broke) == 1 else "new failures"),
        (len(other), "otherwise changed"),
        (len(added), f"new ({failing_new:,} failing)" if failing_new else "new"),
        (len(removed), "removed"),
    ]
    said = ", ".join(f"{count:,} {word}" for count, word in parts if count)
    text = f"{plural(changes, 'test')} changed state: {said}" if changes else "no test changed state"
    still = len(same_failure) + len(changed_failure)
    if still:
        text += f"; {still:,} still failing"
        text += f" ({len(changed_failure):,} with a changed error)" if changed_failure else ""
    return text + f"; {unchanged:,} unchanged"


def _signature(report: str | None) -> str | None:
    """What a failure says, without its traceback's line numbers and code (which an edit elsewhere moves)."""
    if report is None:
        return None
    return _NOISE.sub("…", "\n".join(_error_lines(report)).strip())


def _error_lines(report: str) -> list[str]:
    """pytest's ``E   `` lines; else unittest's closing exception lines (those after the last frame, unindented)."""
    lines = report.splitlines()
    errors = [line for line in lines if line.startswith("E ")]
    if errors:
        return errors
    frames = [index for index, line in enumerate(lines) if line.startswith('  File "')]
    return [line for line in lines[frames[-1] + 1 :] if line and not line[0].isspace()] if frames else lines[1:]


def _first_error(report: str | None) -> str:
    errors = _error_lines(report) if report else []
    return f": {errors[0].removeprefix('E').strip()}" if errors else ""

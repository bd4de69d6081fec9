"""Where one failure's report starts and ends, and the blocks a log is retrieved by.

A failure section is opened by a runner's header (pytest's ``____ test_x ____``,
cargo's ``---- t stdout ----``, jest's ``●``, go's ``--- FAIL:``, unittest's
``FAIL: test_x (...)``) and runs to the next header, rule or summary. Outside
sections a block is a line plus the indented lines under it (a traceback, a
compiler's caret), so a query for a test name returns its whole report.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from . import signals
from .signals import Role

# Role's members read once: a lookup on the enum class goes through its metaclass and costs more than the test.
SUMMARY, SECTION, FRAME, PLAIN = Role.SUMMARY, Role.SECTION, Role.FRAME, Role.PLAIN
_MAX_SECTION_LINES = 400
_MAX_BLOCK_LINES = 120


def sections(
    lines: list[str], roles: list[Role], is_passing: Callable[[str], bool] = signals.is_passing
) -> list[tuple[int, int]]:
    """``(start, end)`` of each failure section: the header line and the report under it.

    ``is_passing`` stands for :func:`signals.is_passing` (one that remembers its answers, say).
    """
    found: list[tuple[int, int]] = []
    is_separator = cache(signals.is_separator)  # each distinct line tested once
    for start in [index for index, role in enumerate(roles) if role is SECTION]:
        index = start + 1
        while index < len(lines) and index - start < _MAX_SECTION_LINES:
            line, role = lines[index], roles[index]
            # A bare rule right under the header belongs to it (unittest draws one there).
            if role is SECTION or role is SUMMARY or (is_separator(line) and index > start + 1):
                break
            if role is PLAIN and is_passing(line):
                break
            index += 1
        end = index
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        found.append((start, end))
    return found


def blocks(lines: list[str], roles: list[Role], failure_sections: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` spans covering every non-blank line, in order.

    Each of ``failure_sections`` (from :func:`sections`) is one block.
    """
    spans: list[tuple[int, int]] = []
    section_end = dict(failure_sections)
    is_continuation = cache(signals.is_continuation)  # each distinct line tested once
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        start = index
        if start in section_end:
            end = section_end[start]
        else:
            end = start + 1
            while (
                end < len(lines)
                and end - start < _MAX_BLOCK_LINES
                and end not in section_end
                and (is_continuation(lines[end]) or roles[end] is FRAME)
            ):
                end += 1
        spans.append((start, end))
        index = end
    return spans

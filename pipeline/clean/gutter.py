"""Line-number gutters (``cat -n``, ``nl``, ``  12→`` of agent file readers, ``12:``, ``12|``).

Content read with line numbers does not parse as what it is. When nearly every
sampled line carries a number and the numbers run on one by one, the gutter is
lifted off: the text behind it goes to its own compressor, and afterwards
every output line that is an original line gets its gutter back, so kept lines
keep their numbers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..sampling import even_lines

# Longest first: "12 | x" must not be read as separator "|" with content " x".
_SEPARATORS = ("\t", "→", " | ", "| ", ": ", " |", "|", ":")
_SAMPLE_LINES = 200
_MIN_NUMBERED = 0.9  # of sampled non-blank lines
_MIN_CONSECUTIVE = 0.8  # of successive numbered pairs in the sample that step by one (grep -n hits rarely do)
_MIN_LINES = 5
_SHORTENED_WINDOW = 200  # lines after the last kept one where a shortened line is looked for


@dataclass(slots=True)
class Gutter:
    """Content with its gutter lifted off: ``body`` for the compressor, ``prefixes`` to put back."""

    body: str
    prefixes: list[str]  # per body line: the gutter it had ("" for an unnumbered blank line)
    first_number: int

    def restore(self, text: str) -> str:
        """``text`` (a compression of ``body``) with each line that is a body line, in order, given its gutter back."""
        lines = self.body.split("\n")
        where: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            if line.strip():
                where.setdefault(line, []).append(index)
        out = []
        cursor = 0
        for line in text.split("\n"):
            found = where.get(line)
            if found:
                at = bisect.bisect_left(found, cursor)
                if at < len(found):
                    index = found[at]
                    out.append(self.prefixes[index] + line)
                    cursor = index + 1
                    continue
            shortened = _shortened_line(line, lines, cursor)
            if shortened is not None:
                out.append(self.prefixes[shortened] + line)
                cursor = shortened + 1
                continue
            out.append(line)
        return "\n".join(out)


def _shortened_line(line: str, lines: list[str], cursor: int) -> int | None:
    """The body line a compressor shortened to ``line`` (``text …``), looked for just after ``cursor``."""
    if not line.endswith("…"):
        return None
    head = line[:-1].rstrip()
    if not head.strip():
        return None
    for index in range(cursor, min(cursor + _SHORTENED_WINDOW, len(lines))):
        if lines[index].startswith(head):
            return index
    return None


def _pattern(separator: str) -> re.Pattern[str]:
    return re.compile(r"( *)(\d{1,7})" + re.escape(separator))


def _separator(sample: list[str]) -> str | None:
    """The separator most sampled lines use after their number, if nearly all do."""
    numbered = [line for line in sample if line.strip()]
    if len(numbered) < _MIN_LINES:
        return None
    best, best_count = None, 0
    for separator in _SEPARATORS:
        pattern = _pattern(separator)
        count = sum(1 for line in numbered if pattern.match(line))
        if count > best_count:
            best, best_count = separator, count
    if best is None or best_count < len(numbered) * _MIN_NUMBERED:
        return None
    return best


def find_gutter(content: str) -> Gutter | None:
    """The content behind a line-number gutter, or None when it has none."""
    head = content[:4096]
    if not head.lstrip()[:1].isdigit():
        return None
    separator = _separator(even_lines(content, _SAMPLE_LINES))
    if separator is None:
        return None
    pattern = _pattern(separator)
    prefixes: list[str] = []
    body: list[str] = []
    numbers: list[int] = []
    for line in content.split("\n"):
        match = pattern.match(line)
        if match:
            prefixes.append(match.group(0))
            body.append(line[match.end() :])
            numbers.append(int(match.group(2)))
        elif not line.strip():
            prefixes.append(line)
            body.append("")
        else:
            return None  # a line with text and no number: not a gutter all the way through
    steps = sum(1 for a, b in zip(numbers, numbers[1:]) if b == a + 1)
    if len(numbers) < _MIN_LINES or steps < (len(numbers) - 1) * _MIN_CONSECUTIVE:
        return None
    return Gutter("\n".join(body), prefixes, numbers[0])

"""Recognise unified diffs (``git diff``, ``diff -u``, ``git show``, ``git format-patch``) cheaply.

Most evenly sampled lines must look like diff lines, and the content must hold
a real hunk header (``@@ -a,b +c,d @@``) and a file header (``diff --git`` or
a ``---``/``+++`` pair). The searches stop at the first hit, so a 50 MB diff
costs a few milliseconds; content without hunk headers is refused before any
search by the sample.
"""

from __future__ import annotations

from ...contract import Hints
from ...patches.parse import HUNK_RE
from ...sampling import even_lines

_DIFF_LINE_PREFIXES = (
    " ",
    "+",
    "-",
    "@@",
    "\\",
    "diff ",
    "index ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "rename ",
    "copy ",
    "Binary files ",
    "GIT binary patch",
    "Index: ",
    "=====",
)
_MIN_SHARE = 0.6  # of the sampled non-blank lines; leaves room for a commit message or mail header
_MAX_TRIES = 200  # candidate header lines checked before giving up


def _line_at(content: str, offset: int) -> tuple[int, str]:
    start = content.rfind("\n", 0, offset) + 1
    end = content.find("\n", offset)
    return start, content[start : end if end != -1 else len(content)].rstrip("\r")


def has_hunk_header(content: str) -> bool:
    """True when some line of ``content`` is a hunk header with line ranges."""
    offset = 0
    for _ in range(_MAX_TRIES):
        found = content.find("@@ -", offset)
        if found == -1:
            return False
        start, line = _line_at(content, found)
        if content[start:found].strip("@") == "" and HUNK_RE.match(line):
            return True
        offset = found + 4
    return False


def has_file_header(content: str) -> bool:
    """True when ``content`` has a ``diff --git``-style line or a ``---`` line followed by ``+++``."""
    if content.startswith(("diff --git ", "diff --cc ")):
        return True
    if "\ndiff --git " in content or "\ndiff --cc " in content:
        return True
    offset = 0
    for _ in range(_MAX_TRIES):
        found = content.find("+++ ", offset)
        if found == -1:
            return False
        if found == 0 or content[found - 1] == "\n":
            previous = content.rfind("\n", 0, max(found - 1, 0)) + 1
            if content.startswith("--- ", previous) and previous < found:
                return True
        offset = found + 4
    return False


class DiffDetector:
    """Matches unified diffs, including a commit or mail header before them."""

    kind = "diff"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when ``content`` is shaped like a unified diff."""
        lines = [line for line in even_lines(content, 200) if line.strip()]
        if not lines:
            return False
        diffish = sum(1 for line in lines if line.startswith(_DIFF_LINE_PREFIXES))
        if diffish < len(lines) * _MIN_SHARE:
            return False
        return has_hunk_header(content) and has_file_header(content)

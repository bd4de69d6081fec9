"""Recognise ``git log`` output: default and ``fuller`` formats, ``--stat``, ``-p``, ``--graph``, ``--oneline``.

A multi-line log opens with ``commit <sha>`` followed by a header such as
``Author:``, and has a second such commit (a single commit with a patch is
``git show``: a diff). An ``--oneline`` log has ``<sha> <subject>`` on most
sampled lines. Route this before the diff detector: ``git log -p`` holds diffs.
"""

from __future__ import annotations

import re

from ...contract import Hints
from ...sampling import even_lines
from .commits import HEADER_RE, ONELINE_RE, commit_start, graph_prefix_ok

_HEAD_LINES = 6
_MAX_TRIES = 1000
_ONELINE_SHARE = 0.8  # of sampled non-blank lines: commit lines, graph drawing, --stat lines
_STAT_RE = re.compile(r" (?:\S.*?\s+\|\s+(?:\d+|Bin)| ?\d+ files? changed)")
# `git blame`: `<sha> (<author> <date> <line>) code` or with a path between.
_BLAME_RE = re.compile(r"\^?[0-9a-f]{7,40} (?:\S+ +)?\(.*?\d{4}-\d\d-\d\d.*?\d+\) ")
_GRAPH_ONLY_RE = re.compile(r"[|/\\*_ .-]*$")


def _is_commit_at(lines: list[str], k: int) -> bool:
    found = commit_start(lines[k])
    if found is None or k + 1 >= len(lines):
        return False
    width = len(found[0])
    return HEADER_RE.match(lines[k + 1][width:]) is not None


def _second_commit(content: str, offset: int, needle: str) -> bool:
    """True when another commit line follows ``offset``; stops after a bounded number of candidates."""
    for _ in range(_MAX_TRIES):
        found = content.find(needle, offset)
        if found == -1:
            return False
        if needle.startswith("\n"):
            found += 1
        start = content.rfind("\n", 0, found) + 1
        lines = content[start : start + 4096].split("\n", 2)[:2]
        if len(lines) == 2 and _is_commit_at([line.rstrip("\r") for line in lines], 0):
            return True
        offset = found + 1
    return False


def _multi_line_log(content: str) -> bool:
    head = content[:8192].split("\n")[: _HEAD_LINES + 1]
    head = [line.rstrip("\r") for line in head]
    for k in range(min(_HEAD_LINES, len(head) - 1)):
        if _is_commit_at(head, k):
            graph = commit_start(head[k])[0]  # type: ignore[index]
            needle = "Commit: " if head[k].startswith("Commit: ") else "* commit " if graph else "\ncommit "
            first_end = content.find("\n", sum(len(line) + 1 for line in head[:k]))
            return _second_commit(content, first_end, needle)
    return False


def _oneline_log(content: str) -> bool:
    lines = [line.rstrip("\r") for line in even_lines(content, 200) if line.strip()]
    commits = blame = known = 0
    lettered = 0
    for line in lines:
        match = ONELINE_RE.match(line)
        if match and graph_prefix_ok(match.group("graph")):
            commits += 1
            known += 1
            blame += _BLAME_RE.match(line.lstrip("*| ")) is not None
            lettered += any(ch in "abcdef" for ch in match.group("sha"))
        elif _GRAPH_ONLY_RE.match(line) or _STAT_RE.match(line):
            known += 1
    # Random shas almost always hold a letter; columns of plain numbers do not.
    mostly_log = commits >= 2 and known >= len(lines) * _ONELINE_SHARE
    return mostly_log and blame < commits / 2 and lettered >= commits * 0.5


class GitLogDetector:
    """Matches ``git log`` in its usual formats (see the module docstring)."""

    kind = "gitlog"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when ``content`` is shaped like ``git log`` output."""
        return _multi_line_log(content) or _oneline_log(content)

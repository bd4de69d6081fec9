"""Recognise file listings: find, git ls-files, ls -R, tree, and MCP filesystem listings.

The line grammar lives here and the listing compressor parses with it:

- one path per line (``find``, ``git ls-files``, ``search_files``);
- ``ls -R``: ``dir:`` headers, one name per line, blank lines between directories;
- ``tree``: ``├──`` / ``└──`` / ``│`` (or ASCII ``|--`` / ```--``) before each name;
- ``[FILE] name`` / ``[DIR] name`` (the MCP filesystem server's ``list_directory``);
- ``ls -l`` / ``ls -la`` / ``ls -lR``: mode, links, owner, group, size, date, name;
- ``find -ls``: inode and blocks, then the ``ls -l`` columns with the full path;
- a size before each path: ``find -printf '%s %p\\n'`` (a space), ``du -a`` (a tab).

Grep hits, logs, prose and code have colons, spaces or punctuation where
paths do not, so almost every sampled line must be path-shaped to say yes.
"""

from __future__ import annotations

import re
from collections import Counter

from ...contract import Hints
from ...sampling import even_lines

_SAMPLE_LINES = 200
_MAX_PATH_CHARS = 4096
TREE_RE = re.compile(r"(?P<indent>(?:[│|][ \u00a0]{3}|[ \u00a0]{4})*)(?:├──|└──|\|--|`--)[ \u00a0]+(?P<name>.*)")
MCP_RE = re.compile(r"\[(?P<kind>FILE|DIR)\] (?P<name>.+?)(?:\s{2,}(?P<size>[\d.,]+\s*(?:[KMGT]i?)?B))?\s*")
# ls -l: `drwxr-xr-x  2 root root 4096 Dec  1 13:04 name` (or an ISO date with --time-style).
# A device's `major, minor` stands where other entries have their size.
_LONG_COLUMNS = (
    r"(?P<type>[-dlcbps])[rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+(?:\S+\s+)?"
    r"(?:\d+,\s*[\d.]+[KMGTP]?|(?P<size>[\d.]+[KMGTP]?))\s+"
    r"(?:\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})"
    r"|\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: [+-]\d{4})?)?)"
    r" (?P<name>.+)"
)
LONG_RE = re.compile(_LONG_COLUMNS)
# find -ls: `  5308870      4 -rw-r--r--   1 root     root   1444 Dec  3 06:07 pip/__init__.py`.
FIND_LS_RE = re.compile(r"\s*\d+\s+\d+\s+" + _LONG_COLUMNS)
# find -printf '%s %p\n' puts a space after the size, du -a and du -ah a tab.
SIZED_RE = re.compile(r"(?P<size>\d+(?:\.\d+)?[KMGTPE]?)(?P<sep>[ \t])(?P<name>[^ \t].*)")
LONG_TOTAL_RE = re.compile(r"total [\d.]+[KMGTP]?")
TREE_REPORT_RE = re.compile(r"\d+ director(?:y|ies)(?:, \d+ files?)?")
_BAD_START = frozenset("-+@#<>\"'{(*=|!$%&`;,")
_BAD_END = frozenset(";{,)(")
_BAD_CHARS = re.compile(r"[\t<>\"|*?{}]")
_DRIVE_RE = re.compile(r"[A-Za-z]:\\")
_TEXT_RE = re.compile(r"[^\r\n]")
_HINT_WORDS = frozenset({"ls", "find", "tree", "glob", "dir", "directory", "files", "fd"})
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")


def is_path(line: str) -> bool:
    """True when ``line`` is one path with a directory part (``./src/a.py``, ``/etc/hosts``)."""
    return ("/" in line or _DRIVE_RE.match(line) is not None) and _name_shaped(line, allow_slash=True)


def is_name(line: str) -> bool:
    """True when ``line`` is one bare file or directory name (``README.md``, ``src``)."""
    return "/" not in line and _name_shaped(line, allow_slash=False)


def _name_shaped(line: str, allow_slash: bool) -> bool:
    if not line or len(line) > _MAX_PATH_CHARS or line[0] in _BAD_START or line[-1] in _BAD_END:
        return False
    if line != line.strip() or line.count(" ") > 2 or _BAD_CHARS.search(line):
        return False
    if line.startswith("//") or "://" in line:
        return False
    colon = line.find(":")
    # Only a Windows drive may put a colon in a path.
    return colon == -1 or (allow_slash and colon == 1 and _DRIVE_RE.match(line) is not None and line.count(":") == 1)


def ls_header(line: str) -> str | None:
    """The directory of an ``ls -R`` header line (``./src:`` → ``./src``), else None."""
    if not line.endswith(":") or len(line) < 2:
        return None
    body = line[:-1]
    return body if body in (".", "..") or is_path(body) or is_name(body) else None


def sized_name(line: str) -> str | None:
    """The path of a ``size path`` line (``du -a``, ``find -printf '%s %p'``), else None."""
    match = SIZED_RE.fullmatch(line)
    if match is None:
        return None
    name = match["name"]
    # A bare name with a space after a number is more often words (`200 OK done`) than a file.
    return name if is_path(name) or name == "." or (is_name(name) and " " not in name) else None


def classify(line: str) -> str:
    """One of: blank, tree, mcp, report, long, findls, total, header, sized, path, name, other."""
    line = line.rstrip("\r")
    if not line.strip():
        return "blank"
    if TREE_RE.fullmatch(line):
        return "tree"
    if MCP_RE.fullmatch(line):
        return "mcp"
    if TREE_REPORT_RE.fullmatch(line):
        return "report"
    if LONG_RE.fullmatch(line):
        return "long"
    if FIND_LS_RE.fullmatch(line):
        return "findls"
    if LONG_TOTAL_RE.fullmatch(line):
        return "total"
    if ls_header(line) is not None:
        return "header"
    if sized_name(line) is not None:
        return "sized"
    if is_path(line):
        return "path"
    if is_name(line) or line in (".", ".."):
        return "name"
    return "other"


def first_line(content: str) -> str:
    """The first non-blank line of ``content``, without copying the rest of it."""
    found = _TEXT_RE.search(content)
    start = found.start() if found else len(content)
    end = content.find("\n", start)
    return content[start : end if end != -1 else len(content)].rstrip("\r")


def style(counts: Counter[str], first: str) -> str | None:
    """Which listing the classified sample is (tree, mcp, long, findls, sized, ls, paths), or None."""
    lines = sum(counts.values()) - counts["blank"]
    if lines == 0:
        return None
    if counts["tree"] >= 0.5 * lines:
        return "tree"
    if counts["mcp"] >= 0.5 * lines:
        return "mcp"
    if counts["long"] >= 0.5 * lines:
        return "long"
    if counts["findls"] >= 0.5 * lines:
        return "findls"
    if counts["sized"] >= 0.5 * lines:
        return "sized"
    if ls_header(first) is not None and counts["name"] + counts["header"] >= 0.5 * lines:
        return "ls"
    if counts["path"] >= 0.5 * lines:
        return "paths"
    return None


def _hinted(tool_name: str | None) -> bool:
    """True when the tool's name says it lists files (``list_directory``, ``find``, ``glob``)."""
    words = _WORD_SPLIT_RE.split((tool_name or "").lower())
    return any(word in _HINT_WORDS or word.startswith("list") for word in words)


class ListingDetector:
    """Matches listings of files and directories from an even sample of their lines."""

    kind = "listing"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when nearly every sampled line is a path, a name, a header or a tree line."""
        sample = [line[: _MAX_PATH_CHARS + 1] for line in even_lines(content, _SAMPLE_LINES)]
        lines = sum(1 for line in sample if line.strip())
        hinted = _hinted(hints.tool_name)
        share = 0.8 if hinted else 0.95
        counts: Counter[str] = Counter()
        for line in sample:
            kind = classify(line)
            counts[kind] += 1
            # Once the other lines leave too few (a tree's root and report excused), the answer is no.
            if kind == "other" and lines - counts["other"] + 2 < share * lines:
                return False
        kind = style(counts, first_line(content))
        if kind is None or lines < 2:
            return False
        listing = lines - counts["other"]
        if kind == "tree":
            # The root line of a tree (`.`, `/srv/app`) and its report are the only other lines.
            listing += min(counts["other"], 2)
        return listing >= share * lines

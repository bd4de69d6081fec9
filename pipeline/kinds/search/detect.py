"""Recognise search results: grep, git grep and ripgrep output.

The line grammar lives here and the search compressor parses with it, so
what the detector accepts is exactly what the compressor can read:

- ``path:12:text`` (grep -n, git grep -n), ``path:12:5:text`` (rg --vimgrep);
- ``path-12-text`` context lines and ``--`` group separators (grep -C);
- ``path:text`` (grep -r / git grep without -n), when ``path`` looks like one;
- ripgrep's heading style: a path line, then ``12:text`` / ``12-text`` lines.

Build logs look alike (``src/a.c:12:5: warning: ...``); their diagnostic
shape is refused here because another compressor handles them.
"""

from __future__ import annotations

import re
from collections import Counter

from ...contract import Hints
from ...sampling import even_lines

SEPARATOR = "--"
_SAMPLE_LINES = 200
_MAX_CLASSIFIED_CHARS = 1000  # a 50 MB minified line is not read whole to classify it

HIT_RE = re.compile(r"(?P<path>[^\s:][^:\n]*?):(?P<line>\d+):(?P<text>.*)")
NUMBERED_RE = re.compile(r"(?P<line>\d+)(?P<sep>[:-])(?P<text>.*)")
COLUMN_RE = re.compile(r"(?P<col>\d+):(?P<text>.*)")
_CONTEXT_RE = re.compile(r"(?P<path>[^\s:-][^\n]*?)-(?P<line>\d+)-(?P<text>.*)")
_BARE_RE = re.compile(r"(?P<path>[^\s:][^:\s]*):(?P<text>.*)")

# Compilers, type checkers and linters: `: warning: `, `: error[E0308]: `, flake8's `: E501 `.
_DIAGNOSTIC_RE = re.compile(
    r"(?:\d+:)? (?:fatal error|error|warning|note|remark|hint|info)(?:\[[^\]]*\])?:", re.IGNORECASE
)
_LINT_CODE_RE = re.compile(r"(?:\d+:)? [A-Z]{1,3}\d{2,4}:? ")
# `path:12:5: message` (go vet, eslint): rg --vimgrep puts the source line right after the column.
_COLUMN_MESSAGE_RE = re.compile(r"\d+: \S")
_MSBUILD_RE = re.compile(r"[^\s(]+\(\d+,\d+\): ")  # file.ts(3,4): error TS2322
_BAD_PATH_START = frozenset("\"'[({<#@+-*=|>!$%&`~")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9_]{1,10}\Z")
_HOUR_END_RE = re.compile(r"[\sT]\d{1,2}\Z")  # `2024-01-01 12` is a timestamp, not a path
_PORT_RE = re.compile(r"\d+(?:/|\Z)")
_CLOCK_RE = re.compile(r"\d\d[:.]\d\d")
_TEXT_RE = re.compile(r"[^\r\n]")
_HINT_WORDS = frozenset({"rg", "ag", "ack"})
_HINT_PARTS = ("grep", "search")
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")
_SEARCHY = frozenset({"hit", "context", "separator"})


def plausible_path(path: str, strict: bool = False) -> bool:
    """True when ``path`` can be the file name grep printed before a colon.

    ``strict`` (for ``path:text`` lines and heading lines, which carry no line
    number to vouch for them) also wants a ``/`` or a file extension and no spaces.
    """
    if not path or path[0] in _BAD_PATH_START or path[-1].isspace() or path.isdigit():
        return False
    if "://" in path or path.count(" ") > 2 or _HOUR_END_RE.search(path):
        return False
    if strict:
        return " " not in path and ("/" in path or bool(_EXTENSION_RE.search(path)))
    return True


def is_diagnostic(text: str) -> bool:
    """True when the text after ``path:line:`` is a compiler or linter message."""
    return bool(_DIAGNOSTIC_RE.match(text) or _LINT_CODE_RE.match(text) or _COLUMN_MESSAGE_RE.match(text))


def is_heading(line: str) -> bool:
    """True when ``line`` can be a ripgrep heading (a path on its own line)."""
    return ":" not in line and plausible_path(line, strict=True)


def numbered(line: str) -> re.Match[str] | None:
    """``12:text`` or ``12-text`` under a ripgrep heading; None for clock times like ``12:30:45``."""
    match = NUMBERED_RE.match(line)
    if match is None or (match["sep"] == ":" and _CLOCK_RE.match(match["text"])):
        return None
    return match


def bare(line: str) -> re.Match[str] | None:
    """``path:text`` without a line number (grep -r, git grep), when the path looks like one."""
    match = _BARE_RE.match(line)
    if match is None or not plausible_path(match["path"], strict=True):
        return None
    text = match["text"]
    # `file.py::test_x` is pytest; `host.com:8080/x` is an address.
    if not text or text.startswith(":") or text.startswith("//") or _PORT_RE.match(text):
        return None
    return match


def _classify(line: str) -> str:
    """One of: hit, diagnostic, context, separator, numbered, heading, blank, other."""
    line = line[:_MAX_CLASSIFIED_CHARS].rstrip("\r")
    if not line.strip():
        return "blank"
    if line == SEPARATOR:
        return "separator"
    if _MSBUILD_RE.match(line):
        return "diagnostic"
    match = HIT_RE.match(line)
    if match and plausible_path(match["path"]):
        return "diagnostic" if is_diagnostic(match["text"]) else "hit"
    context = _CONTEXT_RE.match(line)
    if context and plausible_path(context["path"], strict=True):
        return "context"
    if bare(line):
        return "hit"
    if numbered(line):
        return "numbered"
    if is_heading(line):
        return "heading"
    return "other"


def _heading_style(content: str) -> bool:
    """True when the content opens like ripgrep's heading output: a path line, then a numbered line."""
    found = _TEXT_RE.search(content)
    start = found.start() if found else len(content)
    first_end = content.find("\n", start)
    if first_end == -1:
        return False
    second_end = content.find("\n", first_end + 1)
    first = content[start:first_end].rstrip("\r")
    second = content[first_end + 1 : second_end if second_end != -1 else len(content)].rstrip("\r")
    return is_heading(first) and numbered(second) is not None


def _hinted(tool_name: str | None) -> bool:
    """True when the tool's name says it searches (``ripgrep_search``, ``git_grep``, ``rg``)."""
    words = _WORD_SPLIT_RE.split((tool_name or "").lower())
    return any(word in _HINT_WORDS or any(part in word for part in _HINT_PARTS) for word in words)


class SearchDetector:
    """Matches grep / git grep / ripgrep output from an even sample of its lines."""

    kind = "search"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when most sampled lines are search hits, context lines or separators."""
        sample = even_lines(content, _SAMPLE_LINES)
        lines = sum(1 for line in sample if line[:_MAX_CLASSIFIED_CHARS].strip())
        hinted = _hinted(hints.tool_name)
        share = 0.5 if hinted else 0.8
        heading_style = _heading_style(content)
        counts: Counter[str] = Counter()
        refused = 0
        for line in sample:
            kind = _classify(line)
            counts[kind] += 1
            # Without ripgrep's headings only hits, context lines and separators count: once the lines that
            # cannot count leave too few, the answer is no (most content is not search results).
            if not heading_style and kind not in _SEARCHY:
                refused += kind != "blank"
                if lines - refused < share * lines:
                    return False
        hits = counts["hit"]
        searchy = hits + counts["context"] + counts["separator"]
        if heading_style:
            hits += counts["numbered"]
            # Every heading is followed by at least one numbered line.
            searchy += counts["numbered"] + min(counts["heading"], counts["numbered"])
        if lines == 0 or counts["diagnostic"] * 10 > max(hits, 1):
            return False
        return hits >= (1 if hinted else 2) and searchy >= share * lines

"""Recognise source code: by the path's extension, else by cheap line patterns over an even sample.

No parser runs here (tree-sitter loads only when code is compressed). The
content must have lines only code writes (``def f(...):``, ``#include <...>``,
``func (s *S) ...``) and read like code overall: lines ending in braces,
semicolons or colons, indented statements. Grep hits, diffs, logs, JSON and
prose have their own shapes, which are refused here even though their
detectors run first.
"""

from __future__ import annotations

import re

from ...contract import Hints
from ...linepattern import LinePattern
from ...sampling import even_lines
from .languages import language_from_path, scores

_SAMPLE_LINES = 200
_MIN_LINES = 8
_MAX_CLASSIFIED_CHARS = 400
_MIN_TYPICAL = 2
_MIN_COUNTED = 5
_MIN_TYPICAL_SHARE = 0.03
_MIN_CODE_SHARE = 0.5
_MAX_PROSE_SHARE = 0.3
_MAX_FOREIGN_SHARE = 0.1
_MIN_FENCES = 2
_MAX_MARKDOWN_SHARE = 0.05

# How code lines end or begin: braces, semicolons, a Python header's colon, an open call, a closer.
_STRUCTURAL = LinePattern(
    r"[{};,(\[]\s*(?://.*|/\*.*|#.*)?$|[)\]]\s*[;:{]?\s*$|^\s*[}\])]|=>|:\s*$"
    r"|^\s+(?:return|if|for|while|else|elif|case|switch|let|var|const|raise|throw|yield|await)\b"
    r"|^\s+[\w.\[\]'\"]+\s*(?:[-+*/|&]?=|:=)\s*\S"
)
# Signatures in any C-like or scripting language (``static int f(int a) {``, ``export { a } from``).
_DEFINITION = re.compile(
    r"^\s*(?!(?:return|throw|new|else|await|yield|delete|case|goto)\b)(?:[\w<>\[\],.?*&]+\s+)+\**\w+\s*\([^;]*\)"
    r"\s*(?:throws [\w., ]+)?\s*[{;]?$"
    r"|^\s*(?:export|import)\s+(?:\*|\{|type\b|default\b|class\b|function\b|const\b)"
    r"|^\s*(?:async\s+)?(?:def|class|function|func|fn)\s+\w"
)
# Comments and docstring quotes say nothing either way.
_COMMENT = re.compile(r'^\s*(?:#(?!\s*(?:include|define|if|ifdef|ifndef|endif|pragma)\b)|//|/\*|\*|"""|\'\'\')')
# Lines that belong to the other kinds: grep hits, diff lines, log and test-runner lines.
_FOREIGN = LinePattern(
    r"^[^\s:\"'{}()]+:\d+[:-]|^(?:@@ -\d|diff --git |index [0-9a-f]{7,}|[-+](?![-+=\s]*$))"
    r"|^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|^\[?\d{2}:\d{2}:\d{2}"
    r"|(?:^|[\s\[])(?:PASSED|FAILED|ERROR|INFO|WARNING|WARN|DEBUG|CRITICAL)(?:\]|:\s|\s+-\s|\s+\[|\s*$)"
    r"|^E {3}|^> {3}|^_{3,} |^={3,} |^\s*File \"[^\"]+\", line \d+|^Traceback \(most recent call last\)"
    r"|^\s*\d+ \| "
)
# Markdown at the margin: fences, section headings, badges and link lines, lists, quotes, tables.
_MARKDOWN = re.compile(r"^(?:```|~~~)|^#{2,6} \S|^\[!?\[|^\[[^\]]+\]\(|^[-*+] \S|^\d+\. \S|^\|.*\|$|^> ")
_WORDS = re.compile(r"[A-Za-z]{2,}")
_SYMBOLS = re.compile(r"[(){}\[\];=<>]")


def _is_prose(line: str) -> bool:
    """A sentence rather than a statement: many words, hardly any code punctuation."""
    return len(_WORDS.findall(line)) >= 6 and len(_SYMBOLS.findall(line)) <= 1


def _is_markdown(content: str, sample: list[str]) -> bool:
    """Fenced code blocks among headings, links and lists: a README, not a source file."""
    if content.count("```") + content.count("~~~") < _MIN_FENCES:
        return False
    return sum(1 for line in sample if _MARKDOWN.match(line)) >= len(sample) * _MAX_MARKDOWN_SHARE


class CodeDetector:
    """Matches source files: a known extension in ``hints.path``, else code-shaped content."""

    kind = "code"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when the path names a source file, or an even sample of lines reads like code.

        A source path is not enough when the lines are a test run's or a
        compiler's (a tool run on ``tests/test_x.py`` prints a log). Comments
        and indented prose (docstrings) count neither way; prose at the margin
        counts against, as markdown does.
        """
        sample = [line[:_MAX_CLASSIFIED_CHARS] for line in even_lines(content, _SAMPLE_LINES) if line.strip()]
        count = len(sample)
        if sum(1 for line in sample if _FOREIGN.search(line)) > count * _MAX_FOREIGN_SHARE:
            return False
        if language_from_path(hints.path):
            return True
        if count < _MIN_LINES or content.lstrip()[:1] in ("{", "[") or _is_markdown(content, sample):
            return False
        prose = structural = counted = 0
        for line in sample:
            if _COMMENT.match(line):
                continue
            if _is_prose(line):
                if line[:1] not in " \t":
                    prose += 1
                    counted += 1
                continue
            counted += 1
            structural += bool(_STRUCTURAL.search(line))
        if counted < _MIN_COUNTED:
            return False
        if structural < counted * _MIN_CODE_SHARE or prose > counted * _MAX_PROSE_SHARE:
            return False
        # Lines only code writes, counted against the lines that are not comments (licence headers, Javadoc):
        # asked last, as it tries every language's patterns on every line.
        typical = max(max(scores(sample).values()), sum(1 for line in sample if _DEFINITION.match(line)))
        return typical >= max(_MIN_TYPICAL, counted * _MIN_TYPICAL_SHARE)

"""Recognise logs over the whole content: test runs, builds and installs, application logs.

An even sample of lines is checked, so a pytest run that opens with 1,500
``PASSED`` lines is seen for what it is. Only structural signals count
(timestamps, upper-case levels, runner and build-tool lines, stack frames),
not words like "error", which prose and code use too.
"""

from __future__ import annotations

import re

from ...contract import Hints
from ...linepattern import LinePattern
from ...sampling import even_lines
from . import signals
from .signals import Role

_SAMPLE_LINES = 200
_EDGE_LINES = 40
_MIN_SHARE = 0.3
_MIN_SHARE_WITH_HINT = 0.1

_LOG_LINE = LinePattern(
    # timestamps and levels
    r"^\W{0,2}\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|^\W{0,2}\d{2}:\d{2}:\d{2}|^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}"
    r"|^\[\s*\d+\.\d+\]|^[IWEF]\d{4} "
    # test runners
    r"|^(?:=== RUN|--- (?:PASS|FAIL|SKIP)|ok |PASS\b|FAIL\b)"
    r"|^test \S+ \.\.\. |^[.FEsx]{20,}(?: +\d+/\d+| +\[ *\d+%\])?$|^\s*(?:not )?ok \d+ |^\s*# Subtest: |^TAP version |^\s+duration_ms: |^\s*(?:✓|✔|✕|✗|√|×) |^\S+ \(\S+\) \.\.\. (?:ok|FAIL|ERROR|skipped)"
    # build tools, compilers, installers
    r"|^\S+:\d+:\d+: (?:fatal )?(?:error|warning|note)\b|^\S+\(\d+,\d+\): (?:error|warning)"
    r"|^(?:make|gcc|g\+\+|cc|c\+\+|clang\+*|ld|ar|cmake|ninja|cargo|rustc|go|npm|yarn|pnpm|pip\d*|mvn|gradle|tsc)(?:\[\d+\])?[: ]"
    r"|^\s*(?:Compiling|Downloading|Downloaded|Collecting|Installing|Building|Running|Checking|Finished|Fresh|Resolving"
    r"|Fetching|Requirement already satisfied|Using cached|Preparing|Obtaining|Created wheel|Stored in directory"
    r"|Attempting uninstall|Uninstalling|Successfully|Processing|Linking|Generating|Scanning|Installed|Built)\b"
    r"|^\[\s*\d+(?:/\d+|%)\]|^\s+(?:CC|CXX|LD|AR|AS|GEN|CCLD)\s|^\[(?:INFO|WARNING|ERROR)\]|^> Task :|^npm (?:WARN|ERR!|notice)"
)
# Levels and test ids anywhere in a line. Every match holds one of the words in _WORDS_HINT: a line without any
# (most lines of what is not a log) is not searched, at about a quarter of the cost.
_WORDS = re.compile(
    r"\b(?:INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL|CRITICAL|NOTICE)\b|\blevel=\w+"
    r"|::\S+ (?:PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b"
)
_WORDS_HINT = re.compile(r"INFO|DEBUG|WARN|ERROR|TRACE|FATAL|CRITICAL|NOTICE|level=|::")
# Web servers' request lines and application servers' own lines (werkzeug, Django, gunicorn, uvicorn, morgan, Rails).
_SERVER_LINE = LinePattern(
    r'"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/\d(?:\.\d)?" [1-5]\d\d\b'
    r"|^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S* [1-5]\d\d (?:[\d.]+ ms|-)"
    r'|^Started (?:GET|POST|PUT|PATCH|DELETE|HEAD) "/|^Completed [1-5]\d\d |^Processing by \S+#\S+ as '
    r"|^\[\d{4}-\d{2}-\d{2} [\d:,.]+\] (?:ERROR|WARNING|INFO|DEBUG) in \w+: "
    r"|^\s*\* (?:Running on|Serving Flask app|Debug mode)"
    r"|^(?:Internal Server Error|Not Found|Bad Request): /"
    r"|^(?:Traceback \(most recent call last\):|\w+(?:Error|Exception): )"
)
# Compiler diagnostics in rustc's and gcc's shape: the verdict, its location arrow, numbered quoted source and
# notes. Not the bare "   |" gutter lines between them: pydoc draws a class body with the same gutter.
_DIAGNOSTIC_LINE = re.compile(
    r"^(?:warning|error)(?:\[[A-Z]?\d+\])?: |^\s+--> \S+:\d+:\d+|^\s*\d+ \| |^\s+= (?:note|help): "
)
_TOOL_HINT = re.compile(r"test|build|run|exec|shell|bash|command|terminal|log|install|make|compile|lint|check", re.I)


def has_log_words(line: str) -> bool:
    """A level (``INFO``, ``level=warn``) or a test id with its outcome anywhere in ``line``."""
    return _WORDS_HINT.search(line) is not None and _WORDS.search(line) is not None


def _is_log_line(line: str) -> bool:
    if _LOG_LINE.search(line) or has_log_words(line) or _SERVER_LINE.search(line) or _DIAGNOSTIC_LINE.match(line):
        return True
    return signals.classify(line) in (Role.SUMMARY, Role.SECTION, Role.FRAME)


class LogDetector:
    """Matches content where enough sampled lines have a log's structure."""

    kind = "log"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when an even sample of ``content`` reads like a log, or a runner's summary ends it."""
        sample = [line for line in even_lines(content, _SAMPLE_LINES) if line.strip()]
        if len(sample) < 3:
            return False
        threshold = _MIN_SHARE_WITH_HINT if hints.tool_name and _TOOL_HINT.search(hints.tool_name) else _MIN_SHARE
        total, hits = len(sample), 0
        # Stop as soon as the answer is known: the share can only grow, by at most the lines not yet read.
        for read, line in enumerate(sample, 1):
            if _is_log_line(line):
                hits += 1
                if hits / total >= threshold:
                    return True
            elif (hits + total - read) / total < _MIN_SHARE_WITH_HINT:
                return False
        share = hits / total
        # A runner's verdict at either end settles it, whatever the middle holds.
        edges = content[:8192].splitlines()[:_EDGE_LINES] + content[-8192:].splitlines()[-_EDGE_LINES:]
        return any(signals.classify(line) is Role.SUMMARY for line in edges) and share >= _MIN_SHARE_WITH_HINT

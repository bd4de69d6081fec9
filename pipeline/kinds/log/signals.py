"""What a log line is to a reader: a failure, a warning, a runner's summary, a stack frame, or noise.

The patterns cover the usual test runners (pytest, unittest, jest/vitest,
go test, cargo test, mocha), build tools and compilers (make, gcc/clang, tsc,
npm, pip, cargo, maven/gradle) and application logs with levels. A line that
reports success (``PASSED``, ``ok``, ``✓``) is never a failure, whatever
words its test name contains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import IntEnum
from typing import NamedTuple


class Role(IntEnum):
    """The kind of a line, from most to least important."""

    SUMMARY = 0
    ERROR = 1
    SECTION = 2
    WARNING = 3
    FRAME = 4
    CONTINUATION = 5
    PLAIN = 6


class _Caseless:
    """A pattern that ignores case.

    An ASCII line is matched lowered, against the pattern with its letters
    lowered: case-sensitive matching is several times faster, and lowering an
    ASCII line moves no character and no word boundary. Any other line is
    matched ignoring case (lowering could move characters: ``İ`` becomes two).
    """

    __slots__ = ("lowered", "ignoring_case")

    def __init__(self, pattern: str) -> None:
        # Capitals lowered, escapes kept: ``\S`` is not ``\s``.
        lowered = re.sub(r"(\\.)|[A-Z]", lambda found: found.group(1) or found.group().lower(), pattern)
        # For an ASCII line's ``lower()``; for any other line as it is.
        self.lowered = re.compile(lowered)
        self.ignoring_case = re.compile(pattern, re.IGNORECASE)


# Patterns starting with ^ are used with match(): search() would try them at every offset.
# ``\s*+`` and ``\s++`` (possessive) never give back indentation, which what follows them cannot start with:
# a line indented by twelve spaces is not tried again at each of them.
_PASS_START = re.compile(
    r"\s*+(?:✓|✔|√)\s|--- PASS\b|=== (?:RUN|PAUSE|CONT)\b|test .+ \.\.\. ok$|\s*+PASS\s|\s*+ok \d+ "
)
_PASS_ANYWHERE = re.compile(r"\s(?:PASSED|ok|PASS|XFAIL|SKIPPED)\b")

_SUMMARY = _Caseless(
    r"^=+ .*\b(?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|no tests ran)\b.* in [\d.]+m?s"
    r"|^=+ short test summary info =+$"
    r"|^Ran \d+ tests? in [\d.]+s"
    r"|^(?:OK|FAILED)(?: \([^)]*\))?$"
    r"|^(?:Tests|Test Suites|Test Files|Snapshots|Suites):\s+\d"
    r"|^\s*+\d+ (?:passing|failing|pending)\b"
    r"|^(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))"
    r"|^(?:PASS|FAIL)$"
    r"|^test result: "
    r"|^make(?:\[\d+\])?: \*\*\*"
    r"|^\d+ (?:errors?|warnings?)(?: and \d+ warnings?)? generated\b"
    r"|^Found \d+ errors?\b"
    r"|^error: could not compile\b"
    r"|^BUILD (?:SUCCESSFUL|FAILED)\b|^\[INFO\] BUILD (?:SUCCESS|FAILURE)\b"
    r"|^(?:added|removed|changed|up to date)\b.*\bpackages?\b.* in \d"
    r"|^found \d+ vulnerabilit|^\d+ vulnerabilit"
    r"|^Successfully (?:installed|built)\b|^\s*+Created wheel for \S+: "
    r"|^\s*+Finished .*target\(s\) in "
    r"|^Tests run: \d+, Failures: \d+"
    r"|^FAILURES!+$|^Failed tests?:|^Tests? failed:"
    r"|^(?:#|ℹ) (?:tests|suites|pass|fail|cancelled|skipped|todo) \d+$"
)


# Words one of which every error sign holds (a line's whole text, lowered): found in one C search before the error
# pattern, which most lines would fail anyway.
_ERROR_HINT = re.compile(
    "err|fail|fatal|panic|exception|traceback|fault|dumped|abort|critical|killed|time|unhandled|uncaught|✗|✕|✘|✖|not ok"
)
# Not inside names like http-errors, /fail/, errors.py: those are packages and paths. The character before a word
# is checked once its first letter is read: every alternative then opens with a letter, and a search skips in C
# to the places where one can start (:func:`_opening_with_letters` lays the words out so).
_ERROR_WORDS = (
    "error|errors|err!|fatal|panic|panicked|exception|traceback|failed|failure|failures|fail"
    "|segmentation fault|core dumped|abort|aborted|critical|killed|timeout|time out|timedout|timed out"
    "|unhandled|uncaught"
)


def _opening_with_letters(words: str) -> str:
    """``words`` (``a|b``) as one alternative per first letter, each free-standing (:data:`_ERROR_WORDS`)."""
    by_letter: dict[str, list[str]] = {}
    for word in words.split("|"):
        by_letter.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(
        f"{letter}(?<![-/.\\w].)(?:{'|'.join(rests)})(?![-/\\w]|\\.\\w)" for letter, rests in by_letter.items()
    )


_ERROR = _Caseless(
    _opening_with_letters(_ERROR_WORDS)
    # ``\w+(?:Error|Exception)``: a word character before is as good a sign, without retrying every run.
    + r"|E(?<=\w.)(?:rror|xception)\b|✗|✕|✘|✖"
)
# The error signs that only open a line.
_ERROR_START = _Caseless(r"E\s{2,}|\s*+not ok\b")
# Words that look like failures but say none happened.
_NOT_ERROR = _Caseless(
    r"(?=[0nzef\-o])(?:\b(?:0|no|zero) (?:errors?|failures?|failed)\b|\b(?:errors?|failures?|failed)[:=] ?0\b"
    r"|-W(?:no-)?error\b|--fail-fast|\bon-failure\b|\berror(?:s)?\.(?:py|h|c|rs|go|js|ts)\b)"
)
_WARNING = _Caseless(r"\b(?:warn|warning|warnings|deprecated|deprecation)\b")


class _Checks(NamedTuple):
    """The caseless patterns in one of their forms (:class:`_Caseless`)."""

    summary: re.Pattern[str]
    error_start: re.Pattern[str]
    error: re.Pattern[str]
    not_error: re.Pattern[str]
    warning: re.Pattern[str]


_CASELESS = (_SUMMARY, _ERROR_START, _ERROR, _NOT_ERROR, _WARNING)
_LOWERED = _Checks(*(pattern.lowered for pattern in _CASELESS))
_IGNORING_CASE = _Checks(*(pattern.ignoring_case for pattern in _CASELESS))

# Headers that open one failure's report; the report runs to the next header or separator.
_SECTION = re.compile(
    r"^_{3,} .+ _{3,}$"
    r"|^---- .+ std(?:out|err) ----$"
    r"|^\s*+● "
    r"|^--- FAIL: "
    r"|^\s{2,}+\d+\) \S"
    r"|^(?:FAIL|ERROR): \w+ \("
    r"|^\[ERROR\] (?:Tests run:|Failures:|Errors:)"
)
_SEPARATOR = re.compile(r"^(?:={5,}|-{5,}|_{5,})(?: .* (?:={3,}|-{3,}|_{3,}))?\s*$")

_FRAME = re.compile(
    r'^\s++File "[^"]+", line \d+'
    r"|^\s++at \S"
    r"|^\s++\S+\.(?:go|rs|py|js|ts|java|c|cc|cpp|kt|rb):\d+"
    r"|^\s*+\d+: (?:0x[0-9a-f]+ - )?\S+::"
    r"|^\S+\.(?:py|js|ts|go|rs):\d+: (?:in \S+|\w+(?:Error|Exception))"
)
_LIBRARY = re.compile(
    r"site-packages|dist-packages|node_modules|/usr/lib/|/usr/local/lib/|<frozen |/lib/python\d"
    r"|/rustc/|/\.cargo/registry/|/go/src/|/usr/local/go/|\bat (?:java|javax|jdk|sun|org\.junit|kotlin)\."
    r"|internal/process/|node:internal"
)
_CONTINUATION = re.compile(r"^(?:\s++\S|E\s|>\s|Caused by:|During handling|The above exception|\s*+\^|\s*+\|)")


# A request line as web servers log it: Common Log Format (werkzeug, Django, gunicorn, uvicorn), quoted anywhere
# in the line; morgan's and Rails' formats, opening it (with one of these initials).
_REQUEST_QUOTED = re.compile(
    r'"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE) \S+ HTTP/\d(?:\.\d)?" (?P<clf>[1-5]\d\d)\b'
)
_REQUEST_START = re.compile(
    r"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S* (?P<bare>[1-5]\d\d) (?:[\d.]+ ms|-)"
    r"|Completed (?P<rails>[1-5]\d\d) "
)
_REQUEST_INITIALS = frozenset("GPDHOC")
# The lines a test runner opens a session with: which interpreter, plugins, config and how many tests.
_SESSION_HEADER = re.compile(
    r"^=+ test session starts =+$|^platform \S+ -- Python |^(?:rootdir|configfile|testpaths|cachedir|plugins): "
    r"|^collect(?:ed|ing \.\.\. collected) \d+ items?|^running \d+ tests?$|^TAP version \d|^Ran all test suites"
    r"|^ RUNS? |^\s*+RUN\s+v\d"
)
# A test's verdict line: pytest's progress (``a.py::t FAILED``) and its short summary (``FAILED a.py::t - ...``).
_TEST_VERDICT = re.compile(
    r"^\S+::\S.*? (?:SUB)?(?:FAILED|ERROR|XPASS)\b|^(?:SUB)?(?:FAILED|ERROR|XPASS)(?:\([^)]*\))? \S+(?: - |$)"
)
_LOCATION = re.compile(r"^\S+?(?::\d+){1,2}: |^\S+\(\d+,\d+\): ")
_WARNING_FLAG = re.compile(r"\[(-W[\w=+-]+)\]\s*$")
# gcc/clang echo the offending source under a diagnostic: `` 4110 | code`` and ``      |   ^~~~``.
_CODE_EXCERPT = re.compile(r"^\s*\d*\s\|(?:\s|$)")


def http_status(line: str) -> int | None:
    """The response status of a web server's request line, or None when ``line`` is not one."""
    if "HTTP/" in line:
        # What opens the line comes first, then a quoted request line anywhere.
        match = _REQUEST_START.match(line) or _REQUEST_QUOTED.search(line)
    elif line[:1] in _REQUEST_INITIALS:
        match = _REQUEST_START.match(line)
    else:
        return None
    if not match:
        return None
    return int(match.group(match.lastgroup))


# What singles out a line that is neither an error nor a warning (:func:`marks`).
HEADER, CLIENT_ERROR, TITLED_RULE = 1, 2, 4


def marks(line: str) -> int:
    """What singles out an ordinary line, as or-ed bits.

    ``HEADER``: a runner's session header; ``CLIENT_ERROR``: a request that
    failed on the client's side (a 4xx status); ``TITLED_RULE``: a rule with a
    title in it (``===== warnings summary =====``).
    """
    found = HEADER if _SESSION_HEADER.match(line) else 0
    status = http_status(line)
    if status is not None and 400 <= status < 500:
        found |= CLIENT_ERROR
    if is_separator(line) and any(c.isalpha() for c in line):
        found |= TITLED_RULE
    return found


def is_session_header(line: str) -> bool:
    """A test runner's session header: platform and versions, rootdir, plugins, how many tests were collected."""
    return bool(_SESSION_HEADER.match(line))


def is_test_verdict(line: str) -> bool:
    """A line giving one test's failure or error (a progress line or a short-summary line)."""
    return bool(_TEST_VERDICT.match(line))


def warning_class(line: str) -> str | None:
    """The compiler flag that names a diagnostic's class (``-Wunused-parameter``), if the line ends with one."""
    match = _WARNING_FLAG.search(line)
    return match.group(1) if match else None


def has_location(line: str) -> bool:
    """A diagnostic that says where it is (``src/a.c:12:5: warning: ...``, ``a.ts(3,7): error ...``)."""
    return bool(_LOCATION.match(line))


def is_code_excerpt(line: str) -> bool:
    """A compiler's echo of source under a diagnostic (``  12 | int x;`` or its caret line)."""
    return "|" in line and _CODE_EXCERPT.match(line) is not None


# Role's members read once: a lookup on the enum class goes through its metaclass.
_PLAIN, _SUMMARY_ROLE, _SECTION_ROLE, _FRAME_ROLE = Role.PLAIN, Role.SUMMARY, Role.SECTION, Role.FRAME
_ERROR_ROLE, _WARNING_ROLE, _CONTINUATION_ROLE = Role.ERROR, Role.WARNING, Role.CONTINUATION


def classify(line: str, passing: Callable[[str], bool] | None = None) -> Role:
    """The role of one log line.

    ``passing`` stands for :func:`is_passing` (one that remembers its answers).
    """
    if not line or line.isspace():
        return _PLAIN
    status = http_status(line)
    if status is not None:
        # A server error's request line belongs with its traceback; any other request is routine.
        return _ERROR_ROLE if status >= 500 else _PLAIN
    lower = line.lower()
    # An ASCII line is matched lowered, any other ignoring case (:class:`_Caseless`).
    checks, subject = (_LOWERED, lower) if line.isascii() else (_IGNORING_CASE, line)
    if checks.summary.match(subject):
        return _SUMMARY_ROLE
    if _SECTION.match(line):
        return _SECTION_ROLE
    if _FRAME.match(line):
        return _FRAME_ROLE
    if (passing or is_passing)(line):
        return _PLAIN
    if (
        (line.startswith("E ") or _ERROR_HINT.search(lower))
        and (checks.error_start.match(subject) or checks.error.search(subject))
        and not checks.not_error.search(subject)
    ):
        return _ERROR_ROLE
    if ("warn" in lower or "deprecat" in lower) and checks.warning.search(subject):
        return _WARNING_ROLE
    if _CONTINUATION.match(line):
        return _CONTINUATION_ROLE
    return _PLAIN


def is_passing(line: str) -> bool:
    """A line reporting a test or step that passed (or was skipped on purpose)."""
    if _PASS_START.match(line):
        return True
    # Each word searched for holds one of these: most lines hold none, and the search tries every space.
    return ("PASS" in line or "ok" in line or "XFAIL" in line or "SKIPPED" in line) and bool(
        _PASS_ANYWHERE.search(line)
    )


def is_separator(line: str) -> bool:
    """A rule line (``=====``, ``----- title -----``) that ends a failure section."""
    return line.startswith(("=", "-", "_")) and _SEPARATOR.match(line) is not None


def is_library_frame(line: str) -> bool:
    """A stack frame in third-party or runtime code, less useful than the project's own."""
    return bool(_LIBRARY.search(line))


def is_continuation(line: str) -> bool:
    """A line that belongs to the one before it: indented, a traceback's ``E`` line, ``Caused by``."""
    return bool(line) and bool(_CONTINUATION.match(line))

"""Recognise prose: markdown, reStructuredText, man pages, pydoc output, the text of web pages.

Tried last, after every structured kind, but strict anyway: most sampled
lines must read as sentences (several words, mostly letters), or the text
must have a document's structure (headings, lists, underlined titles) around
enough sentences, and lines of another kind's grammar (JSON keys, log
timestamps, ``path:12:`` hits, diff headers, code statements, bare paths)
must be rare. CSV and TSV are refused outright. Fenced code inside markdown
is left out of the sample: a guide full of examples is still a guide.

A path ending ``.md``/``.rst``/``.txt``/``.html``/``.adoc``, a fetching
tool's name, or the header of a man page or of pydoc output makes a weaker
sample enough.
"""

from __future__ import annotations

import re
from collections import Counter

from ...contract import Hints
from ...linepattern import LinePattern
from ...sampling import even_lines

_SAMPLE_LINES = 200
_MIN_LINES = 4
# Shares of sampled non-blank lines: sentences wanted, other kinds' lines tolerated.
_SENTENCES = 0.5
_SENTENCES_STRUCTURED = 0.35
_SENTENCES_HINTED = 0.3
_FOREIGN = 0.15
_FOREIGN_STRUCTURED = 0.2
_FOREIGN_HINTED = 0.3
# Documents carried by their structure: no foreign lines to speak of, and headings or list items throughout.
_FOREIGN_OUTLINE = 0.05
_OUTLINE_SOME = 0.1
_SENTENCES_OUTLINE = 0.25
_OUTLINE_MOST = 0.4
_OUTLINE_WITH_TEXT = 0.6
_CSV_SHARE = 0.6
_COMMENTS = 0.2
_HEAD_CHARS = 65_536

_HINT_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".txt", ".text", ".html", ".htm", ".adoc", ".asciidoc")
_HINT_TOOL_RE = re.compile(r"fetch|read_?url|web|browse|scrape|crawl|docs?\b|manual|man_?page|wiki|article", re.I)

# pydoc's first line, or a man page's header (`GREP(1)   User Commands   GREP(1)`).
_REFERENCE_HEAD_RE = re.compile(
    r"Help on (?:built-in )?(?:module|package|class|function|method|method-wrapper|object) \S+|[\w.-]+\(\d\w*\) +\S"
)
_FENCED_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[^\n]*$", re.M | re.S)
_DIFF_RE = re.compile(r"^--- \S[^\n]*\n\+\+\+ \S[^\n]*\n@@ -\d", re.M)
_COMMENT_OPEN_RE = re.compile(r"^[ \t]*/\*", re.M)
_STAR_LINE_RE = re.compile(r"[ \t]+\*(?:[ \t]|/|$)")
_HASH_LINE_RE = re.compile(r"[ \t]*#")
_MARKER_RE = re.compile(r"^\s*(?:[-*+•>]|\d{1,3}[.)]|#{1,6})\s+|^\s*\|\s*")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_STRUCTURE_RE = re.compile(
    r"^ {0,3}#{1,6} \S|^\s*(?:[-*+]|\d{1,3}[.)]) +[^\W\d_]{2,}\S* +\S|^([=\-~^\"'`#*+])\1{2,}\s*$"
    r"|^[A-Z][A-Z ]{2,30}$|^\.\. [\w-]+::|^\s*> \S"
)
_FOREIGN_RE = LinePattern(
    # JSON
    r"^\s*[{}\[\]],?\s*$|^\s*\"[^\"\n]{1,80}\"\s*:\s*[\[{\"\d\-tfn]"
    # logs: timestamps, levels, test runners, tracebacks
    r"|^\W{0,2}\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|^\W{0,2}\d{2}:\d{2}:\d{2}"
    r"|^\[?(?:INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL|CRITICAL)\b"
    r"|\b(?:INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL)\b[:\]]"
    r"|::\S+ (?:PASSED|FAILED|SKIPPED|ERROR)\b|^=+ .*\b(?:passed|failed|error|test session)"
    r"|^\s*File \"[^\"]+\", line \d+|^Traceback \(most recent call last\)"
    # grep hits, diffs, git log headers
    r"|^[^\s:]+:\d+[:-]|^(?:@@ -\d|diff --git |\+\+\+ |--- a/|index [0-9a-f]{7,}\.\.)"
    r"|^commit [0-9a-f]{7,}|^(?:Author|Date|Merge):\s"
    # code: statement ends, definitions, imports, declarations, assignments, Python's own marks
    r"|[;{]\s*$|^\s*[})\]];?\s*$|^\s*(?:def|class|function|func|fn)\s+\w+\s*[(<:{]"
    r"|^\s*(?:import\s+[\w.{*]|from\s+[\w.]+\s+import\b|#include\b|package\s+[\w.]+;?\s*$)"
    r"|^\s*(?:const|let|var)\s+[\w{\[]+\s*[=:]|^\s*return\b.*[;)]\s*$"
    r"|^\s*(?:public|private|protected)\s+\w+\s+\w+\s*[(=;]"
    r"|^\s*(?:if|for|while|with|else|try|elif|except)\b[^.!?]*:\s*$|^\s*[\w.\[\]'\"]+\s*(?:[-+*/|&]?=|:=)\s*\S[^.!?]*$"
    r"|\bself\.|^\s*[rbuf]?\"\"\"|\"\"\"\s*$|\w\([^()]*\)\s*(?:->\s*[^:]+)?:\s*$|^\s{4,}#"
    r"|^\s*(?:raise\s+[A-Z]\w*(?:\(|\s*$)|pass\s*$|assert\s)|^\s*@\w+(?:\(|$)|^\s*(?:>>>|//|/\*)|^#!"
    # annotated attributes and assignments, dict entries, string literals in lists
    r"|^\s+[a-z_]\w*\s*:\s*[\w.]+(?:\[.*\])?(?:\s*\|\s*[\w.]+(?:\[.*\])?)*\s*(?:=.*)?$"
    r"|^\s*\w+\s*:\s*[\w.]+(?:\[.*\])?\s*=\s*\S"
    r"|^\s*[\w.]+\s*:\s*['\"].*['\"],\s*(?:#.*)?$|^\s*\(?[rbuf]?['\"].*['\"]\)?,\s*$"
    # shell
    r"|^\s*[A-Za-z_]\w*=(?:\S|$)|^\s*(?:export|unset|local|readonly)\s+\w"
    r"|^\s*(?:then|do|done|fi|esac|exit(?:\s+\d+)?)\s*$"
    r"|;;\s*$|^[^(]*[^\s(]\)\s*$|\|\|\s*$|&&\s*$"
    # bare paths (a file listing)
    r"|^\.{0,2}/?[\w@.+-]+(?:/[\w@.+-]+)+/?\s*$"
)


def _reads_as_text(line: str) -> bool:
    """Four or more words, mostly letters: a sentence, unless another kind's grammar matches the line (asked apart)."""
    text = _MARKER_RE.sub("", line).strip()
    if not text:
        return False
    words = text.split()
    if len(words) < 4:
        return False
    wordy = sum(1 for word in words if _WORD_RE.search(word))
    letters = sum(map(str.isalpha, text))
    return wordy >= 0.6 * len(words) and letters >= 0.55 * len(text.replace(" ", ""))


def _is_delimited(lines: list[str]) -> bool:
    """True for CSV or TSV: most lines hold the same number (two or more) of commas, or tabs."""
    for separator in (",", "\t"):
        counts = Counter(line.count(separator) for line in lines)
        count, lines_with = counts.most_common(1)[0]
        if count >= (1 if separator == "\t" else 2) and lines_with >= _CSV_SHARE * len(lines):
            return True
    return False


def _comments(text: str, sample: list[str]) -> re.Pattern[str] | None:
    """What a source's comment lines look like, when ``text`` is one; None for a document.

    ``#`` lines that come in blocks are a script's or a config's comments;
    `` * text`` lines under ``/*`` openers are a C-like doc comment's. They
    are the code's own lines, not headings or list items.
    """
    if len(_COMMENT_OPEN_RE.findall(text)) >= 2:
        return _STAR_LINE_RE
    hashed = sum(1 for line in sample if line.lstrip().startswith("#"))
    return _HASH_LINE_RE if hashed > _COMMENTS * len(sample) and _comment_blocks(text) else None


def _comment_blocks(text: str) -> bool:
    """True when most `#` lines are followed by another: comment blocks of a script or config, not headings.

    Markdown headings stand alone, with a blank line or text after them.
    """
    lines = text[:_HEAD_CHARS].split("\n")
    hashed = [i for i, line in enumerate(lines[:-1]) if line.lstrip().startswith("#")]
    followed = sum(1 for i in hashed if lines[i + 1].lstrip().startswith("#"))
    return followed * 2 > len(hashed)


def _hinted(hints: Hints) -> bool:
    path = (hints.path or "").lower().split("?")[0]
    return path.endswith(_HINT_SUFFIXES) or bool(hints.tool_name and _HINT_TOOL_RE.search(hints.tool_name))


class ProseDetector:
    """Matches content whose sampled lines read as sentences, alone or within a document's structure."""

    kind = "prose"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when an even sample of ``content`` (fenced code left out) reads as prose."""
        head = content.lstrip()[:1]
        tail = content.rstrip()[-1:]
        if head in "{[" and tail in "}]" and head:
            return False  # JSON, whatever its strings say
        if _DIFF_RE.search(content):
            return False
        text = _FENCED_RE.sub("", content) if ("```" in content or "~~~" in content) else content
        sample = [line for line in even_lines(text, _SAMPLE_LINES) if line.strip()]
        if len(sample) < _MIN_LINES or _is_delimited(sample):
            return False
        comments = _comments(text, sample)
        # Each line's foreign grammar is asked once: it decides both shares below.
        foreign = [bool(_FOREIGN_RE.search(line)) for line in sample]
        commented = [bool(comments and comments.match(line)) for line in sample]
        code = [line for line, alien, comment in zip(sample, foreign, commented) if alien or comment]
        rest = [(line, alien) for line, alien, comment in zip(sample, foreign, commented) if not comment]
        sentences = sum(1 for line, alien in rest if not alien and _reads_as_text(line))
        structure = sum(1 for line, _ in rest if _STRUCTURE_RE.search(line))
        sentence_share = sentences / len(sample)
        foreign_share = len(code) / len(sample)
        structure_share = structure / len(sample)
        if sentence_share >= _SENTENCES and foreign_share <= _FOREIGN:
            return True
        if structure >= 2 and sentence_share >= _SENTENCES_STRUCTURED and foreign_share <= _FOREIGN_STRUCTURED:
            return True
        if foreign_share <= _FOREIGN_OUTLINE and (
            # Terse API references (headings, option lists, short notes) and changelogs: structure carries them.
            (structure_share >= _OUTLINE_SOME and sentence_share >= _SENTENCES_OUTLINE)
            or (structure_share >= _OUTLINE_MOST and structure_share + sentence_share >= _OUTLINE_WITH_TEXT)
        ):
            return True
        vouched = _hinted(hints) or _REFERENCE_HEAD_RE.match(content.lstrip()[:200]) is not None
        return vouched and sentence_share >= _SENTENCES_HINTED and foreign_share <= _FOREIGN_HINTED

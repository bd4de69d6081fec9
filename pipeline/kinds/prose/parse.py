"""Splitting prose into sections, blocks and sentences, keeping every piece's exact original text.

Understood formats: markdown (``#`` and setext headings, lists, fenced and
indented code, tables), reStructuredText (underlined and overlined titles,
``::`` literal blocks, grid and simple tables), man pages and pydoc output
(upper-case section names at column 0, indented sub-headings, a term line
over its indented description) and the plain text of web pages (paragraphs
between blank lines).

A block is a unit of layout: a heading, a paragraph, one list item (or one
term with its description), a code block or a table. Blocks never overlap
and their text is the original lines joined by ``\\n``, so whatever is kept
from them is verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .lines import Lines

HEADING, PARAGRAPH, ITEM, CODE, TABLE = "heading", "paragraph", "item", "code", "table"

_ATX_RE = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_FENCE_RE = re.compile(r"([ \t]*)(`{3,}|~{3,})")
_CAPS_HEADING_RE = re.compile(r"[A-Z][A-Z0-9]*(?:[ /&,()-]+[A-Z0-9][A-Z0-9()]*){0,5}")
_PYDOC_CLASS_RE = re.compile(r"\s+class \w+(?:\(.*\))?\s*$")
# pydoc's function entries: `dumps(obj, *, skipkeys=False, ...)` over the function's description.
_PYDOC_FUNCTION_RE = re.compile(r"\s+[A-Za-z_]\w*\(.*\)\s*$")
_DIRECTIVE_CODE_RE = re.compile(r"[ \t]*\.\. (?:code-block|code|sourcecode|highlight|literalinclude)::")
_DOCTEST_RE = re.compile(r"[ \t|]*(?:>>>|\.\.\.)(?: |$)")
# Lines that only code has: statements ending in `;` or `{`, definitions, imports, prompts, assignments.
# The line-end test is `_CODE_LINE_ENDS`; every other alternative holds at the line's start only.
_CODE_LINE_ENDS = frozenset(";{}([")
_CODE_LINE_RE = re.compile(
    r"\s*(?:[})\]]|(?:def|class|function|fn|func)\s+\w+\s*[(<:]"
    r"|(?:import\s+[\w.]+\s*(?:$|as\s|,)|from\s+[\w.]+\s+import\s|import\s.*\sfrom\s+['\"]|#include\s|package\s+\w)"
    r"|(?:if|for|while|elif|else|try|except|with)\b.*:\s*$|(?:const|let|var)\s+[\w{\[][^=]*="
    r"|(?:\$ |>>> |// |/\*|\*/)|<\w+[^>]*>\s*$|@\w+|[\w.\[\]'\"]+\s*(?:[-+*/]?=|=>|->)\s*\S)"
)
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Hard-wrapped text stays under about 100 characters a line; a paragraph per line runs longer.
_UNWRAPPED_CHARS = 160
# A full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e cf vs al approx incl resp viz ca mr mrs ms dr prof st jr sr fig figs no nos vol pp sec ch eq".split()
)
_SPACE_RE = re.compile(r"\s*")
_DOTTED_RE = re.compile(r"(?:[a-z]\.)+[a-z]")
# Latin punctuation ends a sentence only before whitespace; CJK full stops need none. That is
# `[.!?…]+[\"'”’)\]*_`]*(?=\s)|[。！？]+[」』”）]*`, spelled to open with one character class so that the regex
# engine skips to it in C.
_SENTENCE_END_RE = re.compile(
    r"[.!?…。！？](?:(?<=[.!?…])[.!?…]*[\"'”’)\]*_`]*(?=\s)|(?<=[。！？])[。！？]*[」』”）]*)"
)


@dataclass(slots=True)
class Block:
    """A heading, paragraph, list item, code block or table: lines ``start`` to ``end`` (0-based, end excluded).

    Not frozen, though never changed: a frozen dataclass costs six times as much to build, and a long
    document has thousands of blocks.
    """

    kind: str
    start: int
    end: int
    text: str
    section: int
    blank_before: bool
    level: int = 0
    title: str = ""


@dataclass(slots=True)
class Section:
    """A heading and the blocks under it up to the next heading; section 0 is what precedes the first heading."""

    index: int
    level: int
    title: str
    path: tuple[str, ...]
    heading: int | None
    blocks: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    """The parsed document: every block in order and the sections they belong to."""

    lines: list[str]
    blocks: list[Block]
    sections: list[Section]

    def top_level(self) -> int:
        """The level of the document's top sections: the shallowest, unless it is a lone title over the rest."""
        levels = [section.level for section in self.sections if section.level]
        if not levels:
            return 0
        top = min(levels)
        if levels.count(top) == 1 and len(set(levels)) > 1:
            top = min(level for level in levels if level != top)
        return top

    def heading_path(self, section: int) -> str:
        """The titles from the top down to ``section``, joined by `` > ``."""
        return " > ".join(_short(title) for title in self.sections[section].path)

    def heading_paths(self) -> list[str]:
        """:meth:`heading_path` of every section, by section index."""
        return [self.heading_path(section.index) for section in self.sections]


def parse(content: str) -> Document:
    """Split ``content`` into sections and blocks."""
    lines = content.split("\n")
    clean = Lines([line.rstrip("\r") for line in lines])
    blank = clean.blank
    code = _code_lines(clean)
    headings = _headings(clean, code)
    blocks: list[Block] = []
    sections = [Section(0, 0, "", (), None)]
    stack: list[tuple[int, str]] = []
    index = 0
    blank_before = False
    count = len(clean)
    while index < count:
        if blank[index]:
            blank_before = True
            index += 1
            continue
        if index in headings:
            level, title, end = headings[index]
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            section = Section(len(sections), level, title, tuple(t for _, t in stack), len(blocks))
            sections.append(section)
            blocks.append(_block(HEADING, lines, index, end, section.index, blank_before, level, title))
            index, blank_before = end, False
            continue
        section = sections[-1]
        end = index
        if index in code:
            while end < count and end in code:
                end += 1
            while blank[end - 1]:
                end -= 1
            spans = [(CODE, index, end)]
        else:
            while end < count and not blank[end] and end not in code and end not in headings:
                end += 1
            spans = _split_group(clean, index, end)
        for kind, start, stop in spans:
            section.blocks.append(len(blocks))
            blocks.append(_block(kind, lines, start, stop, section.index, blank_before))
            blank_before = False
        index = end
    return Document(lines, blocks, sections)


def sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``; whitespace between them belongs to none.

    Does not break after abbreviations (``e.g.``, ``i.e.``), initials, or
    before a lower-case word, and never inside ``v1.2``, ``3.14``, paths or
    URLs (a sentence end needs whitespace after it).
    """
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        if end <= start:
            continue
        following = _SPACE_RE.match(text, end).end()
        if following < len(text) and _ends_sentence(text, match.start(), end, following):
            spans.append((start, end))
            start = following
    tail_end = len(text.rstrip())
    if start < tail_end:
        spans.append((start, tail_end))
    return spans


def _ends_sentence(text: str, dot: int, end: int, following: int) -> bool:
    """True when the punctuation at ``dot:end``, followed by text from ``following`` on, ends a sentence."""
    if text[dot] in "。！？":
        return True
    nxt = text[following]
    if nxt.islower():
        return False
    if text[dot] != "." or text[dot:end].startswith(".."):
        return text[dot] not in ".…"  # an ellipsis ("[FILE...]", "and so on …") goes on
    word_start = max(text.rfind(" ", 0, dot), text.rfind("\n", 0, dot), text.rfind("(", 0, dot)) + 1
    word = text[word_start:dot].lower().strip("*_`\"'")
    if word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS:
        return False
    # An initial ("J. Smith") or a dotted abbreviation ("U.S.") does not end a sentence.
    return not (len(word) == 1 and word.isalpha() and text[word_start].isupper()) and not _DOTTED_RE.fullmatch(word)


def _block(
    kind: str, lines: list[str], start: int, end: int, section: int, blank: bool, level: int = 0, title: str = ""
) -> Block:
    return Block(kind, start, end, "\n".join(lines[start:end]), section, blank, level, title)


def _code_lines(lines: Lines) -> set[int]:
    """Indices of lines inside fenced code, rst literal blocks and doctests."""
    text = lines.text
    code: set[int] = set()
    # Only a line holding a fence, a prompt or `::` can open code: the others are passed over.
    candidates = [
        i
        for i, line in enumerate(text)
        if "```" in line or "~~~" in line or ">>>" in line or "..." in line or "::" in line
    ]
    index = 0
    for candidate in candidates:
        if candidate < index:
            continue
        index = candidate
        line = text[index]
        fence = _FENCE_RE.match(line)
        if fence:
            marker = fence.group(2)
            end = index + 1
            while end < len(text) and not text[end].lstrip().startswith(marker):
                end += 1
            end = min(end + 1, len(text))
            code.update(range(index, end))
            index = end
            continue
        if _DOCTEST_RE.match(line):
            code.add(index)
        elif line.rstrip().endswith("::") and not lines.blank[index]:
            literal = _literal_block(lines, index)
            if _DIRECTIVE_CODE_RE.match(line):
                code.add(index)
            code.update(literal)
            if literal:
                index = max(literal) + 1
                continue
        index += 1
    return code


def _literal_block(lines: Lines, at: int) -> range:
    """The indented lines after an rst ``::`` line (blank lines inside included).

    A literal block follows a blank line; a code directive's options may follow it directly.
    """
    blank, indent, count = lines.blank, lines.indent, len(lines)
    base = indent[at]
    index = at + 1
    while index < count and blank[index]:
        index += 1
    directive = _DIRECTIVE_CODE_RE.match(lines.text[at]) is not None
    if (index == at + 1 and not directive) or index >= count or indent[index] <= base:
        return range(0)
    end = index
    while end < count and (blank[end] or indent[end] > base):
        end += 1
    while blank[end - 1]:
        end -= 1
    return range(index, end)


def _headings(lines: Lines, code: set[int]) -> dict[int, tuple[int, str, int]]:
    """Heading lines: start index → (level, title, end index)."""
    text = lines.text
    found: dict[int, tuple[str, str, int]] = {}
    # A heading holds `#` or stands over a rule: no other line needs looking at.
    candidates = sorted({i for i, line in enumerate(text) if "#" in line} | {i - 1 for i in lines.rules if i})
    index = 0
    for candidate in candidates:
        if candidate < index or candidate in code:
            continue
        index = candidate
        line = text[index]
        atx = _ATX_RE.fullmatch(line)
        if atx and atx.group(2):
            found[index] = ("#" * len(atx.group(1)), atx.group(2).strip(), index + 1)
        elif _underlined(lines, index, code):
            rule = text[index + 1].strip()
            over = index > 0 and text[index - 1].strip() == rule
            style = ("over" if over else "under") + rule[0]
            start = index - 1 if over else index
            found.pop(start, None)
            found[start] = (style, line.strip(), index + 2)
            index += 2
            continue
        index += 1
    levels = _style_levels(found)
    headings = {start: (levels[style], title, end) for start, (style, title, end) in found.items()}
    if headings:
        return headings
    return _caps_headings(lines, code)


def _underlined(lines: Lines, index: int, code: set[int]) -> bool:
    """True when line ``index`` is a title over a line of one repeated punctuation character."""
    if index + 1 >= len(lines) or index + 1 in code or lines.blank[index]:
        return False
    title, rule = lines.text[index].strip(), lines.text[index + 1].strip()
    if index + 1 not in lines.rules or index in lines.rules or index in lines.listed:
        return False
    if rule[0] == "-" and index > 0 and not lines.blank[index - 1] and index - 1 not in lines.rules:
        return False  # the last line of a paragraph above a thematic break
    return len(rule) >= min(len(title), 3) and len(title) <= 120 and lines.indent[index] < 4


def _style_levels(found: dict[int, tuple[str, str, int]]) -> dict[str, int]:
    """Heading levels by style: ``#`` counts are levels; underline styles rank in order of first use."""
    levels = {style: len(style) for style, _, _ in found.values() if style.startswith("#")}
    ranked = [style for style in dict.fromkeys(style for _, (style, _, _) in sorted(found.items())) if style[0] != "#"]
    for rank, style in enumerate(ranked, 1):
        levels[style] = rank
    return levels


def _caps_headings(lines: Lines, code: set[int]) -> dict[int, tuple[int, str, int]]:
    """Man page and pydoc sections: upper-case names at column 0, sub-headings indented less than the body."""
    text, blank, indent = lines.text, lines.blank, lines.indent
    top = [
        i
        for i, line in enumerate(text)
        if "A" <= line[:1] <= "Z"
        and i not in code
        and _CAPS_HEADING_RE.fullmatch(line.rstrip())
        and (i == 0 or blank[i - 1] or (i + 1 < len(text) and indent[i + 1] > 0))
    ]
    if len(top) < 2:
        return {}
    headings = {i: (1, text[i].strip(), i + 1) for i in top}
    # The body's indent is the one that follows the section names (7 in man pages, 4 in pydoc).
    body = Counter(indent[i + 1] for i in top if i + 1 < len(text) and not blank[i + 1])
    if not body:
        return headings
    base = body.most_common(1)[0][0]
    # Sub-headings: a class or function line at the body's indent, or a line indented less (not at the margin).
    candidates = [
        i
        for i, width in enumerate(indent)
        if 0 < width < base or (width == base and ("class " in text[i] or "(" in text[i]))
    ]
    for i in candidates:
        if i in headings or i in code or blank[i] or i + 1 >= len(text):
            continue
        line = text[i]
        width = indent[i]
        title = line.strip()
        if width == base and "class " in line and _PYDOC_CLASS_RE.match(line) and indent[i + 1] > base:
            headings[i] = (2, title, i + 1)  # pydoc's `class Name(Base)` over the class's body
        elif width == base and "(" in line and _PYDOC_FUNCTION_RE.match(line) and indent[i + 1] > base:
            headings[i] = (2, title, i + 1)  # a function's signature over its description: what a reader looks up
        elif (
            0 < width < base
            and (blank[i - 1] or i - 1 in headings)
            and title[0].isupper()
            and len(title.split()) <= 8
            and title[-1] not in ".:,;"
            and i not in lines.listed
            and indent[i + 1] >= base
        ):
            headings[i] = (2, title, i + 1)
    return headings


def _split_group(lines: Lines, start: int, end: int) -> list[tuple[str, int, int]]:
    """Blocks of a run of non-blank lines: tables, list items, terms with descriptions, code, or one paragraph."""
    spans: list[tuple[str, int, int]] = []
    table_rows = lines.table_rows
    index = start
    while index < end:
        if index in lines.table_rules:
            spans.append((TABLE, index, end))
            break
        if index in table_rows:
            stop = index
            while stop < end and stop in table_rows:
                stop += 1
            if stop - index >= 2:
                spans.append((TABLE, index, stop))
                index = stop
                continue
        stop = index + 1
        while stop < end and not _starts_block(lines, stop, index):
            stop += 1
        kind = _kind(lines, index, stop)
        if kind == PARAGRAPH and _unwrapped(lines.text[index:stop]):
            spans.extend((PARAGRAPH, line, line + 1) for line in range(index, stop))
        else:
            spans.append((kind, index, stop))
        index = stop
    return spans


def _unwrapped(group: list[str]) -> bool:
    """True for paragraphs one per line with no blank line between (text taken from web pages)."""
    lengths = sorted(len(line) for line in group)
    return len(group) > 1 and lengths[len(lengths) // 2] > _UNWRAPPED_CHARS


def _starts_block(lines: Lines, index: int, first: int) -> bool:
    """True when line ``index`` opens a new block inside the run of lines that began at ``first``."""
    if index in lines.listed or index in lines.table_rows:
        return True
    # A man page or pydoc term: back at the first line's indent after an indented description.
    indent = lines.indent
    return (
        indent[index] == indent[first]
        and indent[index - 1] > indent[first]
        and index - 1 > first
        and first not in lines.listed
    )


def _kind(lines: Lines, start: int, end: int) -> str:
    group = lines.text[start:end]
    if start in lines.listed:
        return ITEM
    if not _sentence_like(group) and sum(1 for line in group if _is_code_line(line)) * 2 > len(group):
        return CODE
    if len(group) > 1 and lines.indent[start + 1] > lines.indent[start] and len(group[0].split()) <= 8:
        return ITEM  # a term over its indented description
    return PARAGRAPH


def _is_code_line(line: str) -> bool:
    """``_CODE_LINE_RE.search(line)``: its anchored part tried once, its line-end part read off the line's end."""
    return line.rstrip()[-1:] in _CODE_LINE_ENDS or _CODE_LINE_RE.match(line) is not None


def _sentence_like(group: list[str]) -> bool:
    """True when most of the run's text is words, as prose is and code is not."""
    text = " ".join(group)
    if text.isascii():
        # The letters are what deleting them removes: one pass in C instead of a call per character.
        letters = len(text) - len(text.encode("ascii").translate(None, _ASCII_LETTERS))
    else:
        letters = sum(map(str.isalpha, text))
    letters += text.count(" ")
    return letters >= 0.85 * len(text) and len(text.split()) >= 6


def _short(title: str, limit: int = 48) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"

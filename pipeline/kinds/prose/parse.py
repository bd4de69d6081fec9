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

HEADING, PARAGRAPH, ITEM, CODE, TABLE = "heading", "paragraph", "item", "code", "table"

_ATX_RE = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_UNDERLINE_RE = re.compile(r"([=\-~^\"'`#*+:._])\1{2,}[ \t]*")
_FENCE_RE = re.compile(r"([ \t]*)(`{3,}|~{3,})")
_LIST_RE = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))[ \t]+\S")
_CAPS_HEADING_RE = re.compile(r"[A-Z][A-Z0-9]*(?:[ /&,()-]+[A-Z0-9][A-Z0-9()]*){0,5}")
_PYDOC_CLASS_RE = re.compile(r"\s+class \w+(?:\(.*\))?\s*$")
# pydoc's function entries: `dumps(obj, *, skipkeys=False, ...)` over the function's description.
_PYDOC_FUNCTION_RE = re.compile(r"\s+[A-Za-z_]\w*\(.*\)\s*$")
_TABLE_ROW_RE = re.compile(r"[ \t]*\|.*\|")
# rst grid tables open with `+----+----+`, simple tables with `=====  =====`: the whole run is the table.
_TABLE_RULE_RE = re.compile(r"[ \t]*(?:\+(?:[-=:]+\+)+|=+(?: +=+)+)[ \t]*")
_DIRECTIVE_CODE_RE = re.compile(r"[ \t]*\.\. (?:code-block|code|sourcecode|highlight|literalinclude)::")
_DOCTEST_RE = re.compile(r"[ \t|]*(?:>>>|\.\.\.)(?: |$)")
# Lines that only code has: statements ending in `;` or `{`, definitions, imports, prompts, assignments.
_CODE_LINE_RE = re.compile(
    r"[;{}(\[]\s*$|^\s*[})\]]|^\s*(?:def|class|function|fn|func)\s+\w+\s*[(<:]"
    r"|^\s*(?:import\s+[\w.]+\s*(?:$|as\s|,)|from\s+[\w.]+\s+import\s|import\s.*\sfrom\s+['\"]|#include\s|package\s+\w)"
    r"|^\s*(?:if|for|while|elif|else|try|except|with)\b.*:\s*$|^\s*(?:const|let|var)\s+[\w{\[][^=]*="
    r"|^\s*(?:\$ |>>> |// |/\*|\*/)|^\s*<\w+[^>]*>\s*$|^\s*@\w+|^\s*[\w.\[\]'\"]+\s*(?:[-+*/]?=|=>|->)\s*\S"
)
# Hard-wrapped text stays under about 100 characters a line; a paragraph per line runs longer.
_UNWRAPPED_CHARS = 160
_INDENT_RE = re.compile(r"[ \t|]*")
# A full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e cf vs al approx incl resp viz ca mr mrs ms dr prof st jr sr fig figs no nos vol pp sec ch eq".split()
)
# Latin punctuation ends a sentence only before whitespace; CJK full stops need none.
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]*_`]*(?=\s)|[。！？]+[」』”）]*")


@dataclass(frozen=True, slots=True)
class Block:
    """A heading, paragraph, list item, code block or table: lines ``start`` to ``end`` (0-based, end excluded)."""

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
    clean = [line.rstrip("\r") for line in lines]
    code = _code_lines(clean)
    headings = _headings(clean, code)
    blocks: list[Block] = []
    sections = [Section(0, 0, "", (), None)]
    stack: list[tuple[int, str]] = []
    index = 0
    blank_before = False
    while index < len(clean):
        if _is_blank(clean[index]):
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
            while end < len(clean) and end in code:
                end += 1
            while _is_blank(clean[end - 1]):
                end -= 1
            spans = [(CODE, index, end)]
        else:
            while end < len(clean) and not _is_blank(clean[end]) and end not in code and end not in headings:
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
    start = _skip_space(text, 0)
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end()
        if end <= start or not _ends_sentence(text, match.start(), end):
            continue
        spans.append((start, end))
        start = _skip_space(text, end)
    tail_end = len(text.rstrip())
    if start < tail_end:
        spans.append((start, tail_end))
    return spans


def _ends_sentence(text: str, dot: int, end: int) -> bool:
    following = _skip_space(text, end)
    if following >= len(text):
        return False
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
    return not (len(word) == 1 and word.isalpha() and text[word_start].isupper()) and not re.fullmatch(
        r"(?:[a-z]\.)+[a-z]", word
    )


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _is_blank(line: str) -> bool:
    # pydoc draws class bodies with a `|` gutter: a gutter alone is a blank line.
    return not line.strip(" \t|")


def _indent(line: str) -> int:
    return len(_INDENT_RE.match(line).group().expandtabs(8))


def _block(
    kind: str, lines: list[str], start: int, end: int, section: int, blank: bool, level: int = 0, title: str = ""
) -> Block:
    return Block(kind, start, end, "\n".join(lines[start:end]), section, blank, level, title)


def _code_lines(lines: list[str]) -> set[int]:
    """Indices of lines inside fenced code, rst literal blocks and doctests."""
    code: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE_RE.match(line)
        if fence:
            marker = fence.group(2)
            end = index + 1
            while end < len(lines) and not lines[end].lstrip().startswith(marker):
                end += 1
            end = min(end + 1, len(lines))
            code.update(range(index, end))
            index = end
            continue
        if _DOCTEST_RE.match(line):
            code.add(index)
        elif line.rstrip().endswith("::") and not _is_blank(line):
            literal = _literal_block(lines, index)
            if _DIRECTIVE_CODE_RE.match(line):
                code.add(index)
            code.update(literal)
            if literal:
                index = max(literal) + 1
                continue
        index += 1
    return code


def _literal_block(lines: list[str], at: int) -> range:
    """The indented lines after an rst ``::`` line (blank lines inside included).

    A literal block follows a blank line; a code directive's options may follow it directly.
    """
    base = _indent(lines[at])
    index = at + 1
    while index < len(lines) and _is_blank(lines[index]):
        index += 1
    directive = _DIRECTIVE_CODE_RE.match(lines[at]) is not None
    if (index == at + 1 and not directive) or index >= len(lines) or _indent(lines[index]) <= base:
        return range(0)
    end = index
    while end < len(lines) and (_is_blank(lines[end]) or _indent(lines[end]) > base):
        end += 1
    while _is_blank(lines[end - 1]):
        end -= 1
    return range(index, end)


def _headings(lines: list[str], code: set[int]) -> dict[int, tuple[int, str, int]]:
    """Heading lines: start index → (level, title, end index)."""
    found: dict[int, tuple[str, str, int]] = {}
    index = 0
    while index < len(lines):
        if index in code:
            index += 1
            continue
        line = lines[index]
        atx = _ATX_RE.fullmatch(line)
        if atx and atx.group(2):
            found[index] = ("#" * len(atx.group(1)), atx.group(2).strip(), index + 1)
        elif _underlined(lines, index, code):
            rule = lines[index + 1].strip()
            over = index > 0 and lines[index - 1].strip() == rule
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


def _underlined(lines: list[str], index: int, code: set[int]) -> bool:
    """True when ``lines[index]`` is a title over a line of one repeated punctuation character."""
    if index + 1 >= len(lines) or index + 1 in code or _is_blank(lines[index]):
        return False
    title, rule = lines[index].strip(), lines[index + 1].strip()
    if not _UNDERLINE_RE.fullmatch(rule) or _UNDERLINE_RE.fullmatch(title) or _LIST_RE.match(lines[index]):
        return False
    if rule[0] == "-" and index > 0 and not _is_blank(lines[index - 1]) and not _is_rule(lines[index - 1]):
        return False  # the last line of a paragraph above a thematic break
    return len(rule) >= min(len(title), 3) and len(title) <= 120 and _indent(lines[index]) < 4


def _is_rule(line: str) -> bool:
    return _UNDERLINE_RE.fullmatch(line.strip()) is not None


def _style_levels(found: dict[int, tuple[str, str, int]]) -> dict[str, int]:
    """Heading levels by style: ``#`` counts are levels; underline styles rank in order of first use."""
    levels = {style: len(style) for style, _, _ in found.values() if style.startswith("#")}
    ranked = [style for style in dict.fromkeys(style for _, (style, _, _) in sorted(found.items())) if style[0] != "#"]
    for rank, style in enumerate(ranked, 1):
        levels[style] = rank
    return levels


def _caps_headings(lines: list[str], code: set[int]) -> dict[int, tuple[int, str, int]]:
    """Man page and pydoc sections: upper-case names at column 0, sub-headings indented less than the body."""
    top = [
        i
        for i, line in enumerate(lines)
        if i not in code
        and line
        and not line[0].isspace()
        and _CAPS_HEADING_RE.fullmatch(line.rstrip())
        and (i == 0 or _is_blank(lines[i - 1]) or (i + 1 < len(lines) and _indent(lines[i + 1]) > 0))
    ]
    if len(top) < 2:
        return {}
    headings = {i: (1, lines[i].strip(), i + 1) for i in top}
    # The body's indent is the one that follows the section names (7 in man pages, 4 in pydoc).
    body = Counter(_indent(lines[i + 1]) for i in top if i + 1 < len(lines) and not _is_blank(lines[i + 1]))
    if not body:
        return headings
    base = body.most_common(1)[0][0]
    for i, line in enumerate(lines):
        if i in headings or i in code or _is_blank(line) or i + 1 >= len(lines):
            continue
        indent = _indent(line)
        text = line.strip()
        if indent == base and _PYDOC_CLASS_RE.match(line) and _indent(lines[i + 1]) > base:
            headings[i] = (2, text, i + 1)  # pydoc's `class Name(Base)` over the class's body
        elif indent == base and _PYDOC_FUNCTION_RE.match(line) and _indent(lines[i + 1]) > base:
            headings[i] = (2, text, i + 1)  # a function's signature over its description: what a reader looks up
        elif (
            0 < indent < base
            and (_is_blank(lines[i - 1]) or i - 1 in headings)
            and text[0].isupper()
            and len(text.split()) <= 8
            and text[-1] not in ".:,;"
            and not _LIST_RE.match(line)
            and _indent(lines[i + 1]) >= base
        ):
            headings[i] = (2, text, i + 1)
    return headings


def _split_group(lines: list[str], start: int, end: int) -> list[tuple[str, int, int]]:
    """Blocks of a run of non-blank lines: tables, list items, terms with descriptions, code, or one paragraph."""
    spans: list[tuple[str, int, int]] = []
    index = start
    while index < end:
        if _TABLE_RULE_RE.fullmatch(lines[index]):
            spans.append((TABLE, index, end))
            break
        if _is_table_line(lines[index]):
            stop = index
            while stop < end and _is_table_line(lines[stop]):
                stop += 1
            if stop - index >= 2:
                spans.append((TABLE, index, stop))
                index = stop
                continue
        stop = index + 1
        while stop < end and not _starts_block(lines, stop, index):
            stop += 1
        kind = _kind(lines, index, stop)
        if kind == PARAGRAPH and _unwrapped(lines[index:stop]):
            spans.extend((PARAGRAPH, line, line + 1) for line in range(index, stop))
        else:
            spans.append((kind, index, stop))
        index = stop
    return spans


def _unwrapped(group: list[str]) -> bool:
    """True for paragraphs one per line with no blank line between (text taken from web pages)."""
    lengths = sorted(len(line) for line in group)
    return len(group) > 1 and lengths[len(lengths) // 2] > _UNWRAPPED_CHARS


def _is_table_line(line: str) -> bool:
    if _TABLE_RULE_RE.fullmatch(line):
        return True
    return _TABLE_ROW_RE.fullmatch(line) is not None and line.count("|") >= 2


def _starts_block(lines: list[str], index: int, first: int) -> bool:
    """True when ``lines[index]`` opens a new block inside the run of lines that began at ``first``."""
    line = lines[index]
    if _LIST_RE.match(line):
        return True
    if _is_table_line(line):
        return True
    # A man page or pydoc term: back at the first line's indent after an indented description.
    first_indent = _indent(lines[first])
    return (
        _indent(line) == first_indent
        and _indent(lines[index - 1]) > first_indent
        and index - 1 > first
        and not _LIST_RE.match(lines[first])
    )


def _kind(lines: list[str], start: int, end: int) -> str:
    group = lines[start:end]
    if _LIST_RE.match(group[0]):
        return ITEM
    if not _sentence_like(group) and sum(1 for line in group if _CODE_LINE_RE.search(line)) * 2 > len(group):
        return CODE
    if len(group) > 1 and _indent(group[1]) > _indent(group[0]) and len(group[0].split()) <= 8:
        return ITEM  # a term over its indented description
    return PARAGRAPH


def _sentence_like(group: list[str]) -> bool:
    """True when most of the run's text is words, as prose is and code is not."""
    text = " ".join(group)
    letters = sum(map(str.isalpha, text)) + text.count(" ")
    return letters >= 0.85 * len(text) and len(text.split()) >= 6


def _short(title: str, limit: int = 48) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"

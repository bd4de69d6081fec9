"""The outline of source that does not parse (or has no grammar here), from its lines alone.

A light scan tracks comments, strings and bracket depth. Lines at the top
level stay (imports, signatures, constants, preprocessor directives), and so
do definition-like lines one level in (a class's methods), with the rest of a
signature that spans lines. Everything else folds into ``[… lines a–b]``
notes. Only whole original lines and notes are written, so a file cut in the
middle of a function still gives a readable outline, never half a construct.
The scan reads past a line-number gutter and a common indentation, so the
declarations of quoted or numbered code are found too. Under a cap, kept
lines go by rank: the query's blocks, constants, declarations, members.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ...contract import Item
from .text import span

_MODIFIERS = (
    r"(?:(?:export|default|pub(?:\([\w:]+\))?|public|private|protected|internal|static|async|abstract|final"
    r"|override|open|sealed|data|inline|virtual|extern|unsafe|readonly|declare|suspend|partial)\s+)*"
)
_DEFINITION = re.compile(
    rf"^\s*{_MODIFIERS}(?:def|class|function\*?|func|fn|impl|trait|struct|enum|interface|type|module|namespace"
    r"|object|record|union|typedef|fun|macro_rules!)(?:\s+[\w$<({*\[]|[<({*])"
    r"|^\s*(?:public|private|protected|internal)\s+\S.*[({=;]"
    r"|^\s*(?:import|from|package|use|using)\s|^\s*@\w"
)
# A C-style signature or prototype at the margin: `static int f(`, `struct x *make_x (`.
_SIGNATURE = re.compile(r"^(?!(?:return|else|case|goto|if|while|for|switch)\b)(?:[\w*&<>:,\[\]]+\s+)+[*&]*\w+\s*\(")
# Module-level constants: `MAX_SIZE = 10`, `const x =`, `static FOO:`, Go's `const (`.
_CONSTANT = re.compile(
    r"^(?:[A-Z][A-Z0-9_]*\s*(?::[^=]*)?=|(?:export\s+)?(?:pub(?:\([\w:]+\))?\s+)?(?:const|static|var)\b)"
)
# A line-number gutter (`cat -n`, `nl`, `  12→`): read past it, never written without it.
_GUTTER = re.compile(r"^\s*\d+(?:\t|→| \| |\| |: | {2})")
_GUTTER_SHARE = 0.9
# Kept groups by priority: a query's blocks, constants (always kept, and cheap), declarations, members'
# declarations, imports, other top-level lines.
_WHOLE, _CONSTANT_LINE, _DECLARATION, _MEMBER, _IMPORT_LINE, _OTHER = range(6)
# Where a list of named constants opens (an enum, Go's `const (`), and one of its names, or a `#define` in it.
_NAME_LIST_OPEN = re.compile(r"^\s*(?:(?:typedef|export|declare|pub(?:\([\w:]+\))?)\s+)*(?:enum\b|const\s*\($)")
_LISTED_NAME = re.compile(r"^\s*[A-Za-z_]\w*\s*(?:=|,|$)")
_DEFINE = re.compile(r"^\s*#\s*define\s")
_DIRECTIVE = re.compile(r"^\s*#\s*(?:include|define|if|ifdef|ifndef|elif|else|endif|pragma|undef)\b")
_WORD = re.compile(r"[A-Za-z_$]")
# Blocks that wrap a whole file without nesting it: `extern "C" {`, `namespace app {`.
_WRAPPER_OPEN = re.compile(
    r'^\s*(?:extern\s+"C"|(?:export\s+)?namespace\b[^;{]*|declare\s+(?:module|global)\b[^;{]*)\s*\{\s*$'
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
# Where a comment or a string starts, for the scan; a string's body up to its closing quote.
_STARTS = re.compile(r"//|/\*|[\"'`]")
_PYTHON_STARTS = re.compile(r"#|\"\"\"|'''|[\"'`]")
_STRING_BODY = {quote: re.compile(rf"[^{quote}\\]*(?:\\.[^{quote}\\]*)*", re.DOTALL) for quote in "\"'`"}
_IMPORT = re.compile(r"^\s*(?:import|from|package|use|using)\s")
_ATTRIBUTE = re.compile(r"^\s*(?:#\[|@\w)")
_CHUNK_ROWS = 40
_MAX_INDENT = 8
_MAX_SIGNATURE_ROWS = 12
_MAX_RAW_GAP = 1  # a gap this short stays as it is: a note would cost as much


@dataclass(slots=True)
class LineOutline:
    """The folded text, how many lines were kept and folded, and one item per top-level chunk."""

    text: str
    kept: int
    folded: int
    items: list[Item] = field(default_factory=list)
    whole: int = 0


@dataclass(frozen=True, slots=True)  # one for all the lines with the same facts
class _Line:
    depth: int  # bracket depth before the line
    comment: bool  # nothing but comment or the inside of a multi-line string


@dataclass(frozen=True, slots=True)
class _Group:
    start: int
    end: int
    priority: int


def _view(lines: list[str]) -> list[str]:
    """The lines as the scan reads them: without a line-number gutter, and dedented to their common margin.

    Code quoted from an indented block, or read through ``cat -n``, still has its declarations found;
    the outline writes the original lines.
    """
    filled = [line for line in lines if line.strip()]
    if filled and _numbered(filled):
        lines = [_GUTTER.sub("", line, count=1) for line in lines]
        filled = [line for line in lines if line.strip()]
    if any(line[0] not in " \t" for line in filled):
        return lines  # a line at the margin: nothing to dedent
    margin = min(map(_indent, filled), default=0)
    if margin == 0:
        return lines
    return [_dedent(line, margin) for line in lines]


def _numbered(filled: list[str]) -> bool:
    """True when ``_GUTTER_SHARE`` of the lines or more start with a line number (stops once too few can)."""
    missing = 0
    for line in filled:
        if not _GUTTER.match(line):
            missing += 1
            if len(filled) - missing < len(filled) * _GUTTER_SHARE:
                return False
    return len(filled) - missing >= len(filled) * _GUTTER_SHARE


def _dedent(line: str, margin: int) -> str:
    cut = 0
    width = 0
    while cut < len(line) and line[cut] in " \t" and width < margin:
        width += 4 if line[cut] == "\t" else 1
        cut += 1
    return line[cut:]


def _indent(line: str) -> int:
    if line[:1] not in (" ", "\t"):
        return 0
    stripped = line.lstrip(" \t")
    prefix = line[: len(line) - len(stripped)]
    return prefix.count(" ") + 4 * prefix.count("\t")


def _scan(lines: list[str], python: bool) -> list[_Line]:
    """Bracket depth and comment-ness of every line, skipping brackets inside strings and comments.

    Python counts every bracket and ``#`` comments and triple-quoted strings;
    the other languages count braces only, with ``//`` and ``/* */`` comments.
    Between the places where a comment or a string starts, a line is code: its
    brackets are counted a stretch at a time.
    """
    opening, closing = ("([{", ")]}") if python else ("{", "}")
    search = (_PYTHON_STARTS if python else _STARTS).search
    comment = "#" if python else "/"  # what every comment starts with
    scanned: list[_Line] = []
    # A line's facts by its depth, one object for all the lines that share them (they are never changed).
    code_at: dict[int, _Line] = {}
    comment_at: dict[int, _Line] = {}
    depth = 0
    block: str | None = None  # the closer we are inside: "*/", '"""', "'''"
    for line in lines:
        before = depth
        if block is None:
            opens = "{" in line
            if opens and _WRAPPER_OPEN.match(line):
                scanned.append(code_at.get(before) or code_at.setdefault(before, _Line(before, False)))
                continue
            if comment not in line and '"' not in line and "'" not in line and "`" not in line:
                # Neither a comment nor a string starts here: the line is all code (or blank).
                if python or opens or "}" in line:
                    depth = _brackets(line, depth, opening, closing)
                scanned.append(code_at.get(before) or code_at.setdefault(before, _Line(before, False)))
                continue
        code = False
        i, n = 0, len(line)
        while True:
            if block is not None:
                end = line.find(block, i)
                if end == -1:
                    break
                i = end + len(block)
                block = None
            found = search(line, i)
            stop = n if found is None else found.start()
            if i < stop:
                stretch = line[i:stop]
                if not code and stretch.strip(" \t\r"):
                    code = True
                depth = _brackets(stretch, depth, opening, closing)
            if found is None:
                break
            token = found.group()
            if token == "#" or token == "//":
                break
            if token == "/*":
                block, i = "*/", stop + 2
                continue
            code = True
            if len(token) == 3:
                block, i = token, stop + 3
                continue
            end = _STRING_BODY[token].match(line, stop + 1).end()
            if end >= n or line[end] != token:
                break  # the string runs to the end of the line
            i = end + 1
        shared = code_at if code or not line.strip() else comment_at
        scanned.append(shared.get(before) or shared.setdefault(before, _Line(before, shared is comment_at)))
    return scanned


def _brackets(stretch: str, depth: int, opening: str, closing: str) -> int:
    """The depth after a stretch of code; a closing bracket never takes it below zero."""
    closes = 0
    for bracket in closing:
        closes += stretch.count(bracket)
    opens = 0
    for bracket in opening:
        opens += stretch.count(bracket)
    if closes <= depth:
        return depth + opens - closes  # the depth cannot reach zero on the way
    for ch in stretch:
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth = max(0, depth - 1)
    return depth


def outline_lines(
    lines: list[str],
    names: set[str],
    python: bool = False,
    room: int | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> LineOutline | None:
    """Keep top-level and definition-like lines (and whole blocks whose definition names one of ``names``).

    With ``room`` (and ``count_tokens``) the outline fits in that many tokens: other top-level lines are
    dropped first, then imports, members' declarations, the declarations furthest down; constants last.
    Whatever the input, the outline keeps lines that fit: the declaring ones when there are any, else
    the first line with text.
    """
    view = _view(lines)
    scanned = _scan(view, python)
    indents = list(map(_indent, view))
    defining = list(map(_is_definition, view, scanned, indents))
    groups = _groups(view, scanned, indents, defining, names)
    if not groups:
        first = next((row for row, line in enumerate(view) if line.strip()), None)
        groups = [] if first is None else [_Group(first, first, _OTHER)]
    ranked = sorted(range(len(groups)), key=lambda index: (groups[index].priority, index))

    def render(chosen: int) -> tuple[list[bool], str, int]:
        keep = [False] * len(lines)
        for index in ranked[:chosen]:
            for row in range(groups[index].start, groups[index].end + 1):
                keep[row] = True
        return keep, *_fold(lines, keep)

    chosen = len(ranked)
    keep, text, folded = render(chosen)
    if room is not None and count_tokens is not None and count_tokens(text) > room:
        # The most groups, in rank order, that fit: a binary search, each step re-measured.
        low, high = 0, chosen - 1
        while low < high:
            middle = (low + high + 1) // 2
            if count_tokens(render(middle)[1]) <= room:
                low = middle
            else:
                high = middle - 1
        chosen = low
        keep, text, folded = render(chosen)
    if folded == 0:
        return None
    whole = sum(1 for index in ranked[:chosen] if groups[index].priority == _WHOLE)
    return LineOutline(text, sum(keep), folded, _items(lines, view, scanned, indents, defining, python), whole)


def _groups(
    view: list[str], scanned: list[_Line], indents: list[int], defining: list[bool], names: set[str]
) -> list[_Group]:
    """The runs of rows an outline keeps, each with its priority."""
    groups: list[_Group] = []
    row = 0
    names_until = -1  # the last row of an enum or `const (` block: each of its names stays
    while row < len(view):
        line, info = view[row], scanned[row]
        if info.depth <= 1 and _NAME_LIST_OPEN.match(line):
            opening = row + 1 if "{" not in line and row + 1 < len(view) and view[row + 1].lstrip()[:1] == "{" else row
            names_until = _brace_end(scanned, opening) if "{" in view[opening] else _paren_end(view, row)
        if row <= names_until and not info.comment and (_LISTED_NAME.match(line) or _DEFINE.match(line)):
            groups.append(_Group(row, row, _CONSTANT_LINE))
            row += 1
            continue
        definition = defining[row]
        top = info.depth == 0 and not info.comment and indents[row] == 0 and bool(_WORD.search(line))
        if not (definition or top):
            row += 1
            continue
        end = row
        opened = sum(line.count(c) for c in "([") - sum(line.count(c) for c in ")]")
        while opened > 0 and end + 1 < len(view) and end - row < _MAX_SIGNATURE_ROWS:
            end += 1
            opened += sum(view[end].count(c) for c in "([") - sum(view[end].count(c) for c in ")]")
        priority = (_DECLARATION if info.depth == 0 else _MEMBER) if definition else _OTHER
        if info.depth == 0 and indents[row] == 0 and (_CONSTANT.match(line) or _DEFINE.match(line)):
            priority = _CONSTANT_LINE
        elif _IMPORT.match(line) or line.startswith("#include"):
            priority = _IMPORT_LINE
        if names and definition and set(_IDENTIFIER.findall(line)) & names:
            end = max(end, _block_end(view, indents, row))
            priority = _WHOLE
        groups.append(_Group(row, end, priority))
        row = end + 1
    return groups


def _paren_end(view: list[str], row: int) -> int:
    """The row closing Go's ``const (`` block."""
    for below in range(row + 1, len(view)):
        if view[below].strip().startswith(")"):
            return below
    return row


def _is_definition(line: str, info: _Line, indent: int) -> bool:
    if info.comment or info.depth > 1 or indent > _MAX_INDENT:
        return False
    if _DEFINITION.match(line):
        return True
    margin = info.depth == 0 and indent == 0
    return margin and bool(_DIRECTIVE.match(line) or _SIGNATURE.match(line) or _CONSTANT.match(line))


def _fold(lines: list[str], keep: list[bool]) -> tuple[str, int]:
    out: list[str] = []
    folded = 0
    row = 0
    while row < len(lines):
        if keep[row]:
            out.append(lines[row])
            row += 1
            continue
        end = row
        while end + 1 < len(lines) and not keep[end + 1]:
            end += 1
        run = lines[row : end + 1]
        if all(not line.strip() for line in run):
            out.append("")
        elif end - row + 1 <= _MAX_RAW_GAP:
            out.extend(run)
        else:
            first_text = next(line for line in run if line.strip())
            indent = first_text[: len(first_text) - len(first_text.lstrip(" \t"))]
            out.append(f"{indent}[… {span(row, end)}]")
            folded += end - row + 1
        row = end + 1
    return "\n".join(out), folded


def _block_end(lines: list[str], indents: list[int], row: int) -> int:
    """The last row of the block a definition line opens: up to the next line indented no deeper."""
    indent = indents[row]
    end = row
    for below in range(row + 1, len(lines)):
        line = lines[below]
        if not line.strip():
            continue
        if indents[below] <= indent:
            # A closing bracket at the definition's indentation ends its block.
            return below if line.strip()[:1] in ")]}" else end
        end = below
    return end


def _items(
    lines: list[str], view: list[str], scanned: list[_Line], indents: list[int], defining: list[bool], python: bool
) -> list[Item]:
    """Every definition's block (an impl, a method, a struct) as its own item, and the top-level code between.

    An item starts at the comments and attributes right above its definition, so a query finds it
    whole, with its line numbers.
    """
    items: list[Item] = []
    covered = [False] * len(lines)
    for row, line in enumerate(view):
        info = scanned[row]
        if not defining[row] or _IMPORT.match(line) or _DIRECTIVE.match(line):
            continue
        end = _block_end(view, indents, row) if python else _brace_end(scanned, row)
        start = row
        while start > 0 and (scanned[start - 1].comment or _ATTRIBUTE.match(view[start - 1])):
            start -= 1
        items.append(Item(f"{span(start, end)} ({line.strip()[:60]})", "\n".join(lines[start : end + 1])))
        if info.depth == 0:
            for inside in range(start, end + 1):
                covered[inside] = True
    row = 0
    while row < len(lines):
        if covered[row] or not lines[row].strip():
            row += 1
            continue
        end = row
        while end + 1 < len(lines) and not covered[end + 1] and end + 1 - row < _CHUNK_ROWS:
            end += 1
        while not lines[end].strip():
            end -= 1
        items.append(Item(f"{span(row, end)} (module)", "\n".join(lines[row : end + 1])))
        row = end + 1
    return items


def _brace_end(scanned: list[_Line], row: int) -> int:
    """The last row of the block a definition opens: the rows deeper than it, and the one that closes them."""
    depth = scanned[row].depth
    end = row
    while end + 1 < len(scanned) and scanned[end + 1].depth > depth:
        end += 1
    return end

"""The outline of source that does not parse (or has no grammar here), from its lines alone.

A light scan tracks comments, strings and bracket depth. Lines at the top
level stay (imports, signatures, constants, preprocessor directives), and so
do definition-like lines one level in (a class's methods), with the rest of a
signature that spans lines. Everything else folds into ``[… lines a–b]``
notes. Only whole original lines and notes are written, so a file cut in the
middle of a function still gives a readable outline, never half a construct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...contract import Item
from .text import span

_MODIFIERS = (
    r"(?:(?:export|default|pub(?:\([\w:]+\))?|public|private|protected|internal|static|async|abstract|final"
    r"|override|open|sealed|data|inline|virtual|extern|unsafe|readonly|declare|suspend|partial)\s+)*"
)
_DEFINITION = re.compile(
    rf"^\s*{_MODIFIERS}(?:def|class|function\*?|func|fn|impl|trait|struct|enum|interface|type|module|namespace"
    r"|object|record|union|typedef|fun|macro_rules!)\s*[\w<({*]"
    r"|^\s*(?:public|private|protected|internal)\s+\S.*[({=;]"
    r"|^\s*(?:import|from|package|use|using)\s|^\s*@\w"
)
_DIRECTIVE = re.compile(r"^\s*#\s*(?:include|define|if|ifdef|ifndef|elif|else|endif|pragma|undef)\b")
_WORD = re.compile(r"[A-Za-z_$]")
# Blocks that wrap a whole file without nesting it: `extern "C" {`, `namespace app {`.
_WRAPPER_OPEN = re.compile(
    r'^\s*(?:extern\s+"C"|(?:export\s+)?namespace\b[^;{]*|declare\s+(?:module|global)\b[^;{]*)\s*\{\s*$'
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
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


@dataclass(frozen=True, slots=True)
class _Line:
    depth: int  # bracket depth before the line
    comment: bool  # nothing but comment or the inside of a multi-line string


def _indent(line: str) -> int:
    stripped = line.lstrip(" \t")
    prefix = line[: len(line) - len(stripped)]
    return prefix.count(" ") + 4 * prefix.count("\t")


def _scan(lines: list[str], python: bool) -> list[_Line]:
    """Bracket depth and comment-ness of every line, skipping brackets inside strings and comments.

    Python counts every bracket and ``#`` comments and triple-quoted strings;
    the other languages count braces only, with ``//`` and ``/* */`` comments.
    """
    opening, closing = ("([{", ")]}") if python else ("{", "}")
    scanned: list[_Line] = []
    depth = 0
    block: str | None = None  # the closer we are inside: "*/", '"""', "'''"
    for line in lines:
        before = depth
        if block is None and _WRAPPER_OPEN.match(line):
            scanned.append(_Line(before, False))
            continue
        code = False
        i, n = 0, len(line)
        while i < n:
            if block is not None:
                end = line.find(block, i)
                if end == -1:
                    i = n
                    break
                i = end + len(block)
                block = None
                continue
            ch = line[i]
            if ch in " \t\r":
                i += 1
                continue
            two, three = line[i : i + 2], line[i : i + 3]
            if (python and ch == "#") or (not python and two == "//"):
                break
            if not python and two == "/*":
                block, i = "*/", i + 2
                continue
            if python and three in ('"""', "'''"):
                code = True
                block, i = three, i + 3
                continue
            code = True
            if ch in "\"'`":
                end = i + 1
                while end < n and line[end] != ch:
                    end += 2 if line[end] == "\\" else 1
                i = end + 1
                continue
            if ch in opening:
                depth += 1
            elif ch in closing:
                depth = max(0, depth - 1)
            i += 1
        scanned.append(_Line(before, not code and bool(line.strip())))
    return scanned


def outline_lines(lines: list[str], names: set[str], python: bool = False) -> LineOutline | None:
    """Keep top-level and definition-like lines (and whole blocks whose definition names one of ``names``)."""
    scanned = _scan(lines, python)
    keep = [False] * len(lines)
    whole = 0
    row = 0
    while row < len(lines):
        line, info = lines[row], scanned[row]
        definition = _is_definition(line, info)
        top = info.depth == 0 and not info.comment and _indent(line) == 0 and bool(_WORD.search(line))
        if not (definition or top):
            row += 1
            continue
        keep[row] = True
        end = row
        opened = sum(line.count(c) for c in "([") - sum(line.count(c) for c in ")]")
        while opened > 0 and end + 1 < len(lines) and end - row < _MAX_SIGNATURE_ROWS:
            end += 1
            keep[end] = True
            opened += sum(lines[end].count(c) for c in "([") - sum(lines[end].count(c) for c in ")]")
        if names and definition and set(_IDENTIFIER.findall(line)) & names:
            block_end = _block_end(lines, row)
            for inside in range(row, block_end + 1):
                keep[inside] = True
            whole += 1
            end = max(end, block_end)
        row = end + 1
    text, folded = _fold(lines, keep)
    if folded == 0:
        return None
    return LineOutline(text, sum(keep), folded, _chunks(lines, scanned), whole)


def _is_definition(line: str, info: _Line) -> bool:
    if info.comment or info.depth > 1 or _indent(line) > _MAX_INDENT:
        return False
    return bool(_DEFINITION.match(line)) or (info.depth == 0 and bool(_DIRECTIVE.match(line)))


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


def _block_end(lines: list[str], row: int) -> int:
    """The last row of the block a definition line opens: up to the next line indented no deeper."""
    indent = _indent(lines[row])
    end = row
    for below in range(row + 1, len(lines)):
        line = lines[below]
        if not line.strip():
            continue
        if _indent(line) <= indent:
            # A closing bracket at the definition's indentation ends its block.
            return below if line.strip()[:1] in ")]}" else end
        end = below
    return end


def _chunks(lines: list[str], scanned: list[_Line]) -> list[Item]:
    """One item per top-level definition and what follows it, so a query finds it with its line numbers."""
    starts = [
        row
        for row, line in enumerate(lines)
        if scanned[row].depth == 0 and _indent(line) == 0 and _is_definition(line, scanned[row])
    ]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    items: list[Item] = []
    for index, start in enumerate(starts):
        end = (starts[index + 1] if index + 1 < len(starts) else len(lines)) - 1
        while end > start and not lines[end].strip():
            end -= 1
        text = "\n".join(lines[start : end + 1])
        if text.strip():
            title = lines[start].strip()[:60]
            items.append(Item(f"{span(start, end)} ({title})", text))
    return items

"""C headers written through macros the C grammar cannot read, blanked before parsing.

System headers hang annotations off every declaration (``__THROW``,
``__wur``, ``__nonnull ((1))``, ``G_GNUC_CONST``) and open and close their
``extern "C"`` with a bare macro line (``__BEGIN_DECLS``). tree-sitter sees
an unknown identifier where only ``;`` may stand, and a 900-line header
becomes one parse error. Blanking them with spaces keeps every byte offset
and row, so the outline still cuts the original text, annotations included.
"""

from __future__ import annotations

import re

# One annotation: a reserved (`__x`) or all-caps name, with an optional (possibly doubly) parenthesised argument.
# The word boundary keeps one name from being split into several (`ABCDEF` as `ABC` `DEF`): backtracking
# over every split of a long name made a header take seconds.
_ANNOTATION = rb"(?:__\w+|[A-Z][A-Z0-9_]{2,})\b(?:\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?"
# Annotations after a declarator's closing parenthesis, up to its `;` or body.
# A few of them, on the declarator's line or the next: a bounded chain, so a run of macro calls (one per line)
# is not retried from every parenthesis. The parenthesis is matched (and written back), not looked behind
# for: the search then jumps from one `)` to the next. No match can start where another ends (a `;`, `{`,
# `,` or `=` follows each), so the two find the same annotations.
_TRAILING = re.compile(rb"\)((?:[ \t]*\n?[ \t]*" + _ANNOTATION + rb"){1,8})(?=\s*[;{,=])")
# A line that is only a bare macro: `__BEGIN_DECLS`, `G_END_DECLS`. Found from the newline before it (the
# search jumps between newlines), the first line apart.
_BARE_LINE = rb"[ \t]*(?:__\w+|[A-Z][A-Z0-9_]{2,})[ \t]*(?=\n|\Z)"
_BARE = re.compile(rb"\n(" + _BARE_LINE + rb")")
_BARE_FIRST = re.compile(_BARE_LINE)
_NOT_NEWLINE = re.compile(rb"[^\n]")


def _blank(text: bytes) -> bytes:
    return _NOT_NEWLINE.sub(b" ", text)


def blank_annotations(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with declaration annotations and bare macro lines replaced by spaces (same length, same rows).

    Also the byte ranges blanked (the same in both texts), so a tree of ``data`` can be edited and reused.
    """
    spans: list[tuple[int, int]] = []

    def trailing(match: re.Match[bytes]) -> bytes:
        spans.append(match.span(1))
        return b")" + _blank(match.group(1))

    def bare(match: re.Match[bytes]) -> bytes:
        spans.append(match.span(1))
        return b"\n" + _blank(match.group(1))

    data = _TRAILING.sub(trailing, data)
    first = _BARE_FIRST.match(data)
    if first is not None:
        spans.append(first.span())
        data = _blank(first.group(0)) + data[first.end() :]
    return _BARE.sub(bare, data), spans

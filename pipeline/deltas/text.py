"""The delta of any text: a unified diff with line numbers in its hunk headers."""

from __future__ import annotations

from difflib import SequenceMatcher

from ..wording import plural
from .contract import Delta
from .similar import common_lines, related

CONTEXT_LINES = 3

Opcode = tuple[str, int, int, int, int]


def text_delta(previous: str, current: str) -> Delta | None:
    """A unified diff of ``previous`` → ``current`` (``--- previous``/``+++ current``, ``@@ -12,7 +12,8 @@``).

    None when fewer than half of the lines are shared: the two are not two
    versions of one thing.
    """
    old, new = previous.splitlines(), current.splitlines()
    if not related(common_lines(old, new), len(old), len(new)):
        return None
    groups = grouped(opcodes(old, new), CONTEXT_LINES)
    removed = sum(i2 - i1 for group in groups for tag, i1, i2, _, _ in group if tag != "equal")
    added = sum(j2 - j1 for group in groups for tag, _, _, j1, j2 in group if tag != "equal")
    if not groups:
        note = "no line changed; only line endings or the final newline differ"
        return Delta(text=f"({note})", summary=note, transform="delta:text")
    out = ["--- previous", "+++ current"]
    for group in groups:
        out.append(_hunk_header(group))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in old[i1:i2])
                continue
            out.extend("-" + line for line in old[i1:i2])
            out.extend("+" + line for line in new[j1:j2])
    unchanged = len(new) - added
    summary = f"{plural(len(groups), 'hunk')}: +{added:,} -{removed:,} lines; {unchanged:,} unchanged"
    return Delta(text="\n".join(out), summary=summary, transform="delta:text")


def opcodes(old: list[str], new: list[str]) -> list[Opcode]:
    """difflib's opcodes for two line lists, fast on long inputs.

    The common head and tail are cut off before matching (a re-read file is
    mostly unchanged), and lines are matched as small integers. ``autojunk``
    stays on: it makes lines that fill over 1% of a long input (blank lines,
    lone braces) junk, which keeps matching near linear; junk lines still join
    the matches beside them, so hunks stay tight.
    """
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    ids: dict[str, int] = {}
    a = [ids.setdefault(line, len(ids)) for line in old[head : len(old) - tail]]
    b = [ids.setdefault(line, len(ids)) for line in new[head : len(new) - tail]]
    found: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=True).get_opcodes():
        found.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        found.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    return found


def grouped(codes: list[Opcode], context: int) -> list[list[Opcode]]:
    """The changes in hunks with ``context`` equal lines around them (difflib's grouping); no hunk when equal."""
    if not any(tag != "equal" for tag, *_ in codes):
        return []
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        # A long equal run ends one hunk and opens the next.
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _range(start: int, stop: int) -> str:
    """A hunk side as unified diff writes it: 1-based start, length; an empty side names the line before it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _hunk_header(group: list[Opcode]) -> str:
    first, last = group[0], group[-1]
    return f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@"

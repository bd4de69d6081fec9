"""The last resort under the cap: the head and the tail of a text, the middle left in the store.

Clients refuse tool results over about 25,000 tokens, so no output may pass
the cap, whatever its kind and whatever a compressor returned. Cuts fall on
line ends where lines are short enough, else anywhere (5 MB on one line).
"""

from __future__ import annotations

from collections.abc import Callable

from .markers import marker
from .tokens import tokens_per_char

_HEAD_SHARE = 0.6  # of the room: where a reader looks first (commands, headers, the first error)
_MARKER_ROOM = 120  # tokens for the middle note and the closing marker


def head_and_tail(
    text: str, cap: int, key: str, what: str, query: str | None, count: Callable[[str], int]
) -> tuple[str, str]:
    """``text`` cut to its head and tail within ``cap`` tokens, and the summary for the closing marker.

    ``what`` names the text in the summary (``5,000 lines of text``).
    """
    room = max(cap - _MARKER_ROOM, 16)
    per_char = tokens_per_char(text, count)
    chars = int(room / per_char)
    while True:
        head_chars = int(chars * _HEAD_SHARE)
        head = _cut_at_line_end(text[:head_chars])
        tail = _cut_at_line_start(text[len(text) - (chars - head_chars) :]) if chars > head_chars else ""
        if len(head) + len(tail) >= len(text):
            head, tail = text, ""
        used = count(head) + count(tail)
        if used <= room or chars <= 32:
            break
        chars = int(chars * room / used * 0.95)
    omitted = text[len(head) : len(text) - len(tail)]
    lines = omitted.count("\n")
    gap = f"{lines:,} lines" if lines else f"{len(omitted):,} characters"
    middle = marker(f"{gap} omitted here", key, query)
    summary = f"{what}: head and tail shown, {gap} omitted from the middle"
    return "\n".join(part for part in (head.rstrip("\n"), middle, tail) if part), summary


def _cut_at_line_end(head: str) -> str:
    newline = head.rfind("\n")
    return head[: newline + 1] if newline >= len(head) // 2 else head


def _cut_at_line_start(tail: str) -> str:
    newline = tail.find("\n")
    return tail[newline + 1 :] if 0 <= newline <= len(tail) // 2 else tail

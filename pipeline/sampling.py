"""Even samples of large content, so detection looks at all of it, not only the head."""

from __future__ import annotations


def even_lines(content: str, count: int) -> list[str]:
    """Up to ``count`` whole lines taken at evenly spaced offsets through ``content``.

    Works on offsets rather than ``splitlines()`` so a 50 MB input is not
    copied into millions of strings just to be sampled.
    """
    if not content:
        return []
    size = len(content)
    step = max(1, size // count)
    lines: list[str] = []
    last_start = -1
    for offset in range(0, size, step):
        start = content.rfind("\n", 0, offset) + 1 if offset else 0
        if start == last_start:
            continue
        end = content.find("\n", start)
        lines.append(content[start : end if end != -1 else size])
        last_start = start
        if len(lines) >= count:
            break
    return lines

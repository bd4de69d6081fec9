"""File sizes the way listings write them, read into bytes and written back in the same style.

- ``bytes``: ``ls -l``, ``find -ls``, ``find -printf '%s'`` (``16458``);
- ``human``: ``ls -lh``, ``du -ah`` (``512``, ``4.0K``, ``12K``, ``1.2M``), powers of 1024, rounded up;
- ``mcp``: the MCP filesystem server (``512 B``, ``1.23 KB``), powers of 1024, two decimals;
- ``blocks``: ``du -a`` without ``-h``, kibibyte blocks (``56``).
"""

from __future__ import annotations

import math
import re

_UNITS = "KMGTPE"
_SIZE_RE = re.compile(r"(?P<number>[\d.,]+)\s*(?P<unit>[KMGTPE]?)(?:i?B)?")
_MCP_UNITS = ("B", "KB", "MB", "GB", "TB")


def style_of(texts: list[str], listing_kind: str, from_du: bool) -> str:
    """The size style (bytes, human, mcp, blocks) of a listing's size texts."""
    if listing_kind == "mcp":
        return "mcp"
    if any(text[-1:].isalpha() for text in texts):
        return "human"
    return "blocks" if from_du else "bytes"


def to_bytes(text: str, style: str) -> int | None:
    """The number of bytes ``text`` stands for in ``style``, or None when it is not a size."""
    match = _SIZE_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        number = float(match["number"].replace(",", ""))
    except ValueError:
        return None
    unit = match["unit"]
    scale = 1024 ** (_UNITS.index(unit) + 1) if unit else (1024 if style == "blocks" else 1)
    return round(number * scale)


def is_rounded(text: str) -> bool:
    """True when ``text`` is a size in units above bytes (``1.2M``, ``1.23 KB``): a sum of such is approximate."""
    return text[-1:].isalpha() and not text.endswith(" B")


def _human(size: int) -> str:
    """GNU ``ls -h``: one decimal under ten units, whole units above, always rounded up."""
    if size < 1024:
        return str(size)
    value, unit = float(size), ""
    for unit in _UNITS:
        value /= 1024
        shown = math.ceil(value * 10) / 10 if value < 10 else math.ceil(value)
        if shown < 1024 or unit == _UNITS[-1]:
            return f"{shown:.1f}{unit}" if shown < 10 else f"{int(shown)}{unit}"
    return f"{size}"


def _mcp(size: int) -> str:
    """The MCP filesystem server's ``formatSize``: ``0 B``, ``512 B``, ``1.23 KB``."""
    if size <= 0:
        return "0 B"
    index = min(int(math.log(size, 1024)), len(_MCP_UNITS) - 1)
    if index == 0:
        return f"{size} B"
    return f"{size / 1024**index:.2f} {_MCP_UNITS[index]}"


def say(size: int, style: str) -> str:
    """``size`` bytes written the way a listing of ``style`` writes sizes (a total, say)."""
    if style == "human":
        return _human(size)
    if style == "mcp":
        return _mcp(size)
    if style == "blocks":
        return f"{math.ceil(size / 1024):,}K"
    return f"{size:,} bytes"

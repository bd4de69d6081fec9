"""ANSI escape sequences: colours, cursor moves and terminal titles, which a model reads as noise."""

from __future__ import annotations

import re

# CSI (colours, cursor), OSC (titles, hyperlinks) ended by BEL or ST, and the two-byte escapes.
_ESCAPE_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences; the same object when it has none."""
    if "\x1b" not in text:
        return text
    return _ESCAPE_RE.sub("", text)

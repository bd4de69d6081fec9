"""Recognise JSON documents and JSON Lines without parsing them whole.

The compressor does the real parse; this only has to be cheap and rarely
wrong, because a wrong "yes" costs one failed parse and a pass-through.
"""

from __future__ import annotations

from ...contract import Hints
from ...sampling import even_lines

_OPENERS = {"{": "}", "[": "]"}


class JsonDetector:
    """Matches a JSON object or array, or JSON Lines (every sampled line an object or array)."""

    kind = "json"

    def matches(self, content: str, hints: Hints) -> bool:
        """True when ``content`` is shaped like a JSON document or JSON Lines."""
        head = content.lstrip()[:1]
        tail = content.rstrip()[-1:]
        if head in _OPENERS and tail == _OPENERS[head]:
            return True
        lines = [line.strip() for line in even_lines(content, 64)]
        lines = [line for line in lines if line]
        return len(lines) >= 2 and all(
            line[0] in _OPENERS and line[-1] == _OPENERS[line[0]] for line in lines
        )

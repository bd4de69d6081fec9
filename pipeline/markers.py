"""The marker format (DESIGN.md §3, a contract other tools parse).

``[headroom: <what was dropped>. headroom_retrieve hash=<key> query="..."]``
"""

from __future__ import annotations

import hashlib
import re

KEY_LENGTH = 16

# What a compressor leaves of its budget for the closing marker the pipeline appends, query included.
MARKER_TOKENS = 80

MARKER_RE = re.compile(r"\[headroom: [^\n]*?hash=(?P<key>[0-9a-f]{16})[^\n]*?\]")


def content_key(content: str) -> str:
    """The store key of ``content``: the first 16 hex digits of sha256 of its UTF-8 bytes.

    Lone surrogates (legal in JSON strings) are kept via ``surrogatepass`` so
    that every Python string has a key.
    """
    data = content.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:KEY_LENGTH]


def marker(what: str, key: str, query: str | None = None) -> str:
    """Format one marker saying ``what`` was dropped and how to get it back."""
    hint = f' query="{_quote(query)}"' if query else ' query="..."'
    return f"[headroom: {what}. headroom_retrieve hash={key}{hint}]"


def find_keys(text: str) -> list[str]:
    """Every key named by a marker in ``text``, in order, without repeats.

    Other tools' markers can look like ours: callers must only trust keys
    that are present in the store.
    """
    seen: dict[str, None] = {}
    for match in MARKER_RE.finditer(text):
        seen.setdefault(match.group("key"), None)
    return list(seen)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")[:80]

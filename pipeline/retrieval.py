"""Getting originals back: exact pages, or the items that best match a query (BM25).

Contract (DESIGN.md §3): without a query the text blocks of successive pages,
concatenated, are exactly the original; with a query the best-matching items
come back best first, each with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .contract import Item
from .markers import KEY_LENGTH
from .store import Store
from .tokens import count_tokens

# Claude Code refuses tool results over 25,000 tokens by default; stay clear of it.
DEFAULT_PAGE_TOKENS = 20_000
_MAX_MATCHES = 50
_BM25_CORPUS_LIMIT = 50_000
_KEY_RE = re.compile(r"^[0-9a-f]{16}$")
_WORD_RE = re.compile(r"[0-9a-z_]+")


class UnknownKey(LookupError):
    """The key is not in the store: never stored, expired, or not a key at all."""

    def __init__(self, key: str):
        super().__init__(
            f"hash={key} is not in the headroom store (unknown or expired). "
            "Run the original tool again to get the content."
        )
        self.key = key


class BadCursor(ValueError):
    """The cursor was not one this module handed out."""


@dataclass(frozen=True, slots=True)
class Retrieval:
    """One page of a retrieval: ``blocks`` are the text blocks to return, in order."""

    hash: str
    kind: str
    blocks: list[str]
    next_cursor: str | None
    matches: int | None = None


def normalise_key(key: str) -> str:
    """Accept a key as written in a marker, a full sha256, or upper case; refuse anything else."""
    candidate = key.strip().lower()[:KEY_LENGTH]
    if not _KEY_RE.match(candidate):
        raise UnknownKey(key.strip()[:64])
    return candidate


def retrieve(
    key: str,
    *,
    store: Store,
    query: str | None = None,
    cursor: str | None = None,
    page_tokens: int = DEFAULT_PAGE_TOKENS,
) -> Retrieval:
    """The original behind ``key``: a page of it, or its items best matching ``query``.

    Raises :class:`UnknownKey` for an unknown or expired key and
    :class:`BadCursor` for a cursor this function did not hand out.
    """
    key = normalise_key(key)
    stored = store.get(key)
    if stored is None:
        raise UnknownKey(key)
    offset = _parse_cursor(cursor)
    if query and query.strip():
        items = store.items(key) or _line_items(stored.content)
        return _search(key, stored.kind, items, query.strip(), offset, page_tokens)
    if offset > len(stored.content):
        raise BadCursor(f"cursor {cursor!r} is past the end of the original")
    page, next_offset = _page(stored.content, offset, page_tokens)
    next_cursor = str(next_offset) if next_offset < len(stored.content) else None
    return Retrieval(key, stored.kind, [page], next_cursor)


def _parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit():
        raise BadCursor(f"cursor {cursor!r} is not one headroom_retrieve returned")
    return int(cursor)


def _page(content: str, start: int, page_tokens: int) -> tuple[str, int]:
    """The slice of ``content`` from ``start`` that fits ``page_tokens``, ending at a newline if one is near."""
    span = page_tokens * 4
    while True:
        chunk = content[start : start + span]
        tokens = count_tokens(chunk)
        if tokens <= page_tokens or len(chunk) <= 1:
            break
        span = max(1, int(span * page_tokens / tokens * 0.95))
    end = start + len(chunk)
    if end < len(content):
        newline = chunk.rfind("\n")
        if newline >= len(chunk) // 2:
            end = start + newline + 1
    return content[start:end], end


def _excerpt(text: str, query: str, page_tokens: int) -> str:
    """The lines of an item too big for a page that surround its first match, with counts of the rest."""
    lines = text.split("\n")
    needle = query.lower()
    terms = _words(query)
    at = next((i for i, line in enumerate(lines) if needle in line.lower()), None)
    if at is None:
        scores = [sum(term in line.lower() for term in terms) for line in lines]
        at = max(range(len(lines)), key=lambda i: (scores[i], -i))
    # Grow the window around the match, a line each side at a time, while it fits the page.
    limit = page_tokens * 0.9
    start, end, used = at, at + 1, count_tokens(lines[at])
    while True:
        grown = False
        if end < len(lines) and used + (cost := count_tokens(lines[end]) + 1) <= limit:
            used, end, grown = used + cost, end + 1, True
        if start > 0 and used + (cost := count_tokens(lines[start - 1]) + 1) <= limit:
            used, start, grown = used + cost, start - 1, True
        if not grown:
            break
    if start == at and end == at + 1 and used > page_tokens:
        window, _ = _page(lines[at], 0, page_tokens)
        return window
    before = f"[… {start} lines before]\n" if start else ""
    after = f"\n[… {len(lines) - end} lines after]" if end < len(lines) else ""
    return before + "\n".join(lines[start:end]) + after


def _line_items(content: str) -> list[Item]:
    return [Item(f"line {number}", line) for number, line in enumerate(content.splitlines(), 1)]


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _rank(items: list[Item], query: str) -> list[int]:
    """Indices of the items that match ``query``, best first.

    An item containing the whole query verbatim always outranks one that only
    shares words with it: ids and exact names are what agents ask for; among
    those, items whose position names the query (a definition) come first. Items
    with every query word come before items with only some, which count as
    matches only when no item has them all.
    """
    needle = query.lower()
    terms = sorted(set(_words(query))) or [needle]
    lowered = [item.text.lower() for item in items]
    exact = [i for i, text in enumerate(lowered) if needle in text]
    matching = [i for i, text in enumerate(lowered) if all(term in text for term in terms)]
    if not matching:
        matching = [i for i, text in enumerate(lowered) if any(term in text for term in terms)]
    candidates = sorted(set(exact) | set(matching))
    if len(candidates) <= 1:
        return candidates
    # BM25 over the whole corpus gives honest term weights; past a size only over the candidates.
    corpus_ids = list(range(len(items))) if len(items) <= _BM25_CORPUS_LIMIT else candidates
    from rank_bm25 import BM25Okapi  # imported on first query: numpy is slow to import

    bm25 = BM25Okapi([_words(lowered[i]) or [""] for i in corpus_ids])
    scores = bm25.get_scores(terms)
    score_of = {item_id: float(score) for item_id, score in zip(corpus_ids, scores, strict=True)}
    exact_set = set(exact)
    # An item whose position names the query is its definition or its file: it comes before mere mentions.
    named = {i for i in candidates if needle in items[i].position.lower()}
    return sorted(candidates, key=lambda i: (i not in exact_set, i not in named, -score_of.get(i, 0.0), i))


def _search(key: str, kind: str, items: list[Item], query: str, offset: int, page_tokens: int) -> Retrieval:
    ranked = _rank(items, query)
    if not ranked:
        note = (
            f'No part of the original (hash={key}, {len(items)} items) matches "{query}". '
            "Retrieve without a query to read it whole."
        )
        return Retrieval(key, kind, [note], None, matches=0)
    blocks: list[str] = []
    used = 0
    position = offset
    while position < len(ranked) and len(blocks) < _MAX_MATCHES:
        item = items[ranked[position]]
        block = f"{item.position}: {item.text}"
        cost = count_tokens(block)
        if blocks and used + cost > page_tokens:
            break
        if cost > page_tokens:
            block = f"{item.position} (excerpt around the match): {_excerpt(item.text, query, page_tokens)}"
            cost = page_tokens
        blocks.append(block)
        used += cost
        position += 1
    header = (
        f'{len(ranked)} of {len(items)} items match "{query}" (best first); '
        f"showing {offset + 1}-{position}:"
    )
    next_cursor = str(position) if position < len(ranked) else None
    return Retrieval(key, kind, [header, *blocks], next_cursor, matches=len(ranked))

"""Getting originals back: exact pages, or the items that best match a query (BM25).

Contract (DESIGN.md §3): without a query the text blocks of successive pages,
concatenated, are exactly the original; with a query the best-matching items
come back best first, each with its position.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .contract import Item
from .markers import KEY_LENGTH
from .store import Store
from .tokens import count_tokens

# Claude Code refuses tool results over 25,000 tokens by default; stay clear of it.
DEFAULT_PAGE_TOKENS = 20_000
_MAX_MATCHES = 100
_MAX_CONTEXT_GROWTH = 4
_KEY_RE = re.compile(r"^[0-9a-f]{16}$")
_WORD_RE = re.compile(r"[0-9a-z_]+")
_RAW_WORD_RE = re.compile(r"[0-9A-Za-z_]+")
_SEPARATOR_RE = re.compile(r"[^0-9a-z]+")
# Identifier parts: camelCase humps, ALLCAPS runs, digits, lower-case words.
_PART_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Near matches scoring under this share of the best match stay off the page.
_NEAR_MATCH_SHARE = 0.15
# Question words carry no evidence: "which tests failed and why" asks about tests that failed.
_STOP_WORDS = frozenset(
    "a an and are as at be by did do does for from has have how i in is it its of on or show that the this "
    "to was were what when where which who why with".split()
)


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
    # With a query, the positions of the items shown, in order (what ``learn`` records, never the items).
    positions: tuple[str, ...] = ()


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


def search_terms(text: str) -> list[str]:
    """The terms ``text`` is indexed and searched by: its words, and the parts of identifiers.

    ``test_stderr`` gives ``test_stderr``, ``test``, ``stderr``; ``heapLimit`` gives ``heaplimit``,
    ``heap``, ``limit``; so a query written one way finds an item written the other.
    A plural ``s`` is dropped from longer words (``tests`` finds ``test``).
    """
    return [term for group in _term_groups(text) for term in group]


def _term_groups(text: str) -> list[list[str]]:
    """Per word of ``text``: the word, then its identifier parts when it has more than one."""
    groups = []
    for raw in _RAW_WORD_RE.findall(text):
        parts = _PART_RE.findall(raw.replace("_", " "))
        group = [_stem(raw.lower())]
        if len(parts) > 1:
            group.extend(_stem(part.lower()) for part in parts)
        groups.append(group)
    return groups


def _holds(terms: Counter[str], group: list[str]) -> bool:
    """True when ``terms`` hold a query word: whole, or every one of its identifier parts."""
    return group[0] in terms or (len(group) > 1 and all(part in terms for part in group[1:]))


def _squash(text: str) -> str:
    """Lower case without separators: ``model_dump_json``, ``modelDumpJson`` and ``model-dump-json`` agree."""
    return _SEPARATOR_RE.sub("", text.lower())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _rank(items: list[Item], query: str) -> list[int]:
    """Indices of the items that match ``query``, best first (DESIGN.md §3).

    Items holding the exact query come first (ids and names are what agents
    ask for), then items whose position names it (a definition before its
    mentions), then items holding every query word, then near matches by
    BM25: a near match that shares the query's rarer words still makes the
    page, one that shares only words most items have does not.
    """
    needle = query.lower()
    groups = [group for group in _term_groups(query) if group[0] not in _STOP_WORDS] or _term_groups(query)
    terms = sorted({term for group in groups for term in group})
    lowered = [item.text.lower() for item in items]
    if not terms:
        return [i for i, text in enumerate(lowered) if needle in text]
    # Document frequencies by a cheap substring pass, so only likely matches are split into terms.
    holding = {term: [i for i, text in enumerate(lowered) if term in text] for term in terms}
    idf = {term: math.log(1 + (len(items) - len(ids) + 0.5) / (len(ids) + 0.5)) for term, ids in holding.items()}
    weight: dict[int, float] = {}
    for term, ids in holding.items():
        for i in ids:
            weight[i] = weight.get(i, 0.0) + idf[term]
    # One identifier is one needle however it is written (heapLimit, heap_limit).
    squashed = _squash(query) if len(groups) == 1 and len(groups[0]) > 1 else None
    exact = {i for i in weight if needle in lowered[i]}
    if squashed:
        every_part = set.intersection(*(set(holding[part]) for part in groups[0][1:]))
        exact |= {i for i in every_part if squashed in _squash(lowered[i])}
    top = max(weight.values(), default=0.0)
    shortlist = sorted(i for i, w in weight.items() if i in exact or w >= top * _NEAR_MATCH_SHARE)
    indexed = {i: Counter(search_terms(items[i].text)) for i in shortlist}
    average_length = sum(len(text) for text in lowered) / max(len(lowered), 1) or 1.0
    score = {i: _bm25(indexed[i], len(lowered[i]) / average_length, idf) for i in shortlist}
    candidates = [i for i in shortlist if i in exact or score[i] > 0]
    if len(candidates) <= 1:
        return candidates
    named = {i for i in candidates if needle in items[i].position.lower()}
    if squashed:
        named |= {i for i in candidates if squashed in _squash(items[i].position)}
    complete = {i for i in candidates if all(_holds(indexed[i], group) for group in groups)}
    best = max(score[i] for i in candidates)
    kept = [i for i in candidates if i in exact or i in named or i in complete or score[i] >= best * _NEAR_MATCH_SHARE]
    return sorted(kept, key=lambda i: (i not in exact, i not in named, i not in complete, -score[i], i))


def _bm25(counts: Counter[str], relative_length: float, idf: dict[str, float]) -> float:
    """Okapi BM25 of one item for the query terms (k1 1.2, b 0.75), its length relative to the average."""
    norm = 1.2 * (0.25 + 0.75 * relative_length)
    return sum(weight * counts[term] * 2.2 / (counts[term] + norm) for term, weight in idf.items() if counts[term])


def _search(key: str, kind: str, items: list[Item], query: str, offset: int, page_tokens: int) -> Retrieval:
    ranked = _rank(items, query)
    if not ranked:
        note = (
            f'No part of the original (hash={key}, {len(items)} items) matches "{query}". '
            "Retrieve without a query to read it whole."
        )
        return Retrieval(key, kind, [note], None, matches=0)
    blocks: list[str] = []
    texts: list[str] = []  # the item behind each block
    costs: list[int] = []
    where: list[str] = []  # and its position
    position = offset
    while position < len(ranked) and len(blocks) < _MAX_MATCHES:
        item = items[ranked[position]]
        position += 1
        if any(item.text in text for text in texts):
            continue  # already on this page inside a bigger item (a method inside its impl block)
        block = f"{item.position}: {item.text}"
        cost = count_tokens(block)
        if cost > page_tokens:
            block = f"{item.position} (excerpt around the match): {_excerpt(item.text, query, page_tokens)}"
            cost = page_tokens
        # An item holding earlier ones takes the place of the first of them when it adds a little context
        # (an impl block around its method); a much bigger one (a class around it) would only repeat them.
        inside = [k for k, text in enumerate(texts) if text in item.text]
        if inside and cost > _MAX_CONTEXT_GROWTH * sum(costs[k] for k in inside):
            continue
        if blocks and sum(costs) - sum(costs[k] for k in inside) + cost > page_tokens:
            position -= 1
            break
        for k in reversed(inside[1:]):
            del blocks[k], texts[k], costs[k], where[k]
        if inside:
            first = inside[0]
            blocks[first], texts[first], costs[first], where[first] = block, item.text, cost, item.position
        else:
            blocks.append(block)
            texts.append(item.text)
            costs.append(cost)
            where.append(item.position)
    header = f'{len(ranked)} of {len(items)} items match "{query}" (best first); showing {offset + 1}-{position}:'
    next_cursor = str(position) if position < len(ranked) else None
    return Retrieval(key, kind, [header, *blocks], next_cursor, matches=len(ranked), positions=tuple(where))

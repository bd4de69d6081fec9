"""Words of prose: the search terms of a text, and how much of it is words to read rather than markup."""

from __future__ import annotations

import re
from functools import lru_cache

# Link targets, URLs and tags are not words a reader reads.
MARKUP_RE = re.compile(r"\]\([^)\s]*\)|<[^>\s]*>|\bhttps?://\S+|!\[|[\[\]`*_#|>]")
READABLE_RE = re.compile(r"[^\W\d_]{2,}")
# Letters a passage needs before its length stops counting against its readability (about six words).
_READABLE_LETTERS = 24
_WORD_RE = re.compile(r"[^\W\d_]\w*|\d+(?:\.\d+)*")
_CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your
    yours""".split()
)
# "not" and "no" carry meaning in a query ("does not support"): only dropped from passages, never from queries.
_QUERY_KEEP = frozenset({"not", "no", "nor"})


def words(text: str, query: bool = False) -> list[str]:
    """Lower-case search terms of ``text``: words and numbers, camelCase and snake_case parts as well."""
    out: list[str] = []
    for word in _WORD_RE.findall(text):
        out.extend(_query_terms(word) if query else _terms(word))
    return out


@lru_cache(maxsize=1 << 16)
def _terms(word: str) -> tuple[str, ...]:
    lower = word.lower()
    parts = [p.lower() for p in _CAMEL_RE.findall(word.replace("_", " "))] if not word[0].isdigit() else []
    return tuple(_stem(t) for t in dict.fromkeys([lower, *parts]) if len(t) > 1 and t not in _STOPWORDS)


def _stem(term: str) -> str:
    """Plurals as singulars (``options`` → ``option``): the one inflection that matters most for matching."""
    if len(term) > 4 and term.endswith("ies"):
        return term[:-3] + "y"
    if len(term) > 3 and term.endswith("s") and not term.endswith(("ss", "us", "is")) and not term[-2].isdigit():
        return term[:-1]
    return term


@lru_cache(maxsize=1 << 12)
def _query_terms(word: str) -> tuple[str, ...]:
    lower = word.lower()
    return (lower,) if lower in _QUERY_KEEP else _terms(word)


def readability(text: str) -> float:
    """0..1: how much of ``text`` is words to read rather than links, badges and markup."""
    plain = MARKUP_RE.sub(" ", text)
    found = READABLE_RE.findall(plain)
    if not found:
        return 0.0
    letters = sum(len(word) for word in found)
    # Against the original length: a badge's URLs count against it even though they are not words.
    dense = letters / max(1, len("".join(text.split())))
    return min(1.0, letters / _READABLE_LETTERS) * min(1.0, dense / 0.7)

"""Words of prose: the search terms of a text, and how much of it is words to read rather than markup."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

# Link targets, URLs and tags are not words a reader reads. Every alternative opens with a literal character
# (`\bhttps?` is spelled `h(?<=\bh)ttps?`), so the regex engine skips ahead to those characters in C.
MARKUP_RE = re.compile(r"\]\([^)\s]*\)|<[^>\s]*>|h(?<=\bh)ttps?://\S+|!\[|\[|\]|`|\*|_|#|\||>")
READABLE_RE = re.compile(r"[^\W\d_]{2,}")
# On ASCII text a letter is [A-Za-z], white space what str.isspace says (\x1c-\x1f too).
_LETTERS_ONLY = bytes(c if chr(c).isascii() and chr(c).isalpha() else 32 for c in range(256))
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())
# Letters a passage needs before its length stops counting against its readability (about six words).
_READABLE_LETTERS = 24
# A word (`[^\W\d_]\w*`) or a number (`\d+(?:\.\d+)*`), spelled to open with one character class so that the
# regex engine skips to it in C; the ASCII twin is the same on ASCII text.
_WORD_RE = re.compile(r"[^\W_](?:(?<=[^\W\d_])\w*|(?<=\d)\d*(?:\.\d+)*)")
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9](?:(?<=[A-Za-z])[A-Za-z0-9_]*|(?<=[0-9])[0-9]*(?:\.[0-9]+)*)")
_CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your
    yours""".split()
)
_TERMS_KEPT = 1 << 16  # words whose terms are remembered
# "not" and "no" carry meaning in a query ("does not support"): only dropped from passages, never from queries.
_QUERY_KEEP = frozenset({"not", "no", "nor"})


def words(text: str, query: bool = False) -> list[str]:
    """Lower-case search terms of ``text``: words and numbers, camelCase and snake_case parts as well."""
    found = (_ASCII_WORD_RE if text.isascii() else _WORD_RE).findall(text)
    return list(chain.from_iterable(map(_query_terms if query else _TERMS.__getitem__, found)))


class _Terms(dict[str, tuple[str, ...]]):
    """Search terms by word, each word's worked out once (a dict lookup costs less than an lru_cache call)."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= _TERMS_KEPT:
            self.clear()  # bounded, as the words of a long-running server's documents are not
        found = self[word] = _terms(word)
        return found


_TERMS = _Terms()


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
    return (lower,) if lower in _QUERY_KEEP else _TERMS[word]


def readability(text: str) -> float:
    """0..1: how much of ``text`` is words to read rather than links, badges and markup."""
    letters = _word_letters(MARKUP_RE.sub(" ", text))
    if not letters:
        return 0.0
    # Against the original length: a badge's URLs count against it even though they are not words.
    dense = letters / max(1, _visible(text))
    return min(1.0, letters / _READABLE_LETTERS) * min(1.0, dense / 0.7)


def _word_letters(text: str) -> int:
    """Letters of ``text`` in runs of two or more (``READABLE_RE``'s matches), counted in C on ASCII text."""
    if not text.isascii():
        return len("".join(READABLE_RE.findall(text)))
    # Every non-letter becomes a space: what remains between spaces are the runs of letters.
    runs = list(map(len, text.encode("ascii").translate(_LETTERS_ONLY).split()))
    return sum(runs) - runs.count(1)


def _visible(text: str) -> int:
    """Characters of ``text`` that are not white space."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_SPACE))
    return len("".join(text.split()))

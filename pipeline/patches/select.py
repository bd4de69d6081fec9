"""Which hunks of a parsed diff are shown: query relevance and greedy selection within a token budget."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..tokens import tokens_per_char
from .parse import Patch, hunk_label, is_change

_SAMPLE_CHARS = 4000
_MATCH_FLOOR = 0.4  # a hunk or commit matches the query when it scores at least this share of the best
_WORD_RE = re.compile(r"[0-9a-z_]+")


class TokenMeter:
    """Token estimates from the tokens per character measured on samples of the content.

    Counting every candidate exactly would cost as much as tokenizing the
    whole input again; the final output is measured exactly instead.
    """

    def __init__(self, count: Callable[[str], int], content: str):
        self.count = count
        self.per_char = tokens_per_char(content, count, _SAMPLE_CHARS)

    def chars(self, chars: int) -> int:
        """Estimated tokens of ``chars`` characters."""
        return int(chars * self.per_char) + 1

    def lines(self, lines: Sequence[str]) -> int:
        """Estimated tokens of ``lines`` joined by newlines."""
        return self.chars(sum(len(line) + 1 for line in lines))


def query_terms(query: str | None) -> list[str]:
    """The words of ``query`` worth matching: lower case, three characters or more (or digits)."""
    if not query:
        return []
    return sorted({w for w in _WORD_RE.findall(query.lower()) if len(w) >= 3 or w.isdigit()})


def relevance(
    texts: Sequence[str], terms: Sequence[str], query: str | None = None, context: Sequence[str] | None = None
) -> list[float]:
    """A score per lower-cased text: the rarity-weighted query terms it contains, more for the whole query.

    Rare terms weigh more (the idf of BM25, so a function name outranks a
    word every hunk contains); a term in more than half of four or more
    texts weighs nothing. A term found as a whole word somewhere matches
    only there (``cache_step_2`` not in ``cache_step_25``); otherwise inside
    longer words too (``frobnic``). ``context`` texts, one per text, count
    half. Zero means no term matched.
    """
    scores = [0.0] * len(texts)
    if not terms:
        return scores
    fields = [(1.0, texts)] if context is None else [(1.0, texts), (0.5, context)]
    words: dict[tuple[int, int], set[str]] = {}
    for term in terms:
        found: dict[int, float] = {}
        whole: dict[int, float] = {}
        for f, (weight, texts_of_field) in enumerate(fields):
            for i, text in enumerate(texts_of_field):
                if term in text:
                    found[i] = max(found.get(i, 0.0), weight)
                    if term in words.setdefault((f, i), set(_WORD_RE.findall(text))):
                        whole[i] = max(whole.get(i, 0.0), weight)
        hits = whole or found
        if not hits or (len(texts) >= 4 and len(hits) > len(texts) / 2):
            continue
        idf = math.log(1 + (len(texts) - len(hits) + 0.5) / (len(hits) + 0.5))
        for i, weight in hits.items():
            scores[i] += idf * weight
    phrase = query.strip().lower() if query and len(terms) > 1 else ""
    if phrase:
        bonus = max(scores, default=0.0)
        for i, score in enumerate(scores):
            if score and (phrase in texts[i] or (context is not None and phrase in context[i])):
                scores[i] += bonus
    return scores


def keep_best(scores: list[float], floor: float = _MATCH_FLOOR) -> list[float]:
    """``scores`` with those under ``floor`` times the best set to zero: weak partial matches are not matches."""
    best = max(scores, default=0.0)
    return [score if score >= best * floor else 0.0 for score in scores]


def hunk_texts(patch: Patch) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """Per hunk (file index, hunk index): the lower-cased text that names it, and its unchanged lines.

    The naming text is the path, the function name git puts in the header
    and the changed lines; unchanged lines count too (at half weight, see
    ``relevance``) because a function whose body changed often has its
    ``def`` line only there.
    """
    keys: list[tuple[int, int]] = []
    named: list[str] = []
    context: list[str] = []
    lines = patch.lines
    for fi, f in enumerate(patch.files):
        for hi, hunk in enumerate(f.hunks):
            changed: list[str] = [f.path, f.old_path, lines[hunk.start][len(hunk_label(lines, hunk)) :]]
            unchanged: list[str] = []
            for line in lines[hunk.start + 1 : hunk.end]:
                (changed if is_change(line, hunk.parents) else unchanged).append(line)
            keys.append((fi, hi))
            named.append("\n".join(changed).lower())
            context.append("\n".join(unchanged).lower())
    return keys, named, context


def hunk_scores(patch: Patch, terms: Sequence[str], query: str | None) -> dict[tuple[int, int], float]:
    """Relevance of each hunk (by file index, hunk index) to the query; zero for no or weak matches."""
    keys, named, context = hunk_texts(patch)
    return dict(zip(keys, keep_best(relevance(named, terms, query, context)), strict=True))


@dataclass(slots=True)
class Selection:
    """Hunks chosen for display: whole ones, and at most one shown only in its first lines."""

    whole: set[tuple[int, int]] = field(default_factory=set)
    partial: tuple[int, int] | None = None
    partial_lines: int = 0


def select_hunks(
    patch: Patch,
    trimmed: dict[tuple[int, int], list[str]],
    scores: dict[tuple[int, int], float],
    meter: TokenMeter,
    room: int,
    only_relevant: bool = False,
) -> Selection:
    """Whole hunks chosen greedily until ``room`` tokens are used.

    Order: relevant to the query first (best first), then lockfiles and
    generated files last, then changes not already seen in an earlier hunk
    (a rename across many files shows once before it shows again), then first
    hunk of each file before second hunks, then small before big. A file's
    header is paid for with its first hunk.
    When a quarter of the room is left over, the best hunk that did not fit
    is shown in its first lines.
    """
    files = patch.files
    header_cost = [meter.lines([patch.lines[k] for k in f.header]) for f in files]
    costs = {key: meter.lines(rendered) for key, rendered in trimmed.items()}
    seen: set[str] = set()
    repeated: set[tuple[int, int]] = set()
    for key in sorted(trimmed):
        parents = files[key[0]].hunks[key[1]].parents
        signature = "\n".join(line for line in trimmed[key][1:] if is_change(line, parents))
        if signature in seen:
            repeated.add(key)
        seen.add(signature)
    order = sorted(
        costs,
        key=lambda key: (-scores.get(key, 0.0), files[key[0]].generated, key in repeated, key[1], costs[key], key),
    )
    if only_relevant:
        order = [key for key in order if scores.get(key, 0.0) > 0]
    selection = Selection()
    opened: set[int] = set()
    used = 0
    for key in order:
        cost = costs[key] + (0 if key[0] in opened else header_cost[key[0]])
        if used + cost <= room:
            selection.whole.add(key)
            opened.add(key[0])
            used += cost
    left = room - used
    best_left_out = next((key for key in order if key not in selection.whole), None)
    if best_left_out is not None and left >= max(150, room // 4):
        # The closing note of a partial hunk costs about 20 tokens.
        budget = left - (0 if best_left_out[0] in opened else header_cost[best_left_out[0]]) - 20
        count = spent = 0
        for line in trimmed[best_left_out]:
            spent += meter.chars(len(line) + 1)
            if spent > budget:
                break
            count += 1
        if count >= 4:
            selection.partial, selection.partial_lines = best_left_out, count
    return selection

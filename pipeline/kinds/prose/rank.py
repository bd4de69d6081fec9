"""Scoring prose passages: relevance to the query, position, centrality, and MMR selection for novelty.

Relevance is BM25 (rank_bm25's Okapi scores, see ``stats.bm25``) of each passage and of its whole block against
the query, the query's words in the section's heading path, and, when a
sentence model is available, the cosine similarity of each block with the
query. Without a query, centrality (similarity to the document's and the
section's centroid) stands in for relevance. Novelty is measured between
TF-IDF vectors of passages in both modes, so the second sentence of a
paragraph is not judged a copy of the first just because they share an
embedding. Search terms come from ``words``, the statistics from
``stats`` and the model's vectors from ``embed``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ...model import Embedder
from .embed import embedded_centrality, model_vectors
from .parse import CODE, HEADING, ITEM, PARAGRAPH, TABLE, Document, sentences
from .stats import Similarities, Sparse, bm25, normalise, term_centrality, tfidf
from .words import MARKUP_RE, READABLE_RE, readability, words

MODE_MODEL, MODE_BM25 = "model", "bm25"
# A list item or term up to this many tokens is one passage; longer ones are split into sentences.
WHOLE_ITEM_TOKENS = 60
# Code blocks and tables up to this many tokens may be kept whole like any passage.
SHORT_CODE_TOKENS = 40
# Above this many characters passage sizes are estimated from a sample of blocks.
_EXACT_CHARS = 60_000
_RATIO_SAMPLES = 400
MMR_LAMBDA = 0.7
_POOL = 400
_ANSWERS = 5
# Answers after the best must score at least this share of it.
_CLOSE_SECOND = 0.5
# An answer reads as text: a table-of-contents link that repeats the query's words is not one.
_READABLE_ANSWER = 0.5
# Words an answer needs before its length stops counting against it.
_ANSWER_WORDS = 25


@dataclass(slots=True)
class Passage:
    """What selection keeps or drops: a sentence, a whole list item, or a short code block.

    ``start``/``end`` are offsets into the block's text, so the passage is its exact original text.
    Not frozen, though never changed: a frozen dataclass costs six times as much to build.
    """

    block: int
    start: int
    end: int
    text: str
    tokens: int


@dataclass(slots=True)
class Ranking:
    """Scores of passages and blocks.

    ``value`` (per passage, 0..1) is what selection maximises; ``relevance``
    (per block) is None without a query; ``answers`` are the blocks that
    best answer the query, best first; ``vectors`` give novelty;
    ``readable`` is each passage's :func:`readability`.
    """

    value: np.ndarray
    relevance: np.ndarray | None
    answers: list[int]
    vectors: Sparse
    mode: str
    readable: np.ndarray


def passages(doc: Document, count_tokens: Callable[[str], int]) -> list[Passage]:
    """The passages of every block but headings, in document order.

    Paragraphs are split into sentences; list items and terms are whole
    unless long; short code blocks and tables are one passage, long ones none
    (they are kept whole only when they answer the query).
    """
    count_tokens = _passage_counter(doc, count_tokens)
    out: list[Passage] = []
    for index, block in enumerate(doc.blocks):
        if block.kind == HEADING:
            continue
        if block.kind in (CODE, TABLE):
            tokens = count_tokens(block.text)
            if tokens <= SHORT_CODE_TOKENS:
                out.append(Passage(index, 0, len(block.text), block.text, tokens))
            continue
        if not READABLE_RE.search(block.text):
            continue  # a lone "::" or a rule: nothing to read
        spans = sentences(block.text)
        if block.kind == ITEM or len(spans) <= 1:
            tokens = count_tokens(block.text)
            if tokens <= WHOLE_ITEM_TOKENS or len(spans) <= 1:
                out.append(Passage(index, 0, len(block.text), block.text, tokens))
                continue
        for number, (start, end) in enumerate(spans):
            # The first sentence carries the block's indent and list marker with it.
            start = 0 if number == 0 else start
            text = block.text[start:end]
            out.append(Passage(index, start, end, text, count_tokens(text)))
    return out


def _passage_counter(doc: Document, count_tokens: Callable[[str], int]) -> Callable[[str], int]:
    """``count_tokens`` for a short document; for a long one, an estimate from its measured characters per token.

    Passage sizes only steer selection (the rendered text is counted
    exactly), and counting every sentence of a long document would cost as
    much as the rest of the compression.
    """
    size = sum(len(block.text) for block in doc.blocks)
    if size <= _EXACT_CHARS:
        return count_tokens
    step = max(1, len(doc.blocks) // _RATIO_SAMPLES)
    sample = "\n".join(block.text for block in doc.blocks[::step])
    per_char = count_tokens(sample) / max(1, len(sample))
    return lambda text: max(1, math.ceil(len(text) * per_char))


def rank(doc: Document, units: Sequence[Passage], query: str | None, embedder: Embedder | None) -> Ranking:
    """Score ``units`` of ``doc`` for ``query`` (or for no query), with ``embedder`` when given."""
    unit_words = [words(unit.text) for unit in units]
    vectors = tfidf(unit_words)
    place = _text_rank(doc)
    position = _position(doc, units, place)
    centrality = term_centrality(vectors, [doc.blocks[unit.block].section for unit in units])
    terms = words(query or "", query=True)
    content_blocks = [i for i, block in enumerate(doc.blocks) if block.kind != HEADING]
    embedded: dict[int, np.ndarray] = {}
    query_vector = None
    mode = MODE_BM25
    block_bm25 = bm25(_block_words(doc, units, unit_words, content_blocks), terms) if terms else None
    if embedder is not None:
        embedded, query_vector = model_vectors(
            embedder, doc, content_blocks, block_bm25, query if terms else None, place
        )
        mode = MODE_MODEL
    if embedded:
        centrality = 0.5 * centrality + 0.5 * embedded_centrality(embedded, [unit.block for unit in units])
    readable = np.array([readability(unit.text) for unit in units])
    quality = 0.25 + 0.75 * readable
    if not terms:
        value = (0.55 * position + 0.45 * centrality) * quality
        return Ranking(value, None, [], vectors, mode, readable)
    by_bm25 = np.zeros(len(doc.blocks))
    by_bm25[content_blocks] = normalise(block_bm25)
    by_model = None
    if query_vector is not None:
        ids = sorted(embedded)
        by_model = np.zeros(len(doc.blocks))
        by_model[ids] = normalise(np.array([float(embedded[i] @ query_vector) for i in ids]), floor="median")
    relevance = _block_relevance(doc, content_blocks, query or "", terms, by_bm25, by_model)
    unit_bm25 = normalise(bm25(unit_words, terms))
    unit_relevance = 0.4 * unit_bm25 + 0.6 * relevance[[unit.block for unit in units]]
    value = (0.55 * unit_relevance + 0.25 * position + 0.2 * centrality) * quality
    answers = _answers(doc, relevance, by_bm25, by_model)
    return Ranking(value, relevance, answers, vectors, mode, readable)


def _block_relevance(
    doc: Document, blocks: list[int], query: str, terms: list[str], by_bm25: np.ndarray, by_model: np.ndarray | None
) -> np.ndarray:
    """0..1 per block: BM25, the model's similarity when there is one, and the query's words in the headings."""
    relevance = np.zeros(len(doc.blocks))
    headings = _heading_relevance(doc, terms)
    sections = headings[[doc.blocks[i].section for i in blocks]]
    if by_model is not None:
        scores = 0.4 * by_bm25[blocks] + 0.45 * by_model[blocks] + 0.15 * sections
    else:
        scores = 0.75 * by_bm25[blocks] + 0.25 * sections
    relevance[blocks] = scores
    needle = " ".join(query.split()).lower()
    if len(needle) >= 4:
        # A block holding the whole needle holds its longest word too, found without normalising the block.
        longest = max(needle.split(" "), key=len)
        for i in blocks:
            text = doc.blocks[i].text
            if longest in text.lower() and needle in " ".join(text.split()).lower():
                # The query verbatim (an identifier, an error message) beats any mix of its words.
                relevance[i] = max(relevance[i], 1.0)
    return relevance


def select_mmr(
    ranking: Ranking,
    costs: Sequence[int],
    allowance: float,
    chosen: Sequence[int],
    opens_gap: Sequence[bool],
    gap_tokens: int,
    lam: float = MMR_LAMBDA,
) -> list[int]:
    """Passages to add to ``chosen`` within ``allowance`` tokens, by maximal marginal relevance.

    Each step takes the passage with the best ``lam * value - (1 - lam) *
    similarity to what is kept``; a passage that no longer fits is skipped.
    A passage with no kept neighbour (``opens_gap``) also pays ``gap_tokens``
    for the note that will stand for the text around it. Ties go to the
    earlier passage.
    """
    taken = set(chosen)
    free = np.ones(len(costs), dtype=bool)
    free[list(taken)] = False
    candidates = np.flatnonzero(free)
    # Best value first, ties to the earlier passage (a stable sort keeps index order).
    best_first = candidates[np.argsort(-ranking.value[candidates], kind="stable")]
    pool = np.sort(best_first[:_POOL])
    if not len(pool):
        return []
    cosines = Similarities(ranking.vectors, pool)
    similarity = np.zeros(len(pool), dtype=np.float32)
    for unit in sorted(taken):
        np.maximum(similarity, cosines.of(unit), out=similarity)
    value = ranking.value[pool].astype(np.float32)
    base_cost = np.array([costs[i] for i in pool], dtype=np.float32)
    gap = np.array([bool(opens_gap[i]) and i - 1 not in taken and i + 1 not in taken for i in pool])
    slot = {int(unit): at for at, unit in enumerate(pool)}
    open_ = np.ones(len(pool), dtype=bool)
    remaining = allowance
    picked: list[int] = []
    while True:
        cost = base_cost + gap * gap_tokens
        open_ &= cost <= remaining
        if not open_.any():
            break
        score = np.where(open_, lam * value - (1 - lam) * similarity, -np.inf)
        best = int(np.argmax(score))
        unit = int(pool[best])
        picked.append(unit)
        remaining -= cost[best]
        open_[best] = False
        for neighbour in (unit - 1, unit + 1):
            if neighbour in slot:
                gap[slot[neighbour]] = False
        np.maximum(similarity, cosines.of(unit), out=similarity)
    return picked


def _block_words(
    doc: Document, units: Sequence[Passage], unit_words: list[list[str]], blocks: list[int]
) -> list[list[str]]:
    """Search terms of ``blocks``: their passages' terms, read again only for blocks without passages."""
    joined: dict[int, list[str]] = {}
    for unit, terms in zip(units, unit_words, strict=True):
        joined.setdefault(unit.block, []).extend(terms)
    return [joined[i] if i in joined else words(doc.blocks[i].text) for i in blocks]


def _position(doc: Document, units: Sequence[Passage], place_in_section: dict[int, int]) -> np.ndarray:
    """How much a passage's place says about it: section leads first, then first sentences, then the rest."""
    top = doc.top_level()
    scores: list[float] = []
    seen_blocks: dict[int, int] = {}
    for unit in units:
        block = doc.blocks[unit.block]
        section = doc.sections[block.section]
        place = place_in_section.get(unit.block, len(section.blocks))
        nth = seen_blocks.setdefault(unit.block, 0)
        seen_blocks[unit.block] = nth + 1
        if block.kind in (CODE, TABLE):
            score = 0.2
        elif block.kind == ITEM:
            score = 0.45 if place == 0 else 0.35
        elif nth == 0:
            score = 1.0 if place == 0 else 0.75 if place == 1 else 0.6
        else:
            score = 0.3 / (1 + 0.3 * nth)
        if section.level == 0 or section.index == 1:
            score = min(1.0, score + 0.15)  # the document's introduction
        depth = max(0, section.level - top)
        scores.append(score * max(0.6, 1.0 - 0.1 * depth))
    return np.array(scores, dtype=np.float64)


def _text_rank(doc: Document) -> dict[int, int]:
    """Each paragraph's and item's place among the paragraphs and items of its section (0 for the first)."""
    ranks: dict[int, int] = {}
    for section in doc.sections:
        text_blocks = [i for i in section.blocks if doc.blocks[i].kind in (PARAGRAPH, ITEM)]
        ranks.update((block, place) for place, block in enumerate(text_blocks))
    return ranks


def _heading_relevance(doc: Document, terms: list[str]) -> np.ndarray:
    """Share of the query's words found in each section's heading path."""
    wanted = set(terms)
    scores = np.zeros(len(doc.sections))
    for section in doc.sections:
        found = wanted & set(words(" ".join(section.path)))
        scores[section.index] = len(found) / len(wanted) if wanted else 0.0
    return scores


def _answers(doc: Document, relevance: np.ndarray, by_bm25: np.ndarray, by_model: np.ndarray | None) -> list[int]:
    """Paragraphs and items that best answer the query: the best by each signal, then close seconds.

    An answer reads as text and says something: a link that repeats the
    query's words ("Example file: options-required.js") is worth less than
    the paragraph that explains.
    """
    prior: dict[int, float] = {}
    for i, block in enumerate(doc.blocks):
        if block.kind in (PARAGRAPH, ITEM) and relevance[i] > 0:
            readable = readability(block.text)
            if readable >= _READABLE_ANSWER:
                said = len(READABLE_RE.findall(MARKUP_RE.sub(" ", block.text)))
                prior[i] = (0.25 + 0.75 * readable) * min(1.0, said / _ANSWER_WORDS) ** 0.5
    if not prior:
        return []
    ordered = sorted(prior, key=lambda i: (-relevance[i] * prior[i], i))
    best = relevance[ordered[0]] * prior[ordered[0]]
    picks = [ordered[0]]
    for signal in (by_bm25, by_model):
        if signal is not None:
            top = min(prior, key=lambda i: (-signal[i] * prior[i], i))
            if signal[top] > 0 and top not in picks:
                picks.append(top)
    for i in ordered[1:]:
        if len(picks) >= _ANSWERS or relevance[i] * prior[i] < _CLOSE_SECOND * best:
            break
        if i not in picks:
            picks.append(i)
    return picks

"""Scoring prose passages: relevance to the query, position, centrality, and MMR selection for novelty.

Relevance is BM25 (rank_bm25) of each passage and of its whole block against
the query, the query's words in the section's heading path, and, when a
sentence model is available, the cosine similarity of each block with the
query. Without a query, centrality (similarity to the document's and the
section's centroid) stands in for relevance. Novelty is measured between
TF-IDF vectors of passages in both modes, so the second sentence of a
paragraph is not judged a copy of the first just because they share an
embedding.

The model costs few calls: only the head of each block is embedded, in
batches of at most ``EMBED_BATCH``, and at most ``EMBED_PASSAGES`` heads
per document.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from headroom_mcp.pipeline.compressors.prose_parse import CODE, HEADING, ITEM, PARAGRAPH, TABLE, Document, sentences
from headroom_mcp.pipeline.model import Embedder

MODE_MODEL, MODE_BM25 = "model", "bm25"
# Passages per embedding call, characters of each block embedded, and passages embedded per document:
# the model's cost grows faster than the text it reads (about 3 ms for 120 characters, 12 ms for 200).
EMBED_BATCH = 64
EMBED_CHARS = 130
_EMBED_TITLE_CHARS = 40
EMBED_PASSAGES = 96
_CARDS = 40
# A list item or term up to this many tokens is one passage; longer ones are split into sentences.
WHOLE_ITEM_TOKENS = 60
# Code blocks and tables up to this many tokens may be kept whole like any passage.
SHORT_CODE_TOKENS = 40
# Above this many characters passage sizes are estimated from a sample of blocks.
_EXACT_CHARS = 60_000
_RATIO_SAMPLES = 400
MMR_LAMBDA = 0.7
_POOL = 400
_HASH_DIMS = 1024
_ANSWERS = 5
# Answers after the best must score at least this share of it.
_CLOSE_SECOND = 0.5
# An answer reads as text: a table-of-contents link that repeats the query's words is not one.
_READABLE_ANSWER = 0.5
# Words an answer needs before its length stops counting against it.
_ANSWER_WORDS = 25

# Link targets, URLs and tags are not words a reader reads.
_MARKUP_RE = re.compile(r"\]\([^)\s]*\)|<[^>\s]*>|\bhttps?://\S+|!\[|[\[\]`*_#|>]")
_READABLE_RE = re.compile(r"[^\W\d_]{2,}")
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


@dataclass(frozen=True, slots=True)
class Passage:
    """What selection keeps or drops: a sentence, a whole list item, or a short code block.

    ``start``/``end`` are offsets into the block's text, so the passage is its exact original text.
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
    vectors: _Sparse
    mode: str
    readable: np.ndarray


@dataclass(frozen=True, slots=True)
class _Sparse:
    """Hashed TF-IDF vectors of passages, one row per passage, L2-normalised."""

    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    count: int

    def dense(self, selected: np.ndarray) -> np.ndarray:
        """The rows ``selected`` as a dense ``(len(selected), dims)`` matrix."""
        where = np.full(self.count, -1, dtype=np.int64)
        where[selected] = np.arange(len(selected))
        mask = where[self.rows] >= 0
        out = np.zeros((len(selected), _HASH_DIMS), dtype=np.float32)
        np.add.at(out, (where[self.rows[mask]], self.cols[mask]), self.weights[mask])
        return out


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
    plain = _MARKUP_RE.sub(" ", text)
    found = _READABLE_RE.findall(plain)
    if not found:
        return 0.0
    letters = sum(len(word) for word in found)
    # Against the original length: a badge's URLs count against it even though they are not words.
    dense = letters / max(1, len("".join(text.split())))
    return min(1.0, letters / _READABLE_LETTERS) * min(1.0, dense / 0.7)


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
        if not _READABLE_RE.search(block.text):
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
    vectors = _tfidf(unit_words)
    position = _position(doc, units)
    centrality = _centrality(vectors, [doc.blocks[unit.block].section for unit in units])
    terms = words(query or "", query=True)
    content_blocks = [i for i, block in enumerate(doc.blocks) if block.kind != HEADING]
    embedded: dict[int, np.ndarray] = {}
    query_vector = None
    mode = MODE_BM25
    block_bm25 = _bm25(_block_words(doc, units, unit_words, content_blocks), terms) if terms else None
    if embedder is not None:
        embedded, query_vector = _model_vectors(embedder, doc, content_blocks, block_bm25, query if terms else None)
        mode = MODE_MODEL
    if embedded:
        centrality = 0.5 * centrality + 0.5 * _embedded_centrality(embedded, units)
    readable = np.array([readability(unit.text) for unit in units])
    quality = 0.25 + 0.75 * readable
    if not terms:
        value = (0.55 * position + 0.45 * centrality) * quality
        return Ranking(value, None, [], vectors, mode, readable)
    by_bm25 = np.zeros(len(doc.blocks))
    by_bm25[content_blocks] = _normalise(block_bm25)
    by_model = None
    if query_vector is not None:
        ids = sorted(embedded)
        by_model = np.zeros(len(doc.blocks))
        by_model[ids] = _normalise(np.array([float(embedded[i] @ query_vector) for i in ids]), floor="median")
    relevance = _block_relevance(doc, content_blocks, query or "", terms, by_bm25, by_model)
    unit_bm25 = _normalise(_bm25(unit_words, terms))
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
    needle = " ".join(query.split()).lower()
    for i in blocks:
        section = doc.blocks[i].section
        if by_model is not None:
            score = 0.4 * by_bm25[i] + 0.45 * by_model[i] + 0.15 * headings[section]
        else:
            score = 0.75 * by_bm25[i] + 0.25 * headings[section]
        # The query verbatim (an identifier, an error message) beats any mix of its words.
        if len(needle) >= 4 and needle in " ".join(doc.blocks[i].text.split()).lower():
            score = max(score, 1.0)
        relevance[i] = score
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
    count = len(costs)
    taken = set(chosen)
    order = sorted((i for i in range(count) if i not in taken), key=lambda i: (-ranking.value[i], i))
    pool = np.array(sorted(order[:_POOL]), dtype=np.int64)
    if not len(pool):
        return []
    kept = np.array(sorted(taken), dtype=np.int64)
    pool_vectors = ranking.vectors.dense(pool)
    similarity = np.zeros(len(pool), dtype=np.float32)
    if len(kept):
        similarity = (pool_vectors @ ranking.vectors.dense(kept).T).max(axis=1)
    value = ranking.value[pool].astype(np.float32)
    base_cost = np.array([costs[i] for i in pool], dtype=np.float32)
    gap = np.array([bool(opens_gap[i]) and i - 1 not in taken and i + 1 not in taken for i in pool])
    slot = {int(unit): at for at, unit in enumerate(pool)}
    # One product for all pairs: each step then only reads a row.
    pairwise = pool_vectors @ pool_vectors.T
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
        np.maximum(similarity, pairwise[best], out=similarity)
    return picked


def _block_words(
    doc: Document, units: Sequence[Passage], unit_words: list[list[str]], blocks: list[int]
) -> list[list[str]]:
    """Search terms of ``blocks``: their passages' terms, read again only for blocks without passages."""
    joined: dict[int, list[str]] = {}
    for unit, terms in zip(units, unit_words, strict=True):
        joined.setdefault(unit.block, []).extend(terms)
    return [joined[i] if i in joined else words(doc.blocks[i].text) for i in blocks]


def _tfidf(docs: list[list[str]]) -> _Sparse:
    rows: list[int] = []
    cols: list[int] = []
    for row, terms in enumerate(docs):
        for term in terms:
            rows.append(row)
            cols.append(zlib.crc32(term.encode()) % _HASH_DIMS)
    row_array = np.array(rows, dtype=np.int64)
    col_array = np.array(cols, dtype=np.int64)
    if not rows:
        return _Sparse(row_array, col_array, np.zeros(0, dtype=np.float32), len(docs))
    # Term counts per (row, column) pair, then idf over rows.
    pairs = row_array * _HASH_DIMS + col_array
    unique, counts = np.unique(pairs, return_counts=True)
    row_array, col_array = unique // _HASH_DIMS, unique % _HASH_DIMS
    df = np.bincount(col_array, minlength=_HASH_DIMS)
    idf = np.log((len(docs) + 1) / (df + 1)) + 1.0
    weights = (1.0 + np.log(counts)) * idf[col_array]
    norms = np.sqrt(np.bincount(row_array, weights=weights**2, minlength=len(docs)))
    weights = weights / np.where(norms[row_array] > 0, norms[row_array], 1.0)
    return _Sparse(row_array, col_array, weights.astype(np.float32), len(docs))


def _centrality(vectors: _Sparse, sections: list[int]) -> np.ndarray:
    """Cosine of each passage with the document's centroid and its section's, averaged and scaled to 0..1."""
    if not len(vectors.weights):
        return np.zeros(vectors.count)
    centroid = np.bincount(vectors.cols, weights=vectors.weights, minlength=_HASH_DIMS)
    centroid /= np.linalg.norm(centroid) or 1.0
    to_doc = np.bincount(vectors.rows, weights=vectors.weights * centroid[vectors.cols], minlength=vectors.count)
    section_of = np.array(sections, dtype=np.int64)[vectors.rows]
    keys = section_of * _HASH_DIMS + vectors.cols
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=vectors.weights)
    norms = np.sqrt(np.bincount(unique // _HASH_DIMS, weights=sums**2))
    section_centroid = sums / np.where(norms[unique // _HASH_DIMS] > 0, norms[unique // _HASH_DIMS], 1.0)
    weights = vectors.weights * section_centroid[inverse]
    to_section = np.bincount(vectors.rows, weights=weights, minlength=vectors.count)
    return _normalise(0.5 * to_doc + 0.5 * to_section)


def _position(doc: Document, units: Sequence[Passage]) -> np.ndarray:
    """How much a passage's place says about it: section leads first, then first sentences, then the rest."""
    top = doc.top_level()
    scores = np.zeros(len(units))
    rank_in_section = _text_rank(doc)
    seen_blocks: dict[int, int] = {}
    for index, unit in enumerate(units):
        block = doc.blocks[unit.block]
        section = doc.sections[block.section]
        place = rank_in_section.get(unit.block, len(section.blocks))
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
        scores[index] = score * max(0.6, 1.0 - 0.1 * depth)
    return scores


def _text_rank(doc: Document) -> dict[int, int]:
    """Each paragraph's and item's place among the paragraphs and items of its section (0 for the first)."""
    ranks: dict[int, int] = {}
    for section in doc.sections:
        text_blocks = [i for i in section.blocks if doc.blocks[i].kind in (PARAGRAPH, ITEM)]
        ranks.update((block, place) for place, block in enumerate(text_blocks))
    return ranks


def _bm25(corpus: list[list[str]], terms: list[str]) -> np.ndarray:
    from rank_bm25 import BM25Okapi  # imported on first use: it pulls in numpy's heavier parts

    if not corpus:
        return np.zeros(0)
    bm25 = BM25Okapi([doc or ["_"] for doc in corpus])
    return np.asarray(bm25.get_scores(terms), dtype=np.float64)


def _normalise(scores: np.ndarray, floor: str = "zero") -> np.ndarray:
    """Scale to 0..1 by the maximum; with ``floor="median"`` whatever is at or below the median is 0."""
    if not len(scores):
        return scores
    low = float(np.median(scores)) if floor == "median" else 0.0
    high = float(scores.max())
    if high <= low:
        return np.zeros(len(scores))
    return np.clip((scores - low) / (high - low), 0.0, 1.0)


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
                said = len(_READABLE_RE.findall(_MARKUP_RE.sub(" ", block.text)))
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


def _model_vectors(
    embedder: Embedder, doc: Document, blocks: list[int], bm25: np.ndarray | None, query: str | None
) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """Embeddings of the blocks worth a model call, and of the query.

    The model's cost grows with the text it reads, so at most
    ``EMBED_PASSAGES`` heads of ``EMBED_CHARS`` characters are embedded.
    When a document has more blocks than that and a query is given, one card
    per section (its heading and the head of its first paragraph) is
    embedded first, and the blocks of the sections closest to the query are
    embedded next, with the best blocks by BM25.
    """
    prose = [i for i in blocks if doc.blocks[i].kind in (PARAGRAPH, ITEM) and _READABLE_RE.search(doc.blocks[i].text)]
    if len(prose) <= EMBED_PASSAGES:
        return _embed(embedder, [_embedding_text(doc, i) for i in prose], prose, query)
    if not query:
        # Without a query the model only measures centrality: the leading blocks of each section say most.
        place = _text_rank(doc)
        chosen = sorted(sorted(prose, key=lambda i: (place[i], i))[:EMBED_PASSAGES])
        return _embed(embedder, [_embedding_text(doc, i) for i in chosen], chosen, None)
    score = dict(zip(blocks, bm25, strict=True)) if bm25 is not None else {}
    first_of: dict[int, int] = {}
    for i in prose:
        first_of.setdefault(doc.blocks[i].section, i)
    # A section's card is the embedding of its first block, whose text leads with the section's title.
    best_first = sorted(first_of, key=lambda s: (-max(score.get(i, 0.0) for i in doc.sections[s].blocks), s))
    leads = sorted(first_of[s] for s in best_first[:_CARDS])
    embedded, query_vector = _embed(embedder, [_embedding_text(doc, i) for i in leads], leads, query)
    closest = sorted(leads, key=lambda i: (-float(embedded[i] @ query_vector), i))
    room = EMBED_PASSAGES - len(leads)
    prose_set = set(prose)
    chosen = [i for i in sorted(prose, key=lambda i: (-score.get(i, 0.0), i)) if i not in embedded][: room // 4]
    for lead in closest:
        for i in doc.sections[doc.blocks[lead].section].blocks:
            if len(chosen) < room and i in prose_set and i not in embedded and i not in chosen:
                chosen.append(i)
    chosen.sort()
    more, _ = _embed(embedder, [_embedding_text(doc, i) for i in chosen], chosen, None)
    embedded.update(more)
    return embedded, query_vector


def _embed(
    embedder: Embedder, texts: list[str], keys: list[int], query: str | None
) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """Embed ``texts`` (and the query first, when given) in batches; vectors by ``keys``."""
    if query:
        texts = [query, *texts]
    parts = [
        np.asarray(embedder.embed(texts[at : at + EMBED_BATCH]), dtype=np.float32)
        for at in range(0, len(texts), EMBED_BATCH)
    ]
    if not parts:
        return {}, None
    matrix = np.concatenate(parts)
    rows = matrix[1:] if query else matrix
    return dict(zip(keys, rows, strict=True)), (matrix[0] if query else None)


def _embedding_text(doc: Document, block: int) -> str:
    """The head of a block, led by its section's title: what the block is about, in few word pieces."""
    title = " ".join(doc.sections[doc.blocks[block].section].title.split())[:_EMBED_TITLE_CHARS]
    text = " ".join(doc.blocks[block].text.split())
    head = f"{title}: {text}" if title else text
    return head[:EMBED_CHARS]


def _embedded_centrality(embedded: dict[int, np.ndarray], units: Sequence[Passage]) -> np.ndarray:
    ids = sorted(embedded)
    matrix = np.stack([embedded[i] for i in ids])
    centroid = matrix.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    by_block = dict(zip(ids, _normalise(matrix @ centroid, floor="median"), strict=True))
    return np.array([by_block.get(unit.block, 0.0) for unit in units])

"""Statistics of passages' search terms: hashed TF-IDF vectors, centrality, BM25, and scaling scores to 0..1."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from itertools import chain

import numpy as np

_HASH_DIMS = 1024
# BM25 Okapi's parameters, as rank_bm25 sets them by default.
_K1 = 1.5
_B = 0.75
_EPSILON = 0.25


@dataclass(frozen=True, slots=True)
class Sparse:
    """Hashed TF-IDF vectors of passages, one row per passage, L2-normalised.

    Entries are sorted by row, then column; row ``r``'s are ``starts[r]:starts[r + 1]``.
    """

    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    count: int
    starts: np.ndarray


class Similarities:
    """Cosines of any passage with each passage of a pool, computed one row at a time, when selection needs them.

    A row costs its few terms times the pool's size; a pool-by-pool product
    costs the hash's 1024 dimensions for every pair, most of them never read,
    and wakes BLAS's threads, whose spinning counts as CPU time. Each cosine is
    summed in float64 over the row's terms in column order, then rounded to
    float32 like the vectors.
    """

    def __init__(self, vectors: Sparse, pool: np.ndarray):
        where = np.full(vectors.count, -1, dtype=np.int64)
        where[pool] = np.arange(len(pool))
        mask = where[vectors.rows] >= 0
        self._vectors = vectors
        # Column-major: a term's weights in every pool passage are one contiguous row.
        self._by_column = np.zeros((_HASH_DIMS, len(pool)))
        self._by_column[vectors.cols[mask], where[vectors.rows[mask]]] = vectors.weights[mask]

    def of(self, row: int) -> np.ndarray:
        """The cosine of passage ``row`` with each pool passage, in pool order (float32)."""
        start, end = self._vectors.starts[row], self._vectors.starts[row + 1]
        terms = self._by_column[self._vectors.cols[start:end]]
        return (terms * self._vectors.weights[start:end, None]).sum(axis=0).astype(np.float32)


def tfidf(docs: list[list[str]]) -> Sparse:
    """TF-IDF vectors of ``docs`` (each a list of search terms), one row per doc."""
    terms = list(chain.from_iterable(docs))
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    if not terms:
        empty = np.zeros(0, dtype=np.int64)
        return Sparse(empty, empty, np.zeros(0, dtype=np.float32), len(docs), np.zeros(len(docs) + 1, np.int64))
    # Each distinct term is hashed once: a document repeats its words many times.
    column = {term: zlib.crc32(term.encode()) % _HASH_DIMS for term in set(terms)}
    col_array = np.fromiter(map(column.__getitem__, terms), dtype=np.int64, count=len(terms))
    row_array = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    # Term counts per (row, column) pair, then idf over rows.
    pairs = row_array * _HASH_DIMS + col_array
    unique, counts = np.unique(pairs, return_counts=True)
    row_array, col_array = unique // _HASH_DIMS, unique % _HASH_DIMS
    df = np.bincount(col_array, minlength=_HASH_DIMS)
    idf = np.log((len(docs) + 1) / (df + 1)) + 1.0
    weights = (1.0 + np.log(counts)) * idf[col_array]
    norms = np.sqrt(np.bincount(row_array, weights=weights**2, minlength=len(docs)))
    weights = weights / np.where(norms[row_array] > 0, norms[row_array], 1.0)
    starts = np.searchsorted(row_array, np.arange(len(docs) + 1))
    return Sparse(row_array, col_array, weights.astype(np.float32), len(docs), starts)


def term_centrality(vectors: Sparse, sections: list[int]) -> np.ndarray:
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
    return normalise(0.5 * to_doc + 0.5 * to_section)


def bm25(corpus: list[list[str]], terms: list[str]) -> np.ndarray:
    """BM25 Okapi score of each document of ``corpus`` (a list of search terms) for the query's ``terms``.

    The scores of ``rank_bm25.BM25Okapi`` (an empty document counts as one
    placeholder word; a word in more than half of the documents weighs
    ``epsilon`` times the average idf), reading only the query's words: an
    index of every word of the document is built for none but those.
    """
    if not corpus:
        return np.zeros(0)
    docs = [doc or ["_"] for doc in corpus]
    doc_len = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    avgdl = int(doc_len.sum()) / len(docs)
    saturation = _K1 * (1 - _B + _B * doc_len / avgdl)
    idf: dict[str, float] = {}
    freqs: dict[str, np.ndarray] = {}
    for term in dict.fromkeys(terms):
        freqs[term] = np.fromiter((doc.count(term) for doc in docs), dtype=np.int64, count=len(docs))
        found = int(np.count_nonzero(freqs[term]))
        if found:
            idf[term] = math.log(len(docs) - found + 0.5) - math.log(found + 0.5)
    if any(value < 0 for value in idf.values()):
        floor = _EPSILON * _average_idf(docs)
        idf = {term: floor if value < 0 else value for term, value in idf.items()}
    score = np.zeros(len(docs))
    for term in terms:
        if term in idf:
            q_freq = freqs[term]
            score += (idf[term] or 0) * (q_freq * (_K1 + 1) / (q_freq + saturation))
    return score


def _average_idf(docs: list[list[str]]) -> float:
    """The mean idf of every word of ``docs``, summed in order of first appearance as BM25Okapi sums it."""
    found: dict[str, int] = {}
    for doc in docs:
        for word in dict.fromkeys(doc):
            found[word] = found.get(word, 0) + 1
    total = 0.0
    for count in found.values():
        total += math.log(len(docs) - count + 0.5) - math.log(count + 0.5)
    return total / len(found)


def normalise(scores: np.ndarray, floor: str = "zero") -> np.ndarray:
    """Scale to 0..1 by the maximum; with ``floor="median"`` whatever is at or below the median is 0."""
    if not len(scores):
        return scores
    low = float(np.median(scores)) if floor == "median" else 0.0
    high = float(scores.max())
    if high <= low:
        return np.zeros(len(scores))
    return np.clip((scores - low) / (high - low), 0.0, 1.0)

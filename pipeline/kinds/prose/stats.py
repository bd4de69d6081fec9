"""Statistics of passages' search terms: hashed TF-IDF vectors, centrality, BM25, and scaling scores to 0..1."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

_HASH_DIMS = 1024


@dataclass(frozen=True, slots=True)
class Sparse:
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


def tfidf(docs: list[list[str]]) -> Sparse:
    """TF-IDF vectors of ``docs`` (each a list of search terms), one row per doc."""
    rows: list[int] = []
    cols: list[int] = []
    for row, terms in enumerate(docs):
        for term in terms:
            rows.append(row)
            cols.append(zlib.crc32(term.encode()) % _HASH_DIMS)
    row_array = np.array(rows, dtype=np.int64)
    col_array = np.array(cols, dtype=np.int64)
    if not rows:
        return Sparse(row_array, col_array, np.zeros(0, dtype=np.float32), len(docs))
    # Term counts per (row, column) pair, then idf over rows.
    pairs = row_array * _HASH_DIMS + col_array
    unique, counts = np.unique(pairs, return_counts=True)
    row_array, col_array = unique // _HASH_DIMS, unique % _HASH_DIMS
    df = np.bincount(col_array, minlength=_HASH_DIMS)
    idf = np.log((len(docs) + 1) / (df + 1)) + 1.0
    weights = (1.0 + np.log(counts)) * idf[col_array]
    norms = np.sqrt(np.bincount(row_array, weights=weights**2, minlength=len(docs)))
    weights = weights / np.where(norms[row_array] > 0, norms[row_array], 1.0)
    return Sparse(row_array, col_array, weights.astype(np.float32), len(docs))


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
    """BM25 score of each document of ``corpus`` (a list of search terms) for the query's ``terms``."""
    from rank_bm25 import (
        BM25Okapi,  # imported on first use: it pulls in numpy's heavier parts
    )

    if not corpus:
        return np.zeros(0)
    scorer = BM25Okapi([doc or ["_"] for doc in corpus])
    return np.asarray(scorer.get_scores(terms), dtype=np.float64)


def normalise(scores: np.ndarray, floor: str = "zero") -> np.ndarray:
    """Scale to 0..1 by the maximum; with ``floor="median"`` whatever is at or below the median is 0."""
    if not len(scores):
        return scores
    low = float(np.median(scores)) if floor == "median" else 0.0
    high = float(scores.max())
    if high <= low:
        return np.zeros(len(scores))
    return np.clip((scores - low) / (high - low), 0.0, 1.0)

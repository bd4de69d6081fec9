"""An ONNX graph of a BERT sentence encoder (MiniLM-L6), built from its weights with the onnx package.

The graph takes ``input_ids`` and ``attention_mask`` (int64, batch × tokens)
and returns ``embedding`` (float32, batch × hidden): the encoder's last
hidden states mean-pooled over real tokens and scaled to unit length, which
is what sentence-transformers' all-MiniLM-L6-v2 computes. No torch: the
weights come from safetensors and the graph is written node by node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_OPSET = 17  # LayerNormalization is an operator from 17 on


@dataclass(frozen=True, slots=True)
class BertShape:
    """The sizes that the weights do not say on their own."""

    layers: int
    heads: int
    eps: float = 1e-12


def build(weights: dict[str, np.ndarray], shape: BertShape):
    """The ``onnx.ModelProto`` of the encoder with mean pooling and normalisation."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list = []
    initializers: list = []
    counter = iter(range(1_000_000))

    def const(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        # PyTorch stores Linear weights as (out, in); MatMul wants (in, out).
        weight = const(f"{prefix}.weight", weights[f"{prefix}.weight"].T.copy())
        bias = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return node("Add", [node("MatMul", [x, weight]), bias])

    def layer_norm(x: str, prefix: str) -> str:
        scale = const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return node("LayerNormalization", [x, scale, bias], axis=-1, epsilon=shape.eps)

    hidden = weights["embeddings.word_embeddings.weight"].shape[1]
    head_size = hidden // shape.heads
    one = const("one_f", np.array(1.0, np.float32))
    const("zero_i", np.array(0, np.int64))
    const("one_i", np.array(1, np.int64))
    const("axis_1", np.array([1], np.int64))
    const("axes_1_2", np.array([1, 2], np.int64))
    const("heads_shape", np.array([0, 0, shape.heads, head_size], np.int64))
    const("merged_shape", np.array([0, 0, hidden], np.int64))

    # Embeddings: word + position + token type 0 (single-segment input), then LayerNorm.
    words = node("Gather", [const("word_embeddings", weights["embeddings.word_embeddings.weight"]), "input_ids"])
    length = node("Gather", [node("Shape", ["input_ids"]), "one_i"], axis=0)
    positions = node("Range", ["zero_i", length, "one_i"])
    placed = node("Gather", [const("position_embeddings", weights["embeddings.position_embeddings.weight"]), positions])
    segment = const("token_type_0", weights["embeddings.token_type_embeddings.weight"][0].copy())
    x = layer_norm(node("Add", [node("Add", [words, placed]), segment]), "embeddings.LayerNorm")

    # Padding never gets attention: -10000 added to its scores, as BERT does.
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    blocked = node("Mul", [node("Sub", [one, mask]), const("minus_big", np.array(-10000.0, np.float32))])
    additive = node("Unsqueeze", [blocked, "axes_1_2"])
    scale = const("attention_scale", np.array(1.0 / np.sqrt(head_size), np.float32))

    for index in range(shape.layers):
        prefix = f"encoder.layer.{index}"

        def heads(projection: str, perm: list[int]) -> str:
            return node("Transpose", [node("Reshape", [projection, "heads_shape"])], perm=perm)

        query = heads(linear(x, f"{prefix}.attention.self.query"), [0, 2, 1, 3])
        key = heads(linear(x, f"{prefix}.attention.self.key"), [0, 2, 3, 1])
        value = heads(linear(x, f"{prefix}.attention.self.value"), [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [query, key]), scale]), additive])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), value])
        merged = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), "merged_shape"])
        attended = linear(merged, f"{prefix}.attention.output.dense")
        x = layer_norm(node("Add", [attended, x]), f"{prefix}.attention.output.LayerNorm")
        inner = linear(x, f"{prefix}.intermediate.dense")
        # Exact GELU: x · ½ · (1 + erf(x / √2)).
        erf = node("Erf", [node("Mul", [inner, const(f"inv_sqrt2_{index}", np.array(1 / np.sqrt(2), np.float32))])])
        gelu = node("Mul", [node("Mul", [inner, node("Add", [erf, one])]), const(f"half_{index}", np.array(0.5, np.float32))])
        x = layer_norm(node("Add", [linear(gelu, f"{prefix}.output.dense"), x]), f"{prefix}.output.LayerNorm")

    # Mean over real tokens, then unit length.
    weights_3d = node("Unsqueeze", [mask, const("axis_2", np.array([2], np.int64))])
    summed = node("ReduceSum", [node("Mul", [x, weights_3d]), "axis_1"], keepdims=0)
    counts = node("Max", [node("ReduceSum", [mask, "axis_1"], keepdims=1), const("tiny", np.array(1e-9, np.float32))])
    pooled = node("Div", [summed, counts])
    norm = node("Sqrt", [node("ReduceSum", [node("Mul", [pooled, pooled]), "axis_1"], keepdims=1)])
    norm = node("Max", [norm, const("tiny_norm", np.array(1e-12, np.float32))])
    nodes.append(helper.make_node("Div", [pooled, norm], ["embedding"]))

    graph = helper.make_graph(
        nodes,
        "minilm_sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="headroom-mcp")
    onnx.checker.check_model(model)
    return model

"""Single-op models of the elementwise arithmetic ops (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM,
MINIMUM, RSQRT) with explicit quantization, for property tests and generators:

- `binary_model`: one binary op, any operand type, shapes broadcasting numpy-style, optional constant b;
- `unary_model`: one unary op (RSQRT);
- `int8_pairs`: the 65536 (x, y) int8 pairs, to run a [65536]-element binary model on every input pair;
- `folded_subgraph_model`: a constant-only SUB feeding a MUL with a model input (constant folding).

Quantization is given as (scale, zero point) per tensor, or None for an unquantized (int32/int64) tensor.
"""

from __future__ import annotations

import numpy as np

from micro.testing.tflite_builder import ModelBuilder

# The binary ops with a fused_activation_function option.
WITH_ACTIVATION = ("ADD", "SUB", "MUL", "DIV")


def _q(q) -> dict:
    return {} if q is None else dict(scale=float(q[0]), zero_point=int(q[1]))


def binary_model(kind: str, dtype: str, shape_a, shape_b, qa=None, qb=None, qo=None, act: str = "NONE",
                 const_b: np.ndarray | None = None, shape_out=None, out_dtype: str | None = None,
                 options: dict | None = None) -> bytes:
    """a (kind) b -> output. const_b: b's constant values (b is then no model input). shape_out and
    out_dtype default to the broadcast shape and `dtype` (override them to build invalid models);
    options: further builtin options (e.g. pot_scale_int16 of ADD and SUB)."""
    b = ModelBuilder()
    xa = b.tensor("a", shape_a, dtype, **_q(qa))
    if const_b is not None:
        xb = b.const("b", np.asarray(const_b).reshape(shape_b), dtype=dtype, **_q(qb))
    else:
        xb = b.tensor("b", shape_b, dtype, **_q(qb))
    out_shape = np.broadcast_shapes(tuple(shape_a), tuple(shape_b)) if shape_out is None else shape_out
    y = b.tensor("output", out_shape, out_dtype or dtype, **_q(qo))
    opts = {"fused_activation_function": act} if kind in WITH_ACTIVATION else {}
    b.op(kind, [xa, xb], [y], {**opts, **(options or {})} or None)
    b.inputs([xa] if const_b is not None else [xa, xb])
    b.outputs([y])
    return b.finish()


def unary_model(kind: str, dtype: str, shape, qi=None, qo=None, out_dtype: str | None = None) -> bytes:
    b = ModelBuilder()
    x = b.tensor("input", shape, dtype, **_q(qi))
    y = b.tensor("output", shape, out_dtype or dtype, **_q(qo))
    b.op(kind, [x], [y])
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def int8_pairs() -> tuple[np.ndarray, np.ndarray]:
    """x and y of shape [65536]: every (x, y) int8 pair once, x major."""
    v = np.arange(-128, 128, dtype=np.int8)
    return np.repeat(v, 256), np.tile(v, 256)


def folded_subgraph_model(rng: np.random.Generator, shape=(1, 4, 4, 3)) -> bytes:
    """x * (c1 - c2): c1 - c2 is a constant-only SUB (folded at compile time), its result a MUL operand."""
    q_c, q_d, q_x, q_y = (0.02, -3), (0.03, 5), (0.05, 2), (0.06, -1)
    b = ModelBuilder()
    c1 = b.const("c1", rng.integers(-128, 128, size=shape[-1:], dtype=np.int8), **_q(q_c))
    c2 = b.const("c2", rng.integers(-128, 128, size=(1,), dtype=np.int8), **_q(q_c))
    d = b.tensor("difference", shape[-1:], "int8", **_q(q_d))
    b.op("SUB", [c1, c2], [d], {"fused_activation_function": "NONE"})
    x = b.tensor("x", shape, "int8", **_q(q_x))
    y = b.tensor("y", shape, "int8", **_q(q_y))
    b.op("MUL", [x, d], [y], {"fused_activation_function": "NONE"})
    b.inputs([x])
    b.outputs([y])
    return b.finish()

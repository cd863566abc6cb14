"""Single-op test models of the activations and type conversions: `unary_model` (RELU, RELU6, LEAKY_RELU,
HARD_SWISH, LOGISTIC, TANH, QUANTIZE, CAST, SOFTMAX), `prelu_model`, and `random_unary_case`, which draws a
random case of one op over the quantization space TFLM accepts (both dtypes' full ranges, scales spread
over several decades, zero points at the extremes) from an `np.random.Generator`, so that a seed
reproduces a model byte for byte.
"""

from __future__ import annotations

import numpy as np

from micro.testing.tflite_builder import ModelBuilder

Quant = tuple[float, int] | None  # (scale, zero point), or None for an unquantized tensor

# The (input, output) dtypes TFLM accepts per op, for the random cases.
OP_DTYPES = {
    "RELU": (("int8", "int8"), ("int16", "int16")),
    "RELU6": (("int8", "int8"), ("int16", "int16")),
    "LEAKY_RELU": (("int8", "int8"), ("int16", "int16")),
    "HARD_SWISH": (("int8", "int8"),),
    "LOGISTIC": (("int8", "int8"), ("int16", "int16")),
    "TANH": (("int8", "int8"), ("int16", "int16")),
    "QUANTIZE": (("int8", "int8"), ("int8", "uint8"), ("int8", "int16"), ("int8", "int32"), ("uint8", "int8"),
                 ("int16", "int8"), ("int16", "int16"), ("int16", "int32"), ("int32", "int8"), ("int32", "int16")),
    "CAST": tuple((a, b) for a in ("int8", "int16", "int32", "uint32") for b in ("int8", "int16", "int32", "uint32")),
}
ZERO_POINTS = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "int32": (-1000, 1000)}


def unary_model(kind: str, shape, in_dtype: str, out_dtype: str, in_q: Quant, out_q: Quant,
                options: dict | None = None) -> bytes:
    """input -> kind -> output, both of `shape`."""
    b = ModelBuilder()
    x = b.tensor("input", shape, in_dtype, *(in_q or (None, None)))
    y = b.tensor("output", shape, out_dtype, *(out_q or (None, None)))
    b.op(kind, [x], [y], options)
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def prelu_model(shape, alpha_shape, dtype: str, in_q: Quant, alpha_q: Quant, out_q: Quant,
                alpha: np.ndarray | None = None, out_shape=None) -> bytes:
    """PRELU(input, alpha): alpha constant when given, else a second model input."""
    b = ModelBuilder()
    x = b.tensor("input", shape, dtype, *in_q)
    a = (b.const("alpha", alpha.astype(np.int8).reshape(alpha_shape), *alpha_q) if alpha is not None
         else b.tensor("alpha", alpha_shape, "int8", *alpha_q))
    y = b.tensor("output", out_shape or shape, dtype, *out_q)
    b.op("PRELU", [x, a], [y])
    b.inputs([x] if alpha is not None else [x, a])
    b.outputs([y])
    return b.finish()


def _scale(rng: np.random.Generator, lo_exp: float, hi_exp: float) -> float:
    return float(np.float32(2.0 ** rng.uniform(lo_exp, hi_exp)))


def _zero_point(rng: np.random.Generator, dtype: str, symmetric: bool = False) -> int:
    if symmetric:
        return 0
    lo, hi = ZERO_POINTS[dtype]
    pick = rng.random()
    if pick < 0.15:
        return lo
    if pick < 0.3:
        return hi
    return int(rng.integers(lo, hi + 1))


def random_unary_case(kind: str, rng: np.random.Generator) -> tuple[bytes, dict]:
    """A random single-op model of `kind` that TFLM accepts: (bytes, description)."""
    in_dtype, out_dtype = OP_DTYPES[kind][int(rng.integers(len(OP_DTYPES[kind])))]
    rank = int(rng.integers(1, 5))
    shape = tuple(int(d) for d in rng.integers(1, 6, size=rank))
    options = None
    if kind == "CAST":
        in_q = out_q = None
    elif kind in ("LOGISTIC", "TANH"):
        if in_dtype == "int16":
            # zero points 0, output 2^-15; input scales around the power-of-two cases TFLM recognises
            pot = rng.random() < 0.4
            in_q = (2.0 ** -int(rng.integers(11, 14)) if pot else _scale(rng, -16, 1), 0)
            out_q = (2.0 ** -15, 0)
        else:
            in_q = (_scale(rng, -9, 2), _zero_point(rng, in_dtype))
            out_q = (1 / 256, -128) if kind == "LOGISTIC" else (1 / 128, 0)
    else:
        sym = in_dtype == "int16" and kind == "RELU"
        in_q = (_scale(rng, -12, 3), _zero_point(rng, in_dtype, sym))
        out_q = (float(np.float32(in_q[0] * 2.0 ** rng.uniform(-4, 4))), _zero_point(rng, out_dtype, sym))
        if kind == "HARD_SWISH":  # TFLM requires output scale >= input scale / 128
            out_q = (max(out_q[0], in_q[0] / 64), out_q[1])
        if kind == "LEAKY_RELU":
            options = {"alpha": float(rng.choice([0.0, 0.01, 0.2, 0.5, 1.0, 1.5, -0.3, float(rng.uniform(-2, 2))]))}
    desc = dict(kind=kind, dtypes=(in_dtype, out_dtype), shape=shape, in_q=in_q, out_q=out_q, options=options)
    return unary_model(kind, shape, in_dtype, out_dtype, in_q, out_q, options), desc


def activation_chain_model() -> bytes:
    """One model through every kernel family of the activations and conversions (8-bit tables and the
    requantize, int16 LOGISTIC/TANH, int16 SOFTMAX, PRELU and CAST kernels), for runs on a board:
    int8 x -> LOGISTIC, HARD_SWISH, PRELU (const alpha), QUANTIZE -> int16 -> TANH -> LEAKY_RELU,
    int16 -> LOGISTIC -> SOFTMAX -> QUANTIZE -> int32 -> CAST -> int8; LOGISTIC -> QUANTIZE -> uint8."""
    b = ModelBuilder("micro.testing.layers_activation.activation_chain_model")
    shape = (1, 4, 16)

    def t(name, dtype, q):
        return b.tensor(name, shape, dtype, *(q or (None, None)))

    x = t("x", "int8", (0.05, -3))
    logistic = t("logistic", "int8", (1 / 256, -128))
    b.op("LOGISTIC", [x], [logistic])
    swish = t("hard_swish", "int8", (0.03, -90))
    b.op("HARD_SWISH", [x], [swish])
    alpha = b.const("alpha", np.arange(-120, 120, 15, dtype=np.int8), scale=0.01, zero_point=4)
    prelu = t("prelu", "int8", (0.04, 10))
    b.op("PRELU", [x, alpha], [prelu])
    wide = t("int16", "int16", (2.0**-11, 0))
    b.op("QUANTIZE", [x], [wide])
    tanh16 = t("tanh16", "int16", (2.0**-15, 0))
    b.op("TANH", [wide], [tanh16])
    leaky16 = t("leaky16", "int16", (2.0**-14, 100))
    b.op("LEAKY_RELU", [tanh16], [leaky16], {"alpha": -0.3})
    logistic16 = t("logistic16", "int16", (2.0**-15, 0))
    b.op("LOGISTIC", [wide], [logistic16])
    softmax16 = t("softmax16", "int16", (1 / 32768, 0))
    b.op("SOFTMAX", [logistic16], [softmax16], {"beta": 20.0})
    wide32 = t("int32", "int32", (1 / 65536, 7))
    b.op("QUANTIZE", [softmax16], [wide32])
    cast = t("cast", "int8", None)
    b.op("CAST", [wide32], [cast])
    unsigned = t("uint8", "uint8", (1 / 256, 0))
    b.op("QUANTIZE", [logistic], [unsigned])
    b.inputs([x])
    b.outputs([swish, prelu, leaky16, cast, unsigned])
    return b.finish()

#!/usr/bin/env python3
"""Generate the int16 single-op model corpus (tests/models/int16/ and its INDEX.md) with TensorFlow.

Each case is a tiny Keras model around one target op, with seeded random weights, converted by the
TFLite converter with 16x8 post-training quantization: optimizations=[Optimize.DEFAULT], a 64-sample
representative dataset from a seeded RNG, supported_ops=[EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8],
int16 model inputs and outputs. A model is kept only if its flatbuffer holds the target builtin op and
no float activation tensor, and the tflite-micro interpreter (the oracle) runs it on 3 random
full-range int16 inputs. Needs the optional extra `train` (tensorflow-cpu); never run by CI:

    .venv/bin/pip install tensorflow-cpu
    .venv/bin/python scripts/generate_int16_models.py [-o tests/models/int16] [--only conv_2d]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402  (optional dependency: the `train` extra)

from micro.frontend import read_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
K = tf.keras
L = tf.keras.layers
CASES: list[dict] = []


def case(stem: str, op: str, params: str, shapes, ranges=None):
    """Register a builder returning a Keras model whose inputs have `shapes` (batch dim included)."""
    def register(fn):
        CASES.append(dict(stem=stem, op=op, params=params, shapes=[tuple(s) for s in shapes],
                          ranges=ranges or [(-3.0, 3.0)] * len(shapes), build=fn))
        return fn
    return register


def seeded_init(seed: int):
    return K.initializers.RandomNormal(stddev=0.4, seed=seed)


def bias_init(seed: int):
    return K.initializers.RandomUniform(-0.5, 0.5, seed=seed)


def inputs(shapes):
    """Inputs named a, b, c... so the converter's (name-sorted) signature keeps the Python order."""
    return [K.Input(batch_size=s[0], shape=s[1:], name="abcdefgh"[i]) for i, s in enumerate(shapes)]


def single(layer_fn, shapes):
    ins = inputs(shapes)
    out = layer_fn(*ins)
    return K.Model(ins, out)


def lam(fn):
    return L.Lambda(fn)


# ---- weighted ops (16x8) ---------------------------------------------------------------------

for i, (k, s, pad, d, cin, cout, act) in enumerate([
        (3, 1, "same", 1, 3, 4, None), (1, 2, "valid", 1, 5, 6, None), (3, 1, "same", 2, 4, 4, "relu"),
        (5, 2, "same", 1, 2, 3, "relu6")]):
    case(f"conv_2d__k{k}_s{s}_{pad}_d{d}_c{cin}to{cout}_{act or 'none'}", "CONV_2D",
         f"kernel {k}x{k}, stride {s}, {pad}, dilation {d}, {cin}->{cout} channels, act {act}",
         [(1, 9, 9, cin)])(
        lambda k=k, s=s, pad=pad, d=d, cin=cin, cout=cout, act=act, i=i: single(
            L.Conv2D(cout, k, strides=s, padding=pad, dilation_rate=d, activation=act,
                     kernel_initializer=seeded_init(10 + i), bias_initializer=bias_init(20 + i)), [(1, 9, 9, cin)]))

for i, (k, s, pad, m, c, act) in enumerate([
        (3, 1, "same", 1, 4, None), (3, 2, "valid", 2, 3, None), (5, 1, "same", 1, 6, "relu")]):
    case(f"depthwise_conv_2d__k{k}_s{s}_{pad}_m{m}_c{c}_{act or 'none'}", "DEPTHWISE_CONV_2D",
         f"kernel {k}x{k}, stride {s}, {pad}, depth multiplier {m}, {c} channels, act {act}", [(1, 8, 8, c)])(
        lambda k=k, s=s, pad=pad, m=m, c=c, act=act, i=i: single(
            L.DepthwiseConv2D(k, strides=s, padding=pad, depth_multiplier=m, activation=act,
                              depthwise_initializer=seeded_init(30 + i), bias_initializer=bias_init(40 + i)),
            [(1, 8, 8, c)]))

for i, (shape, units, bias, act) in enumerate([
        ((1, 16), 8, True, None), ((3, 12), 5, True, "relu"), ((1, 20), 10, False, None), ((2, 3, 8), 4, True, None)]):
    case(f"fully_connected__in{'x'.join(map(str, shape))}_u{units}_{'bias' if bias else 'nobias'}_{act or 'none'}",
         "FULLY_CONNECTED", f"input {list(shape)}, {units} units, bias {bias}, act {act}", [shape])(
        lambda shape=shape, units=units, bias=bias, act=act, i=i: single(
            L.Dense(units, use_bias=bias, activation=act, kernel_initializer=seeded_init(50 + i),
                    bias_initializer=bias_init(60 + i)), [shape]))

for kind, layer in (("average_pool_2d", L.AveragePooling2D), ("max_pool_2d", L.MaxPooling2D)):
    op = kind.upper()
    for p, s, pad, c in ((2, 2, "valid", 3), (3, 1, "same", 4), (3, 2, "same", 5)):
        case(f"{kind}__p{p}_s{s}_{pad}_c{c}", op, f"pool {p}x{p}, stride {s}, {pad}, {c} channels",
             [(1, 8, 8, c)])(lambda layer=layer, p=p, s=s, pad=pad, c=c: single(
                 layer(p, strides=s, padding=pad), [(1, 8, 8, c)]))


# ---- elementwise ------------------------------------------------------------------------------

BINARY = {"ADD": (L.Add, lambda a, b: a + b), "SUB": (L.Subtract, lambda a, b: a - b),
          "MUL": (L.Multiply, lambda a, b: a * b)}
for op, (layer, fn) in BINARY.items():
    kind = op.lower()
    case(f"{kind}__same_shape_1x6x6x3", op, "1x6x6x3 op 1x6x6x3, ranges [-3,3] and [-1,2]",
         [(1, 6, 6, 3), (1, 6, 6, 3)], [(-3, 3), (-1, 2)])(
        lambda layer=layer: single(lambda a, b: layer()([a, b]), [(1, 6, 6, 3), (1, 6, 6, 3)]))
    case(f"{kind}__bcast_1x4x1x3_1x1x5x3", op, "1x4x1x3 op 1x1x5x3 (both broadcast)",
         [(1, 4, 1, 3), (1, 1, 5, 3)])(
        lambda fn=fn: single(lambda a, b: lam(lambda t: fn(t[0], t[1]))([a, b]), [(1, 4, 1, 3), (1, 1, 5, 3)]))
    case(f"{kind}__const_vec5", op, "1x4x4x5 op constant vector [5] (channel broadcast)", [(1, 4, 4, 5)])(
        lambda fn=fn: single(lambda a: lam(lambda t: fn(t, tf.constant([0.5, -1.25, 2.0, 0.75, -0.3])))(a),
                             [(1, 4, 4, 5)]))


def unary(fn, shape):
    return single(lambda a: lam(fn)(a), [shape])


for op, fn, kind in (("LOGISTIC", tf.math.sigmoid, "logistic"), ("TANH", tf.math.tanh, "tanh")):
    for shape, rng in (((1, 16), (-3, 3)), ((1, 4, 4, 3), (-8, 8)), ((2, 10), (-0.5, 1.5))):
        case(f"{kind}__in{'x'.join(map(str, shape))}_r{rng[0]}_{rng[1]}", op, f"input {list(shape)}, range {rng}",
             [shape], [rng])(lambda fn=fn, shape=shape: unary(fn, shape))

for shape, rng in (((1, 10), (-3, 3)), ((2, 3, 8), (-6, 6)), ((1, 4, 4, 6), (-12, 12))):
    case(f"softmax__in{'x'.join(map(str, shape))}_r{rng[1]}", "SOFTMAX", f"input {list(shape)}, range {rng}",
         [shape], [rng])(lambda shape=shape: unary(tf.nn.softmax, shape))

# QUANTIZE (int16 -> int16 requantization): the converter inserts one where an op with a fixed output
# scale (TANH, LOGISTIC: 1/32768) or another input's scale meets a same-scale op (CONCATENATION).
for i, (a_fn, shape) in enumerate(((tf.math.tanh, (1, 8)), (tf.math.sigmoid, (1, 2, 2, 3)), (tf.math.tanh, (2, 6)))):
    case(f"quantize__requant_{a_fn.__name__}_concat_{'x'.join(map(str, shape))}", "QUANTIZE",
         f"{a_fn.__name__}(a) concatenated with b (ranges [-3,3], [-{i + 2},{i + 2}]): requantize to the concat scale",
         [shape, shape], [(-3, 3), (-(i + 2), i + 2)])(
        lambda a_fn=a_fn, shape=shape: single(
            lambda a, b: L.Concatenate(axis=-1)([lam(a_fn)(a), b]), [shape, shape]))


# ---- shape ops --------------------------------------------------------------------------------

for shape, new in (((1, 4, 4, 3), (1, 48)), ((2, 6), (3, 4)), ((1, 12), (1, 2, 2, 3))):
    case(f"reshape__{'x'.join(map(str, shape))}_to_{'x'.join(map(str, new))}", "RESHAPE",
         f"{list(shape)} -> {list(new)}", [shape])(
        lambda shape=shape, new=new: unary(lambda t: tf.reshape(t, new), shape))

for shapes, axis in ((((1, 4, 4, 2), (1, 4, 4, 3)), -1), (((1, 6), (1, 6), (1, 6)), 0), (((2, 3, 4), (2, 5, 4)), 1)):
    case(f"concatenation__{len(shapes)}in_axis{axis}_{'_'.join('x'.join(map(str, s)) for s in shapes)}",
         "CONCATENATION", f"{len(shapes)} inputs {[list(s) for s in shapes]} along axis {axis}", shapes,
         [(-3, 3)] * len(shapes))(lambda shapes=shapes, axis=axis: single(
             lambda *xs: L.Concatenate(axis=axis)(list(xs)), list(shapes)))

for shape, begin, end, strides in (((1, 8, 8, 3), (0, 1, 0, 0), (1, 7, 8, 3), (1, 2, 1, 1)),
                                   ((2, 10), (0, 2), (2, 9), (1, 3)), ((1, 6, 4), (0, 5, 0), (1, 0, 4), (1, -2, 1))):
    case(f"strided_slice__{'x'.join(map(str, shape))}_b{'_'.join(map(str, begin))}_s{'_'.join(map(str, strides))}",
         "STRIDED_SLICE", f"{list(shape)}[begin {list(begin)}, end {list(end)}, strides {list(strides)}]", [shape])(
        lambda shape=shape, begin=begin, end=end, strides=strides: unary(
            lambda t: tf.strided_slice(t, begin, end, strides), shape))

for shape, pads in (((1, 4, 4, 3), ((0, 0), (1, 1), (2, 0), (0, 0))), ((2, 5), ((1, 0), (0, 3))),
                    ((1, 3, 6), ((0, 0), (2, 2), (1, 1)))):
    case(f"pad__{'x'.join(map(str, shape))}_{'_'.join(f'{a}{b}' for a, b in pads)}", "PAD",
         f"{list(shape)} padded {[list(p) for p in pads]} with zeros", [shape])(
        lambda shape=shape, pads=pads: unary(lambda t: tf.pad(t, pads), shape))

for shape, perm in (((1, 4, 5, 3), (0, 3, 1, 2)), ((2, 3, 4), (2, 0, 1)), ((6, 5), (1, 0))):
    case(f"transpose__{'x'.join(map(str, shape))}_perm{''.join(map(str, perm))}", "TRANSPOSE",
         f"{list(shape)} permuted {list(perm)}", [shape])(
        lambda shape=shape, perm=perm: unary(lambda t: tf.transpose(t, perm), shape))

for lhs, rhs, adj_x, adj_y in (((1, 3, 4), (1, 4, 5), False, False), ((2, 4, 3), (2, 5, 4), True, True),
                               ((2, 3, 6), (1, 6, 4), False, False)):
    case(f"batch_matmul__{'x'.join(map(str, lhs))}_by_{'x'.join(map(str, rhs))}_adj{int(adj_x)}{int(adj_y)}",
         "BATCH_MATMUL", f"{list(lhs)} x {list(rhs)}, adj_x={adj_x}, adj_y={adj_y}", [lhs, rhs])(
        lambda lhs=lhs, rhs=rhs, adj_x=adj_x, adj_y=adj_y: single(
            lambda a, b: lam(lambda t: tf.linalg.matmul(t[0], t[1], adjoint_a=adj_x, adjoint_b=adj_y))([a, b]),
            [lhs, rhs]))


# ---- conversion, checks, index ----------------------------------------------------------------

def convert(c: dict) -> bytes:
    model = c["build"]()
    rng = np.random.default_rng(1234)

    def representative():
        for _ in range(64):
            # By input name: the converter's own input order need not be the Python one.
            yield {"abcdefgh"[i]: rng.uniform(lo, hi, size=s).astype(np.float32)
                   for i, (s, (lo, hi)) in enumerate(zip(c["shapes"], c["ranges"]))}

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    conv.inference_input_type = tf.int16
    conv.inference_output_type = tf.int16
    return conv.convert()


def problems_of(buf: bytes, target: str) -> list[str]:
    g = read_model(buf, "m").main
    out = []
    if target not in {op.kind for op in g.ops}:
        out.append(f"no {target} op (ops: {[op.kind for op in g.ops]})")
    produced = {o for op in g.ops for o in op.outputs} | set(g.inputs)
    floats = [g.tensors[i].name for i in produced if g.tensors[i].dtype.startswith("float")]
    if floats:
        out.append(f"float activation tensors {floats}")
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(bytes(buf))
    r = np.random.default_rng(5)
    for _ in range(3):
        for i in range(len(g.inputs)):
            d = it.get_input_details(i)
            info = np.iinfo(d["dtype"])
            it.set_input(r.integers(info.min, info.max + 1, size=d["shape"]).astype(d["dtype"]), i)
        it.invoke()
    return out


def options_text(g, target: str) -> str:
    op = next(op for op in g.ops if op.kind == target)
    skip = {"asymmetric_quantize_inputs"}
    return ", ".join(f"{k}={v}" for k, v in sorted(op.options.items()) if k not in skip)


def index_row(file: str, c: dict, buf: bytes) -> str:
    g = read_model(buf, "m").main
    shape = "x".join

    def name(i: int) -> str:
        return g.tensors[i].name.removeprefix("serving_default_").removesuffix(":0") + "="

    ins = ", ".join((name(i) if len(g.inputs) > 1 else "") + shape(map(str, g.tensors[i].shape)) for i in g.inputs)
    outs = ", ".join(shape(map(str, g.tensors[i].shape)) for i in g.outputs)
    others = sorted({op.kind for op in g.ops} - {c["op"]})
    dtypes = sorted({g.tensors[i].dtype for op in g.ops for i in op.inputs if i is not None}
                    | {g.tensors[i].dtype for op in g.ops for i in op.outputs})
    opts = options_text(g, c["op"])
    return (f"| {file} | {c['op']} | {c['params']}{'; ' + opts if opts else ''}; dtypes {'/'.join(dtypes)} "
            f"| {ins} | {outs} | {', '.join(others) or '-'} |")


HEADER = """# int16 single-op TFLite models (16x8)

Generated by `scripts/generate_int16_models.py` with the TensorFlow {tf} converter: each model is a tiny
Keras model around one target op, with seeded random weights, converted with 16x8 post-training
quantization (`optimizations=[Optimize.DEFAULT]`, a 64-sample seeded representative dataset, uniform in
[-3, 3] unless the parameters say otherwise, `supported_ops=[EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]`,
int16 model inputs and outputs). A model is kept only if its flatbuffer holds the target builtin op and
no float activation tensor, and the tflite-micro interpreter (PyPI `tflite-micro`) runs it on 3 random
full-range int16 inputs. Activations are int16 with zero point 0, weights int8, biases int64.

`tests/test_ops_int16_corpus.py` verifies every model here whose ops micro supports, bit-exact on
every tensor (20 random inputs).

Columns: *parameters* = the intended case, then the target op's builtin options as read back from the
flatbuffer, then the dtypes of the op tensors; *input shape*: the model inputs in flatbuffer order (named
a, b, c in the parameters' order); *other ops present*: ops besides the target.

{n} models.

| file | target op | parameters | input shape | output shape | other ops present |
|---|---|---|---|---|---|
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "tests" / "models" / "int16"))
    ap.add_argument("--only", help="generate only the cases whose file name starts with this")
    args = ap.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows, failed = [], []
    for c in CASES:
        if args.only and not c["stem"].startswith(args.only):
            continue
        file = f"{c['stem']}.tflite"
        tf.keras.backend.clear_session()
        tf.keras.utils.set_random_seed(0)
        try:
            buf = convert(c)
            problems = problems_of(buf, c["op"])
        except Exception as e:  # noqa: BLE001  (report every failing case, keep going)
            problems = [f"{type(e).__name__}: {e}"]
        if problems:
            failed.append(f"{file}: {'; '.join(problems)}")
            continue
        (out / file).write_bytes(buf)
        rows.append(index_row(file, c, buf))
        print(f"ok {file} ({len(buf)} bytes)")
    if not args.only:
        (out / "INDEX.md").write_text(HEADER.format(tf=tf.__version__, n=len(rows)) + "\n".join(rows) + "\n")
    for f in failed:
        print("FAILED", f, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

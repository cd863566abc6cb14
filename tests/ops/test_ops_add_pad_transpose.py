"""ADD / PAD / PADV2 / TRANSPOSE (int8): whole pipeline against TFLM, plus layout unit tests.

- the add__* / pad__* / transpose__* models of the ops corpus and tflm_simple_add_int8;
- seeded synthetic single-op models covering what the corpus lacks: 1-D to 6-D broadcasting
  (either side, both sides, scalars, constants), every fused activation, extreme scale
  ratios, 1-D to 5-D PAD, PADV2 with a constant or a run-time pad value, every 4-D and
  random 5-D permutations, identity cases lowered to aliases;
- every ADD / PAD / TRANSPOSE layer of the real models, rebuilt as a single-op model with
  the layer's own shapes, quantization and activation;
- ADD in place (output storage = an input's, as KernelCall.overlap_ok allows), kernel called
  directly through ctypes;
- the compile-time layouts (broadcast strides, transpose strides) against numpy indexing.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from micro.frontend import load_model
from micro.frontend import read_model
from micro.kernels.add import ADD_INT8
from micro.ops import add
from micro.ops.broadcast import broadcast_layout
from micro.ops.transpose import transpose_layout
from micro.testing.layers import add_layer, pad_layer, transpose_layer
from micro.testing.tflite_builder import ModelBuilder

from support.corpus import corpus_models, shared_model, shared_models

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)
from micro.verify.compare import verify_bytes, verify_file  # noqa: E402
from support.kernel_bindings import build_kernel_library  # noqa: E402

CORPUS = corpus_models("add__*.tflite", "pad__*.tflite", "transpose__*.tflite")
REAL = ["mlperf_tiny_ic_resnet8_quant", "mlperf_tiny_ic_resnet_large_int8",
        "mlzoo_micronet_vww2_50x50_int8", "mlzoo_rnnoise_int8",
        "tflm_xtensa_mobilenet_v2_int8_1x3x224x224"]


def _exact(buf: bytes, name: str, random: int = 3, seed: int = 0, inputs=None):
    report = verify_bytes(buf, name, inputs=inputs, random=random, seed=seed)
    assert report.ok, report.summary()


# --------------------------------------------------------------------------- corpus

@pytest.mark.parametrize("path", CORPUS + [shared_model("tflm_simple_add_int8")], ids=lambda p: p.stem)
def test_corpus_model(path):
    report = verify_file(path, random=5)
    assert report.ok, report.summary()


# --------------------------------------------------------------------------- ADD

ADD_SHAPES = [
    ((1, 8, 8, 5), (1, 8, 8, 5)),
    ((33,), (1, 33)),
    ((1, 4, 1, 3), (1, 1, 5, 3)),
    ((1, 1, 5, 3), (1, 4, 1, 3)),
    ((), (2, 3, 4)),
    ((2, 3, 4), ()),
    ((1,), (3, 5)),
    ((7,), (1, 5, 5, 7)),
    ((1, 5, 5, 7), (1, 1, 1, 7)),
    ((2, 1, 3), (1, 4, 1)),
    ((3, 1), (1, 4)),
    ((2, 3, 1, 2, 4), (3, 5, 1, 1)),
    ((2, 1, 3, 1, 2, 4), (1, 3, 1, 2, 1, 4)),
    ((1, 1, 1, 1, 1, 9), (2, 1, 2, 1, 2, 9)),
    ((4, 1, 6), (4, 5, 6)),
    ((5,), (5,)),
]


@pytest.mark.parametrize("k,shapes", list(enumerate(ADD_SHAPES)), ids=lambda v: str(v))
@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
def test_add_broadcast(k, shapes, act):
    rng = np.random.default_rng(1000 + 7 * k + len(act))
    _exact(add_layer(rng, shapes[0], shapes[1], act=act), f"add_{k}_{act}")


@pytest.mark.parametrize("shapes", [((1, 6, 6, 3), ()), ((1, 5, 5, 7), (7,)), ((2, 3, 4), (3, 1)),
                                    ((4, 4), (4, 4))], ids=str)
def test_add_const_operand(shapes):
    rng = np.random.default_rng(77)
    _exact(add_layer(rng, shapes[0], shapes[1], const_b=True), "add_const")


@pytest.mark.parametrize("ra,rb", [((-0.01, 0.01), (-50.0, 40.0)), ((-50.0, 40.0), (0.0, 0.02)),
                                   ((-1.0, 1.0), (-1.0, 1.0)), ((0.0, 200.0), (-300.0, 0.0)),
                                   ((-1e-3, 2e-3), (-1e-3, 1e-3))], ids=str)
@pytest.mark.parametrize("seed", range(3))
def test_add_scale_ratios(ra, rb, seed):
    rng = np.random.default_rng(seed)
    _exact(add_layer(rng, (2, 3, 7), (2, 3, 7), range_a=ra, range_b=rb), "add_ratio", seed=seed)


def _qargs(t):
    return dict(scale=float(t.quant.s), zero_point=int(t.quant.zp)) if t.quant is not None else {}


def _real_layers(kind: str):
    out = []
    for name, path in zip(REAL, shared_models(REAL)):
        g = load_model(path).main
        seen = set()
        for op in g.ops:
            if op.kind != kind:
                continue
            key = repr([(g.t(i).shape, _qargs(g.t(i)), None if g.t(i).data is None else g.t(i).data.tobytes())
                        for i in op.inputs if i is not None]) + repr(op.options) + repr(
                (g.t(op.outputs[0]).shape, _qargs(g.t(op.outputs[0]))))
            if key not in seen:
                seen.add(key)
                out.append(pytest.param(g, op, id=f"{name}-op{op.index}"))
    return out


def _single_op_model(g, op) -> bytes:
    """The op alone, with its tensors' shapes, quantization and constant data."""
    b = ModelBuilder()
    ins, graph_inputs = [], []
    for i in op.inputs:
        if i is None:
            ins.append(None)
            continue
        t = g.t(i)
        if t.is_const:
            ins.append(b.const(t.name, t.data, dtype=t.dtype, **_qargs(t)))
        else:
            ins.append(b.tensor(t.name, t.shape, t.dtype, **_qargs(t)))
            graph_inputs.append(ins[-1])
    y = g.t(op.outputs[0])
    out = b.tensor(y.name, y.shape, y.dtype, **_qargs(y))
    opts = {"fused_activation_function": op.options["fused_activation_function"]} if op.kind == "ADD" else None
    b.op(op.kind, ins, [out], opts)
    b.inputs(graph_inputs)
    b.outputs([out])
    return b.finish()


@pytest.mark.parametrize("g,op", _real_layers("ADD"))
def test_real_model_add_layer(g, op):
    _exact(_single_op_model(g, op), f"real_add_{op.index}", random=2)


@pytest.fixture(scope="module")
def add_lib(tmp_path_factory):
    return build_kernel_library(tmp_path_factory.mktemp("add_lib"), [ADD_INT8])


@pytest.mark.parametrize("shapes", [((1, 6, 6, 3), (1, 6, 6, 3)), ((33,), (1, 33)), ((1, 5, 5, 7), (7,)),
                                    ((3,), (2, 4, 3)), ((2, 1, 4), (2, 3, 4))], ids=str)
def test_add_in_place(add_lib, shapes):
    rng = np.random.default_rng(11)
    g = read_model(add_layer(rng, shapes[0], shapes[1], act="RELU"), "inplace").main
    (op,) = g.ops
    assert add.check(op, g) == []
    call = add.lower(op, g)
    y_size = g.t(op.outputs[0]).size
    assert call.overlap_ok == tuple(i for i in (0, 1) if g.t(op.inputs[i]).size == y_size)
    a = rng.integers(-128, 127, size=g.t(op.inputs[0]).size, endpoint=True, dtype=np.int8)
    b = rng.integers(-128, 127, size=g.t(op.inputs[1]).size, endpoint=True, dtype=np.int8)
    ref = np.zeros(y_size, dtype=np.int8)
    add_lib.run(ADD_INT8, call.params, a, b, ref)
    for pos in call.overlap_ok:
        ins = [a.copy(), b.copy()]
        add_lib.run(ADD_INT8, call.params, ins[0], ins[1], ins[pos])
        assert np.array_equal(ins[pos], ref)


# --------------------------------------------------------------------------- PAD / PADV2

PADS = [
    ((7,), ((2, 3),)),
    ((1, 10), ((0, 0), (3, 1))),
    ((2, 3), ((1, 2), (0, 0))),
    ((1, 4, 6), ((0, 1), (1, 1), (2, 0))),
    ((1, 6, 6, 3), ((0, 0), (1, 1), (1, 1), (0, 0))),
    ((1, 5, 7, 5), ((0, 0), (1, 2), (0, 3), (0, 0))),
    ((2, 3, 3, 2), ((1, 1), (0, 2), (2, 0), (1, 3))),
    ((1, 4, 4, 12), ((0, 0), (0, 0), (0, 0), (0, 12))),
    ((2, 3, 2, 2, 3), ((1, 0), (0, 2), (1, 1), (0, 0), (2, 1))),
    ((1, 4, 4, 3), ((0, 0), (0, 0), (0, 0), (0, 0))),
]


@pytest.mark.parametrize("k,case", list(enumerate(PADS)), ids=lambda v: str(v))
def test_pad(k, case):
    rng = np.random.default_rng(300 + k)
    _exact(pad_layer(rng, case[0], case[1]), f"pad_{k}")


def _padv2(shape, paddings, value: int, runtime_value: bool, zp: int = -5, scale: float = 0.03) -> bytes:
    pads = np.asarray(paddings, dtype=np.int32)
    out_shape = tuple(int(d + p[0] + p[1]) for d, p in zip(shape, pads))
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=scale, zero_point=zp)
    p = b.const("paddings", pads)
    if runtime_value:
        v = b.tensor("value", (1,), "int8", scale=scale, zero_point=zp)
    else:
        v = b.const("value", np.array([value], dtype=np.int8), scale=scale, zero_point=zp)
    y = b.tensor("output", out_shape, "int8", scale=scale, zero_point=zp)
    b.op("PADV2", [x, p, v], [y])
    b.inputs([x, v] if runtime_value else [x])
    b.outputs([y])
    return b.finish()


@pytest.mark.parametrize("value", [-128, -5, 0, 77, 127])
def test_padv2_constant_value(value):
    _exact(_padv2((1, 3, 4, 2), ((0, 1), (2, 1), (0, 3), (1, 0)), value, False), f"padv2_{value}")


def test_padv2_runtime_value():
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 127, size=(2, 3, 5), endpoint=True, dtype=np.int8)
    sets = [[x, np.array([v], dtype=np.int8)] for v in (-128, 0, 99)]
    _exact(_padv2((2, 3, 5), ((1, 0), (1, 2), (0, 2)), 0, True), "padv2_rt", inputs=sets, random=2)


@pytest.mark.parametrize("g,op", _real_layers("PAD"))
def test_real_model_pad_layer(g, op):
    _exact(_single_op_model(g, op), f"real_pad_{op.index}", random=1)


# --------------------------------------------------------------------------- TRANSPOSE

@pytest.mark.parametrize("perm", list(itertools.permutations(range(4))), ids=str)
def test_transpose_4d_all_perms(perm):
    rng = np.random.default_rng(sum(p * 10 ** i for i, p in enumerate(perm)))
    _exact(transpose_layer(rng, (2, 3, 4, 5), perm), "tr4", random=2)


@pytest.mark.parametrize("shape,perm", [
    ((7,), (0,)), ((5, 7), (1, 0)), ((5, 7), (0, 1)), ((2, 3, 5), (2, 0, 1)),
    ((1, 4, 1, 3), (2, 1, 0, 3)), ((1, 3, 24, 20), (0, 2, 3, 1)), ((3, 1, 4), (1, 2, 0)),
    ((2, 3, 4, 1, 5), (4, 2, 0, 3, 1)), ((2, 2, 3, 2, 3), (0, 1, 4, 3, 2)),
    ((3, 2, 2, 3, 2), (4, 3, 2, 1, 0)), ((2, 3, 4, 5, 2), (0, 1, 2, 3, 4)),
], ids=str)
def test_transpose(shape, perm):
    rng = np.random.default_rng(len(shape) * 31 + sum(perm))
    _exact(transpose_layer(rng, shape, perm), "tr")


@pytest.mark.parametrize("g,op", _real_layers("TRANSPOSE"))
def test_real_model_transpose_layer(g, op):
    _exact(_single_op_model(g, op), f"real_transpose_{op.index}", random=1)


# --------------------------------------------------------------------------- layouts (no C)

def _walk(dims, *strides):
    """Element offsets visited by the kernels' nested loops, one array per stride set."""
    idx = np.indices(dims).reshape(len(dims), -1)
    return [np.asarray(s, dtype=np.int64) @ idx for s in strides]


def _random_broadcast_pair(rng):
    rank = int(rng.integers(0, 7))
    out = [int(rng.integers(1, 4)) for _ in range(rank)]
    a = [d if rng.random() < 0.6 else 1 for d in out]
    b = [d if rng.random() < 0.6 else 1 for d in out]
    a = a[int(rng.integers(0, rank + 1)):] if rank else a
    b = b[int(rng.integers(0, rank + 1)):] if rank else b
    return tuple(a), tuple(b), tuple(np.broadcast_shapes(tuple(a), tuple(b)))


@pytest.mark.parametrize("seed", range(300))
def test_broadcast_layout_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    sa, sb, so = _random_broadcast_pair(rng)
    layout = broadcast_layout(sa, sb, so)
    dims, st1, st2 = layout["dims"], layout["in1_strides"], layout["in2_strides"]
    elementwise = not layout["broadcast"]
    assert len(dims) == 6 and int(np.prod(dims)) == int(np.prod(so))
    ia = np.broadcast_to(np.arange(int(np.prod(sa))).reshape(sa), so).ravel()
    ib = np.broadcast_to(np.arange(int(np.prod(sb))).reshape(sb), so).ravel()
    if elementwise:
        assert np.array_equal(ia, np.arange(ia.size)) and np.array_equal(ib, np.arange(ib.size))
    else:
        wa, wb = _walk(dims, st1, st2)
        assert np.array_equal(wa, ia) and np.array_equal(wb, ib)


@pytest.mark.parametrize("seed", range(200))
def test_transpose_layout_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 6))
    shape = tuple(int(rng.integers(1, 4)) for _ in range(rank))
    perm = tuple(int(p) for p in rng.permutation(rank))
    dims, strides = transpose_layout(shape, perm)
    ref = np.transpose(np.arange(int(np.prod(shape))).reshape(shape), perm).ravel()
    (walk,) = _walk(dims, strides)
    assert np.array_equal(walk, ref)

"""Property-based tests: random converter-like int8 single-op models, bit-exact against TFLM.

Each example builds one model with micro.testing.layers (small shapes, scales chosen as
the TFLite converter would) and runs micro's full pipeline through
`micro.verify.compare.verify_bytes` (compile -> host gcc -> compare every tensor with the TFLM
oracle on random full-range inputs). An op is tested only once its module is in micro/ops
(`micro.ops.supported_kinds()`); the others are skipped with the reason.

Deterministic for CI: derandomize=True, no example database. On a failure Hypothesis shrinks to
a minimal parameter set and prints it; reproduce with the printed `params` and `seed`, e.g.
`tb.conv_layer(np.random.default_rng(seed), **params)`.
Set MICRO_HYPOTHESIS_EXAMPLES to run more (or fewer) examples per op.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.ops import supported_kinds
from micro.testing import layers as tb
from micro.testing.quantize import RANGE_KINDS, random_range
from support.paths import need_tool

import micro.verify.compare as verify  # noqa: E402  (the oracle is a test requirement)

SUPPORTED = set(supported_kinds())
EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
RANGES = st.sampled_from(RANGE_KINDS)
# Output scale multiplier: 1 is the converter's choice; the others stress saturation and large multipliers.
OUT_MULT = st.sampled_from([1.0, 0.25, 0.02, 3.0])
SEEDS = st.integers(0, 2**16)


def needs(*kinds):
    """Every op tested here is in the compiler-core list: a missing kernel is a failure."""
    missing = [k for k in kinds if k not in SUPPORTED]
    assert not missing, f"no micro/ops module for {', '.join(missing)}"
    return pytest.mark.usefixtures()


@pytest.fixture(autouse=True, scope="module")
def _host_compiler():
    need_tool("gcc")


def check(make, seed: int, range_kind: str, params: dict, name: str) -> None:
    rng = np.random.default_rng(seed)
    in_range = random_range(rng, range_kind)
    data = make(rng, in_range=in_range, **params)
    report = verify.verify_bytes(data, name=name, random=3, seed=0)
    assert report.ok, f"{name} seed={seed} range={range_kind} in_range={in_range} params={params}: {report}"


# ---- strategies -----------------------------------------------------------------------------

@st.composite
def spatial(draw, max_hw=9, max_k=4, max_stride=3, max_dilation=3):
    """(kh, kw, stride, dilation, padding, h, w) with at least one output pixel."""
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    eff_h, eff_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    lo_h, lo_w = (eff_h, eff_w) if padding == "VALID" else (1, 1)
    h = draw(st.integers(lo_h, max(lo_h, max_hw)))
    w = draw(st.integers(lo_w, max(lo_w, max_hw)))
    return dict(kh=kh, kw=kw, stride=stride, dilation=dilation, padding=padding, h=h, w=w)


@st.composite
def conv_params(draw):
    p = draw(spatial())
    p.update(n=draw(st.integers(1, 2)), cin=draw(st.integers(1, 8)), cout=draw(st.integers(1, 8)),
             act=draw(ACTS), per_channel=draw(st.booleans()), with_bias=draw(st.booleans()),
             out_scale_mult=draw(OUT_MULT))
    return p


@st.composite
def depthwise_params(draw):
    p = draw(spatial())
    p.update(n=draw(st.integers(1, 2)), cin=draw(st.integers(1, 6)), multiplier=draw(st.integers(1, 3)),
             act=draw(ACTS), per_channel=draw(st.booleans()), with_bias=draw(st.booleans()),
             out_scale_mult=draw(OUT_MULT))
    return p


@st.composite
def fc_params(draw):
    p = dict(units=draw(st.integers(1, 16)), act=draw(ACTS), per_channel=draw(st.booleans()),
             with_bias=draw(st.booleans()), out_scale_mult=draw(OUT_MULT))
    if draw(st.booleans()):
        p.update(batches=draw(st.integers(1, 4)), in_depth=draw(st.integers(1, 32)))
    else:  # 3-D/4-D input flattened to [rows, in_depth], optionally keeping its dims
        lead = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
        p.update(in_shape=tuple(lead) + (draw(st.integers(1, 16)),), keep_num_dims=draw(st.booleans()))
    return p


@st.composite
def pool_params(draw):
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    lo_h, lo_w = (fh, fw) if padding == "VALID" else (1, 1)
    return dict(n=draw(st.integers(1, 2)), h=draw(st.integers(lo_h, 9)), w=draw(st.integers(lo_w, 9)),
                c=draw(st.integers(1, 6)), fh=fh, fw=fw,
                stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=padding,
                act=draw(st.sampled_from(["NONE", "RELU", "RELU6"])))


@st.composite
def softmax_params(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    shape = tuple(lead) + (draw(st.integers(1, 40)),)
    beta = draw(st.sampled_from([1.0, 0.5, 2.0, 0.1, 3.7]))
    return dict(shape=shape, beta=beta)


@st.composite
def broadcast_pair(draw, max_rank=4):
    rank = draw(st.integers(1, max_rank))
    out = [draw(st.integers(1, 5)) for _ in range(rank)]

    def operand():
        dims = [d if draw(st.booleans()) else 1 for d in out]
        drop = draw(st.integers(0, rank - 1))  # numpy broadcasting also drops leading dims
        return tuple(dims[drop:])

    return operand(), operand()


@st.composite
def add_params(draw):
    a, b = draw(broadcast_pair())
    return dict(shape_a=a, shape_b=b, act=draw(ACTS), range_b=random_range(
        np.random.default_rng(draw(SEEDS)), draw(RANGES)), const_b=draw(st.booleans()),
                out_scale_mult=draw(OUT_MULT))


@st.composite
def pad_params(draw):
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    pads = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(rank))
    return dict(shape=shape, paddings=pads)


@st.composite
def mean_params(draw):
    rank = draw(st.integers(2, 4))
    shape = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    axes = draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True))
    if draw(st.booleans()):
        axes = [a - rank if draw(st.booleans()) else a for a in axes]
    return dict(shape=shape, axes=tuple(axes), keep_dims=draw(st.booleans()), same_quant=draw(st.booleans()),
                out_scale_mult=draw(OUT_MULT))


@st.composite
def transpose_params(draw):
    rank = draw(st.integers(2, 5))
    shape = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    perm = tuple(draw(st.permutations(range(rank))))
    return dict(shape=shape, perm=perm)


@st.composite
def reshape_params(draw):
    dims = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 4)))]
    shape = tuple(dims)
    flat = int(np.prod(shape))
    # split the element count into a random new shape
    new, rest = [], flat
    for p in (2, 3, 5, 7):
        while rest % p == 0 and draw(st.booleans()):
            new.append(p)
            rest //= p
    new.append(rest)
    return dict(shape=shape, new_shape=tuple(draw(st.permutations(new))))


# ---- tests ----------------------------------------------------------------------------------

@needs("CONV_2D")
@SETTINGS
@given(params=conv_params(), seed=SEEDS, range_kind=RANGES)
def test_conv_2d(params, seed, range_kind):
    check(tb.conv_layer, seed, range_kind, params, "conv_2d")


@needs("DEPTHWISE_CONV_2D")
@SETTINGS
@given(params=depthwise_params(), seed=SEEDS, range_kind=RANGES)
def test_depthwise_conv_2d(params, seed, range_kind):
    check(tb.depthwise_layer, seed, range_kind, params, "depthwise_conv_2d")


@needs("FULLY_CONNECTED")
@SETTINGS
@given(params=fc_params(), seed=SEEDS, range_kind=RANGES)
def test_fully_connected(params, seed, range_kind):
    check(tb.fully_connected_layer, seed, range_kind, params, "fully_connected")


@needs("AVERAGE_POOL_2D")
@SETTINGS
@given(params=pool_params(), seed=SEEDS, range_kind=RANGES)
def test_average_pool_2d(params, seed, range_kind):
    check(tb.pool_layer, seed, range_kind, dict(params, kind="AVERAGE_POOL_2D"), "average_pool_2d")


@needs("MAX_POOL_2D")
@SETTINGS
@given(params=pool_params(), seed=SEEDS, range_kind=RANGES)
def test_max_pool_2d(params, seed, range_kind):
    check(tb.pool_layer, seed, range_kind, dict(params, kind="MAX_POOL_2D"), "max_pool_2d")


@needs("SOFTMAX")
@SETTINGS
@given(params=softmax_params(), seed=SEEDS, range_kind=RANGES)
def test_softmax(params, seed, range_kind):
    check(tb.softmax_layer, seed, range_kind, params, "softmax")


@needs("ADD")
@SETTINGS
@given(params=add_params(), seed=SEEDS, range_kind=RANGES)
def test_add(params, seed, range_kind):
    def make(rng, in_range, **p):
        return tb.add_layer(rng, range_a=in_range, **p)
    check(make, seed, range_kind, params, "add")


@needs("PAD")
@SETTINGS
@given(params=pad_params(), seed=SEEDS, range_kind=RANGES)
def test_pad(params, seed, range_kind):
    check(tb.pad_layer, seed, range_kind, params, "pad")


@needs("MEAN")
@SETTINGS
@given(params=mean_params(), seed=SEEDS, range_kind=RANGES)
def test_mean(params, seed, range_kind):
    check(tb.mean_layer, seed, range_kind, params, "mean")


@needs("TRANSPOSE")
@SETTINGS
@given(params=transpose_params(), seed=SEEDS, range_kind=RANGES)
def test_transpose(params, seed, range_kind):
    check(tb.transpose_layer, seed, range_kind, params, "transpose")


@needs("RESHAPE")
@SETTINGS
@given(params=reshape_params(), seed=SEEDS, range_kind=RANGES)
def test_reshape(params, seed, range_kind):
    check(tb.reshape_layer, seed, range_kind, params, "reshape")

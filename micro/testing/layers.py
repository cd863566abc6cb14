"""Converter-like int8 single-op test models: `conv_layer`, `depthwise_layer`,
`fully_connected_layer`, `pool_layer`, `softmax_layer`, `add_layer`, `pad_layer`, `mean_layer`,
`transpose_layer`, `reshape_layer`.

Each returns the bytes of a single-op int8 model (written with `micro.testing.tflite_builder`)
quantized as the TFLite converter does it (`micro.testing.quantize`): asymmetric activations from
a calibrated float range, symmetric int8 weights per channel or per tensor, int32 bias at scale
input_scale * weight_scale with zero point 0, output scale from the float output range on
calibration data (`micro.testing.float_ops`), fixed 1/256 scale for SOFTMAX, unchanged
quantization through pools/PAD/TRANSPOSE/RESHAPE. Randomness comes only from the `rng` argument
(`np.random.Generator`), so a seed reproduces a model byte for byte. `in_range` fixes the input's
float range (else `random_range(rng)`); `out_scale_mult` (default 1, the converter's choice)
shrinks or widens the calibrated output scale to stress saturation and large multipliers.
"""

from __future__ import annotations

import numpy as np

from micro.testing.float_ops import broadcast_shape, conv2d_float, depthwise_float, out_size
from micro.testing.quantize import choose_qparams, output_qparams, quantize, random_range, symmetric_weights
from micro.testing.tflite_builder import ModelBuilder


def _pair(v) -> tuple[int, int]:
    """int or (h, w) -> (h, w)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _calibration_input(rng, shape, in_range, n_cal: int = 8) -> np.ndarray:
    """Float calibration batch: n_cal samples of `shape` (leading dim replaced by the sample count)."""
    lo, hi = in_range
    return rng.uniform(lo, hi, size=(n_cal,) + tuple(shape[1:]))


def _bias(rng, cout: int, in_scale: float, w_scales: np.ndarray, magnitude: float):
    """Float bias and its int32 quantization at scale in_scale * w_scale[c] (zero point 0)."""
    b = rng.uniform(-magnitude, magnitude, size=cout)
    bscale = (np.float32(in_scale) * np.broadcast_to(w_scales, (cout,)).astype(np.float32)).astype(np.float32)
    q = np.clip(np.round(b / bscale.astype(np.float64)), -(2**31) + 1, 2**31 - 1).astype(np.int32)
    return b, q, bscale


def _float_weights(rng, shape, axis):
    """Random float weights whose per-slice (along axis) magnitude spreads 0.1x..2x."""
    w = rng.standard_normal(shape) * 0.3
    if axis is not None:
        mags = rng.uniform(0.1, 2.0, size=shape[axis])
        bshape = [1] * len(shape)
        bshape[axis] = -1
        w = w * mags.reshape(bshape)
    return w


def conv_layer(rng: np.random.Generator, n=1, h=8, w=8, cin=3, cout=4, kh=3, kw=3, stride=1, dilation=1,
               padding="SAME", act="NONE", per_channel=True, with_bias=True, in_range=None,
               out_scale_mult=1.0) -> bytes:
    """CONV_2D int8: input [n,h,w,cin], filter [cout,kh,kw,cin] (per-channel axis 0 or per-tensor)."""
    stride, dilation = _pair(stride), _pair(dilation)
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (cout, kh, kw, cin), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1, 1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, cout, xs, wsc, magnitude=float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)))
    xcal = _calibration_input(rng, (n, h, w, cin), in_range)
    ys, yz = output_qparams(conv2d_float(xcal, wdq, bf, stride, dilation, padding), act, out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int8", scale=xs, zero_point=xz)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", (n, oh, ow, cout), "int8", scale=ys, zero_point=yz)
    b.op("CONV_2D", [x, wt, bt], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                                       "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
                                       "fused_activation_function": act})
    return b.finish()


def depthwise_layer(rng: np.random.Generator, n=1, h=8, w=8, cin=3, multiplier=1, kh=3, kw=3, stride=1,
                    dilation=1, padding="SAME", act="NONE", per_channel=True, with_bias=True,
                    in_range=None, out_scale_mult=1.0) -> bytes:
    """DEPTHWISE_CONV_2D int8: filter [1,kh,kw,cin*multiplier], per-channel along axis 3.

    `with_bias=False` writes an all-zero bias rather than omitting it: TFLM's depthwise Prepare
    (depthwise_conv_common.cc, CalculateOpDataDepthwiseConv) deallocates the bias temp tensor
    without a null check, so a depthwise op with bias index -1 crashes the oracle (segfault)."""
    stride, dilation = _pair(stride), _pair(dilation)
    cout = cin * multiplier
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (1, kh, kw, cout), 3)
    wq, wsc = symmetric_weights(wf, 3 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    bf, bq, bsc = _bias(rng, cout, xs, wsc, magnitude=float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)))
    if not with_bias:
        bf, bq = None, np.zeros_like(bq)
    xcal = _calibration_input(rng, (n, h, w, cin), in_range)
    ys, yz = output_qparams(depthwise_float(xcal, wdq, bf, multiplier, stride, dilation, padding), act,
                             out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int8", scale=xs, zero_point=xz)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=3)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0)
    y = b.tensor("output", (n, oh, ow, cout), "int8", scale=ys, zero_point=yz)
    b.op("DEPTHWISE_CONV_2D", [x, wt, bt], [y],
         {"padding": padding, "stride_h": stride[0], "stride_w": stride[1], "depth_multiplier": multiplier,
          "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1], "fused_activation_function": act})
    return b.finish()


def fully_connected_layer(rng: np.random.Generator, batches=1, in_depth=16, units=8, act="NONE",
                          per_channel=True, with_bias=True, in_shape=None, keep_num_dims=False,
                          in_range=None, out_scale_mult=1.0) -> bytes:
    """FULLY_CONNECTED int8: input [batches, in_depth] (or `in_shape`, whose last dim is in_depth),
    weights [units, in_depth] per-channel (axis 0) or per-tensor; bias [units] int32 or absent (-1)."""
    in_shape = tuple(in_shape) if in_shape is not None else (batches, in_depth)
    in_depth = in_shape[-1]
    rows = int(np.prod(in_shape[:-1]))
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (units, in_depth), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, units, xs, wsc, magnitude=float(np.abs(wdq).sum() / units * 0.1 * max(in_range)))
    xcal = rng.uniform(in_range[0], in_range[1], size=(max(8, rows), in_depth))
    ycal = xcal @ wdq.T + (0 if bf is None else bf)
    ys, yz = output_qparams(ycal, act, out_scale_mult)
    out_shape = in_shape[:-1] + (units,) if keep_num_dims else (rows, units)
    b = ModelBuilder()
    x = b.tensor("input", in_shape, "int8", scale=xs, zero_point=xz)
    wt = b.const("weights", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op("FULLY_CONNECTED", [x, wt, bt], [y], {"fused_activation_function": act, "keep_num_dims": keep_num_dims,
                                                "weights_format": "DEFAULT"})
    return b.finish()


def pool_layer(rng: np.random.Generator, kind="AVERAGE_POOL_2D", n=1, h=8, w=8, c=3, fh=2, fw=2, stride=2,
               padding="VALID", act="NONE", in_range=None) -> bytes:
    """AVERAGE_POOL_2D or MAX_POOL_2D int8; output quantization = input quantization (converter)."""
    stride = _pair(stride)
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    oh, _ = out_size(padding, h, fh, stride[0])
    ow, _ = out_size(padding, w, fw, stride[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, c), "int8", scale=xs, zero_point=xz)
    y = b.tensor("output", (n, oh, ow, c), "int8", scale=xs, zero_point=xz)
    b.op(kind, [x], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                          "filter_height": fh, "filter_width": fw, "fused_activation_function": act})
    return b.finish()


def softmax_layer(rng: np.random.Generator, shape=(1, 10), beta=1.0, in_range=None) -> bytes:
    """SOFTMAX int8 over the last axis; output scale 1/256, zero point -128 (TFLite's int8 rule)."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    y = b.tensor("output", shape, "int8", scale=1.0 / 256.0, zero_point=-128)
    b.op("SOFTMAX", [x], [y], {"beta": float(beta)})
    return b.finish()


def add_layer(rng: np.random.Generator, shape_a=(1, 4, 4, 3), shape_b=(1, 4, 4, 3), act="NONE",
              range_a=None, range_b=None, const_b=False, kind="ADD", out_scale_mult=1.0) -> bytes:
    """ADD (or SUB) int8 with numpy broadcasting; each operand and the output get their own
    scale; `const_b` makes b a constant tensor."""
    range_a = range_a or random_range(rng)
    range_b = range_b or random_range(rng)
    sa, za = choose_qparams(*range_a)
    sb, zb = choose_qparams(*range_b)
    out_shape = broadcast_shape(shape_a, shape_b)
    n_cal = 8
    rank = len(out_shape)
    acal = rng.uniform(*range_a, size=(n_cal,) + (1,) * (rank - len(shape_a)) + tuple(shape_a))
    bcal = rng.uniform(*range_b, size=(n_cal,) + (1,) * (rank - len(shape_b)) + tuple(shape_b))
    ycal = acal + bcal if kind == "ADD" else acal - bcal
    ys, yz = output_qparams(ycal, act, out_scale_mult)
    b = ModelBuilder()
    xa = b.tensor("a", shape_a, "int8", scale=sa, zero_point=za)
    if const_b:
        xb = b.const("b", quantize(rng.uniform(*range_b, size=shape_b), sb, zb), scale=sb, zero_point=zb)
    else:
        xb = b.tensor("b", shape_b, "int8", scale=sb, zero_point=zb)
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op(kind, [xa, xb], [y], {"fused_activation_function": act})
    b.inputs([xa] if const_b else [xa, xb])
    b.outputs([y])
    return b.finish()


def pad_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), paddings=((0, 0), (1, 1), (1, 1), (0, 0)),
              in_range=None) -> bytes:
    """PAD int8 with a constant int32 [rank, 2] paddings tensor; output quantization = input's."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    pads = np.asarray(paddings, dtype=np.int32).reshape(len(shape), 2)
    out_shape = tuple(int(d + p[0] + p[1]) for d, p in zip(shape, pads))
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    p = b.const("paddings", pads)
    y = b.tensor("output", out_shape, "int8", scale=xs, zero_point=xz)
    b.op("PAD", [x, p], [y])
    return b.finish()


def mean_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), axes=(1, 2), keep_dims=True, same_quant=False,
               in_range=None, out_scale_mult=1.0) -> bytes:
    """MEAN int8 over constant int32 `axes`; output quantization calibrated on the float mean
    (or equal to the input's when `same_quant`)."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    rank = len(shape)
    norm = sorted({a % rank for a in axes})
    out_shape = tuple((1 if i in norm else d) for i, d in enumerate(shape)) if keep_dims else tuple(
        d for i, d in enumerate(shape) if i not in norm)
    if same_quant:
        ys, yz = xs, xz
    else:
        xcal = rng.uniform(*in_range, size=(8,) + tuple(shape))
        ys, yz = output_qparams(xcal.mean(axis=tuple(a + 1 for a in norm)), "NONE", out_scale_mult)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    a = b.const("axes", np.asarray(axes, dtype=np.int32))
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op("MEAN", [x, a], [y], {"keep_dims": bool(keep_dims)})
    return b.finish()


def transpose_layer(rng: np.random.Generator, shape=(2, 3, 4), perm=(2, 0, 1), in_range=None) -> bytes:
    """TRANSPOSE int8 with a constant int32 perm; output quantization = input's."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    out_shape = tuple(shape[p] for p in perm)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    p = b.const("perm", np.asarray(perm, dtype=np.int32))
    y = b.tensor("output", out_shape, "int8", scale=xs, zero_point=xz)
    b.op("TRANSPOSE", [x, p], [y])
    return b.finish()


def reshape_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), new_shape=(1, 48), in_range=None) -> bytes:
    """RESHAPE int8 with a constant int32 shape input and the same new_shape in ReshapeOptions."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    s = b.const("shape", np.asarray(new_shape, dtype=np.int32))
    y = b.tensor("output", new_shape, "int8", scale=xs, zero_point=xz)
    b.op("RESHAPE", [x, s], [y], {"new_shape": list(new_shape)})
    return b.finish()

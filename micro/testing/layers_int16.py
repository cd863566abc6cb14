"""Converter-like 16x8 single-op test models (int16 activations, int8 weights) and BATCH_MATMUL models:
`conv_layer_int16`, `depthwise_layer_int16`, `fully_connected_layer_int16`, `pool_layer_int16`,
`batch_matmul_layer`.

Quantized as the TFLite converter does with EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8:
symmetric int16 activations (zero point 0, scale = max|range| / 32767), symmetric int8 weights per
channel or per tensor, int64 bias at scale input_scale * weight_scale (or int32 with
`bias_dtype="int32"`, the converter's `_experimental_full_integer_quantization_bias_type`).
Randomness comes only from the `rng` argument, so a seed reproduces a model byte for byte.
"""

from __future__ import annotations

import numpy as np

from micro.testing.float_ops import conv2d_float, depthwise_float, out_size
from micro.testing.layers import _calibration_input, _float_weights, _pair
from micro.testing.quantize import choose_qparams, random_range, symmetric_weights
from micro.testing.tflite_builder import ModelBuilder

INT16_MAX = 32767
TENSOR_TYPE = {"int32": 2, "int64": 4}  # tflite.TensorType, for quantized_bias_type


def int16_qparams(lo: float, hi: float, scale_mult: float = 1.0) -> tuple[float, int]:
    """Symmetric int16 (scale, 0) covering [lo, hi]; scale_mult != 1 stresses saturation/multipliers."""
    m = max(abs(float(lo)), abs(float(hi)), 1e-6)
    return float(np.float32(m / INT16_MAX * scale_mult)), 0


def _output_qparams(y: np.ndarray, act: str, scale_mult: float) -> tuple[float, int]:
    clip = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}.get(act)
    if clip is not None:
        y = np.clip(y, clip[0], clip[1])
    return int16_qparams(float(y.min()), float(y.max()), scale_mult)


def _bias(rng, cout: int, in_scale: float, w_scales: np.ndarray, magnitude: float, dtype: str):
    b = rng.uniform(-magnitude, magnitude, size=cout)
    bscale = (np.float32(in_scale) * np.broadcast_to(w_scales, (cout,)).astype(np.float32)).astype(np.float32)
    lim = 2**31 - 1 if dtype == "int32" else 2**40
    q = np.clip(np.round(b / bscale.astype(np.float64)), -lim, lim).astype(dtype)
    return b, q, bscale


def conv_layer_int16(rng: np.random.Generator, n=1, h=6, w=6, cin=3, cout=4, kh=3, kw=3, stride=1, dilation=1,
                     padding="SAME", act="NONE", per_channel=True, with_bias=True, bias_dtype="int64",
                     in_range=None, out_scale_mult=1.0) -> bytes:
    """CONV_2D 16x8: input [n,h,w,cin] int16, filter [cout,kh,kw,cin] int8, bias int64 (or int32)."""
    stride, dilation = _pair(stride), _pair(dilation)
    in_range = in_range or random_range(rng)
    xs, _ = int16_qparams(*in_range)
    wf = _float_weights(rng, (cout, kh, kw, cin), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1, 1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, cout, xs, wsc, float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)), bias_dtype)
    ycal = conv2d_float(_calibration_input(rng, (n, h, w, cin), in_range), wdq, bf, stride, dilation, padding)
    ys, _ = _output_qparams(ycal, act, out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int16", scale=xs, zero_point=0)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", (n, oh, ow, cout), "int16", scale=ys, zero_point=0)
    b.op("CONV_2D", [x, wt, bt], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                                       "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
                                       "fused_activation_function": act,
                                       "quantized_bias_type": TENSOR_TYPE[bias_dtype]})
    return b.finish()


def depthwise_layer_int16(rng: np.random.Generator, n=1, h=6, w=6, cin=3, multiplier=1, kh=3, kw=3, stride=1,
                          dilation=1, padding="SAME", act="NONE", per_channel=True, in_range=None,
                          out_scale_mult=1.0) -> bytes:
    """DEPTHWISE_CONV_2D 16x8: filter [1,kh,kw,cin*multiplier] int8, int64 bias (always present: TFLM's
    depthwise Prepare crashes without one, see micro.testing.layers.depthwise_layer)."""
    stride, dilation = _pair(stride), _pair(dilation)
    cout = cin * multiplier
    in_range = in_range or random_range(rng)
    xs, _ = int16_qparams(*in_range)
    wf = _float_weights(rng, (1, kh, kw, cout), 3)
    wq, wsc = symmetric_weights(wf, 3 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64) if per_channel else float(wsc[0]))
    bf, bq, bsc = _bias(rng, cout, xs, wsc, float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)), "int64")
    ycal = depthwise_float(_calibration_input(rng, (n, h, w, cin), in_range), wdq, bf, multiplier, stride,
                           dilation, padding)
    ys, _ = _output_qparams(ycal, act, out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int16", scale=xs, zero_point=0)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=3)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0)
    y = b.tensor("output", (n, oh, ow, cout), "int16", scale=ys, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", [x, wt, bt], [y],
         {"padding": padding, "stride_h": stride[0], "stride_w": stride[1], "depth_multiplier": multiplier,
          "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1], "fused_activation_function": act})
    return b.finish()


def fully_connected_layer_int16(rng: np.random.Generator, batches=1, in_depth=16, units=8, act="NONE",
                                per_channel=False, with_bias=True, bias_dtype="int64", in_range=None,
                                out_scale_mult=1.0) -> bytes:
    """FULLY_CONNECTED 16x8: input [batches, in_depth] int16, weights [units, in_depth] int8."""
    in_range = in_range or random_range(rng)
    xs, _ = int16_qparams(*in_range)
    wf = _float_weights(rng, (units, in_depth), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, units, xs, wsc, float(np.abs(wdq).sum() / units * 0.1 * max(in_range)),
                            bias_dtype)
    xcal = rng.uniform(in_range[0], in_range[1], size=(max(8, batches), in_depth))
    ys, _ = _output_qparams(xcal @ wdq.T + (0 if bf is None else bf), act, out_scale_mult)
    b = ModelBuilder()
    x = b.tensor("input", (batches, in_depth), "int16", scale=xs, zero_point=0)
    wt = b.const("weights", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", (batches, units), "int16", scale=ys, zero_point=0)
    b.op("FULLY_CONNECTED", [x, wt, bt], [y], {"fused_activation_function": act, "weights_format": "DEFAULT",
                                                "quantized_bias_type": TENSOR_TYPE[bias_dtype]})
    return b.finish()


def pool_layer_int16(rng: np.random.Generator, kind="AVERAGE_POOL_2D", n=1, h=8, w=8, c=3, fh=2, fw=2, stride=2,
                     padding="VALID", act="NONE", in_range=None) -> bytes:
    """AVERAGE_POOL_2D or MAX_POOL_2D int16; output quantization = input quantization."""
    stride = _pair(stride)
    in_range = in_range or random_range(rng)
    xs, _ = int16_qparams(*in_range)
    oh, _ = out_size(padding, h, fh, stride[0])
    ow, _ = out_size(padding, w, fw, stride[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, c), "int16", scale=xs, zero_point=0)
    y = b.tensor("output", (n, oh, ow, c), "int16", scale=xs, zero_point=0)
    b.op(kind, [x], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                          "filter_height": fh, "filter_width": fw, "fused_activation_function": act})
    return b.finish()


def batch_matmul_layer(rng: np.random.Generator, lhs_shape=(1, 3, 4), rhs_shape=(1, 4, 5), adj_x=False,
                       adj_y=False, dtype="int8", const_rhs=False, in_range=None, out_scale_mult=1.0) -> bytes:
    """BATCH_MATMUL int8 (asymmetric activations) or int16 (symmetric, zero points 0, TFLM's rule):
    numpy-broadcast batch dims; adj_x/adj_y transpose the last two dims of lhs/rhs; `const_rhs` makes
    the rhs a constant (TFLM then transposes it once, in its first Eval)."""
    in_range = in_range or random_range(rng)
    rhs_range = random_range(rng)
    qp = int16_qparams if dtype == "int16" else choose_qparams
    ls, lz = qp(*in_range)
    rs, rz = qp(*rhs_range)
    lhs_f = rng.uniform(*in_range, size=(8,) + tuple(lhs_shape))
    rhs_f = rng.uniform(*rhs_range, size=tuple(rhs_shape))
    a = np.swapaxes(lhs_f, -1, -2) if adj_x else lhs_f
    bm = np.swapaxes(rhs_f, -1, -2) if adj_y else rhs_f
    ycal = np.stack([np.matmul(sample, bm) for sample in a])
    out_shape = ycal.shape[1:]
    lo, hi = float(ycal.min()), float(ycal.max())
    if dtype == "int16":
        ys, yz = int16_qparams(lo, hi, out_scale_mult)
    else:
        ys, yz = choose_qparams(lo, hi)
        ys = float(np.float32(ys * out_scale_mult))
    info = np.iinfo(dtype)
    b = ModelBuilder()
    x = b.tensor("lhs", lhs_shape, dtype, scale=ls, zero_point=lz)
    if const_rhs:
        rq = np.clip(np.round(rhs_f / rs) + rz, info.min, info.max).astype(dtype)
        r = b.const("rhs", rq, scale=rs, zero_point=rz)
    else:
        r = b.tensor("rhs", rhs_shape, dtype, scale=rs, zero_point=rz)
    y = b.tensor("output", out_shape, dtype, scale=ys, zero_point=yz)
    b.op("BATCH_MATMUL", [x, r], [y], {"adj_x": bool(adj_x), "adj_y": bool(adj_y)})
    b.inputs([x] if const_rhs else [x, r])
    b.outputs([y])
    return b.finish()

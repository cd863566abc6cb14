"""CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8.

TFLM conv_common.cc (Prepare) + reference_integer_ops::ConvPerChannel, including
grouped convolution (input channels = filter input channels x groups).
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.ops.base import (window_overlap_gaps, KernelCall, compute_padding, fused_activation, int_array, opt,
                            require_int8)
from micro.quant import activation_range, per_channel_multipliers

KIND = "CONV_2D"


def check(op: Op, g: Graph) -> list[str]:
    problems = common_problems(op, g, out_channels_axis=0)
    if problems:
        return problems
    x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    in_c, out_c, fic = x.shape[3], w.shape[0], w.shape[3]
    if fic < 1 or in_c % fic != 0:
        problems.append(f"input depth {in_c} is not a multiple of the filter depth {fic}")
    elif out_c % (in_c // fic) != 0:
        problems.append(f"output depth {out_c} is not a multiple of the group count {in_c // fic}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    out_c, k_h, k_w, fic = w.shape
    params = dict(
        batches=y.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=x.shape[3],
        out_h=y.shape[1], out_w=y.shape[2], out_c=out_c, k_h=k_h, k_w=k_w, filter_in_c=fic)
    params.update(geometry_and_quant(op, g, k_h, k_w, out_c))
    macs = y.size * k_h * k_w * fic
    return KernelCall("mn_conv_2d_int8", "mn_conv_2d_int8.c", "mn_conv_2d_params_t", params,
                      inputs=[op.inputs[0], op.inputs[1], bias_index(op)], outputs=[op.outputs[0]],
                      macs=macs, **window_overlap_gaps(op, g, k_h, k_w))


def requant_rows(shift: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """rq_round, rq_scale for the kernels' vectorizable requantization (see mn_kernels.h):
    with r = -shift, 2^(r-1) (0 for r = 0) and 2^(31-r) as an int32 bit pattern. (None, None)
    when a shift is positive (multiplier > 1): the kernels then follow TFLM step by step."""
    shift = np.asarray(shift, dtype=np.int64)
    if np.any(shift > 0) or np.any(shift < -31):
        return None, None
    r = -shift
    rnd = np.where(r > 0, np.left_shift(1, np.maximum(r - 1, 0)), 0)
    scale = np.left_shift(np.int64(1), 31 - r)
    return int_array(rnd), int_array(scale.astype(np.uint32).view(np.int32))


# Shared with depthwise_conv_2d.py: TFLM's conv_common.cc and depthwise_conv_common.cc
# run the same Prepare (ComputePaddingHeightWidth, PopulateConvolutionQuantizationParams).
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def bias_index(op: Op) -> int | None:
    return op.inputs[2] if len(op.inputs) > 2 else None


def common_problems(op: Op, g: Graph, out_channels_axis: int) -> list[str]:
    """Checks shared by both ops; out_channels_axis is the filter's output-channel axis."""
    problems = []
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if w.dtype == "int4":
        problems.append(f"filter tensor {w.index} '{w.name}' is int4 (packed); only int8 filters "
                        "are supported")
    problems += require_int8(op, g, positions=(0, 1))
    for t, what in ((x, "input"), (w, "filter"), (y, "output")):
        if len(t.shape) != 4:
            problems.append(f"{what} tensor {t.index} '{t.name}' has shape {list(t.shape)}; "
                            "4-D NHWC is required")
    if problems:
        return problems
    for t, what in ((x, "input"), (y, "output")):
        if t.quant is None or t.quant.scale.size != 1:
            problems.append(f"{what} tensor {t.index} '{t.name}' needs per-tensor quantization")
    out_c = w.shape[out_channels_axis]
    if w.quant is None:
        problems.append(f"filter tensor {w.index} '{w.name}' is not quantized")
    elif w.quant.scale.size not in (1, out_c):
        problems.append(f"filter tensor {w.index} '{w.name}' has {w.quant.scale.size} scales; "
                        f"expected 1 or {out_c} (one per output channel)")
    if y.shape[3] != out_c:
        problems.append(f"output has {y.shape[3]} channels but the filter has {out_c}")
    if x.shape[0] != y.shape[0]:
        problems.append(f"input batch {x.shape[0]} differs from output batch {y.shape[0]}")
    b = g.t(bias_index(op))
    if b is not None:
        if b.dtype != "int32":
            problems.append(f"bias tensor {b.index} '{b.name}' is {b.dtype}, supported: int32")
        elif b.size != out_c:
            problems.append(f"bias tensor {b.index} '{b.name}' has {b.size} values, "
                            f"expected {out_c}")
    for key in ("stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor"):
        if int(opt(op, key, 1)) < 1:
            problems.append(f"{key} = {opt(op, key)} must be >= 1")
    if opt(op, "padding") not in ("SAME", "VALID"):
        problems.append(f"padding {opt(op, 'padding')} is not supported")
    if fused_activation(op) not in ACTIVATIONS:
        problems.append(f"fused activation {fused_activation(op)} is not supported")
    return problems


def geometry_and_quant(op: Op, g: Graph, k_h: int, k_w: int, out_c: int) -> dict:
    """Padding, offsets, clamp and per-output-channel multipliers, in struct order
    after the shape fields (stride .. shift)."""
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    s_h, s_w = int(opt(op, "stride_h", 1)), int(opt(op, "stride_w", 1))
    d_h, d_w = int(opt(op, "dilation_h_factor", 1)), int(opt(op, "dilation_w_factor", 1))
    # TFLM ComputePaddingHeightWidth: the padding follows from the *computed* output size;
    # the kernel then iterates over the output tensor's own dims.
    _, pad_h = compute_padding(opt(op, "padding"), x.shape[1], k_h, s_h, d_h)
    _, pad_w = compute_padding(opt(op, "padding"), x.shape[2], k_w, s_w, d_w)
    # PopulateConvolutionQuantizationParams: a per-tensor filter scale is broadcast to
    # every output channel; each multiplier is double(in) * double(filter) / double(out).
    scales = np.asarray(w.quant.scale, dtype=np.float32).ravel()
    if scales.size == 1:
        scales = np.full(out_c, scales[0], dtype=np.float32)
    mult, shift = per_channel_multipliers(x.quant.s, scales, y.quant.s)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    out = dict(
        stride_h=s_h, stride_w=s_w, dil_h=d_h, dil_w=d_w, pad_h=pad_h, pad_w=pad_w,
        input_offset=-x.quant.zp, output_offset=y.quant.zp, act_min=act_min, act_max=act_max,
        mult=int_array(mult), shift=int_array(shift))
    rq_round, rq_scale = requant_rows(shift)
    out.update(rq_round=rq_round, rq_scale=rq_scale)
    return out

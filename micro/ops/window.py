"""What the window ops (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D) share: their geometry, their
per-channel requantization, their checks and their overlap declarations. TFLM's conv_common.cc,
depthwise_conv_common.cc and pooling_common.cc run the same Prepare steps (ComputePaddingHeightWidth,
PopulateConvolutionQuantizationParams)."""

from __future__ import annotations

import numpy as np

from micro.dtypes import DTYPE_BYTES, INT32_MAX
from micro.geometry import MAX_GAP_UNITS, compute_padding, raster_gap, raster_gap_reverse
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.ops.common import activation_problems, dtype_combination_problems, fused_activation, opt
from micro.quant import activation_range, multiplier_problems, per_channel_multipliers

CONV_ROLES = {"input": 0, "filter": 1, "bias": 2, "output": -1}


def strides_and_dilations(op: Op) -> tuple[int, int, int, int]:
    return (int(opt(op, "stride_h", 1)), int(opt(op, "stride_w", 1)),
            int(opt(op, "dilation_h_factor", 1) or 1), int(opt(op, "dilation_w_factor", 1) or 1))


FOLDED_PAD = "micro_folded_pad"  # option set by micro.passes.fold_pad: (top, bottom, left, right) of a folded PAD


def leading_pads(op: Op, g: Graph, k_h: int, k_w: int) -> tuple[int, int]:
    """TFLM ComputePaddingHeightWidth: the padding follows from the *computed* output size; the kernels
    then iterate over the output tensor's own dims. A PAD folded into the op (micro.passes.fold_pad) adds
    its leading rows and columns: the op's own padding is computed on the padded size, as before the fold."""
    x = g.t(op.inputs[0])
    top, bottom, left, right = opt(op, FOLDED_PAD, (0, 0, 0, 0))
    s_h, s_w, d_h, d_w = strides_and_dilations(op)
    _, pad_h = compute_padding(opt(op, "padding", "VALID"), x.shape[1] + top + bottom, k_h, s_h, d_h)
    _, pad_w = compute_padding(opt(op, "padding", "VALID"), x.shape[2] + left + right, k_w, s_w, d_w)
    return pad_h + top, pad_w + left


def window_geometry(op: Op, g: Graph, k_h: int, k_w: int) -> dict:
    """The mn_window_t fields (micro.kernels.window.WINDOW) of an NHWC window op."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    s_h, s_w, d_h, d_w = strides_and_dilations(op)
    pad_h, pad_w = leading_pads(op, g, k_h, k_w)
    return dict(batches=y.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=x.shape[3], out_h=y.shape[1],
                out_w=y.shape[2], out_c=y.shape[3], k_h=k_h, k_w=k_w, stride_h=s_h, stride_w=s_w,
                dil_h=d_h, dil_w=d_w, pad_h=pad_h, pad_w=pad_w)


def requant_rows(shift: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """rq_round, rq_scale of micro.kernels.window.CHANNEL_REQUANT: with r = -shift, 2^(r-1) (0 for r = 0)
    and 2^(31-r) as an int32 bit pattern. (None, None) when a shift is positive (multiplier > 1): the
    kernels then follow TFLM step by step."""
    shift = np.asarray(shift, dtype=np.int64)
    if np.any(shift > 0) or np.any(shift < -31):
        return None, None
    r = -shift
    rnd = np.where(r > 0, np.left_shift(1, np.maximum(r - 1, 0)), 0)
    scale = np.left_shift(np.int64(1), 31 - r)
    return int_array(rnd), int_array(scale.astype(np.uint32).view(np.int32))


def channel_requant(op: Op, g: Graph, out_c: int) -> dict:
    """The mn_channel_requant_t fields: PopulateConvolutionQuantizationParams broadcasts a per-tensor
    filter scale to every output channel; each multiplier is double(in) * double(filter) / double(out)."""
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    scales = np.asarray(w.quant.scale, dtype=np.float32).ravel()
    if scales.size == 1:
        scales = np.full(out_c, scales[0], dtype=np.float32)
    mult, shift = per_channel_multipliers(x.quant.s, scales, y.quant.s)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    rq_round, rq_scale = requant_rows(shift)
    return dict(input_offset=-x.quant.zp, output_offset=y.quant.zp, act_min=act_min, act_max=act_max,
                mult=int_array(mult), shift=int_array(shift), rq_round=rq_round, rq_scale=rq_scale)


def channel_requant_int16(op: Op, g: Graph, out_c: int) -> dict:
    """The mn_channel_requant_int16_t fields (16x8 conv and depthwise): the multipliers of
    channel_requant, no zero points (TFLM's int16 kernels apply none)."""
    rq = channel_requant(op, g, out_c)
    return dict(act_min=rq["act_min"], act_max=rq["act_max"], mult=rq["mult"], shift=rq["shift"])


def bias_index(op: Op) -> int | None:
    return op.inputs[2] if len(op.inputs) > 2 else None


def conv_problems(op: Op, g: Graph, out_channels_axis: int, accepted) -> list[str]:
    """Checks CONV_2D and DEPTHWISE_CONV_2D share; out_channels_axis is the filter's output-channel axis;
    accepted: the dtype combinations TFLM runs (micro.ops.common.dtype_combination_problems)."""
    problems = []
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if w.dtype == "int4":
        return [f"filter tensor {w.index} '{w.name}' is int4 (packed); only int8 filters are supported"]
    problems += dtype_combination_problems(op, g, CONV_ROLES, accepted)
    for t, what in ((x, "input"), (w, "filter"), (y, "output")):
        if len(t.shape) != 4:
            problems.append(f"{what} tensor {t.index} '{t.name}' has shape {list(t.shape)}; 4-D NHWC is required")
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
    if b is not None and b.size != out_c:
        problems.append(f"bias tensor {b.index} '{b.name}' has {b.size} values, expected {out_c}")
    for key in ("stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor"):
        if int(opt(op, key, 1)) < 1:
            problems.append(f"{key} = {opt(op, key)} must be >= 1")
    if opt(op, "padding") not in ("SAME", "VALID"):
        problems.append(f"padding {opt(op, 'padding')} is not supported")
    if problems:
        return problems + activation_problems(op)
    k_h, k_w = w.shape[1], w.shape[2]
    problems += window_int32_problems(op, g, k_h, k_w) + requant_problems(op, g, out_c)
    return problems + activation_problems(op)


def window_int32_problems(op: Op, g: Graph, k_h: int, k_w: int) -> list[str]:
    """Problems unless every window coordinate the kernels compute in int32 fits: (out - 1) * stride + the
    dilated filter extent + the padding, and the input extent + the padding."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    s_h, s_w, d_h, d_w = strides_and_dilations(op)
    pad_h, pad_w = leading_pads(op, g, k_h, k_w)
    problems = []
    for axis, n_in, n_out, k, s, d, pad in (("height", x.shape[1], y.shape[1], k_h, s_h, d_h, pad_h),
                                             ("width", x.shape[2], y.shape[2], k_w, s_w, d_w, pad_w)):
        reach = (n_out - 1) * s + (k - 1) * d + 1 + pad
        if max(reach, n_in + pad) > INT32_MAX:
            problems.append(f"{axis}: output {n_out} x stride {s} + filter {k} x dilation {d} + padding {pad} "
                            "exceeds int32; the window geometry is absurd")
    return problems


def requant_problems(op: Op, g: Graph, out_c: int) -> list[str]:
    """Problems unless every per-channel rescale (input scale x filter scale / output scale) is one TFLM's
    fixed-point arithmetic can represent."""
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    scales = np.asarray(w.quant.scale, dtype=np.float32).ravel()
    for c, fs in enumerate(scales[:out_c]):
        p = multiplier_problems(float(x.quant.s) * float(fs) / float(y.quant.s), f"output channel {c}")
        if p:
            return p
    return []


def window_overlap_gaps(op: Op, g: Graph, k_h: int, k_w: int) -> dict[str, dict[int, int]]:
    """KernelCall overlap declarations of a window op whose kernel honours both raster contracts:
    {"overlap_gap": {0: D}, "overlap_gap_reverse": {0: D_rev}}."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4 or y.shape[0] * y.shape[1] * y.shape[2] > MAX_GAP_UNITS:
        return {"overlap_gap": {}, "overlap_gap_reverse": {}}
    s_h, s_w, d_h, d_w = strides_and_dilations(op)
    pad_top, pad_left = leading_pads(op, g, k_h, k_w)
    ib, ob = DTYPE_BYTES[x.dtype], DTYPE_BYTES[y.dtype]
    dims = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], y.shape[1], y.shape[2], y.shape[3], s_h, s_w,
            pad_top, pad_left)
    return {"overlap_gap": {0: raster_gap(*dims, ib, ob)},
            "overlap_gap_reverse": {0: raster_gap_reverse(*dims, k_h, k_w, d_h, d_w, ib, ob)}}

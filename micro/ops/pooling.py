"""AVERAGE_POOL_2D and MAX_POOL_2D: int8 in and out (TFLM pooling_common.cc PoolingPrepare).

Prepare facts reproduced here:
- padding from ComputePaddingHeightWidth (dilation 1); only the leading pad is used;
- input and output must share quantization: |in_scale - out_scale| <= 1e-6 (in double)
  and equal zero points, else TFLM refuses the model;
- the fused activation becomes a clamp from CalculateActivationRangeQuantized on the output.
The average divides the sum of in-image taps (padding taps are not counted) by their count,
rounding half away from zero (reference_integer_ops::AveragePool).
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.ops.base import window_overlap_gaps, KernelCall, compute_padding, fused_activation, opt, require_int8
from micro.quant import activation_range

KINDS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")

_FUNC = {"AVERAGE_POOL_2D": "mn_average_pool_int8", "MAX_POOL_2D": "mn_max_pool_int8"}


def _geometry(op: Op, g: Graph):
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    fh, fw = int(opt(op, "filter_height", 1)), int(opt(op, "filter_width", 1))
    sh, sw = int(opt(op, "stride_h", 1)), int(opt(op, "stride_w", 1))
    padding = opt(op, "padding", "SAME")
    out_h, pad_h = compute_padding(padding, x.shape[1], fh, sh)
    out_w, pad_w = compute_padding(padding, x.shape[2], fw, sw)
    return x, y, fh, fw, sh, sw, out_h, out_w, pad_h, pad_w


def check(op: Op, g: Graph) -> list[str]:
    problems = require_int8(op, g, positions=(0,))
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4:
        return [f"input and output must be 4-D NHWC, got {list(x.shape)} -> {list(y.shape)}"]
    if x.quant is None or y.quant is None:
        return ["input and output must be quantized"]
    if abs(float(x.quant.s) - float(y.quant.s)) > 1.0e-6 or x.quant.zp != y.quant.zp:
        problems.append("input and output quantization differ (TFLM requires them equal)")
    act = fused_activation(op)
    if act not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
        problems.append(f"fused activation {act} is not supported")
    if opt(op, "padding", "SAME") not in ("SAME", "VALID"):
        problems.append(f"padding {opt(op, 'padding')} is not supported")
        return problems
    fh, fw = int(opt(op, "filter_height", 1)), int(opt(op, "filter_width", 1))
    sh, sw = int(opt(op, "stride_h", 1)), int(opt(op, "stride_w", 1))
    if min(fh, fw, sh, sw) < 1:
        problems.append(f"filter {fh}x{fw} / stride {sh}x{sw} must be positive")
        return problems
    _, _, _, _, _, _, out_h, out_w, _, _ = _geometry(op, g)
    if (y.shape[0], out_h, out_w, y.shape[3]) != (x.shape[0], y.shape[1], y.shape[2], x.shape[3]):
        problems.append(f"output shape {list(y.shape)} does not match the pooling geometry "
                        f"({x.shape[0]}x{out_h}x{out_w}x{x.shape[3]})")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, y, fh, fw, sh, sw, out_h, out_w, pad_h, pad_w = _geometry(op, g)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    params = dict(
        batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], depth=x.shape[3],
        out_h=out_h, out_w=out_w, filter_h=fh, filter_w=fw, stride_h=sh, stride_w=sw,
        pad_h=pad_h, pad_w=pad_w, act_min=act_min, act_max=act_max)
    return KernelCall(_FUNC[op.kind], "mn_pooling_int8.c", "mn_pool_params_t", params,
                      inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      macs=y.size * fh * fw, **window_overlap_gaps(op, g, fh, fw))

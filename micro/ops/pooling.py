"""AVERAGE_POOL_2D and MAX_POOL_2D: int8 or int16 in and out (TFLM pooling_common.cc PoolingPrepare).

Prepare facts reproduced here:
- padding from ComputePaddingHeightWidth (dilation 1); only the leading pad is used;
- input and output must share quantization: |in_scale - out_scale| <= 1e-6 (in double)
  and equal zero points, else TFLM refuses the model;
- the fused activation becomes a clamp from CalculateActivationRangeQuantized on the output.
The average divides the sum of in-image taps (padding taps are not counted) by their count,
rounding half away from zero (reference_integer_ops::AveragePool; int16 sums in int32 too).
Kernels: micro.kernels.pooling.
"""

from __future__ import annotations

from micro.dtypes import INT32_MAX
from micro.geometry import compute_padding
from micro.ir import Graph, Op
from micro.kernels.pooling import AVERAGE_POOL_INT8, AVERAGE_POOL_INT16, MAX_POOL_INT8, MAX_POOL_INT16
from micro.lowered import KernelCall
from micro.ops.common import activation_problems, dtype_combination_problems, fused_activation, opt
from micro.ops.window import window_geometry, window_int32_problems, window_overlap_gaps
from micro.quant import activation_range

KINDS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
TYPES = ("int8", "int16")
# (min inputs, max inputs, outputs): TFLM's Prepare checks
ARITY = {"AVERAGE_POOL_2D": (1, 1, 1), "MAX_POOL_2D": (1, 1, 1)}

KERNELS = {("AVERAGE_POOL_2D", "int8"): AVERAGE_POOL_INT8, ("MAX_POOL_2D", "int8"): MAX_POOL_INT8,
           ("AVERAGE_POOL_2D", "int16"): AVERAGE_POOL_INT16, ("MAX_POOL_2D", "int16"): MAX_POOL_INT16}
# pooling.cc: the input type selects the kernel, which writes the output as the same type.
ACCEPTED = ({"input": "int8", "output": "int8"}, {"input": "int16", "output": "int16"})


def _filter(op: Op) -> tuple[int, int]:
    return int(opt(op, "filter_height", 1)), int(opt(op, "filter_width", 1))


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_combination_problems(op, g, {"input": 0, "output": -1}, ACCEPTED)
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4:
        return [f"input and output must be 4-D NHWC, got {list(x.shape)} -> {list(y.shape)}"]
    if x.quant is None or y.quant is None:
        return ["input and output must be quantized"]
    if abs(float(x.quant.s) - float(y.quant.s)) > 1.0e-6 or x.quant.zp != y.quant.zp:
        problems.append("input and output quantization differ (TFLM requires them equal)")
    problems += activation_problems(op)
    padding = opt(op, "padding", "SAME")
    if padding not in ("SAME", "VALID"):
        return problems + [f"padding {padding} is not supported"]
    fh, fw = _filter(op)
    sh, sw = int(opt(op, "stride_h", 1)), int(opt(op, "stride_w", 1))
    if min(fh, fw, sh, sw) < 1:
        return problems + [f"filter {fh}x{fw} / stride {sh}x{sw} must be positive"]
    problems += window_int32_problems(op, g, fh, fw)
    taps = min(fh, x.shape[1]) * min(fw, x.shape[2])
    if op.kind == "AVERAGE_POOL_2D" and taps * 128 > INT32_MAX:
        # TFLM sums the window in int32 too: past this many taps the sum may overflow (undefined in C++).
        problems.append(f"a window of {taps} input pixels may overflow the int32 sum (at most {INT32_MAX // 128})")
    out_h, _ = compute_padding(padding, x.shape[1], fh, sh)
    out_w, _ = compute_padding(padding, x.shape[2], fw, sw)
    if (y.shape[0], out_h, out_w, y.shape[3]) != (x.shape[0], y.shape[1], y.shape[2], x.shape[3]):
        problems.append(f"output shape {list(y.shape)} does not match the pooling geometry "
                        f"({x.shape[0]}x{out_h}x{out_w}x{x.shape[3]})")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    fh, fw = _filter(op)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    params = dict(win=window_geometry(op, g, fh, fw), act_min=act_min, act_max=act_max)
    return KernelCall(KERNELS[op.kind, y.dtype], params, inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      macs=y.size * fh * fw, **window_overlap_gaps(op, g, fh, fw))

"""BATCH_MATMUL: int8 x int8 -> int8 and int16 x int16 -> int16 (TFLM batch_matmul.cc,
batch_matmul_common.cc; reference_ops::BatchMatMul).

Prepare facts reproduced here:
- lhs, rhs and output share the dtype; ranks 2..5; batch dims broadcast numpy-style (TFLM extends
  both operands to 5-D); adj_x / adj_y transpose the last two dims of lhs / rhs;
- multiplier = QuantizeMultiplier(double(float(lhs_scale * rhs_scale)) / double(output_scale))
  (GetQuantizedConvolutionMultipler without bias: the scale product in float32);
- the clamp is the dtype's full range (no fused activation); int16 requires zero points 0.
TFLM transposes the rhs (a constant one once, on the first Eval) and an adj_x lhs into persistent
buffers, then runs the reference with the operands swapped, after flattening batch dims where the
rhs broadcasts (ReshapeToFlattenBatchDimsIfPossible). None of that changes a sum: the kernels read
both operands in place through strides. Kernels: micro.kernels.batch_matmul.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import QRANGE
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.batch_matmul import BATCH_DIMS, BATCH_MATMUL_INT8, BATCH_MATMUL_INT16
from micro.lowered import KernelCall
from micro.ops.common import dtype_combination_problems, int64_requant_problems, opt, per_tensor_problems
from micro.quant import quantize_multiplier

KINDS = ("BATCH_MATMUL",)
TYPES = ("int8", "int16")
ARITY = {"BATCH_MATMUL": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks

ACCEPTED = ({"lhs": "int8", "rhs": "int8", "output": "int8"}, {"lhs": "int16", "rhs": "int16", "output": "int16"})
MAX_RANK = BATCH_DIMS + 2
KERNELS = {"int8": BATCH_MATMUL_INT8, "int16": BATCH_MATMUL_INT16}


def _row_major_strides(shape) -> list[int]:
    out, acc = [0] * len(shape), 1
    for i in reversed(range(len(shape))):
        out[i] = acc
        acc *= int(shape[i])
    return out


def layout(lhs_shape, rhs_shape, adj_x: bool, adj_y: bool) -> dict:
    """Output shape and the kernel's extents and strides for operands of these shapes."""
    lx = (1,) * (MAX_RANK - len(lhs_shape)) + tuple(int(d) for d in lhs_shape)
    rx = (1,) * (MAX_RANK - len(rhs_shape)) + tuple(int(d) for d in rhs_shape)
    ls, rs = _row_major_strides(lx), _row_major_strides(rx)
    batch = [max(a, b) for a, b in zip(lx[:BATCH_DIMS], rx[:BATCH_DIMS])]
    rows, depth = (lx[-1], lx[-2]) if adj_x else (lx[-2], lx[-1])
    rhs_depth, cols = (rx[-1], rx[-2]) if adj_y else (rx[-2], rx[-1])
    out_rank = max(len(lhs_shape), len(rhs_shape))
    return dict(
        out_shape=tuple(batch[BATCH_DIMS - (out_rank - 2):]) + (rows, cols), rhs_depth=rhs_depth,
        batch_dims=batch,
        lhs_batch_strides=[0 if lx[i] == 1 else ls[i] for i in range(BATCH_DIMS)],
        rhs_batch_strides=[0 if rx[i] == 1 else rs[i] for i in range(BATCH_DIMS)],
        rows=rows, cols=cols, depth=depth,
        lhs_row_stride=1 if adj_x else lx[-1], lhs_depth_stride=lx[-1] if adj_x else 1,
        rhs_depth_stride=1 if adj_y else rx[-1], rhs_col_stride=rx[-1] if adj_y else 1)


def _adj(op: Op) -> tuple[bool, bool]:
    return bool(opt(op, "adj_x", False)), bool(opt(op, "adj_y", False))


def _multiplier(op: Op, g: Graph) -> tuple[int, int]:
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    product = float(np.float32(a.quant.scale[0]) * np.float32(b.quant.scale[0]))
    return quantize_multiplier(product / float(y.quant.s))


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        return [f"BATCH_MATMUL takes 2 inputs and 1 output, got {len(op.inputs)} and {len(op.outputs)}"]
    problems = dtype_combination_problems(op, g, {"lhs": 0, "rhs": 1, "output": -1}, ACCEPTED)
    if problems:
        return problems
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    problems = per_tensor_problems(g, (a.index, b.index, y.index))
    if problems:
        return problems
    for t, what in ((a, "lhs"), (b, "rhs")):
        if not 2 <= len(t.shape) <= MAX_RANK:
            problems.append(f"{what} tensor {t.index} '{t.name}' has rank {len(t.shape)}; TFLM supports 2 to {MAX_RANK}")
    if a.dtype == "int16":
        for t in (a, b, y):
            if t.quant.zp != 0:
                problems.append(f"tensor {t.index} '{t.name}' has zero point {t.quant.zp}; "
                                "int16 BATCH_MATMUL requires 0 (TFLM check)")
    if problems:
        return problems
    adj_x, adj_y = _adj(op)
    lx = (1,) * (MAX_RANK - len(a.shape)) + tuple(a.shape)
    rx = (1,) * (MAX_RANK - len(b.shape)) + tuple(b.shape)
    if any(p != q and 1 not in (p, q) for p, q in zip(lx[:BATCH_DIMS], rx[:BATCH_DIMS])):
        problems.append(f"batch dims of {list(a.shape)} and {list(b.shape)} do not broadcast")
    lay = layout(a.shape, b.shape, adj_x, adj_y)
    if lay["depth"] != lay["rhs_depth"]:
        problems.append(f"lhs {list(a.shape)} (adj_x={adj_x}) and rhs {list(b.shape)} (adj_y={adj_y}) "
                        f"accumulate over {lay['depth']} and {lay['rhs_depth']} elements")
    elif int(np.prod(lay["out_shape"])) != y.size:
        problems.append(f"output shape {list(y.shape)} does not hold the {list(lay['out_shape'])} product")
    if not problems and a.dtype == "int16":
        problems += int64_requant_problems([_multiplier(op, g)[1]])
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    lay = layout(a.shape, b.shape, *_adj(op))
    mult, shift = _multiplier(op, g)
    act_min, act_max = QRANGE[y.dtype]
    params = {k: lay[k] for k in ("rows", "cols", "depth", "lhs_row_stride", "lhs_depth_stride",
                                  "rhs_depth_stride", "rhs_col_stride")}
    params.update({k: int_array(lay[k]) for k in ("batch_dims", "lhs_batch_strides", "rhs_batch_strides")})
    params.update(lhs_offset=-a.quant.zp, rhs_offset=-b.quant.zp, output_offset=y.quant.zp, mult=mult,
                  shift=shift, act_min=act_min, act_max=act_max)
    return KernelCall(KERNELS[y.dtype], params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size * lay["depth"])

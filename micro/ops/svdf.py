"""SVDF: int8 input and output, int8 feature weights, int16 or int8 time weights and activation state
(a variable tensor), optional int32 bias, any rank (TFLM svdf.cc / svdf_common.cc PrepareSvdf and
EvalIntegerSvdfReference). Kernels: micro.kernels.svdf.

Prepare, reproduced here: effective_scale_1 = input scale * feature weights scale / state scale and
effective_scale_2 = state scale * time weights scale / output scale, then QuantizeMultiplier; the bias
scale must equal state scale * time weights scale within 1e-5. The input zero point and the state zero
point are folded into constants here.

TFLM quirks (reproduced, see also mn_svdf_int8.c):
- the fused activation is ignored by the integer kernel (the output is only clamped to int8);
- the weights' zero points are never read;
- a new state value is clamped to the state type's range before the state zero point is added, then
  stored with a wrapping conversion;
- the effective scales are the double-precision product and quotient of the float32 scales, not the
  float32 arithmetic svdf_common.cc spells (float * float / float, then widened): measured on the pinned
  tflite-micro with models whose feature sums and time sums sit where the two multipliers round
  differently (double matched every case, float32 none);
- without a bias, TFLM's Prepare reads the absent bias tensor's scale (a null pointer: the pinned
  tflite-micro crashes); micro compiles it as TFLM's Eval treats a missing bias, as zeros.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import QRANGE
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import int_array
from micro.kernels.svdf import SVDF_KERNELS
from micro.lowered import KernelCall
from micro.ops.common import opt, per_tensor_problems
from micro.quant import f32, quantize_multiplier

KINDS = ("SVDF",)
TYPES = ("int8",)
# (min inputs, max inputs, outputs): TFLM's Prepare wants exactly 5 inputs, but the bias (input 3) may be
# omitted (-1), so only the first 3 are required here; check() requires the 5 positions and the state.
ARITY = {"SVDF": (3, 5, 1)}
INPUT, WEIGHTS_FEATURE, WEIGHTS_TIME, BIAS, STATE = range(5)
BIAS_SCALE_TOLERANCE = 1e-5  # svdf_common.cc PrepareSvdf


def _describe(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def _tensors(op: Op, g: Graph) -> dict[str, Tensor | None]:
    names = ("input", "weights_feature", "weights_time", "bias", "state")
    ins = list(op.inputs) + [None] * (5 - len(op.inputs))
    out = {n: g.t(i) if i is not None else None for n, i in zip(names, ins)}
    out["output"] = g.t(op.outputs[0])
    return out


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 5 or len(op.outputs) != 1:
        return [f"SVDF takes 5 inputs (input, weights_feature, weights_time, bias, activation_state) and 1 output, "
                f"got {len(op.inputs)} and {len(op.outputs)}"]
    t = _tensors(op, g)
    x, wf, wt, bias, state, y = (t[k] for k in ("input", "weights_feature", "weights_time", "bias", "state",
                                                "output"))
    if None in (x, wf, wt, state):
        return ["SVDF needs its input, weights_feature, weights_time and activation_state tensors"]
    problems = []
    wanted = [(x, ("int8",)), (wf, ("int8",)), (wt, ("int16", "int8")), (y, ("int8",))]
    if bias is not None:
        wanted.append((bias, ("int32",)))
    for tensor, dtypes in wanted:
        if tensor.dtype not in dtypes:
            problems.append(f"{_describe(tensor)} is {tensor.dtype}; TFLM's integer SVDF takes "
                            f"{'/'.join(dtypes)} there (float and hybrid SVDF are not supported)")
    if state.dtype != wt.dtype:
        problems.append(f"activation state {_describe(state)} is {state.dtype} but the time weights are {wt.dtype}: "
                        "TFLM reads the state as the time weights' type")
    if not state.is_variable:
        problems.append(f"activation state {_describe(state)} is not a variable tensor (TFLM requires is_variable)")
    for w in (wf, wt):
        if not w.is_const:
            problems.append(f"{_describe(w)} is not a constant; micro needs constant SVDF weights")
    if bias is not None and not bias.is_const:
        problems.append(f"bias {_describe(bias)} is not a constant; micro needs a constant SVDF bias")
    problems += per_tensor_problems(g, [i for i in op.inputs + op.outputs if i is not None])
    if problems:
        return problems
    problems += _shape_problems(op, x, wf, wt, bias, state, y)
    if not problems and bias is not None:
        expected = float(f32(state.quant.s) * f32(wt.quant.s))
        if abs(bias.quant.s - expected) >= BIAS_SCALE_TOLERANCE:
            problems.append(f"bias {_describe(bias)} scale {bias.quant.s} differs from state scale x time weights "
                            f"scale {expected} by {BIAS_SCALE_TOLERANCE} or more (TFLM's Prepare refuses it)")
    return problems


def _shape_problems(op: Op, x, wf, wt, bias, state, y) -> list[str]:
    rank = int(opt(op, "rank", 0) or 0)
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(state.shape) != 2 or len(y.shape) != 2:
        return [f"SVDF tensors must be 2-D (input {x.shape}, weights_feature {wf.shape}, weights_time {wt.shape}, "
                f"state {state.shape}, output {y.shape})"]
    batches, input_size = x.shape
    filters, memory = wt.shape
    if rank < 1 or filters % rank:
        return [f"rank {rank} does not divide the {filters} filters"]
    units = filters // rank
    expected = {"weights_feature": ((filters, input_size), wf.shape), "state": ((batches, memory * filters),
                state.shape), "output": ((batches, units), y.shape)}
    if bias is not None:
        expected["bias"] = ((units,), bias.shape)
    return [f"{name} has shape {got}, TFLM's SVDF Prepare requires {want}" for name, (want, got) in expected.items()
            if tuple(want) != tuple(got)]


def _wrap_int32(v: np.ndarray) -> np.ndarray:
    """Two's-complement int32 of int64 values (TFLM's int32 sums wrap)."""
    return ((np.asarray(v, np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)


def lower(op: Op, g: Graph) -> KernelCall:
    t = _tensors(op, g)
    x, wf, wt, bias, state, y = (t[k] for k in ("input", "weights_feature", "weights_time", "bias", "state",
                                                "output"))
    rank = int(opt(op, "rank"))
    batches, input_size = x.shape
    filters, memory = wt.shape
    units = filters // rank
    # In double (module docstring): the float32 quotient differs by a few units of the multiplier, which
    # moves the values lying within ~1e-6 of a rounding tie.
    feature_mult, feature_shift = quantize_multiplier(x.quant.s * wf.quant.s / state.quant.s)
    output_mult, output_shift = quantize_multiplier(state.quant.s * wt.quant.s / y.quant.s)
    wf_rows = wf.data.reshape(filters, input_size).astype(np.int64).sum(axis=1)
    wt_rows = wt.data.reshape(filters, memory).astype(np.int64).sum(axis=1).reshape(units, rank).sum(axis=1)
    b = np.zeros(units, np.int64) if bias is None else bias.data.astype(np.int64).ravel()
    lo, hi = QRANGE[state.dtype]
    params = dict(
        batches=batches, input_size=input_size, filters=filters, units=units, rank=rank, memory=memory,
        feature_mult=feature_mult, feature_shift=feature_shift, state_zero_point=state.quant.zp,
        state_min=lo, state_max=hi, output_mult=output_mult, output_shift=output_shift,
        output_zero_point=y.quant.zp,
        feature_offset=int_array(_wrap_int32(-x.quant.zp * wf_rows)),
        unit_bias=int_array(_wrap_int32(b - state.quant.zp * wt_rows)))
    return KernelCall(SVDF_KERNELS[state.dtype], params, inputs=[x.index, wf.index, wt.index, state.index],
                      outputs=[y.index], macs=batches * filters * (input_size + memory))

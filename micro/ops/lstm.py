"""UNIDIRECTIONAL_SEQUENCE_LSTM, fully integer: int8 activations, int8 weights, int32 biases, int8 hidden
state and int16 cell state (both variable tensors), batch-major or time-major, every time step (TFLM
unidirectional_sequence_lstm.cc, lstm_eval_common.cc, lstm_eval.h). Kernel: micro.kernels.lstm.

Prepare (PrepareGateParametersInteger, CreateLstmCellStateInfo), reproduced here:
- each gate's input and recurrent FullyConnected write int16 at the fixed scale 2^-12 (Q3.12), zero
  point 0, no activation: multiplier input scale * weight scale / 2^-12 (GetQuantizedConvolutionMultipler),
  the product taken in double: the source spells a float32 product widened to double, but the pinned
  tflite-micro agrees with the double product where the two round differently (dtln_noise_suppression,
  invoke 114 of tests/verify/test_recurrent_models.py's stream: one cell state value differs by 1 with
  the float32 product); the gate bias goes to the input FC, the recurrent FC has none;
- gate activations are Q0.15 (scale 2^-15); the elementwise products are TFLM's MulElementwise with
  multipliers from double(scale1) * double(scale2) / double(output scale): forget x cell -> cell,
  input x cell gate -> cell, tanh(cell) x output -> hidden (with the hidden zero point);
- cell_state_scale_power = round(log2(cell scale)) (CheckedLog2, its failure ignored as TFLM does);
  tanh(cell) rescales the input by 3 << (12 + power) (power >= -12) or (x * 3 + round) >> -(12 + power);
- quantized cell clip = int16(clamp(double(cell_clip) / double(cell scale), -32768, 32767)), applied
  when cell_clip > 0.

TFLM's integer LSTM supports neither CIFG nor peepholes, projection or layer normalization (its Prepare
requires those inputs absent): refused likewise. Per-channel weights are refused too: TFLM's LSTM copies
only the per-tensor multiplier of its FullyConnected data. The 16x8 variant (int16 activations, int64
biases) is not implemented: no shared model uses it.
"""

from __future__ import annotations

import numpy as np

from micro.geometry import forward_gap
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import int_array
from micro.kernels.lstm import GATES, LSTM_INT8
from micro.lowered import KernelCall
from micro.ops.common import fused_activation, opt
from micro.ops.sigmoid_table import SIGMOID_TABLE_UINT16
from micro.quant import checked_log2, quantize_multiplier

KINDS = ("UNIDIRECTIONAL_SEQUENCE_LSTM",)
TYPES = ("int8",)
# (min inputs, max inputs, outputs): TFLM's Prepare wants exactly 24 inputs, most of them optional (-1), so
# only the first is required here; check() requires the 24 positions and names each missing tensor.
ARITY = {"UNIDIRECTIONAL_SEQUENCE_LSTM": (1, 24, 1)}
INPUT = 0
INPUT_WEIGHTS = (1, 2, 3, 4)        # input_to_{input, forget, cell, output}_weights
RECURRENT_WEIGHTS = (5, 6, 7, 8)    # recurrent_to_{...}_weights
BIASES = (12, 13, 14, 15)           # {input, forget, cell, output}_gate_bias
HIDDEN_STATE, CELL_STATE = 18, 19
ABSENT = {"peephole (cell_to_*_weights)": (9, 10, 11), "projection": (16, 17), "layer normalization": (20, 21, 22, 23)}
GATE_SCALE = 2.0 ** -12             # FullyConnected outputs (Q3.12), the gate activations' input
ACTIVATED_SCALE = 2.0 ** -15        # gate activation outputs (Q0.15)
# The cell gate's activation is the op's fused activation. TFLM's CalculateLstmGate runs sigmoid or tanh and
# asserts on anything else; a flatbuffer cannot express sigmoid (ActivationFunctionType has no such value).
CELL_GATE_ACTIVATION = "TANH"


def _describe(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 24 or len(op.outputs) != 1:
        return [f"UNIDIRECTIONAL_SEQUENCE_LSTM takes 24 inputs and 1 output (TFLM), got {len(op.inputs)} and "
                f"{len(op.outputs)}"]
    problems = []
    for what, positions in ABSENT.items():
        present = [p for p in positions if op.inputs[p] is not None]
        if present:
            problems.append(f"inputs {present} ({what}) are given: TFLM's integer LSTM supports only the standard "
                            "LSTM without them")
    required = (INPUT, *INPUT_WEIGHTS, *RECURRENT_WEIGHTS, *BIASES, HIDDEN_STATE, CELL_STATE)
    missing = [p for p in required if op.inputs[p] is None]
    if missing:
        what = " (no input gate: CIFG)" if 1 in missing or 5 in missing else ""
        return problems + [f"inputs {missing} are absent{what}: TFLM's integer LSTM requires them"]
    x, y = g.t(op.inputs[INPUT]), g.t(op.outputs[0])
    h, c = g.t(op.inputs[HIDDEN_STATE]), g.t(op.inputs[CELL_STATE])
    if x.dtype == "int16":
        return problems + ["int16 activations (the 16x8 LSTM) are not supported by micro yet; int8 activations are"]
    expected = [(x, "int8"), (y, "int8"), (h, "int8"), (c, "int16")]
    expected += [(g.t(op.inputs[p]), "int8") for p in INPUT_WEIGHTS + RECURRENT_WEIGHTS]
    expected += [(g.t(op.inputs[p]), "int32") for p in BIASES]
    for t, dtype in expected:
        if t.dtype != dtype:
            problems.append(f"{_describe(t)} is {t.dtype}; micro's integer LSTM takes {dtype} there (int8 "
                            "activations and weights, int32 biases, int16 cell state)")
        elif t.quant is None:
            problems.append(f"{_describe(t)} is not quantized")
        elif t.quant.per_channel:
            problems.append(f"{_describe(t)} is per-channel quantized: TFLM's LSTM uses one multiplier per FC "
                            "(per-tensor weights are required)")
    for p in INPUT_WEIGHTS + RECURRENT_WEIGHTS + BIASES:
        t = g.t(op.inputs[p])
        if not t.is_const:
            problems.append(f"{_describe(t)} is not a constant; micro needs constant LSTM weights and biases")
        elif p not in BIASES and t.quant is not None and np.any(t.quant.zero_point != 0):
            problems.append(f"weights {_describe(t)} have zero point {t.quant.zp}; TFLM requires 0")
    for state in (h, c):
        if not state.is_variable:
            problems.append(f"state {_describe(state)} is not a variable tensor (TFLM requires is_variable)")
    act = fused_activation(op)
    if act != CELL_GATE_ACTIVATION:
        problems.append(f"cell gate activation {act}: TFLM's integer LSTM runs only {CELL_GATE_ACTIVATION} there "
                        "(it aborts on any other)")
    if problems:
        return problems
    problems += _shape_problems(op, g)
    if not problems and not _cell_tanh_rescale(c.quant.s)[2]:
        problems.append(f"cell state {_describe(c)} scale {c.quant.s}: its tanh input rescale overflows int32 "
                        "(cell scales from 2^-42 to 2^3 are supported)")
    return problems


def _sizes(op: Op, g: Graph) -> tuple[int, int, int, int, bool]:
    """(batches, time steps, input size, units, time_major) as TFLM's CreateLstmSizeInfo."""
    x, h = g.t(op.inputs[INPUT]), g.t(op.inputs[HIDDEN_STATE])
    time_major = bool(opt(op, "time_major", False))
    batches, steps = (x.shape[1], x.shape[0]) if time_major else (x.shape[0], x.shape[1])
    return batches, steps, x.shape[2], h.shape[-1], time_major


def _shape_problems(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[INPUT]), g.t(op.outputs[0])
    h, c = g.t(op.inputs[HIDDEN_STATE]), g.t(op.inputs[CELL_STATE])
    if len(x.shape) != 3 or len(y.shape) != 3 or len(h.shape) not in (1, 2):
        return [f"input {x.shape} and output {y.shape} must be 3-D and the hidden state {h.shape} 1-D or 2-D"]
    batches, steps, size, units, _ = _sizes(op, g)
    problems = []
    for p in INPUT_WEIGHTS + RECURRENT_WEIGHTS:
        w = g.t(op.inputs[p])
        want = (units, size) if p in INPUT_WEIGHTS else (units, units)
        if tuple(w.shape) != want:
            problems.append(f"weights {_describe(w)} have shape {w.shape}, TFLM requires {want}")
    for p in BIASES:
        bias = g.t(op.inputs[p])
        if tuple(bias.shape) != (units,):
            problems.append(f"bias {_describe(bias)} has shape {bias.shape}, TFLM requires ({units},)")
    for state in (h, c):
        if state.size != batches * units:
            problems.append(f"state {_describe(state)} has {state.size} elements, TFLM requires batch x units = "
                            f"{batches * units}")
    if tuple(y.shape) != (x.shape[0], x.shape[1], units):
        problems.append(f"output shape {y.shape}, TFLM requires {(x.shape[0], x.shape[1], units)}")
    return problems


def _cell_tanh_rescale(cell_scale: float) -> tuple[int, int, bool]:
    """(multiplier, right shift, representable) of tanh(cell)'s input rescale: lstm_eval.cc Tanh with
    tanh_input_left_shift = 15 + power - 3; a non-negative one is TFLM's power-of-two case (multiplier
    0 -> 3 << shift, shift 0), a negative one becomes multiplier 3 with that right shift."""
    _, power = checked_log2(cell_scale)
    shift = 12 + power
    if shift >= 0:
        mult = 3 << shift
        return mult, 0, 32768 * mult < 2**31
    return 3, -shift, -shift <= 30


def _fc_multiplier(input_scale: float, weight_scale: float) -> tuple[int, int]:
    """GetQuantizedConvolutionMultipler onto the Q3.12 gate, in double (module docstring)."""
    return quantize_multiplier(float(input_scale) * float(weight_scale) / GATE_SCALE)


def _mul_multiplier(scale1: float, scale2: float, out_scale: float) -> tuple[int, int]:
    """CreateInterGateMulParams: double(scale1) * double(scale2) / double(output scale)."""
    return quantize_multiplier(float(scale1) * float(scale2) / float(out_scale))


def _wrap_int32(v: np.ndarray) -> np.ndarray:
    """Two's-complement int32 of int64 values (TFLM's int32 sums wrap)."""
    return ((np.asarray(v, np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)


def _row_sums(t: Tensor) -> np.ndarray:
    return t.data.reshape(t.shape[0], -1).astype(np.int64).sum(axis=1)


def lower(op: Op, g: Graph) -> KernelCall:
    x, y = g.t(op.inputs[INPUT]), g.t(op.outputs[0])
    h, c = g.t(op.inputs[HIDDEN_STATE]), g.t(op.inputs[CELL_STATE])
    batches, steps, size, units, time_major = _sizes(op, g)
    w_x = [g.t(op.inputs[p]) for p in INPUT_WEIGHTS]
    w_h = [g.t(op.inputs[p]) for p in RECURRENT_WEIGHTS]
    biases = [g.t(op.inputs[p]) for p in BIASES]
    input_q = [_fc_multiplier(x.quant.s, w.quant.s) for w in w_x]
    recurrent_q = [_fc_multiplier(h.quant.s, w.quant.s) for w in w_h]
    input_bias = np.concatenate([b.data.astype(np.int64).ravel() - x.quant.zp * _row_sums(w)
                                 for b, w in zip(biases, w_x)])
    recurrent_bias = np.concatenate([-h.quant.zp * _row_sums(w) for w in w_h])
    cell_scale = c.quant.s
    forget_cell = _mul_multiplier(ACTIVATED_SCALE, cell_scale, cell_scale)
    input_cell = _mul_multiplier(ACTIVATED_SCALE, ACTIVATED_SCALE, cell_scale)
    hidden = _mul_multiplier(ACTIVATED_SCALE, ACTIVATED_SCALE, h.quant.s)
    cell_clip = float(opt(op, "cell_clip", 0.0) or 0.0)
    quantized_clip = int(min(max(cell_clip / cell_scale, -32768.0), 32767.0))  # static_cast<int16_t>: truncates
    tanh_mult, tanh_shift, _ = _cell_tanh_rescale(cell_scale)
    params = dict(
        batches=batches, time_steps=steps, input_size=size, units=units, time_major=int(time_major),
        input_mult=int_array([m for m, _ in input_q]), input_shift=int_array([s for _, s in input_q]),
        recurrent_mult=int_array([m for m, _ in recurrent_q]), recurrent_shift=int_array([s for _, s in recurrent_q]),
        input_bias=int_array(_wrap_int32(input_bias)), recurrent_bias=int_array(_wrap_int32(recurrent_bias)),
        forget_cell_mult=forget_cell[0], forget_cell_shift=forget_cell[1],
        input_cell_mult=input_cell[0], input_cell_shift=input_cell[1],
        hidden_mult=hidden[0], hidden_shift=hidden[1], hidden_zero_point=h.quant.zp,
        clip_cell=int(cell_clip > 0), cell_clip=max(quantized_clip, 0),
        cell_tanh_mult=tanh_mult, cell_tanh_shift=tanh_shift,
        table=np.ascontiguousarray(SIGMOID_TABLE_UINT16))
    assert len(GATES) == len(w_x) == len(w_h)
    return KernelCall(LSTM_INT8, params, inputs=[x.index, *(w.index for w in w_x), *(w.index for w in w_h),
                                                 h.index, c.index],
                      outputs=[y.index], macs=batches * steps * 4 * units * (size + units),
                      overlap_gap={0: _output_gap(batches * steps, size, units)})


def _output_gap(rows: int, size: int, units: int) -> int:
    """How far before the input the output may start: the kernel produces output rows in ascending order
    and, while writing row r, reads input row r from its first byte (micro.geometry.forward_gap)."""
    r = np.arange(rows, dtype=np.int64)
    return forward_gap(last_write=(r + 1) * units - 1, first_read=r * size)

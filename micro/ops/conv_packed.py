"""Lowering to the packed convolution kernel (micro.kernels.conv_2d.CONV_2D_PACKED_INT8), TFLM's Prepare
plus what can be done once at compile time: the weights widened to int16 and interleaved for the kernel's
SMLAD loop, and each channel's requantization in a single rounding. Used by CONV_2D (groups = 1) and by
DEPTHWISE_CONV_2D with one input channel (then a convolution whose output channel oc has the filter
column oc: TFLM's depthwise loop gives each output channel exactly those taps and products).

Single rounding: TFLM's MultiplyByQuantizedMultiplier(x, m, -r) for r >= 1 is
RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), r). With m in [0, 2^31) its high multiply is
floor((x * m + 2^30) / 2^31) for either sign of x (the truncating division of x * m + 1 - 2^30 when
x * m < 0 is that floor), and the rounding division by 2^r adds 2^(r-1), less one for a negative value
(whose sign is x's), then floors. Nested floors of integers merge: the result is
floor((x * m + 2^30 + (2^(r-1) - [x < 0]) * 2^31) / 2^(31+r)), i.e. the high word of the 64-bit
x * m + c + [x < 0] * -2^31 with c = 2^30 + 2^(30+r), shifted right by r - 1 (arithmetic shifts).
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.conv_2d import CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_PACKED_INT8
from micro.lowered import KernelCall

MAX_TAPS = 576  # taps per output channel of mn_conv_2d_packed_int8.c (its im2col rows live on the stack: 4.8 KB)


MAX_R = 23  # r - 1 <= 22: zp * 2^(r-1) and the high word (|.| < 2^30) stay within int32 together


def single_rounding_requant(mult: np.ndarray, shift: np.ndarray, zero_point: int) -> np.ndarray | None:
    """[n][4] int32 {m, c_lo, c_hi, r - 1} per channel (see the module doc), the output zero point folded
    into c_hi (adding zp * 2^(r-1) to the high word adds zp after the shift); None unless every shift is
    in [-MAX_R, -1]."""
    shift = np.asarray(shift, dtype=np.int64)
    if shift.size == 0 or np.any(shift > -1) or np.any(shift < -MAX_R):
        return None
    r = -shift
    c = (np.int64(1) << 30) + np.left_shift(np.int64(1), 30 + r)
    lo = (c & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
    hi = ((c >> 32) + np.int64(zero_point) * np.left_shift(np.int64(1), r - 1)).astype(np.int32)
    return np.stack([np.asarray(mult, dtype=np.int32), lo, hi, (r - 1).astype(np.int32)], axis=1)


def pack_weights(w: np.ndarray) -> tuple[np.ndarray, int]:
    """[out_c][K] int8 -> [out_c][K4 // 2] int32: each row zero padded to K4 (a multiple of 4), widened to int16,
    each group of 4 taps in the order 0 2 1 3 (the words [w0 w2] [w1 w3] that meet the im2col rows' words, so
    the kernel's SMLAD loop widens nothing at run time), as little-endian int32 words; and K4."""
    out_c, k = w.shape
    k4 = (k + 3) // 4 * 4
    padded = np.zeros((out_c, k4), dtype="<i2")
    padded[:, :k] = w
    interleaved = np.ascontiguousarray(padded.reshape(out_c, k4 // 4, 4)[:, :, [0, 2, 1, 3]])
    return interleaved.reshape(out_c, -1).view("<i4"), k4


def channel_records(w: np.ndarray, bias: np.ndarray, folded: np.ndarray) -> tuple[np.ndarray, int]:
    """The kernel's per output channel records [bias][K4 // 2 weight words][4 requantization words]
    (mn_conv_2d_packed_params_t.channels: one pointer walks a channel's constants in the order it uses them),
    flattened, and K4."""
    words, k4 = pack_weights(w)
    records = np.concatenate([bias.astype(np.int32).reshape(-1, 1), words, folded.astype(np.int32)], axis=1)
    return int_array(records.reshape(-1)), k4


def _sums_fit(weights: np.ndarray, g: Graph, bias: int | None) -> bool:
    """No int32 sum can overflow: |x + input_offset| <= 255 per tap, weights [out_c][K]."""
    out_c = weights.shape[0]
    b = g.t(bias).data.astype(np.int64) if bias is not None else np.zeros(out_c, dtype=np.int64)
    # 256: also the partial sums of raw inputs (|x| <= 128) on a folded bias (|offset| <= 128)
    return bool(np.all(np.abs(weights.astype(np.int64)).sum(axis=1) * 256 + np.abs(b) < 2**31))


def packed_depthwise_call(op: Op, g: Graph, weights: np.ndarray, bias: int | None, win: dict, rq: dict,
                          overlap: dict) -> KernelCall | None:
    """The regrouped-weight depthwise kernel's call for depth_mult 1, weights [k_h * k_w][out_c]; None when it
    does not apply (out_c % 4 != 0, a shift outside [-MAX_R, -1], a sum that could leave int32)."""
    taps, out_c = weights.shape
    folded = single_rounding_requant(rq["mult"], rq["shift"], rq["output_offset"])
    if folded is None or out_c % 4 or not _sums_fit(weights.T, g, bias):
        return None
    # per group of 4 channels c0..c3, its taps consecutive, each tap's weights widened to int16 in the order
    # c0 c2 c1 c3 (the words [w_c0 w_c2] [w_c1 w_c3] meet SXTB16's even and odd input halves)
    grouped = weights.reshape(taps, out_c // 4, 4).transpose(1, 0, 2)[:, :, [0, 2, 1, 3]]
    words = np.ascontiguousarray(grouped, dtype="<i2").reshape(out_c // 4, -1).view("<i4")
    b = g.t(bias).data.astype(np.int64) if bias is not None else np.zeros(out_c, dtype=np.int64)
    folded_bias = b + rq["input_offset"] * weights.astype(np.int64).sum(axis=0)
    records = np.concatenate([folded_bias.astype(np.int32).reshape(-1, 4), words,
                              folded.astype(np.int32).reshape(-1, 16)], axis=1)
    params = dict(win=win, input_offset=rq["input_offset"], act_min=rq["act_min"], act_max=rq["act_max"],
                  groups=int_array(records))
    y = g.t(op.outputs[0])
    return KernelCall(DEPTHWISE_CONV_2D_PACKED_INT8, params, inputs=[op.inputs[0], bias], outputs=[op.outputs[0]],
                      macs=y.size * taps, **overlap)



def packed_conv_call(op: Op, g: Graph, weights: np.ndarray, bias: int | None, win: dict, rq: dict,
                     overlap: dict) -> KernelCall | None:
    """The packed kernel's call for weights [out_c][K] (K = k_h * k_w * in_c, taps in NHWC window order), or
    None when it does not apply: a shift > -1 (multiplier >= 0.5), K > MAX_TAPS, or a sum that could leave
    int32 (|x + input_offset| <= 255 per tap)."""
    out_c, k = weights.shape
    folded = single_rounding_requant(rq["mult"], rq["shift"], rq["output_offset"])
    if folded is None or k > MAX_TAPS:
        return None
    if not _sums_fit(weights, g, bias):
        return None
    b = g.t(bias).data if bias is not None else np.zeros(out_c, dtype=np.int32)
    channels, k4 = channel_records(weights, b, folded)
    fy, fx, c = np.meshgrid(np.arange(win["k_h"]), np.arange(win["k_w"]), np.arange(win["in_c"]), indexing="ij")
    tap_offsets = (fy * win["dil_h"] * win["in_w"] + fx * win["dil_w"]) * win["in_c"] + c
    col_stride = -(-k4 // 16) * 16
    params = dict(win=win, taps=k, taps4=k4, col_stride=col_stride, tap_offsets=int_array(tap_offsets),
                  input_offset=rq["input_offset"], act_min=rq["act_min"], act_max=rq["act_max"],
                  channels=channels)
    y = g.t(op.outputs[0])
    return KernelCall(CONV_2D_PACKED_INT8, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      macs=y.size * k, **overlap)

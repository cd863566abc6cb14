"""An analytical ESTIMATE of HiFi 4 cycles per op for `micro profile --kernels hifi4`. Nothing here ran on a HiFi
core: no compiler here emits HiFi instructions and no emulator here executes them (docs/hifi.md). The estimate
counts the operations of micro's HiFi 4 kernels (micro/kernels_c/mn_*_hifi4.c) from the layer's geometry and
packs them into bundles under these assumptions, each a model, not a measurement:

    - a bundle issues up to 2 loads (LOAD_SLOTS) and up to 2 vector operations (VECTOR_SLOTS), a MAC being
      one vector operation of four 16x16 multiply-adds (AE_MULAAAAQ16, AE_MULA16X4); shifts and adds on
      16-bit lanes take vector slots too; an inner loop's iteration costs the larger of the two
    - inner loops are zero-overhead (the Xtensa LOOP instruction); no stalls, no cache or memory waits
    - scalar C work costs SCALAR_CYCLES per element (im2col rows, widening int8 to int16)
    - requantizing one output costs REQUANT_SINGLE_CYCLES (single rounding, conv and depthwise) or
      REQUANT_DOUBLE_CYCLES (TFLM's double rounding, FULLY_CONNECTED, SVDF, LSTM), saturation, clamp and store
      included; an LSTM unit's step also 5 table activations of ACTIVATION_CYCLES each (portable C)
    - weight arrays start 4-byte aligned (a row's head before its aligned loads follows from its offset)

Ops whose kernel has no HiFi 4 variant (they run portable C on a HiFi core) get no estimate: None.

    estimate_call(call) -> Hifi4Estimate | None
    estimate_code(call) -> (cycles | None, partial)   a kernel call, or a patch: the sum of its band calls
"""

from __future__ import annotations

from dataclasses import dataclass

from micro.lowered import KernelCall, PatchCall

LOAD_SLOTS = 2
VECTOR_SLOTS = 2
SCALAR_CYCLES = 1
REQUANT_SINGLE_CYCLES = 6
REQUANT_DOUBLE_CYCLES = 10
KERNEL_SET = "hifi4"
CONV_PIXELS = 4          # mn_conv_2d_packed_int8_hifi4.c: output pixels per block (MN_HC_PIX)
FC_CHUNK = 256           # mn_fully_connected_int8_hifi4.c: inputs widened at a time (MN_HF_CHUNK)
DOT_CHUNK = 128          # mn_hifi4.h: int8 vector elements widened at a time (MN_HIFI4_CHUNK)
ACTIVATION_CYCLES = 8    # one of TFLM's int16 sigmoid / tanh table interpolations (mn_sigmoid_int16.h)


@dataclass(frozen=True)
class Hifi4Estimate:
    """Cycles (ESTIMATE) of one op: its bundled inner loops, its scalar C, its requantization; and the HiFi
    loads and multiplies the kernel issues in all (the counts micro's emulation reports under
    MN_HIFI_EMU_COUNT, tests/profile/test_hifi4_estimate.py: word-aligned buffers, FULLY_CONNECTED rows a
    multiple of 4 long)."""

    bundles: int
    scalar: int
    requant: int
    loads: int = 0
    multiplies: int = 0

    @property
    def cycles(self) -> int:
        return self.bundles + self.scalar + self.requant


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _bundles(loads: int, vector_ops: int) -> int:
    """Bundles of one inner-loop iteration: the busier of the load and the vector slots."""
    return max(_ceil(loads, LOAD_SLOTS), _ceil(vector_ops, VECTOR_SLOTS))


def _in_image_taps(n_out: int, k: int, stride: int, dil: int, pad: int, size: int) -> int:
    """Sum over the output positions along one axis of the window taps that fall inside the input."""
    return sum(sum(0 <= o * stride - pad + f * dil < size for f in range(k)) for o in range(n_out))


def _conv(p: dict) -> Hifi4Estimate:
    w = p["win"]
    blocks = w["batches"] * _ceil(w["out_h"] * w["out_w"], CONV_PIXELS)
    groups = p["taps4"] // 4
    pairs = blocks * _ceil(w["out_c"], 2)
    # a group: 2 weight loads + 4 im2col loads, 8 quad MACs (2 channels x 4 pixels); a channel pair per block:
    # its two weight streams' priming loads
    iterations = pairs * groups
    outputs = blocks * CONV_PIXELS * w["out_c"]        # a short last block requantizes its repeated pixel too
    return Hifi4Estimate(iterations * _bundles(6, 8) + pairs * _bundles(2, 0),
                         blocks * CONV_PIXELS * p["taps"] * SCALAR_CYCLES, outputs * REQUANT_SINGLE_CYCLES,
                         loads=6 * iterations + 2 * pairs, multiplies=8 * iterations + outputs)


def _inside(n_out: int, k: int, stride: int, dil: int, pad: int, size: int) -> int:
    """The output positions along one axis whose window lies wholly inside the input."""
    return sum(o * stride - pad >= 0 and o * stride - pad + (k - 1) * dil < size for o in range(n_out))


def _depthwise(p: dict) -> Hifi4Estimate:
    w = p["win"]
    y = (w["out_h"], w["k_h"], w["stride_h"], w["dil_h"], w["pad_h"], w["in_h"])
    x = (w["out_w"], w["k_w"], w["stride_w"], w["dil_w"], w["pad_w"], w["in_w"])
    groups = w["batches"] * _ceil(w["out_c"], 4)
    window = w["k_h"] * w["k_w"]
    pixels = w["out_h"] * w["out_w"]
    in_image = _in_image_taps(*y) * _in_image_taps(*x)      # taps TFLM does not skip
    interior = _inside(*y) * _inside(*x) * window           # taps of windows inside the image
    # per group and pixel: the weight stream's priming load; per tap: its weights (1 load, 2 lane selects);
    # per in-image tap also its 4 input bytes (1 load), the shift (and at the edge the offset add), 1 lanewise MAC
    bundles = groups * (interior * _bundles(2, 4) + (in_image - interior) * _bundles(2, 5)
                        + (pixels * window - in_image) * _bundles(1, 2) + pixels * _bundles(1, 0))
    outputs = w["batches"] * pixels * w["out_c"]
    return Hifi4Estimate(bundles, 0, outputs * REQUANT_SINGLE_CYCLES,
                         loads=groups * (pixels * (1 + window) + in_image), multiplies=groups * in_image + outputs)


def _fully_connected(p: dict) -> Hifi4Estimate:
    rows, n_in, n_out = p["batches"], p["in_depth"], p["out_depth"]
    tiles = _ceil(n_out, 32)
    # per output and 4 inputs: a weight quad load, an input quad load, 1 quad MAC (a tail: 1 MAC per input);
    # per output and chunk, the unaligned stream's priming load
    groups, tail = n_in // 4, n_in % 4
    iterations = rows * n_out * groups
    widen = rows * tiles * n_in * SCALAR_CYCLES     # each tile widens the input row again, a chunk at a time
    primes = rows * n_out * (n_in // FC_CHUNK + (n_in % FC_CHUNK >= 4))   # chunks with a group of 4
    return Hifi4Estimate(iterations * _bundles(2, 1) + rows * n_out * tail, widen, rows * n_out * REQUANT_DOUBLE_CYCLES,
                         loads=2 * iterations + primes, multiplies=iterations + rows * n_out * (tail + 1))


def _dot_rows(offsets: list[int], n: int) -> Hifi4Estimate:
    """mn_hifi4_dotn_s8: rows of n int8 weights at these byte offsets from a 4-byte aligned array, against one int8
    vector widened a chunk at a time. Per row and chunk: a head of single-lane MACs up to the row's first aligned
    word, then per 4 a weight and a vector load and 1 quad MAC (the vector stream's priming load once), a tail of
    single-lane MACs."""
    bundles = loads = macs = 0
    for k0 in range(0, n, DOT_CHUNK):
        m = min(DOT_CHUNK, n - k0)
        for o in offsets:
            head = min(-(o + k0) % 4, m)
            groups = (m - head) // 4
            single = m - 4 * groups         # the head and the tail
            bundles += groups * _bundles(2, 1) + single
            loads += (groups > 0) + 2 * groups
            macs += groups + single
    return Hifi4Estimate(bundles, n * SCALAR_CYCLES, 0, loads=loads, multiplies=macs)


def _sum(parts: list[Hifi4Estimate], times: int = 1, requant: int = 0) -> Hifi4Estimate:
    return Hifi4Estimate(times * sum(e.bundles for e in parts), times * sum(e.scalar for e in parts),
                         times * sum(e.requant for e in parts) + requant, loads=times * sum(e.loads for e in parts),
                         multiplies=times * sum(e.multiplies for e in parts))


def _lstm(p: dict) -> Hifi4Estimate:
    # per step and unit: its 4 gate rows against the input, then against the hidden state (mn_hifi4_dot4_s8);
    # 8 gate and 3 cell/hidden requantizations and 5 activations in portable C
    size, n, steps = p["input_size"], p["units"], p["batches"] * p["time_steps"]
    parts = [_dot_rows([u * size] * 4, size) for u in range(n)] + [_dot_rows([u * n] * 4, n) for u in range(n)]
    return _sum(parts, steps, steps * n * (11 * REQUANT_DOUBLE_CYCLES + 5 * ACTIVATION_CYCLES))


def _svdf(p: dict, time_bytes: int) -> Hifi4Estimate:
    # per batch: the feature filters in fours (mn_hifi4_dot4_s8, a short last group one filter at a time), each
    # filter's requantization, memory shift (scalar) and time product: int16 by two unaligned streams (priming
    # loads, 2 loads and 1 quad MAC per 4, single-lane tail), int8 as one more mn_hifi4_dotn_s8 row
    size, filters, memory = p["input_size"], p["filters"], p["memory"]
    parts = []
    for f in range(0, filters, 4):
        rows = [k * size for k in range(f, min(f + 4, filters))]
        parts += [_dot_rows(rows, size)] if len(rows) == 4 else [_dot_rows([o], size) for o in rows]
    groups, tail = memory // 4, memory % 4
    for f in range(filters):
        if time_bytes == 2:
            parts.append(Hifi4Estimate(groups * _bundles(2, 1) + tail, 0, 0, loads=2 * (groups > 0) + 2 * groups,
                                       multiplies=groups + tail))
        else:
            parts.append(_dot_rows([f * memory], memory))
        parts.append(Hifi4Estimate(0, (memory - 1) * SCALAR_CYCLES, 0))
    return _sum(parts, p["batches"], p["batches"] * (filters + p["units"]) * REQUANT_DOUBLE_CYCLES)


ESTIMATORS = {
    "mn_svdf_int8_state_int16": lambda p: _svdf(p, 2),
    "mn_svdf_int8_state_int8": lambda p: _svdf(p, 1),
    "mn_lstm_int8": _lstm,
    "mn_conv_2d_packed_int8": _conv,
    "mn_depthwise_conv_2d_packed_int8": _depthwise,
    "mn_fully_connected_int8": _fully_connected,
}


def estimate_call(call: KernelCall) -> Hifi4Estimate | None:
    """The HiFi 4 cycle ESTIMATE of one kernel call, or None when its kernel has no HiFi 4 variant."""
    estimator = ESTIMATORS.get(call.func)
    if estimator is None or KERNEL_SET not in dict(call.kernel.variants):
        return None
    return estimator(call.params)


def estimate_code(call: KernelCall | PatchCall) -> tuple[int | None, bool]:
    """The cycles (ESTIMATE) of a kernel call, or of a patch (micro.patch: the sum of its band calls), None when
    none of its calls has an estimate; and whether some of them have none (not counted)."""
    calls = [s.call for s in call.steps] if isinstance(call, PatchCall) else [call]
    known = [e.cycles for e in map(estimate_call, calls) if e is not None]
    return (sum(known) if known else None), len(known) < len(calls)

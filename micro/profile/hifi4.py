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
      REQUANT_DOUBLE_CYCLES (TFLM's double rounding, FULLY_CONNECTED), saturation, clamp and store included

Ops whose kernel has no HiFi 4 variant (they run portable C on a HiFi core) get no estimate: None.

    estimate_call(call) -> Hifi4Estimate | None
"""

from __future__ import annotations

from dataclasses import dataclass

from micro.lowered import KernelCall

LOAD_SLOTS = 2
VECTOR_SLOTS = 2
SCALAR_CYCLES = 1
REQUANT_SINGLE_CYCLES = 6
REQUANT_DOUBLE_CYCLES = 10
KERNEL_SET = "hifi4"
CONV_PIXELS = 4          # mn_conv_2d_packed_int8_hifi4.c: output pixels per block (MN_HC_PIX)


@dataclass(frozen=True)
class Hifi4Estimate:
    """Cycles (ESTIMATE) of one op: its bundled inner loops, its scalar C, its requantization."""

    bundles: int
    scalar: int
    requant: int

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
    # a group: 2 weight loads + 4 im2col loads, 8 quad MACs (2 channels x 4 pixels)
    inner = blocks * _ceil(w["out_c"], 2) * groups * _bundles(6, 8)
    return Hifi4Estimate(inner, blocks * CONV_PIXELS * p["taps"] * SCALAR_CYCLES,
                         blocks * CONV_PIXELS * w["out_c"] * REQUANT_SINGLE_CYCLES)


def _depthwise(p: dict) -> Hifi4Estimate:
    w = p["win"]
    taps = (_in_image_taps(w["out_h"], w["k_h"], w["stride_h"], w["dil_h"], w["pad_h"], w["in_h"])
            * _in_image_taps(w["out_w"], w["k_w"], w["stride_w"], w["dil_w"], w["pad_w"], w["in_w"]))
    # a group of 4 channels at one tap: 2 byte-quad loads; 2 shifts, the offset add, 1 lanewise MAC
    inner = w["batches"] * taps * _ceil(w["out_c"], 4) * _bundles(2, 4)
    return Hifi4Estimate(inner, 0, w["batches"] * w["out_h"] * w["out_w"] * w["out_c"] * REQUANT_SINGLE_CYCLES)


def _fully_connected(p: dict) -> Hifi4Estimate:
    rows, n_in, n_out = p["batches"], p["in_depth"], p["out_depth"]
    tiles = _ceil(n_out, 32)
    # per output and 4 inputs: a weight quad load, an input quad load, 1 quad MAC
    inner = rows * n_out * _ceil(n_in, 4) * _bundles(2, 1)
    widen = rows * tiles * n_in * SCALAR_CYCLES     # each tile widens the input row again, a chunk at a time
    return Hifi4Estimate(inner, widen, rows * n_out * REQUANT_DOUBLE_CYCLES)


ESTIMATORS = {
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

"""The kernels' Arm DSP paths on an emulated Cortex-M4 (QEMU mps2-an386). The host build compiles the portable C
only (no __ARM_FEATURE_DSP), so these paths are checked here: a slice of the single-op corpus that takes each
of them (the packed convolution from CONV_2D and from DEPTHWISE_CONV_2D with one input channel, the general
convolution, depthwise, fully connected, pooling, softmax, add) runs as self-test firmware, bit-exact against
the host build and TFLM; and whole models' instructions per invoke are pinned, so that a regression of more
than PIN_TOLERANCE fails (an improvement past it asks for the pin to be lowered: the table is the record).
"""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.deploy.firmware import build_firmware, selftest_vectors
from micro.deploy.qemu import run_selftest
from micro.frontend import load_model
from micro.verify.compare import random_inputs

from support.paths import MODELS, OPS, need_tool

BOARD = "mps2_an386"
# corpus model -> the kernel its target op must lower to (the path under test)
SLICE = {
    "conv_2d__k3x3_s1_same_d1_relu_c24to24": "mn_conv_2d_packed_int8",      # K = 216, windows inside and at edges
    "conv_2d__k1x1_s2_valid_d1_relu_c13to7": "mn_conv_2d_packed_int8",      # K = 13 (padded), odd channel count
    "conv_2d__k3x3_s1_same_d1x2_none_c5to3": "mn_conv_2d_packed_int8",      # dilated along x
    "conv_2d__k3x3_s2_same_d1_none_c1to7_in16x16": "mn_conv_2d_packed_int8",  # one input channel, stride 2
    "depthwise_conv_2d__k3x3_m3_s1_same_d1_relu_c1": "mn_conv_2d_packed_int8",  # depthwise, 1 input channel
    "depthwise_conv_2d__k3x3_m1_s1_same_d1_none_c5": "mn_depthwise_conv_2d_int8",
    "depthwise_conv_2d__k5x5_m1_s1_same_d1_relu_c8": "mn_depthwise_conv_2d_int8",
    "depthwise_conv_2d__k3x3_m3_s1_same_d1_none_c5": "mn_depthwise_conv_2d_int8",
    "fully_connected__pc_u10_in2d_1x16_b1_bias_none": "mn_fully_connected_int8",
    "average_pool_2d__p3x3_s1_same_c24_in9x9_pos": "mn_average_pool_int8",
    "add__fused_relu": "mn_add_int8",
}
# model -> instructions per invoke with the DSP kernels (benchmarks/dsp_table.py, the larger of 2 input sets)
PINNED = {
    "tflm_micro_speech_quantized": 861_714,
    "mlperf_tiny_kws_ref_model": 6_336_582,
}
PIN_TOLERANCE = 0.02


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


def _selftest(path, n_sets: int = 2) -> list[int]:
    c = compile_model(load_model(path))
    rng = np.random.default_rng(5)
    sets = [random_inputs(c.graph, rng) for _ in range(n_sets)]
    fw = build_firmware(c, BOARD, variant="selftest", vectors=selftest_vectors(c, sets, path.read_bytes()),
                        builder="gcc")
    r = run_selftest(fw, timeout=300)
    assert r.exit_code == 0, f"{path.stem} differs on {BOARD}:\n{r.uart_text}"
    return r.instructions


@pytest.mark.parametrize("stem", sorted(SLICE))
def test_dsp_path_bit_exact_on_qemu(stem):
    path = OPS / f"{stem}.tflite"
    c = compile_model(load_model(path))
    kernels = {low.call.func for low in c.lowered if hasattr(low.call, "func")}
    assert SLICE[stem] in kernels, f"{stem} lowers to {sorted(kernels)}, not the path under test {SLICE[stem]}"
    _selftest(path)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_instruction_counts(name):
    got = max(_selftest(MODELS / f"{name}.tflite"))
    pin = PINNED[name]
    assert got <= pin * (1 + PIN_TOLERANCE), f"{name}: {got:,} instructions per invoke, pinned {pin:,} (+{PIN_TOLERANCE:.0%})"
    assert got >= pin * (1 - PIN_TOLERANCE), (f"{name}: {got:,} instructions per invoke, well under the pin {pin:,}: "
                                              "lower PINNED to the new figure")

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

from support.op_models import conv_model, pool_model
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
    "depthwise_conv_2d__k5x5_m1_s1_same_d1_relu_c8": "mn_depthwise_conv_2d_packed_int8",  # its general loop
    "depthwise_conv_2d__k3x3_m1_s2_valid_d1_none_c13_in7x9": "mn_depthwise_conv_2d_int8",
    "depthwise_conv_2d__k3x3_m3_s1_same_d1_none_c5": "mn_depthwise_conv_2d_int8",
    "fully_connected__pc_u10_in2d_1x16_b1_bias_none": "mn_fully_connected_int8",
    "average_pool_2d__p3x3_s1_same_c24_in9x9_pos": "mn_average_pool_int8",
    "average_pool_2d__p8x8_s1_valid_c7": "mn_average_pool_int8",               # 4 + 3 channels
    "max_pool_2d__p3x3_s2_same_c13_in7x9": "mn_max_pool_int8",                # 3 x 4 + 1 channels
    "max_pool_2d__p3x3_s1_same_c7": "mn_max_pool_int8",
    "add__fused_relu": "mn_add_int8",
}
# model -> instructions per invoke with the DSP kernels (benchmarks/dsp_table.py, the larger of 2 input sets)
PINNED = {
    "tflm_micro_speech_quantized": 657_851,
    "mlperf_tiny_kws_ref_model": 3_645_301,
    "mlperf_tiny_ic_resnet8_quant": 12_353_953,
    "tflm_person_detect": 10_568_183,
    "mlzoo_micronet_vww2_50x50_int8": 5_903_201,
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


# generated single-op models for paths the corpus lacks: (kind, input shape, filter shape, options)
GENERATED = {
    "dw3x3_c16_same_s1": ("DEPTHWISE_CONV_2D", (1, 7, 6, 16), (1, 3, 3, 16),
                          dict(padding="SAME", act="RELU", stride=(1, 1), dilation=(1, 1), depth_multiplier=1)),
    "dw3x3_c8_same_s2_relu6": ("DEPTHWISE_CONV_2D", (1, 9, 8, 8), (1, 3, 3, 8),
                               dict(padding="SAME", act="RELU6", stride=(2, 2), dilation=(1, 1), depth_multiplier=1)),
    "dw3x3_c12_valid": ("DEPTHWISE_CONV_2D", (1, 6, 5, 12), (1, 3, 3, 12),
                        dict(padding="VALID", act="NONE", stride=(1, 1), dilation=(1, 1), depth_multiplier=1)),
    "conv1x1_c24to20": ("CONV_2D", (1, 5, 5, 24), (20, 1, 1, 24),
                        dict(padding="VALID", act="RELU", stride=(1, 1), dilation=(1, 1))),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_dsp_path_bit_exact_on_qemu(tmp_path, case):
    kind, x_shape, w_shape, opts = GENERATED[case]
    r = np.random.default_rng(11)
    out_c = w_shape[3] if kind == "DEPTHWISE_CONV_2D" else w_shape[0]
    w = r.integers(-127, 128, size=w_shape).astype(np.int8)
    w_scales = (0.002 * r.uniform(0.5, 2, size=out_c)).astype(np.float32)
    bias = r.integers(-2000, 2000, size=out_c).astype(np.int32)
    s_h, s_w = opts["stride"]
    if opts["padding"] == "SAME":
        out_hw = (-(-x_shape[1] // s_h), -(-x_shape[2] // s_w))
    else:
        out_hw = ((x_shape[1] - w_shape[1]) // s_h + 1, (x_shape[2] - w_shape[2]) // s_w + 1)
    buf = conv_model(kind, x_shape, (0.05, -7), w, w_scales, 3 if kind == "DEPTHWISE_CONV_2D" else 0, bias,
                     (1, *out_hw, out_c), (0.04, 5), opts)
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(buf)
    c = compile_model(load_model(path))
    assert any(low.call.func.endswith("_packed_int8") for low in c.lowered if hasattr(low.call, "func"))
    _selftest(path)


@pytest.mark.parametrize("kind", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
def test_pool_with_activation_bit_exact_on_qemu(tmp_path, kind):
    path = tmp_path / f"{kind}.tflite"
    path.write_bytes(pool_model(kind, (1, 9, 7, 16), 3, 3, 2, 2, "SAME", act="RELU6"))
    _selftest(path)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_instruction_counts(name):
    got = max(_selftest(MODELS / f"{name}.tflite"))
    pin = PINNED[name]
    assert got <= pin * (1 + PIN_TOLERANCE), f"{name}: {got:,} instructions per invoke, pinned {pin:,} (+{PIN_TOLERANCE:.0%})"
    assert got >= pin * (1 - PIN_TOLERANCE), (f"{name}: {got:,} instructions per invoke, well under the pin {pin:,}: "
                                              "lower PINNED to the new figure")

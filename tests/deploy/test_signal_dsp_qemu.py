"""The signal kernels' Arm DSP paths (SignalRfft's SIMD butterflies, SignalWindow's paired SMULBB/SSAT,
SignalEnergy's SMUAD) on the emulated Cortex-M4 (QEMU mps2-an386), bit-exact with TFLM: the host build runs
the portable C only, so these single-op models cover every radix, odd windows and full-scale inputs here."""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.frontend import read_model
from micro.testing.signal_models import energy_model, rfft_model, window_model
from micro.verify.board import verify_on_board

from support.paths import need_tool

BOARD = "mps2_an386"


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


def _full_scale(rng, shape, n: int) -> list[list[np.ndarray]]:
    sets = [[rng.choice(np.array([-32768, 32767, -32767, 0], np.int16), size=shape)]]
    sets += [[rng.integers(-32768, 32767, size=shape, endpoint=True).astype(np.int16)] for _ in range(n)]
    return sets + [[rng.integers(-40, 40, size=shape).astype(np.int16)]]


@pytest.mark.parametrize("case", [
    ("rfft_radix_4_4_4_4", rfft_model((1, 480), 512)),
    ("rfft_radix_4_2_3_5", rfft_model((2, 100), 240)),    # nfft 120 = 4 * 2 * 3 * 5
    ("rfft_radix_2_odd_input", rfft_model((1, 7), 8)),   # nfft 4, an odd frame: the last pair half padding
    ("window_odd", window_model((3, 15), np.arange(-7, 8, dtype=np.int16) * 4000, 11)),
    ("energy_in_range", energy_model(20, 3, 17)),
], ids=lambda c: c[0])
def test_signal_dsp_path_bit_exact_on_qemu(case):
    name, buf = case
    compiled = compile_model(read_model(buf, name))
    shape = compiled.graph.tensors[compiled.graph.inputs[0]].shape
    report = verify_on_board(compiled, buf, _full_scale(np.random.default_rng(3), shape, 3), BOARD)
    assert report.ok, report.summary()

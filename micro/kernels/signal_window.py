"""SignalWindow kernel: micro/kernels_c/mn_signal_window.c (TFLM signal/micro/kernels/window.cc)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGNAL_WINDOW_PARAMS = Struct("mn_signal_window_params_t", "SignalWindow geometry and shift.", (
    Field("size", "int32_t", "input elements, a multiple of window_size"),
    Field("window_size", "int32_t", "elements of the window"),
    Field("shift", "int32_t", "right shift of each product, in [0, 31]"),
))

SIGNAL_WINDOW = Kernel(
    func="mn_signal_window", source="mn_signal_window.c", params=SIGNAL_WINDOW_PARAMS,
    args=(Arg("input", "input", "int16_t", "size elements"),
          Arg("weights", "input", "int16_t", "window_size elements"),
          Arg("output", "output", "int16_t", "size elements; may be the input")),
    doc="""SignalWindow (TFLM window.cc, ApplyWindow): each run of window_size inputs times the window,
(int32 product) >> shift, saturated to int16.""")

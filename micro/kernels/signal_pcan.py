"""SignalPCAN kernel: micro/kernels_c/mn_signal_pcan.c (TFLM signal/micro/kernels/pcan.cc)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGNAL_PCAN_PARAMS = Struct("mn_signal_pcan_params_t", "SignalPCAN channels and shift.", (
    Field("num_channels", "int32_t", "channels"),
    Field("snr_shift", "int32_t", "right shift of input * gain, in [0, 63]"),
))

SIGNAL_PCAN = Kernel(
    func="mn_signal_pcan", source="mn_signal_pcan.c", params=SIGNAL_PCAN_PARAMS,
    args=(Arg("input", "input", "uint32_t", "num_channels elements"),
          Arg("noise_estimate", "input", "uint32_t", "num_channels elements"),
          Arg("gain_lut", "input", "int16_t", "the gain table: at least 125 elements"),
          Arg("output", "output", "uint32_t", "num_channels elements; may be the input")),
    doc="""SignalPCAN (TFLM pcan.cc, ApplyPcanAutoGainControlFixed): each channel times the gain the table
gives for its noise estimate (WideDynamicFunction), >> snr_shift, through PcanShrink.""")

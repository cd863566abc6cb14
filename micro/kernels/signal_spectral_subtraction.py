"""SignalFilterBankSpectralSubtraction kernel: micro/kernels_c/mn_signal_spectral_subtraction.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGNAL_SPECTRAL_SUBTRACTION_PARAMS = Struct(
    "mn_signal_spectral_subtraction_params_t", "TFLM's SpectralSubtractionConfig.", (
        Field("num_channels", "int32_t", "channels"),
        Field("smoothing", "uint32_t", "noise filter coefficient of even channels, scale 2^spectral_subtraction_bits"),
        Field("one_minus_smoothing", "uint32_t", "its complement"),
        Field("alternate_smoothing", "uint32_t", "the coefficient of odd channels"),
        Field("alternate_one_minus_smoothing", "uint32_t", "its complement"),
        Field("min_signal_remaining", "uint32_t", "floor of the output as a fraction of the input"),
        Field("smoothing_bits", "uint32_t", "extra fractional bits of the estimate, in [0, 31]"),
        Field("spectral_subtraction_bits", "uint32_t", "scale of the coefficients, in [0, 63]"),
        Field("clamping", "int32_t", "1: the estimate never stays above the signal"),
    ))

SIGNAL_SPECTRAL_SUBTRACTION = Kernel(
    func="mn_signal_spectral_subtraction", source="mn_signal_spectral_subtraction.c",
    params=SIGNAL_SPECTRAL_SUBTRACTION_PARAMS,
    args=(Arg("input", "input", "uint32_t", "num_channels elements"),
          Arg("output", "output", "uint32_t", "num_channels elements; may be the input"),
          Arg("noise_estimate", "output", "uint32_t", "num_channels elements: the estimate after this invoke"),
          Arg("state", "state", "uint32_t", "num_channels uint32: the noise estimate kept between invokes")),
    doc="""SignalFilterBankSpectralSubtraction (TFLM filter_bank_spectral_subtraction.cc): updates each
channel's noise estimate (state) and subtracts it from the signal, down to min_signal_remaining of it.""")

"""TFLM signal filter bank kernels: micro/kernels_c/mn_signal_filter_bank.c, mn_signal_filter_bank_square_root.c
and mn_signal_filter_bank_log.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGNAL_FILTER_BANK_PARAMS = Struct("mn_signal_filter_bank_params_t", "SignalFilterBank channels.", (
    Field("num_channels", "int32_t", "output channels (the channel arrays have one more)"),
    Field("unsigned_weights", "int32_t", "1: every weight and unweight is >= 0 (constants checked by lowering)"),
))

SIGNAL_FILTER_BANK = Kernel(
    func="mn_signal_filter_bank", source="mn_signal_filter_bank.c", params=SIGNAL_FILTER_BANK_PARAMS,
    args=(Arg("input", "input", "uint32_t", "energy spectrum"),
          Arg("weights", "input", "int16_t", "filter weights"),
          Arg("unweights", "input", "int16_t", "one minus the weights"),
          Arg("channel_frequency_starts", "input", "int16_t", "[num_channels + 1] first input bin of a channel"),
          Arg("channel_weight_starts", "input", "int16_t", "[num_channels + 1] first weight of a channel"),
          Arg("channel_widths", "input", "int16_t", "[num_channels + 1] bins of a channel"),
          Arg("output", "output", "uint64_t", "num_channels elements")),
    doc="""SignalFilterBank (TFLM filter_bank.cc, FilterbankAccumulateChannels): each channel sums its bins
times the weights plus the previous channel's bins times the unweights, in uint64.""")

SIGNAL_FILTER_BANK_SQUARE_ROOT_PARAMS = Struct(
    "mn_signal_filter_bank_square_root_params_t", "SignalFilterBankSquareRoot size.", (
        Field("size", "int32_t", "elements"),
    ))

SIGNAL_FILTER_BANK_SQUARE_ROOT = Kernel(
    func="mn_signal_filter_bank_square_root", source="mn_signal_filter_bank_square_root.c",
    params=SIGNAL_FILTER_BANK_SQUARE_ROOT_PARAMS,
    args=(Arg("input", "input", "uint64_t", "size elements"),
          Arg("scale_bits", "input", "int32_t", "one element: the right shift of each root"),
          Arg("output", "output", "uint32_t", "size elements; may be the input")),
    doc="""SignalFilterBankSquareRoot (TFLM filter_bank_square_root.cc): Sqrt64 of each element (rounded,
with TFLM's 32-bit shortcut), shifted right by scale_bits (modulo 32, as the x86 oracle).""")

SIGNAL_FILTER_BANK_LOG_PARAMS = Struct("mn_signal_filter_bank_log_params_t", "SignalFilterBankLog scales.", (
    Field("size", "int32_t", "elements"),
    Field("input_correction_bits", "uint32_t", "left shift of each input, in [0, 31]"),
    Field("output_scale", "uint32_t", "the natural log's multiplier"),
))

SIGNAL_FILTER_BANK_LOG = Kernel(
    func="mn_signal_filter_bank_log", source="mn_signal_filter_bank_log.c", params=SIGNAL_FILTER_BANK_LOG_PARAMS,
    args=(Arg("input", "input", "uint32_t", "size elements"),
          Arg("output", "output", "int16_t", "size elements; may be the input")),
    doc="""SignalFilterBankLog (TFLM filter_bank_log.cc, log.cc): output_scale * ln(input <<
input_correction_bits) by TFLM's table-interpolated Log32, at most 32767; 0 for inputs up to 1.""")

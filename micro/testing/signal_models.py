"""Single-op models of TFLM's signal custom ops (tflite-micro signal/micro/kernels), written with
micro.testing.tflite_builder: each op's options a FlexBuffers map made by `flatbuffers.flexbuffers` (which keeps
the keys sorted, as TFLM's positional reads expect), constants where TFLM's models have them (window weights,
filter bank tables, PCAN gain table), graph inputs for the signal itself.

    buf = window_model((1, 480), weights, shift=12)         # .tflite bytes for the oracle and micro
"""

from __future__ import annotations

import numpy as np
from flatbuffers import flexbuffers

from micro.testing.tflite_builder import ModelBuilder

TENSOR_TYPE_INT16 = 7  # tflite.TensorType.INT16: SignalRfft's "T"


def flexbuffer_options(options: dict) -> bytes:
    """A FlexBuffers map of the options (keys sorted by the encoder)."""
    return flexbuffers.Dumps(dict(options))


def signal_model(kind: str, inputs, outputs, options: dict) -> bytes:
    """One CUSTOM:<kind> op. inputs: (name, shape, dtype) for a graph input or (name, numpy array) for a
    constant; outputs: (name, shape, dtype)."""
    b = ModelBuilder(f"micro signal op {kind}")
    ins, graph_inputs = [], []
    for spec in inputs:
        if len(spec) == 2:
            ins.append(b.const(spec[0], np.asarray(spec[1])))
        else:
            ins.append(b.tensor(spec[0], tuple(spec[1]), spec[2]))
            graph_inputs.append(ins[-1])
    outs = [b.tensor(name, tuple(shape), dtype) for name, shape, dtype in outputs]
    b.op(f"CUSTOM:{kind}", ins, outs, custom_options=flexbuffer_options(options))
    b.inputs(graph_inputs)
    b.outputs(outs)
    return b.finish()


def window_model(shape, weights: np.ndarray, shift: int) -> bytes:
    return signal_model("SignalWindow", [("input", shape, "int16"), ("weights", weights.astype(np.int16))],
                        [("output", shape, "int16")], {"shift": shift})


def fft_auto_scale_model(n: int) -> bytes:
    return signal_model("SignalFftAutoScale", [("input", (n,), "int16")],
                        [("output", (n,), "int16"), ("scale_bits", (), "int32")], {})


def rfft_model(shape, fft_length: int) -> bytes:
    """int16 frames of shape[-1] samples (shape[:-1] frames) -> fft_length / 2 + 1 complex bins each."""
    out = tuple(shape[:-1]) + (fft_length + 2,)
    return signal_model("SignalRfft", [("input", shape, "int16")], [("output", out, "int16")],
                        {"T": TENSOR_TYPE_INT16, "fft_length": fft_length})


def energy_model(bins: int, start_index: int, end_index: int) -> bytes:
    return signal_model("SignalEnergy", [("input", (2 * bins,), "int16")], [("output", (bins,), "uint32")],
                        {"end_index": end_index, "start_index": start_index})


def filter_bank_model(n_in: int, weights, unweights, channel_frequency_starts, channel_weight_starts,
                      channel_widths) -> bytes:
    """num_channels = len(channel_widths) - 1."""
    tables = [np.asarray(a, dtype=np.int16) for a in (weights, unweights, channel_frequency_starts,
                                                       channel_weight_starts, channel_widths)]
    n = len(tables[4]) - 1
    names = ("weights", "unweights", "channel_frequency_starts", "channel_weight_starts", "channel_widths")
    return signal_model("SignalFilterBank", [("input", (n_in,), "uint32"), *zip(names, tables)],
                        [("output", (n,), "uint64")], {"num_channels": n})


def filter_bank_square_root_model(n: int) -> bytes:
    return signal_model("SignalFilterBankSquareRoot", [("input", (n,), "uint64"), ("scale_bits", (), "int32")],
                        [("output", (n,), "uint32")], {})


def filter_bank_log_model(n: int, input_correction_bits: int, output_scale: int) -> bytes:
    return signal_model("SignalFilterBankLog", [("input", (n,), "uint32")], [("output", (n,), "int16")],
                        {"input_correction_bits": input_correction_bits, "output_scale": output_scale})


def spectral_subtraction_model(n: int, **options) -> bytes:
    """options: smoothing, one_minus_smoothing, alternate_smoothing, alternate_one_minus_smoothing,
    min_signal_remaining, smoothing_bits, spectral_subtraction_bits, clamping (num_channels is n)."""
    return signal_model("SignalFilterBankSpectralSubtraction", [("input", (n,), "uint32")],
                        [("output", (n,), "uint32"), ("noise_estimate", (n,), "uint32")],
                        {**options, "num_channels": n})


def pcan_model(n: int, gain_lut: np.ndarray, snr_shift: int) -> bytes:
    return signal_model("SignalPCAN", [("input", (n,), "uint32"), ("noise_estimate", (n,), "uint32"),
                                       ("gain_lut", np.asarray(gain_lut, dtype=np.int16))],
                        [("output", (n,), "uint32")], {"snr_shift": snr_shift})

"""TFLM signal spectrum kernels: micro/kernels_c/mn_signal_fft_auto_scale.c, mn_signal_rfft_int16.c and
mn_signal_energy.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGNAL_FFT_AUTO_SCALE_PARAMS = Struct("mn_signal_fft_auto_scale_params_t", "SignalFftAutoScale size.", (
    Field("size", "int32_t", "elements"),
))

SIGNAL_FFT_AUTO_SCALE = Kernel(
    func="mn_signal_fft_auto_scale", source="mn_signal_fft_auto_scale.c", params=SIGNAL_FFT_AUTO_SCALE_PARAMS,
    args=(Arg("input", "input", "int16_t", "size elements"),
          Arg("output", "output", "int16_t", "size elements; may be the input"),
          Arg("scale_bits", "output", "int32_t", "one element")),
    doc="""SignalFftAutoScale (TFLM fft_auto_scale.cc): the left shift that brings the largest magnitude
(MaxAbs16, with its -32768 quirk) up to 15 bits, applied to every element, and written as scale_bits.""")

SIGNAL_RFFT_INT16_PARAMS = Struct("mn_signal_rfft_int16_params_t", "kiss_fftr state, computed at compile time.", (
    Field("frames", "int32_t", "input_length runs of the input, each transformed on its own"),
    Field("input_length", "int32_t", "samples of one frame, zero-padded to 2 * nfft"),
    Field("nfft", "int32_t", "complex FFT length: fft_length / 2"),
    Field("num_stages", "int32_t", "radix stages"),
    Field("factors", "int16_t", "[2 * num_stages] radix (2..5) and m of each stage, outermost first", array=True),
    Field("twiddles", "int16_t", "[2 * nfft] kiss_fft twiddles (re, im)", array=True),
    Field("super_twiddles", "int16_t", "[2 * (nfft / 2)] kiss_fftr twiddles (re, im)", array=True),
    Field("input_order", "uint16_t", "[nfft] the complex input element each FFT position starts from", array=True),
))

SIGNAL_RFFT_INT16 = Kernel(
    func="mn_signal_rfft_int16", source="mn_signal_rfft_int16.c", params=SIGNAL_RFFT_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "frames * input_length elements"),
          Arg("output", "output", "int16_t", "frames * (nfft + 1) complex bins (re, im)")),
    doc="""SignalRfft, int16 (TFLM rfft.cc, kissfft 130 kiss_fftr FIXED_POINT 16): the nfft + 1 bins of
each frame's real FFT of length 2 * nfft, computed in the output buffer.""")

SIGNAL_ENERGY_PARAMS = Struct("mn_signal_energy_params_t", "SignalEnergy bins.", (
    Field("size", "int32_t", "output elements (complex input bins)"),
    Field("start_index", "int32_t", "first bin computed"),
    Field("end_index", "int32_t", "bin after the last one computed"),
))

SIGNAL_ENERGY = Kernel(
    func="mn_signal_energy", source="mn_signal_energy.c", params=SIGNAL_ENERGY_PARAMS,
    args=(Arg("input", "input", "int16_t", "size complex bins (re, im)"),
          Arg("output", "output", "uint32_t", "size elements; may be the input")),
    doc="""SignalEnergy (TFLM energy.cc): re^2 + im^2 of bins [start_index, end_index); 0 elsewhere (TFLM
leaves those unwritten).""")

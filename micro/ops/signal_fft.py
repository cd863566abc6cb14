"""TFLM's signal spectrum custom ops (tflite-micro signal/micro/kernels): SignalFftAutoScale, SignalRfft (int16)
and SignalEnergy.

SignalRfft is kissfft 130's real FFT with FIXED_POINT 16 (TFLM patches and wraps it:
signal/src/kiss_fft_wrappers, third_party/kissfft). What TFLM's Init computes in kiss_fftr_alloc, lowering
computes here (micro.ops.signal_fft_tables): the radix factors, the twiddles and super twiddles, and the order
in which the recursion reads the input. TFLM quirks kept or refused:
- fft_length/2 must factor into 2, 3, 4 and 5: kiss_fft's generic butterfly allocates its scratch with
  KISS_FFT_TMP_ALLOC, which TFLM's patch turns into a null pointer (TFLM would crash): refused here.
- the input is zero-padded from its last dimension up to fft_length (TFLM memsets the rest of its work area;
  a last dimension longer than fft_length would make that memset negative: refused); every run of
  last-dimension samples is its own frame.
- only T = int16 (TensorType 7) is compiled; TFLM's int32 and float32 RFFTs are refused by name.
SignalEnergy writes only bins [start_index, end_index): micro writes 0 to the others (micro.kernels.signal_fft).
SignalFftAutoScale: TFLM's MaxAbs16 treats -32768 as a reset of the maximum (see mn_signal_fft_auto_scale.c).
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.signal_fft import SIGNAL_ENERGY, SIGNAL_FFT_AUTO_SCALE, SIGNAL_RFFT_INT16
from micro.lowered import KernelCall
from micro.ops.signal_common import label, range_problems, read_options, tensor_problems
from micro.ops.signal_fft_tables import rfft_tables, unsupported_radix

KINDS = ("CUSTOM:SignalFftAutoScale", "CUSTOM:SignalRfft", "CUSTOM:SignalEnergy")
TYPES = ("int16",)
ARITY = {"CUSTOM:SignalFftAutoScale": (1, 1, 2), "CUSTOM:SignalRfft": (1, 1, 1), "CUSTOM:SignalEnergy": (1, 1, 1)}
RFFT_OPTIONS = ("T", "fft_length")          # rfft.cc: m["T"], kFftLengthIndex = 1
ENERGY_OPTIONS = ("end_index", "start_index")  # energy.cc kEndIndexIndex, kStartIndexIndex
TENSOR_TYPES = {1: "float32", 2: "int32", 7: "int16"}  # the T values rfft.cc dispatches on
MAX_FFT_LENGTH = 1 << 17  # the input order is a uint16 table of fft_length / 2 entries


def check(op: Op, g: Graph) -> list[str]:
    return {"CUSTOM:SignalFftAutoScale": _check_auto_scale, "CUSTOM:SignalRfft": _check_rfft,
            "CUSTOM:SignalEnergy": _check_energy}[op.kind](op, g)


def lower(op: Op, g: Graph) -> KernelCall:
    return {"CUSTOM:SignalFftAutoScale": _lower_auto_scale, "CUSTOM:SignalRfft": _lower_rfft,
            "CUSTOM:SignalEnergy": _lower_energy}[op.kind](op, g)


def _check_auto_scale(op: Op, g: Graph) -> list[str]:
    x, (y, bits) = op.inputs[0], op.outputs
    problems = tensor_problems(g, x, "input", "int16", rank=1) + tensor_problems(g, y, "output", "int16", rank=1)
    problems += tensor_problems(g, bits, "scale bits output", "int32", rank=0)
    if g.tensors[x].size != g.tensors[y].size:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; the input has {g.tensors[x].size}")
    return problems


def _lower_auto_scale(op: Op, g: Graph) -> KernelCall:
    n = g.tensors[op.outputs[0]].size
    return KernelCall(SIGNAL_FFT_AUTO_SCALE, dict(size=n), inputs=[op.inputs[0]], outputs=list(op.outputs), macs=n)


def _rfft_geometry(g: Graph, op: Op, fft_length: int) -> tuple[int, int, int]:
    """(frames, input_length, nfft)"""
    x = g.tensors[op.inputs[0]]
    input_length = x.shape[-1] if x.shape else 1
    return x.size // input_length, input_length, fft_length // 2


def _check_rfft(op: Op, g: Graph) -> list[str]:
    x, y = op.inputs[0], op.outputs[0]
    opts, problems = read_options(op, RFFT_OPTIONS)
    if not opts:
        return problems
    t = opts["T"]
    if t != 7:
        return [f"T = {t} ({TENSOR_TYPES.get(t, 'not a type TFLM dispatches on')}): micro compiles the int16 "
                "SignalRfft only (T = 7)"]
    problems += tensor_problems(g, x, "input", "int16") + tensor_problems(g, y, "output", "int16",
                                                                          rank=len(g.tensors[x].shape))
    fft_length = opts["fft_length"]
    problems += range_problems("fft_length", fft_length, 4, MAX_FFT_LENGTH, "an even FFT length micro tabulates")
    if problems:
        return problems
    if fft_length % 2:
        return [f"custom option fft_length = {fft_length} is odd; kiss_fftr needs an even length (TFLM's "
                "kiss_fftr_alloc fails)"]
    radix = unsupported_radix(fft_length // 2)
    if radix:
        return [f"fft_length = {fft_length}: fft_length / 2 has the factor {radix}; kiss_fft's generic butterfly "
                "for factors other than 2, 3, 4, 5 needs heap scratch that TFLM's build does not provide; use a "
                "length whose half factors into 2, 3 and 5"]
    frames, input_length, nfft = _rfft_geometry(g, op, fft_length)
    if input_length > fft_length:
        problems.append(f"input {label(g, x)} frames of {input_length} samples are longer than fft_length "
                        f"{fft_length} (TFLM zero-pads up to fft_length)")
    want = frames * 2 * (nfft + 1)
    out = g.tensors[y]
    if out.size != want or (out.shape and out.shape[-1] != 2 * (nfft + 1)):
        problems.append(f"output {label(g, y)} has shape {list(out.shape)}; {frames} frame(s) of fft_length "
                        f"{fft_length} give {nfft + 1} complex bins each (last dimension {2 * (nfft + 1)})")
    return problems


def _lower_rfft(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, RFFT_OPTIONS)
    frames, input_length, nfft = _rfft_geometry(g, op, opts["fft_length"])
    tables = rfft_tables(nfft)
    stages = len(tables.factors) // 2
    macs = frames * nfft * 4 * stages
    return KernelCall(SIGNAL_RFFT_INT16, dict(frames=frames, input_length=input_length, nfft=nfft, num_stages=stages,
                                              factors=tables.factors, twiddles=tables.twiddles,
                                              super_twiddles=tables.super_twiddles, input_order=tables.input_order),
                      inputs=[op.inputs[0]], outputs=[op.outputs[0]], macs=macs)


def _check_energy(op: Op, g: Graph) -> list[str]:
    x, y = op.inputs[0], op.outputs[0]
    opts, problems = read_options(op, ENERGY_OPTIONS)
    problems += tensor_problems(g, x, "input", "int16", rank=1) + tensor_problems(g, y, "output", "uint32", rank=1)
    if opts:
        bins = min(g.tensors[x].size // 2, g.tensors[y].size)
        problems += range_problems("start_index", opts["start_index"], 0, bins, "a bin of the input and the output")
        problems += range_problems("end_index", opts["end_index"], 0, bins, "a bin of the input and the output")
    return problems


def _lower_energy(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, ENERGY_OPTIONS)
    y = op.outputs[0]
    start, end = opts["start_index"], opts["end_index"]
    return KernelCall(SIGNAL_ENERGY, dict(size=g.tensors[y].size, start_index=start, end_index=end),
                      inputs=[op.inputs[0]], outputs=[y], macs=max(end - start, 0) * 2, overlap_ok=(0,),
                      tflm_writes={0: (start, end)})

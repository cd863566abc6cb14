"""TFLM's signal custom ops (micro/ops/signal_*.py): single-op models (micro.testing.signal_models, FlexBuffers
options) against TFLM, frame by frame, the stateful SignalFilterBankSpectralSubtraction over several frames
with its state compared after each; each op of the shared audio preprocessor on its own through the whole
pipeline; the tables lowering computes; what micro refuses and how it says so."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import load_model, read_model
from micro.ops.signal_fft_tables import kf_factor, rfft_tables
from micro.testing.extract import op_model
from micro.testing.signal_models import (energy_model, fft_auto_scale_model, filter_bank_log_model, filter_bank_model,
                                         filter_bank_square_root_model, pcan_model, rfft_model, signal_model,
                                         spectral_subtraction_model, window_model)
from micro.verify.compare import tflm_defined, verify_bytes

from support.corpus import shared_model
from support.kernel_bindings import build_kernel_library
from support.paths import need_tool
from support.signal_checks import SIGNAL_KERNELS, assert_frames_match_oracle

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PREPROCESSOR = "tflm_audio_preprocessor_int8"
# complex FFT lengths kiss_fft runs with its radix 2..5 butterflies
NFFTS = [n for n in range(2, 320) if all(p in (2, 3, 4, 5) for p, _ in kf_factor(n))]
SS_DEFAULTS = dict(smoothing=409, one_minus_smoothing=15975, alternate_smoothing=983,
                   alternate_one_minus_smoothing=15401, min_signal_remaining=819, smoothing_bits=10,
                   spectral_subtraction_bits=14, clamping=False)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("signal_kernels"), SIGNAL_KERNELS)


def int16s(rng: np.random.Generator, shape, amplitude: int) -> np.ndarray:
    """int16 samples of magnitude up to `amplitude` (32768: the extremes only, -32768 included)."""
    if amplitude >= 32768:
        return rng.choice(np.array([-32768, 32767, 0, -32767, 1], np.int16), size=shape)
    return rng.integers(-amplitude, amplitude, size=shape, endpoint=True).astype(np.int16)


def uints(rng: np.random.Generator, shape, bits: int, dtype=np.uint32) -> np.ndarray:
    """Unsigned values below 2^bits, of every magnitude (a random bit length per element)."""
    lengths = rng.integers(0, bits, size=shape, endpoint=True).astype(np.uint64)
    raw = (rng.integers(0, 2**32, size=shape, dtype=np.uint64) << np.uint64(32)) | rng.integers(
        0, 2**32, size=shape, dtype=np.uint64)
    return np.where(lengths == 0, np.uint64(0), raw >> (np.uint64(64) - np.maximum(lengths, 1))).astype(dtype)


AMPLITUDES = st.sampled_from([0, 1, 3, 300, 12000, 32767, 32768])


@SETTINGS
@given(frames=st.integers(1, 3), window=st.integers(1, 64), shift=st.integers(0, 31), seed=st.integers(0, 2**16),
       amplitude=AMPLITUDES)
def test_window_property(lib, frames, window, shift, seed, amplitude):
    rng = np.random.default_rng(seed)
    buf = window_model((frames, window), int16s(rng, window, 32767), shift)
    assert_frames_match_oracle(lib, buf, [[int16s(rng, (frames, window), amplitude)] for _ in range(3)])


@SETTINGS
@given(n=st.integers(1, 64), seed=st.integers(0, 2**16), amplitudes=st.lists(AMPLITUDES, min_size=3, max_size=3))
def test_fft_auto_scale_property(lib, n, seed, amplitudes):
    rng = np.random.default_rng(seed)
    assert_frames_match_oracle(lib, fft_auto_scale_model(n), [[int16s(rng, n, a)] for a in amplitudes])


@SETTINGS
@given(nfft=st.sampled_from(NFFTS), frames=st.integers(1, 2), data=st.data(), seed=st.integers(0, 2**16),
       amplitudes=st.lists(AMPLITUDES, min_size=2, max_size=2))
def test_rfft_property(lib, nfft, frames, data, seed, amplitudes):
    """Every radix (2, 3, 4, 5 and their mixes), inputs shorter than the FFT (zero padding), full-scale inputs
    (int16 wrap-around inside the butterflies)."""
    rng = np.random.default_rng(seed)
    length = data.draw(st.integers(1, 2 * nfft))
    buf = rfft_model((frames, length), 2 * nfft)
    assert_frames_match_oracle(lib, buf, [[int16s(rng, (frames, length), a)] for a in amplitudes])


@SETTINGS
@given(bins=st.integers(1, 40), data=st.data(), seed=st.integers(0, 2**16), amplitude=AMPLITUDES)
def test_energy_property(lib, bins, data, seed, amplitude):
    start = data.draw(st.integers(0, bins))
    end = data.draw(st.integers(0, bins))
    rng = np.random.default_rng(seed)
    assert_frames_match_oracle(lib, energy_model(bins, start, end), [[int16s(rng, 2 * bins, amplitude)]])


@SETTINGS
@given(n_in=st.integers(1, 40), channels=st.integers(1, 8), data=st.data(), seed=st.integers(0, 2**16))
def test_filter_bank_property(lib, n_in, channels, data, seed):
    """Random channel layouts inside the spectrum and the weights, negative weights included (TFLM's uint64
    products of their two's complement), full-range uint32 energies (wrapping uint64 sums)."""
    rng = np.random.default_rng(seed)
    n_w = data.draw(st.integers(1, 30))
    widths = [data.draw(st.integers(-1, min(n_in, n_w))) for _ in range(channels + 1)]
    starts = [data.draw(st.integers(0, n_in - max(w, 0))) for w in widths]
    wstarts = [data.draw(st.integers(0, n_w - max(w, 0))) for w in widths]
    weights, unweights = int16s(rng, n_w, 32767), int16s(rng, n_w, 32767)
    if data.draw(st.booleans()):  # non-negative tables, as real filter banks: the unsigned multiply-add path
        weights, unweights = np.abs(weights.astype(np.int32)).astype(np.int16), np.abs(unweights.astype(np.int32)).astype(np.int16)
    buf = filter_bank_model(n_in, weights, unweights, starts, wstarts, widths)
    assert_frames_match_oracle(lib, buf, [[uints(rng, n_in, 32)] for _ in range(2)])


@SETTINGS
@given(n=st.integers(1, 24), seed=st.integers(0, 2**16),
       scale_bits=st.integers(0, 31) | st.sampled_from([-1, 32, 45, -(2**31), 2**31 - 1]))
def test_filter_bank_square_root_property(lib, n, seed, scale_bits):
    """Roots of every magnitude: TFLM's 32-bit shortcut below 2^32 and its rounding at 0xFFFF / 0xFFFFFFFF;
    shifts outside [0, 31] as the x86 oracle does them (modulo 32)."""
    rng = np.random.default_rng(seed)
    x = uints(rng, n, 64, np.uint64)
    x[: min(n, 4)] = np.array([2**32 - 1, 2**64 - 1, 0xFFFF * 0xFFFF + 0xFFFF, 2**32], np.uint64)[: min(n, 4)]
    assert_frames_match_oracle(lib, filter_bank_square_root_model(n), [[x, np.array(scale_bits, np.int32)]])


@SETTINGS
@given(n=st.integers(1, 24), correction=st.integers(0, 31), scale=st.integers(-(2**31), 2**31 - 1) | st.integers(0, 512),
       seed=st.integers(0, 2**16))
def test_filter_bank_log_property(lib, n, correction, scale, seed):
    rng = np.random.default_rng(seed)
    buf = filter_bank_log_model(n, correction, scale)
    assert_frames_match_oracle(lib, buf, [[uints(rng, n, 32)] for _ in range(2)])


@SETTINGS
@given(n=st.integers(1, 12), data=st.data(), seed=st.integers(0, 2**16))
def test_spectral_subtraction_property_over_frames(lib, n, data, seed):
    """The noise estimate carried across 5 frames (kernel state vs TFLM's copy of it after every frame), with
    coefficients anywhere in TFLM's int32 options, clamping on and off, all shifts."""
    rng = np.random.default_rng(seed)
    coefficient = st.integers(0, 1 << 16) | st.integers(-(2**31), 2**31 - 1)
    options = {k: data.draw(coefficient) for k in ("smoothing", "one_minus_smoothing", "alternate_smoothing",
                                                  "alternate_one_minus_smoothing", "min_signal_remaining")}
    options.update(smoothing_bits=data.draw(st.integers(0, 31)), spectral_subtraction_bits=data.draw(st.integers(0, 63)),
                   clamping=data.draw(st.booleans()))
    bits = data.draw(st.integers(1, 32))
    frames = [[uints(rng, n, bits)] for _ in range(5)]
    assert_frames_match_oracle(lib, spectral_subtraction_model(n, **options), frames, state_output=1)


@SETTINGS
@given(n=st.integers(1, 12), snr_shift=st.integers(0, 63), lut_amplitude=st.sampled_from([2000, 32767]),
       seed=st.integers(0, 2**16))
def test_pcan_property(lib, n, snr_shift, lut_amplitude, seed):
    """Noise estimates of every magnitude (every octave of the gain table, 0..2 read directly), negative gains
    (uint32 in TFLM), extreme tables (TFLM's int32 wrap-around)."""
    rng = np.random.default_rng(seed)
    buf = pcan_model(n, int16s(rng, 125, lut_amplitude), snr_shift)
    assert_frames_match_oracle(lib, buf, [[uints(rng, n, 32), uints(rng, n, 32)] for _ in range(3)])


def test_spectral_subtraction_state_resets_to_zero():
    """verify_compiled without stream resets both between input sets: micro's `<name>_reset()` and TFLM's
    Reset (FilterBankSpectralSubtractionReset) give the same estimate from then on."""
    rng = np.random.default_rng(7)
    sets = [[uints(rng, 6, 24)] for _ in range(4)]
    buf = spectral_subtraction_model(6, **SS_DEFAULTS)
    for stream in (True, False):
        report = verify_bytes(buf, "ss", inputs=sets, random=0, stream=stream)
        assert report.ok and report.inputs_run == 4, report.summary()
        assert report.tensors_compared == 4 * 3  # two outputs and the state, every set


@pytest.mark.parametrize("index", [0, 2, 3, 4, 9, 10, 11, 12, 13])
def test_each_signal_op_of_the_audio_preprocessor(index):
    """Each signal op of the shared model on its own (its real window, filter bank and PCAN tables) through the
    whole pipeline: compile, generated C, TFLM."""
    path = shared_model(PREPROCESSOR)
    g = load_model(path).main
    op = g.ops[index]
    assert op.kind.startswith("CUSTOM:Signal")
    report = verify_bytes(op_model(g, op), f"op{index}", random=4, stream=True)
    assert report.ok, report.summary()


def test_rfft_tables_of_the_preprocessor():
    """kiss_fftr_alloc(512): 256-point complex FFT in four radix-4 stages; twiddle k is exp(-2 pi i k / 256)
    rounded to Q15, the super twiddles exp(-pi i ((k + 1) / 256 + 1 / 2))."""
    t = rfft_tables(256)
    assert t.factors.tolist() == [4, 64, 4, 16, 4, 4, 4, 1]
    assert t.twiddles[:4].tolist() == [32767, 0, 32757, -804] and t.twiddles[2 * 64:2 * 64 + 2].tolist() == [0, -32767]
    assert t.super_twiddles[:2].tolist() == [-402, -32765] and len(t.super_twiddles) == 256
    assert sorted(t.input_order.tolist()) == list(range(256)) and t.input_order[:5].tolist() == [0, 64, 128, 192, 16]


def _problems(buf: bytes) -> str:
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(read_model(buf, "m"))
    return str(err.value)


@pytest.mark.parametrize("buf,needles", [
    (rfft_model((1, 48), 2 * 7), ["op #0 CUSTOM:SignalRfft", "factor 7", "2, 3 and 5"]),
    (rfft_model((1, 40), 32), ["longer than fft_length 32"]),
    (signal_model("SignalRfft", [("input", (1, 8), "int32")], [("output", (1, 10), "int32")],
                  {"T": 2, "fft_length": 8}), ["T = 2 (int32)", "int16 SignalRfft only"]),
    (window_model((1, 10), np.ones(4, np.int16), 3), ["not a multiple of the 4-element window"]),
    (window_model((1, 8), np.ones(8, np.int16), 40), ["shift = 40 is outside [0, 31]"]),
    (signal_model("SignalWindow", [("input", (8,), "int16"), ("weights", np.ones(8, np.int16))],
                  [("output", (8,), "int16")], {"shift": 2.5}), ["'shift' must be an inline integer or bool"]),
    (signal_model("SignalWindow", [("input", (8,), "int16"), ("weights", np.ones(8, np.int16))],
                  [("output", (8,), "int16")], {"scale": 2}), ["'shift' must be entry 0", "['scale']"]),
    (signal_model("SignalEnergy", [("input", (8,), "int16")], [("output", (4,), "uint32")],
                  {"end_index": 9, "start_index": 0}), ["end_index = 9 is outside [0, 4]"]),
    (filter_bank_model(10, [1, 2], [1, 2], [0, 9, 0], [0, 0, 0], [1, 2, 1]), ["channel 1 reads input bins [9, 11)"]),
    (pcan_model(4, np.ones(100, np.int16), 6), ["has 100 elements; TFLM reads up to 125"]),
    (spectral_subtraction_model(4, **{**SS_DEFAULTS, "spectral_subtraction_bits": 64}),
     ["spectral_subtraction_bits = 64 is outside [0, 63]"]),
])
def test_refusals_name_the_op_and_the_limit(buf, needles):
    text = _problems(buf)
    for needle in needles:
        assert needle in text, text


def test_custom_op_without_options_is_refused_by_name():
    from micro.testing.tflite_builder import ModelBuilder
    b = ModelBuilder()
    x = b.tensor("x", (8,), "int16")
    y = b.tensor("y", (8,), "int16")
    b.op("CUSTOM:SignalWindow", [x, b.const("w", np.ones(8, np.int16))], [y])
    assert "op #0 CUSTOM:SignalWindow" in _problems(b.finish()) and "has no custom options" in _problems(b.finish())


def test_energy_bins_tflm_leaves_unwritten_are_not_compared():
    """TFLM's SignalEnergy writes bins [start, end) only; the rest hold whatever its arena held before, so
    verification compares the written bins alone (micro writes 0 there)."""
    compiled = compile_model(read_model(energy_model(20, 3, 17), "energy"))
    (mask,) = tflm_defined(compiled).values()
    assert mask.tolist() == [3 <= i < 17 for i in range(20)]


def test_undefined_energy_bins_are_followed_through_the_preprocessors_cast():
    compiled = compile_model(load_model(shared_model("tflm_audio_preprocessor_int8")))
    names = {compiled.graph.tensors[t].name: int(mask.sum()) for t, mask in tflm_defined(compiled).items()}
    assert set(names) == {"signal_energy", "Cast"} and len(set(names.values())) == 1, names

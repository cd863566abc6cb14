"""`micro profile --kernels hifi4`: the analytical HiFi 4 cycle ESTIMATE (micro.profile.hifi4), labelled as
one everywhere; its loads and multiplies equal to those the kernels issue through micro's emulation (counted:
KWS, person_detect, hello_world, the SVDF and LSTM models, SVDF layers of odd sizes); the bundle arithmetic on
hand-counted layers, the in-image taps of a padded depthwise window, the slot limits never beaten, and no estimate for an op without a HiFi 4 variant."""

from __future__ import annotations

import ctypes
import json

import numpy as np

import pytest

from micro.cli import main
from micro.compiler import compile_model
from micro.dtypes import BUFFER_DTYPES
from micro.errors import MicroError
from micro.frontend import load_model, read_model
from micro.lowered import KernelCall
from micro.profile.hifi4 import (LOAD_SLOTS, REQUANT_SINGLE_CYCLES, SCALAR_CYCLES, VECTOR_SLOTS, _in_image_taps,
                                 estimate_call)
from micro.profile.report import HIFI4_METRIC, Profile
from micro.testing.layers_recurrent import svdf_model

from support.corpus import MUST_PASS, shared_model, shared_models
from support.kernel_bindings import build_kernel_library

KWS = shared_model("mlperf_tiny_kws_ref_model")
PEAK_MACS_PER_CYCLE = VECTOR_SLOTS * 4      # two MAC operations of four 16x16 multiply-adds a bundle


def test_pointwise_conv_of_kws_by_hand():
    # op 2: a 1x1 conv, 64 -> 64 channels, 25x5 pixels
    call = compile_model(load_model(KWS), kernel_set="hifi4", patches=False).lowered[2].call
    assert call.func == "mn_conv_2d_packed_int8" and call.params["taps"] == 64
    est = estimate_call(call)
    blocks, pairs, groups = 32, 32, 16        # ceil(125 / 4) pixel blocks, 64 / 2 channel pairs, 64 / 4 tap groups
    # 6 loads, 8 MACs a group: 4 bundles; a channel pair's two priming loads: 1 bundle
    assert est.bundles == blocks * pairs * groups * 4 + blocks * pairs
    assert est.loads == blocks * pairs * (groups * 6 + 2)
    assert est.scalar == blocks * 4 * 64 * SCALAR_CYCLES
    assert est.requant == blocks * 4 * 64 * REQUANT_SINGLE_CYCLES
    assert est.cycles == est.bundles + est.scalar + est.requant


@pytest.mark.parametrize("n_out, k, stride, dil, pad, size", [(25, 3, 1, 1, 1, 25), (5, 3, 2, 2, 2, 9), (1, 4, 1, 1, 0, 4)])
def test_in_image_taps_count_the_taps_tflm_does_not_skip(n_out, k, stride, dil, pad, size):
    brute = sum(1 for o in range(n_out) for f in range(k) if 0 <= o * stride - pad + f * dil < size)
    assert _in_image_taps(n_out, k, stride, dil, pad, size) == brute


def test_no_op_beats_the_slots_and_only_hifi4_variants_are_estimated():
    for path in shared_models(MUST_PASS):
        compiled = compile_model(load_model(path), kernel_set="hifi4")
        for low in compiled.lowered:
            if not isinstance(low.call, KernelCall):
                continue
            est = estimate_call(low.call)
            if "hifi4" not in dict(low.call.kernel.variants):
                assert est is None, low.call.func
            elif low.macs:
                assert low.macs <= PEAK_MACS_PER_CYCLE * est.bundles, (path.stem, low.op.index)


def test_profile_table_and_json_say_estimate(capsys):
    assert main(["profile", str(KWS), "--kernels", "hifi4"]) == 0
    text = capsys.readouterr().out
    assert "HiFi 4 cycles (ESTIMATE)" in text and "nothing ran on a HiFi core" in text
    assert "no estimate (portable C, no HiFi 4 variant): #9 AVERAGE_POOL_2D, #12 SOFTMAX" in text
    assert main(["profile", str(KWS), "--kernels", "hifi4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metric"] == HIFI4_METRIC and out["board"] == "hifi4 (analytical)"
    rows = [r["cycles_estimate"] for r in out["ops"]]
    assert out["totals"]["hifi4_cycles_estimate"] == sum(r for r in rows if r) > 0
    assert f"{LOAD_SLOTS} loads" in out["notes"][0]


def test_profile_of_the_estimate_refuses_a_board_and_a_baseline(capsys):
    assert main(["profile", str(KWS), "--kernels", "hifi4", "--board", "host"]) != 0
    assert "runs nothing" in capsys.readouterr().err
    assert main(["profile", str(KWS), "--kernels", "hifi4", "--baseline", "x.json"]) != 0
    assert "no baseline" in capsys.readouterr().err


def test_the_portable_set_has_no_estimate():
    with pytest.raises(MicroError, match="compiled with the portable kernels"):
        Profile.from_hifi4_estimate(compile_model(load_model(KWS)))


COUNTS_C = """unsigned long mn_hifi_emu_counts[3];
void mn_hifi_emu_reset(void) { mn_hifi_emu_counts[0] = mn_hifi_emu_counts[1] = mn_hifi_emu_counts[2] = 0; }
"""


@pytest.mark.parametrize("model,index", [("mlperf_tiny_kws_ref_model", 0), ("mlperf_tiny_kws_ref_model", 1),
                                         ("mlperf_tiny_kws_ref_model", 2), ("mlperf_tiny_kws_ref_model", 11),
                                         ("tflm_person_detect", 1), ("tflm_person_detect", 2),
                                         ("tflm_hello_world_int8", 0), ("tflm_hello_world_int8", 1),
                                         ("tflm_keyword_scrambled", 1), ("tflm_keyword_scrambled_8bit", 1),
                                         ("tflm_mnist_lstm_int8", 0), ("tflm_xtensa_micro_speech_lstm_int8", 0)])
def test_the_model_counts_the_loads_and_multiplies_the_emulation_issues(tmp_path, model, index):
    """The kernel run through micro's emulation with MN_HIFI_EMU_COUNT: every load and multiply intrinsic it
    issues, counted, equals the estimate's count (the bundles are built from these)."""
    _check_counts(tmp_path, compile_model(load_model(shared_model(model)), kernel_set="hifi4", patches=False), index)


@pytest.mark.parametrize("state_dtype", ["int16", "int8"])
def test_an_svdf_of_odd_sizes_counts_what_the_emulation_issues(tmp_path, state_dtype):
    """Rows at every alignment (23 inputs), a short last group of filters (6), memory 7 (a tail)."""
    buf = svdf_model(np.random.default_rng(1), batch=2, input_size=23, units=3, rank=2, memory=7,
                     state_dtype=state_dtype)
    _check_counts(tmp_path, compile_model(read_model(buf, "svdf"), kernel_set="hifi4"), 0)


def _check_counts(tmp_path, compiled, index):
    low = compiled.lowered[index]
    g = compiled.graph
    counts_c = tmp_path / "counts.c"
    counts_c.write_text(COUNTS_C)
    lib = build_kernel_library(tmp_path, [low.call.kernel], defines=("MN_HIFI_EMU_COUNT",), kernel_set="hifi4",
                               extra_sources=[counts_c])
    rng = np.random.default_rng(index)
    buffers = []
    for t in low.call.inputs:
        tensor = g.tensors[t] if t is not None else None
        if tensor is None:
            buffers.append(None)
        elif tensor.data is not None:
            buffers.append(np.ascontiguousarray(tensor.data))
        else:
            buffers.append(rng.integers(-128, 128, tensor.shape).astype(BUFFER_DTYPES[tensor.dtype]))
    buffers += [np.zeros(g.tensors[t].shape, BUFFER_DTYPES[g.tensors[t].dtype]) for t in low.call.outputs]
    lib.mn_hifi_emu_reset()
    lib.call(low.call, *buffers)
    counted = (ctypes.c_ulong * 3).in_dll(lib.cdll, "mn_hifi_emu_counts")
    est = estimate_call(low.call)
    assert est.multiplies > 0
    assert (counted[0], counted[1]) == (est.loads, est.multiplies), low.call.func

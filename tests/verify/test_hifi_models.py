"""Every MUST_PASS shared model, and every other shared model whose ops micro supports and that has a CONV_2D,
DEPTHWISE_CONV_2D or FULLY_CONNECTED, compiled with the hifi4 kernel set (`micro verify MODEL --board hifi4_emu`: the
HiFi 4 kernels through micro's intrinsic emulation on the host) bit-exact with TFLM, every tensor, on its real
inputs and random ones; the models whose HiFi kernels run quickly in the default run, the rest slow-marked; the
SVDF and LSTM models streamed (consecutive invokes on one state, the state compared after every invoke)."""

import numpy as np
import pytest

from micro.cli import main
from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.frontend import load_model
from micro.ops import supported_kinds
from micro.verify.compare import random_inputs, verify_compiled

from support import datasets
from support.corpus import MUST_PASS, corpus_models, shared_model, shared_models
from support.paths import MODELS

FAST = {"tflm_hello_world_int8", "mlzoo_rnnoise_int8", "tflm_keyword_scrambled", "mlperf_tiny_kws_ref_model", "tflm_micro_speech_quantized", "mlzoo_ds_cnn_s_int8",
        "mww_alexa_stream_int8"}
RANDOM_SETS = 4


# the ops whose kernels have HiFi 4 variants
HIFI4_KINDS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"}


def _supported_with_hifi4_ops(path) -> bool:
    """micro compiles it, and the hifi4 set can change one of its kernels (for the others, e.g. the audio
    preprocessor's signal ops, it compiles the very same C as the portable set: tests/verify/test_models.py)."""
    model = load_model(path)
    kinds = {op.kind for op in model.main.ops}
    return len(model.subgraphs) == 1 and kinds <= set(supported_kinds()) and bool(kinds & HIFI4_KINDS)


SUPPORTED_OTHERS = [p for p in corpus_models("*.tflite", folder=MODELS)
                    if p.stem not in MUST_PASS and _supported_with_hifi4_ops(p)]


@pytest.mark.parametrize("path", [p if p.stem in FAST else pytest.param(p, marks=pytest.mark.slow)
                                  for p in shared_models(MUST_PASS) + SUPPORTED_OTHERS], ids=lambda p: p.stem)
def test_model_bit_exact_with_hifi4_kernels(path):
    compiled = compile_model(load_model(path), kernel_set="hifi4")
    rng = np.random.default_rng(99)
    sets = datasets.real_inputs(path.stem) + [random_inputs(compiled.graph, rng) for _ in range(RANDOM_SETS)]
    report = verify_compiled(compiled, path.read_bytes(), sets)
    assert report.ok, report.summary()
    assert report.board == "hifi4_emu"


def test_hifi4_program_compiles_the_variants_and_changes_no_call():
    model = load_model(shared_model("mlperf_tiny_kws_ref_model"))
    hifi, portable = compile_model(model, kernel_set="hifi4"), compile_model(model)
    files = emit_c(hifi)
    assert {"mn_conv_2d_packed_int8_hifi4.c", "mn_depthwise_conv_2d_packed_int8_hifi4.c",
            "mn_fully_connected_int8_hifi4.c", "mn_hifi4.h", "mn_hifi_emu.h"} <= set(files.kernel_files)
    assert "mn_conv_2d_packed_int8.c" not in files.kernel_files
    assert files.files == emit_c(portable).files      # the same model code, header and weights
    assert not any("hifi" in f for f in emit_c(portable).kernel_files)


@pytest.mark.parametrize("name, invokes", [("tflm_keyword_scrambled", 30), ("tflm_keyword_scrambled_8bit", 30),
                                           ("tflm_mnist_lstm_int8", 4), ("tflm_xtensa_micro_speech_lstm_int8", 10)])
def test_recurrent_models_stream_bit_exact_with_hifi4_kernels(name, invokes):
    """The HiFi 4 SVDF and LSTM kernels (mn_svdf_int8_hifi4.c, mn_lstm_int8_hifi4.c) on one state from invoke to
    invoke, every tensor and the state compared after each."""
    path = shared_model(name)
    compiled = compile_model(load_model(path), kernel_set="hifi4")
    variants = {f for f in emit_c(compiled).kernel_files if f.endswith("_hifi4.c")}
    assert variants & {"mn_svdf_int8_hifi4.c", "mn_lstm_int8_hifi4.c"}, variants
    rng = np.random.default_rng(3)
    report = verify_compiled(compiled, path.read_bytes(), [random_inputs(compiled.graph, rng) for _ in range(invokes)],
                             stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == invokes and report.board == "hifi4_emu"


def test_cli_verify_streams_on_the_hifi4_emu_board(capsys):
    """`micro verify MODEL --board hifi4_emu` as a user types it (a host board: no flash budget to look up)."""
    assert main(["verify", str(shared_model("tflm_keyword_scrambled")), "--board", "hifi4_emu", "--random", "1",
                 "--stream", "4"]) == 0
    out = capsys.readouterr().out
    assert "BIT-EXACT tflm_keyword_scrambled on hifi4_emu" in out

"""The xtensa_qemu board: models built with Debian's gcc-xtensa-lx106 and run on the lx106 in
`qemu-system-xtensa -M sim` (micro.deploy.xtensa_qemu), every tensor compared with TFLM, with the portable
kernels and with the HiFi 4 kernels through micro's intrinsic emulation (a real Xtensa ISA: alignment, byte
order, the call0 ABI, the C library and libgcc helpers the firmware brings)."""

import numpy as np
import pytest

from micro.cli import main
from micro.compiler import compile_model
from micro.deploy.boards import get_board
from micro.deploy.xtensa_qemu import is_xtensa_qemu, parse_records, xtensa_unavailable, XtensaError
from micro.frontend import load_model, read_model
from micro.verify.compare import random_inputs
from micro.testing.signal_models import spectral_subtraction_model
from micro.verify.xtensa import verify_on_xtensa

from support import datasets
from support.corpus import shared_model

BOARD = get_board("xtensa_qemu")


@pytest.fixture(scope="module", autouse=True)
def tools():
    reason = xtensa_unavailable(BOARD)
    if reason:
        pytest.fail(f"{reason}: scripts/setup.sh installs it")


def _verify(name: str, kernel_set: str, random_sets: int = 2, stream: bool = False):
    path = shared_model(name)
    compiled = compile_model(load_model(path), kernel_set=kernel_set)
    rng = np.random.default_rng(5)
    sets = datasets.real_inputs(name) + [random_inputs(compiled.graph, rng) for _ in range(random_sets)]
    return verify_on_xtensa(compiled, path.read_bytes(), sets, BOARD, stream=stream)


@pytest.mark.parametrize("kernel_set", ["portable", "hifi4"])
@pytest.mark.parametrize("name", ["tflm_hello_world_int8", "mlperf_tiny_kws_ref_model"])
def test_model_bit_exact_on_the_lx106(name, kernel_set):
    report, instructions = _verify(name, kernel_set)
    assert report.ok, report.summary()
    assert report.tensors_compared > 0 and report.board.startswith("xtensa_qemu")
    assert instructions and instructions > 1000


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tflm_micro_speech_quantized", "mlzoo_ds_cnn_s_int8", "tflm_person_detect",
                                  "tflm_keyword_scrambled"])
def test_more_models_with_hifi4_kernels_on_the_lx106(name):
    report, _ = _verify(name, "hifi4")
    assert report.ok, report.summary()


def test_svdf_streams_with_hifi4_kernels_on_the_lx106():
    """keyword_scrambled's SVDF layers through mn_svdf_int8_hifi4.c on one state from invoke to invoke."""
    report, _ = _verify("tflm_keyword_scrambled", "hifi4", random_sets=4, stream=True)
    assert report.ok and report.inputs_run >= 4, report.summary()


def test_lstm_streams_with_hifi4_kernels_on_the_lx106():
    report, _ = _verify("tflm_mnist_lstm_int8", "hifi4", random_sets=2, stream=True)
    assert report.ok, report.summary()


@pytest.mark.slow
def test_streaming_state_on_the_lx106():
    report, _ = _verify("mww_alexa_stream_int8", "hifi4", random_sets=0, stream=True)
    assert report.ok, report.summary()


def test_kernel_state_against_tflms_copy_on_the_lx106():
    """A kernel that keeps its own state (spectral subtraction's noise estimate, mirrored by TFLM in an output):
    the state region the firmware sends after each invoke, compared as on the host (XtensaQemuModel.op_states)."""
    buf = spectral_subtraction_model(6, smoothing=409, one_minus_smoothing=15975, alternate_smoothing=983,
                                     alternate_one_minus_smoothing=15401, min_signal_remaining=819, smoothing_bits=10,
                                     spectral_subtraction_bits=14, clamping=False)
    compiled = compile_model(read_model(buf, "ss"))
    rng = np.random.default_rng(3)
    sets = [[rng.integers(0, 2**24, 6, dtype=np.uint32)] for _ in range(4)]
    report, _ = verify_on_xtensa(compiled, buf, sets, BOARD, stream=True)
    assert report.ok and report.inputs_run == 4, report.summary()
    assert report.tensors_compared == 4 * 3       # two outputs and the kernel state, every invoke


def test_board_record():
    assert is_xtensa_qemu(BOARD) and BOARD.cpu == "lx106" and BOARD.toolchain_prefix == "xtensa-lx106-elf-"
    assert not is_xtensa_qemu(get_board("mps2_an386"))


def test_a_truncated_run_is_an_error():
    with pytest.raises(XtensaError, match="stopped before its last record"):
        parse_records(b"MNRS" + bytes(12))


def test_cli_verify_on_xtensa_qemu(capsys):
    assert main(["verify", str(shared_model("tflm_hello_world_int8")), "--board", "xtensa_qemu", "--kernels", "hifi4",
                 "--random", "2"]) == 0
    out = capsys.readouterr().out
    assert "BIT-EXACT" in out and "lx106 instructions for one invoke" in out

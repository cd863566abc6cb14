"""Stateful models on the emulated Cortex-M4 (QEMU mps2-an386): the firmware keeps the state from one invoke to
the next; `verify_on_board(stream=True)` (`micro verify --board --stream N`) compares every invoke of a stream
board vs host vs TFLM and names the first one that differs; RESET (protocol version 3) gives the outputs of a
fresh init; non-stream runs reset between input sets; `micro run --board` runs a sequence."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.frontend import load_model, read_model
from micro.verify.board import BoardSession, verify_on_board
from micro.verify.compare import random_inputs
from micro.verify.host import HostModel

from support import resource_models
from support.corpus import shared_model
from support.datasets import mww_feature_stream
from support.paths import ROOT, need_tool

BOARD = "mps2_an386"
MWW = "mww_alexa_stream_int8"
INVOKES = 300


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


@pytest.fixture(scope="module")
def mww():
    path = shared_model(MWW)
    return path, compile_model(load_model(path))


def _random(compiled, n: int, seed: int):
    rng = np.random.default_rng(seed)
    return [random_inputs(compiled.graph, rng) for _ in range(n)]


@pytest.mark.parametrize("source", ["random", "features"])
def test_mww_streams_300_invokes_on_qemu_bit_exact(mww, source):
    path, compiled = mww
    sets = _random(compiled, INVOKES, 11) if source == "random" else mww_feature_stream(INVOKES)
    report = verify_on_board(compiled, path.read_bytes(), sets, BOARD, stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == INVOKES and report.host_report.inputs_run == INVOKES
    assert report.host_report.stream and "300 consecutive invoke(s)" in report.summary()
    assert report.memory.state == compiled.state.state_bytes == 3024
    assert report.memory.arena == compiled.plan.arena_bytes


def test_reset_on_the_board_gives_the_outputs_of_a_fresh_init(mww):
    _, compiled = mww
    probe, other = _random(compiled, 25, 1), _random(compiled, 40, 2)
    host = HostModel(compiled, emit_c(compiled))
    expected = [host.run(x)[0][0].tobytes() for x in probe]
    with BoardSession(compiled, BOARD) as board:
        fresh = [board.run(x).outputs[0].tobytes() for x in probe]   # from boot
        for x in other:
            board.run(x)
        board.reset()
        after_reset = [board.run(x).outputs[0].tobytes() for x in probe]
        for x in other:
            board.run(x)
        board.reset(fresh=True)
        after_init = [board.run(x).outputs[0].tobytes() for x in probe]
    assert fresh == after_reset == after_init == expected


def test_non_stream_board_runs_reset_between_sets_as_tflm_does():
    """The accumulator's CALL_ONCE gives it other first values than its reset value: set 0 sees them, every
    later set (after a reset, as TFLM's MicroInterpreter::Reset) the reset value."""
    buf = resource_models.accumulator()
    compiled = compile_model(read_model(buf, "acc"))
    sets = [[np.full((1, 4), v, np.int8)] for v in (4, 4, 9)]
    report = verify_on_board(compiled, buf, sets, BOARD)
    assert report.ok, report.summary()
    stream = verify_on_board(compiled, buf, sets, BOARD, stream=True)
    assert stream.ok, stream.summary()


def test_the_first_invoke_that_differs_is_named():
    """A build whose state starts wrong where only the second invoke can see it (a delay line: the output of
    invoke 1 is variable a's first value): the report names invoke 1."""
    buf = resource_models.delay_line()
    compiled = compile_model(read_model(buf, "delay"))
    a = next(t for t, r in compiled.graph.resources.items() if r.shared_name == "a")
    compiled.state.buffers[compiled.state.tensor_state[a]].call_once = np.array([9, 9, 9, 9], np.uint8)
    sets = _random(compiled, 5, 3)
    report = verify_on_board(compiled, buf, sets, BOARD, stream=True, host_all_tensors=False)
    assert not report.ok
    assert report.first.input_index == 1 and "on invoke 1 of the stream" in report.summary()


def test_micro_run_on_the_board_runs_a_sequence(mww, tmp_path):
    path, compiled = mww
    seq = np.stack([x[0] for x in mww_feature_stream(12)])            # [12, 1, 3, 40]: a leading time axis
    np.save(tmp_path / "seq.npy", seq)
    out = tmp_path / "out.npz"
    res = subprocess.run([sys.executable, "-m", "micro", "run", str(path), "--board", BOARD, "--input",
                          str(tmp_path / "seq.npy"), "-o", str(out)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    got = np.load(out)
    host = HostModel(compiled, emit_c(compiled))
    host.lib[f"{MWW}_init"]()
    for k, x in enumerate(seq):
        assert got[f"set{k}_output0"].tobytes() == host.run([x])[0][0].tobytes(), k

"""mlzoo_rnnoise_int8 (GRUs unrolled into elementwise ops, 13 op types, 4 inputs, 5 outputs) as a
recurrent model runs: its three GRU states fed back for 100 consecutive frames, every frame compared with
TFLM, on the host (every tensor) and on the emulated Cortex-M4 (outputs, board vs host vs TFLM)."""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.frontend import load_model
from micro.verify.board import BoardSession
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel
from micro.codegen import emit_c
from micro.verify.oracle import Oracle

from support.corpus import shared_model
from support.paths import need_tool

NAME = "mlzoo_rnnoise_int8"
# output position -> input position: Identity (96) -> denoise state, Identity_2 (48) -> noise state,
# Identity_3 (24) -> VAD state.
FEEDBACK = {0: 3, 2: 2, 3: 1}
FRAMES = 100


def _frames(compiled, n: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(42)
    return [random_inputs(compiled.graph, rng) for _ in range(n)]


def test_rnnoise_states_fed_back_100_frames_on_the_host():
    path = shared_model(NAME)
    compiled = compile_model(load_model(path))
    report = verify_compiled(compiled, path.read_bytes(), _frames(compiled, FRAMES), feedback=FEEDBACK)
    assert report.ok, report.summary()
    assert report.inputs_run == FRAMES


def test_rnnoise_states_fed_back_on_qemu():
    need_tool("qemu-system-arm")
    need_tool("arm-none-eabi-gcc")
    path = shared_model(NAME)
    compiled = compile_model(load_model(path))
    host = HostModel(compiled, emit_c(compiled))
    oracle = Oracle(path.read_bytes(), compiled.model)
    g = compiled.graph
    frames = _frames(compiled, FRAMES)
    previous = None
    with BoardSession(compiled, "mps2_an386") as board:
        for k, inputs in enumerate(frames):
            if previous is not None:
                for out_pos, in_pos in FEEDBACK.items():
                    inputs[in_pos] = previous[out_pos].reshape(inputs[in_pos].shape)
            run = board.run(inputs)
            ours, _ = host.run(inputs)
            ref = oracle.run(inputs, list(g.outputs))
            for o, t in enumerate(g.outputs):
                assert np.array_equal(run.outputs[o], ours[o]), f"frame {k} output {o}: board != host"
                assert np.array_equal(run.outputs[o].ravel(), np.asarray(ref[t]).ravel()), f"frame {k} output {o}"
            assert run.instructions and run.instructions > 0
            previous = run.outputs

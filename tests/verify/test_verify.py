"""The verifier itself: it must catch a wrong byte and survive an oracle crash."""

import json

import numpy as np
import pytest

from micro.cli import main
from micro.compiler import compile_model
from micro.errors import MicroError
from micro.frontend import load_model, read_model
from micro.verify.oracle import tflm_arena_bytes
from micro.verify.compare import random_inputs, verify_bytes, verify_compiled
from micro.testing.tflite_builder import ModelBuilder

from support.paths import MODELS


def test_a_wrong_constant_is_caught_and_named():
    path = MODELS / "mlperf_tiny_kws_ref_model.tflite"
    compiled = compile_model(load_model(path))
    third = compiled.lowered[2]
    params = third.call.params  # sabotage one op (a conv/depthwise): its zero point, or the packed kernels'
    if "channels" in params:    # folded {m, c_lo, c_hi, r - 1} (the packed conv's after channel 0's weights)
        rq = params["channels"][1 + params["taps4"] // 2:]
    else:
        rq = params["rq"]
    if isinstance(rq, dict):
        rq["output_offset"] += 1
    else:
        rq[2] += 1 << rq[3]  # channel 0's zero point + 1, as folded into c_hi
    sets = [random_inputs(compiled.graph, np.random.default_rng(0))]
    report = verify_compiled(compiled, path.read_bytes(), sets)
    assert not report.ok
    assert report.first.op_index == third.op.index
    assert "MISMATCH" in report.summary() and f"op #{third.op.index}" in report.summary()


def _depthwise_without_bias() -> bytes:
    """TFLM's depthwise Prepare dereferences the missing bias: a process running TFLM on it dies."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    w = b.const("w", np.ones((1, 3, 3, 2), np.int8), scale=np.array([0.01, 0.02], np.float32),
                zero_point=np.zeros(2, np.int64), axis=3)
    y = b.tensor("y", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", [x, w, None], [y], {"padding": "SAME", "stride_h": 1, "stride_w": 1,
                                                  "depth_multiplier": 1})
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def test_oracle_crash_is_an_error_not_a_dead_process():
    with pytest.raises(MicroError, match="TFLM"):
        verify_bytes(_depthwise_without_bias(), "dw_nobias", random=1)


def test_tflm_arena_measurement_crash_is_an_error_not_a_dead_process():
    buf = _depthwise_without_bias()
    with pytest.raises(MicroError, match=r"TFLM crashed while measuring its arena \(signal SIG"):
        tflm_arena_bytes(buf, read_model(buf, "dw_nobias"))


def test_tflm_that_takes_too_long_is_stopped():
    path = MODELS / "mlperf_tiny_kws_ref_model.tflite"
    with pytest.raises(MicroError, match=r"did not finish measuring its arena within 0 s"):
        tflm_arena_bytes(path.read_bytes(), load_model(path), timeout=0.001)


def test_cli_commands_survive_a_tflm_crash(tmp_path, capsys):
    """compile, inspect and plan measure TFLM's arena out of process: a TFLM crash is a note, not a failure."""
    model = tmp_path / "dw_nobias.tflite"
    model.write_bytes(_depthwise_without_bias())
    assert main(["compile", str(model), "-o", str(tmp_path / "out")]) == 0
    assert "TFLM arena not measured" in capsys.readouterr().err
    assert main(["plan", str(model), "--json"]) == 0
    assert "TFLM arena not measured" in capsys.readouterr().err
    assert main(["inspect", str(model), "--json"]) == 0
    assert "crashed" in json.loads(capsys.readouterr().out)["tflm_arena"]["error"]

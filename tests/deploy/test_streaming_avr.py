"""A stateful model on the classic AVR Arduino (the exported library, arduino-builder, simavr): the MicroVerify
sketch resets the state between input sets (as the host and TFLM do) or runs them as one stream; CALL_ONCE's
first values, then TFLM's reset value, bit-exact."""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.frontend import read_model
from micro.verify.board import verify_on_board

from support import resource_models
from support.paths import need_tool


@pytest.mark.parametrize("stream", [False, True])
def test_accumulator_on_uno_resets_or_streams(stream):
    for tool in ("arduino-builder", "avr-gcc", "simavr"):
        need_tool(tool)
    buf = resource_models.accumulator()
    compiled = compile_model(read_model(buf, "acc"))
    sets = [[np.full((1, 4), v, np.int8)] for v in (4, 4, 9)]
    report = verify_on_board(compiled, buf, sets, "uno", stream=stream)
    assert report.ok, report.summary()
    assert report.inputs_run == 3

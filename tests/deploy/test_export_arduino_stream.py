"""The Arduino library of a stateful model (mww_alexa_stream_int8), on the host against the Arduino test double
(tests/arduino_double): the header documents <name>_reset(); SerialVerify answers RESET (protocol version 3), so
a stream verified invoke by invoke and input sets reset between them are bit-exact with TFLM; the Classify
example streams and starts a new stream on 'r'."""

from __future__ import annotations

import re
import subprocess
import zipfile

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.deploy.arduino.export import export_arduino
from micro.frontend import load_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs
from micro.verify.host import HostModel

from support.corpus import shared_model
from support.paths import need_tool

from arduino_double.sketch import PtySketch, build_sketch

MWW = "mww_alexa_stream_int8"


@pytest.fixture(scope="module")
def mww_lib(tmp_path_factory):
    need_tool("gcc")
    need_tool("g++")
    tmp = tmp_path_factory.mktemp("mww")
    res = export_arduino(shared_model(MWW), tmp / "MwwAlexa.zip", log=lambda *_: None)
    with zipfile.ZipFile(res.zip_path) as z:
        z.extractall(tmp / "unzipped")
    return tmp / "unzipped" / res.library.info.name, res, compile_model(load_model(shared_model(MWW)))


def test_the_library_header_documents_reset(mww_lib):
    root, res, compiled = mww_lib
    header = (root / "src" / res.library.info.header).read_text()
    assert f"{MWW}_reset();" in header and "state from one invoke to the next" in header
    assert f"{MWW}_reset\tKEYWORD2" in (root / "keywords.txt").read_text()
    assert "## Streaming" in (root / "README.md").read_text()


@pytest.mark.parametrize("stream", [True, False])
def test_serial_verify_streams_and_resets_over_a_pty(mww_lib, tmp_path, stream):
    root, _, compiled = mww_lib
    exe = build_sketch(root / "examples" / "SerialVerify", [root], tmp_path / "serial_verify")
    rng = np.random.default_rng(5)
    sets = [random_inputs(compiled.graph, rng) for _ in range(20)]
    with PtySketch(exe, timeout=240) as sketch:
        report = verify_on_board(compiled, shared_model(MWW).read_bytes(), sets, "nano33ble", port=sketch.port,
                                 host_all_tensors=False, stream=stream)
    assert report.ok, report.summary()
    assert report.inputs_run == 20


def test_classify_streams_and_starts_anew_on_r(mww_lib, tmp_path):
    root, res, compiled = mww_lib
    exe = build_sketch(root / "examples" / "Classify", [root], tmp_path / "classify")
    typed = tmp_path / "typed.txt"  # a file, not a pipe: every byte is there before the sketch's first loop
    typed.write_text("..r")
    with typed.open() as stdin:
        out = subprocess.run([str(exe)], stdin=stdin, env={"ARDUINO_DOUBLE_LOOPS": "4", "ARDUINO_DOUBLE_TIMEOUT": "60"},
                             capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[2] == "reset", lines
    scores = [re.match(r"class 0 score ([0-9.]+) \(\d+ us, invoke (\d+) of the stream\)", ln) for ln in
              lines[:2] + lines[3:]]
    assert all(scores), lines
    assert [int(m.group(2)) for m in scores] == [1, 2, 1, 2]
    host = HostModel(compiled, emit_c(compiled))
    host.lib[f"{MWW}_init"]()
    t = compiled.graph.tensors[compiled.graph.outputs[0]]
    want = [float(np.float32(t.quant.s) * np.float32(int(host.run(res.library.samples)[0][0].item()) - t.quant.zp))
            for _ in range(2)]
    assert [float(m.group(1)) for m in scores] == pytest.approx(want * 2, abs=2e-6)

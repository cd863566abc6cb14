"""The keyword-spotting Arduino library (examples/keyword_spotting/kws_arduino.py) and its Nano 33 BLE sketch:
built for this machine against the Arduino test double (tests/arduino_double, with its PDM microphone double
playing a recording), it prints the same commands at the same times as the host pipeline and lights the LED
per word as TFLM's micro_speech sketch; every unit compiles for nano33ble (Cortex-M4F, the mbed core's
softfp ABI) with arm-none-eabi-gcc/g++."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from support.paths import DATA, ROOT, need_tool

from arduino_double.sketch import M4F_SOFTFP, build_sketch, compile_only

sys.path.insert(0, str(ROOT / "examples" / "keyword_spotting"))

import kws  # noqa: E402
import kws_arduino  # noqa: E402
import kws_build  # noqa: E402
import kws_reference as ref  # noqa: E402

LED_BUILTIN, LEDR, LEDG, LEDB = 13, 22, 23, 24


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    out = tmp_path_factory.mktemp("kws_arduino")
    root = kws_arduino.write_library(out, zip_too=True)
    return root, out


@pytest.fixture(scope="module")
def recording():
    def clip(name):
        return kws.read_pcm(DATA / "tflm_micro_speech" / name)
    pause = np.zeros(8000, np.int16)
    return np.concatenate([clip("yes_1000ms.wav"), pause, clip("no_1000ms.wav"), pause, pause])


def test_library_layout(library):
    root, out = library
    assert (root / "examples" / "MicroSpeech" / "MicroSpeech.ino").is_file()
    for name in ("MicroSpeechKws.h", "kws_pipeline.c", "kws_recognize.c", "audio_preprocessor.c", "micro_speech.c",
                 "mn_kernels.h"):
        assert (root / "src" / name).is_file(), name
    assert "includes=MicroSpeechKws.h" in (root / "library.properties").read_text()
    with zipfile.ZipFile(out / "MicroSpeechKws.zip") as z:
        assert {n.split("/")[0] for n in z.namelist()} == {"MicroSpeechKws"}


def test_sketch_with_pdm_double_matches_host_pipeline(library, recording, tmp_path):
    need_tool("gcc")
    need_tool("g++")
    root, _ = library
    exe = build_sketch(root / "examples" / "MicroSpeech", [root], tmp_path / "micro_speech")
    pcm = tmp_path / "mic.raw"
    recording.astype("<i2").tofile(pcm)
    res = subprocess.run([str(exe)], env={"ARDUINO_DOUBLE_PDM_FILE": str(pcm), "ARDUINO_DOUBLE_TIMEOUT": "120"},
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    heard = [line for line in res.stdout.splitlines() if line.startswith("Heard")]

    with kws_build.open_device(kws_build.build_program(), "host") as host:
        run = kws.run_stream(host, recording)
    expected = [f"Heard {ref.LABELS[e.label]} ({e.score}) @{e.time_ms}ms" for e in run.events if e.flags & ref.FLAG_NEW]
    assert heard == expected
    assert [h.split()[1] for h in heard] == ["yes", "no"]

    writes = [tuple(map(int, m)) for m in re.findall(r"digitalWrite\((\d+), (\d)\)", res.stderr)]
    lit = [pin for pin, value in writes if value == 0 and pin in (LEDR, LEDG, LEDB)]
    assert lit == [LEDG, LEDR]    # green for yes, red for no (active low)
    toggles = [value for pin, value in writes if pin == LED_BUILTIN]
    inferences = sum(1 for e in run.events if e.flags & ref.FLAG_INFERENCE)
    assert toggles == [(k + 1) & 1 for k in range(inferences)]


def test_sketch_compiles_for_nano33ble(library, tmp_path):
    need_tool("arm-none-eabi-gcc")
    need_tool("arm-none-eabi-g++")
    root, _ = library
    objs = compile_only(root / "examples" / "MicroSpeech", [root], tmp_path / "m4", cflags=M4F_SOFTFP)
    assert len(objs) == len(list((root / "src").glob("*.c"))) + 1

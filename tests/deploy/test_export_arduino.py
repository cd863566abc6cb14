"""`micro export arduino`: the library ZIP against the Arduino library specification 1.5, its sources compiled
for Cortex-M4F, and its example sketches compiled and run on the host against a test double of the Arduino API
(tests/arduino_double), speaking micro's real serial protocol to the host harness over a pty, bit-exact with
TFLM. With arduino-cli and the arduino:mbed_nano core installed, every example is also compiled for the Nano
33 BLE."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from support.paths import DATA, MODELS, need_tool
from micro.deploy.arduino.check import check_library, check_zip, parse_properties
from micro.deploy.arduino.export import export_arduino
from micro.deploy.arduino.library import quantize_like_c
from micro.deploy.arduino.library_info import CATEGORIES
from micro.frontend.metadata import AssociatedFile, TensorMeta
from micro.testing.metadata_writer import attach_metadata, build_metadata

from arduino_double.sketch import PtySketch, build_sketch, compile_only

KWS = MODELS / "mlzoo_ds_cnn_s_int8.tflite"
KWS_LABELS = DATA / "mlzoo_kws" / "labels.txt"
PERSON = MODELS / "tflm_person_detect.tflite"
SILENT = dict(log=lambda *_: None)


def _export(tmp_path, model=KWS, zip_name="KwsModel.zip", **kw) -> tuple[Path, Path, object]:
    kw.setdefault("labels", KWS_LABELS if model == KWS else None)
    res = export_arduino(model, tmp_path / zip_name, **SILENT, **kw)
    out = tmp_path / "unzipped"
    with zipfile.ZipFile(res.zip_path) as z:
        z.extractall(out)
    return res.zip_path, out / res.library.info.name, res


@pytest.fixture(scope="module")
def kws_lib(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("kws"))


def _metadata_model(tmp_path) -> Path:
    """A model built with micro.testing.layers carrying TFLite metadata and a packed label file."""
    from micro.testing.layers import fully_connected_layer
    rng = np.random.default_rng(7)
    data = fully_connected_layer(rng, in_depth=24, units=5)
    fb = build_metadata(name="Fruit classifier", description="Five fruits from 24 features.", version="2.1.0",
                        author="Test Author <test@example.com>", license="Apache-2.0",
                        inputs=[TensorMeta(name="features", content="feature", mean=[0.5], std=[2.0])],
                        outputs=[TensorMeta(name="scores", associated_files=[
                            AssociatedFile("fruit_labels.txt", "fruit names", "TENSOR_AXIS_LABELS")])])
    path = tmp_path / "fruit_fc.tflite"
    path.write_bytes(attach_metadata(data, fb, {"fruit_labels.txt": b"apple\nbanana\ncherry\ndate\nelderberry\n"}))
    return path


# ---------------------------------------------------------------------------------------------
# Layout and manifests against the specification
# ---------------------------------------------------------------------------------------------

def test_zip_holds_one_library_folder_that_follows_the_spec(kws_lib):
    zip_path, root, res = kws_lib
    assert check_zip(zip_path) == []
    assert check_library(root) == []
    with zipfile.ZipFile(zip_path) as z:
        assert {n.split("/", 1)[0] for n in z.namelist()} == {"KwsModel"}
    # library.properties: every field of the 1.5 format, with valid values
    props = parse_properties((root / "library.properties").read_text(encoding="utf-8"))
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category",
                "architectures", "includes"):
        assert props.get(key), key
    assert props["name"] == "KwsModel" == root.name
    assert re.fullmatch(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]*$", props["name"]) and len(props["name"]) <= 63
    assert re.fullmatch(r"\d+\.\d+\.\d+", props["version"])
    assert props["category"] in CATEGORIES
    assert props["architectures"] == "*"
    assert "url" not in props      # no --url given: micro does not invent one
    assert props["includes"] == "KwsModel.h"
    # src/: the one public header in the root, everything else in a subfolder (recursive layout)
    assert sorted(p.name for p in (root / "src").iterdir() if p.is_file()) == ["KwsModel.h"]
    inner = {p.name for p in (root / "src" / "micro").iterdir()}
    assert {"mlzoo_ds_cnn_s_int8.h", "mlzoo_ds_cnn_s_int8.c", "mlzoo_ds_cnn_s_int8_weights.c", "mn_kernels.h",
            "mn_conv_2d_packed_int8.c", "mn_protocol.c", "mn_serve.c", "mn_arduino_harness.cpp",
            "mn_model_binding.c"} <= inner
    # examples: one folder per sketch, primary .ino named like the folder
    assert sorted(p.name for p in (root / "examples").iterdir()) == ["Classify", "SerialVerify"]
    for ex in ("Classify", "SerialVerify"):
        assert (root / "examples" / ex / f"{ex}.ino").is_file()
    # library.json: PlatformIO's manifest from the same data
    lj = json.loads((root / "library.json").read_text())
    assert (lj["name"], lj["version"]) == (props["name"], props["version"])
    assert lj["headers"] == ["KwsModel.h"] and "homepage" not in lj    # optional there: only a real --url
    assert props["sentence"] in lj["description"]
    assert {e["name"] for e in lj["examples"]} == {"Classify", "SerialVerify"}


def test_url_is_the_users(tmp_path):
    zip_path, root, _ = _export(tmp_path, url="https://example.org/kws-model")
    props = parse_properties((root / "library.properties").read_text(encoding="utf-8"))
    lj = json.loads((root / "library.json").read_text())
    assert props["url"] == lj["homepage"] == "https://example.org/kws-model"
    assert check_zip(zip_path) == []
    from micro.errors import MicroError
    for bad in ("ftp://example.org/", "https://example.org/a b", "https://example.org/\nname=Evil"):
        with pytest.raises(MicroError, match="url"):
            export_arduino(KWS, tmp_path / "Bad.zip", url=bad, **SILENT)


def test_check_library_catches_spec_violations(kws_lib, tmp_path):
    _, root, _ = kws_lib
    bad = tmp_path / "Bad Lib"
    shutil.copytree(root, bad)
    props = (bad / "library.properties").read_text()
    props = props.replace("category=Data Processing", "category=Machine Learning").replace("version=1.0.0",
                                                                                             "version=r5")
    (bad / "library.properties").write_text(props.replace("includes=KwsModel.h", "includes=Missing.h"))
    (bad / "examples" / "Classify" / "Classify.ino").rename(bad / "examples" / "Classify" / "Main.ino")
    (bad / "src" / "micro" / "mn_board.h").rename(bad / "src" / "mn_board.h")
    problems = "\n".join(check_library(bad))
    for needle in ("root folder", "version 'r5'", "category 'Machine Learning'", "includes names Missing.h",
                   "Classify.ino is missing", "internal headers belong in a subfolder", "src/Bad Lib.h"):
        assert needle in problems, (needle, problems)


def test_export_is_deterministic(tmp_path):
    a = export_arduino(KWS, tmp_path / "a" / "KwsModel.zip", labels=KWS_LABELS, **SILENT).zip_path.read_bytes()
    b = export_arduino(KWS, tmp_path / "b" / "KwsModel.zip", labels=KWS_LABELS, **SILENT).zip_path.read_bytes()
    assert a == b


def test_labels_and_helpers_reach_the_header(kws_lib):
    _, root, _ = kws_lib
    h = (root / "src" / "micro" / "mlzoo_ds_cnn_s_int8.h").read_text()
    c = (root / "src" / "micro" / "mlzoo_ds_cnn_s_int8.c").read_text()
    labels = KWS_LABELS.read_text().split()
    assert "#define MLZOO_DS_CNN_S_INT8_NUM_LABELS 12" in h
    assert "extern const char *const mlzoo_ds_cnn_s_int8_labels[MLZOO_DS_CNN_S_INT8_NUM_LABELS];" in h
    assert all(f'"{w}",' in c for w in labels)
    for fn in ("quantize_input0", "set_input0_float", "dequantize_output0", "output0_float", "argmax_output0"):
        assert f"mlzoo_ds_cnn_s_int8_{fn}(" in h


def test_model_metadata_names_the_library_and_labels(tmp_path):
    model = _metadata_model(tmp_path)
    zip_path, root, res = _export(tmp_path, model=model, zip_name="Fruit.zip")
    assert check_zip(zip_path) == []
    props = parse_properties((root / "library.properties").read_text())
    assert props["version"] == "2.1.0"
    assert props["author"] == "Test Author <test@example.com>"
    assert "Fruit classifier" in props["sentence"] and "Five fruits" in props["paragraph"]
    lj = json.loads((root / "library.json").read_text())
    assert lj["license"] == "Apache-2.0"
    assert lj["authors"][0] == {"name": "Test Author", "email": "test@example.com", "maintainer": True}
    h = (root / "src" / "micro" / "fruit_fc.h").read_text()
    assert "#define FRUIT_FC_NUM_LABELS 5" in h
    assert '#define FRUIT_FC_MODEL_NAME "Fruit classifier"' in h
    assert "fruit_fc_normalize_input0(float raw, int channel)" in h   # normalization from the metadata
    assert '"elderberry",' in (root / "src" / "micro" / "fruit_fc.c").read_text()


def test_wrong_label_count_is_an_error(tmp_path):
    bad = tmp_path / "labels.txt"
    bad.write_text("yes\nno\n")
    from micro.errors import MicroError
    with pytest.raises(MicroError, match="2 labels but output 0 .* has 12 classes"):
        export_arduino(KWS, tmp_path / "K.zip", labels=bad, **SILENT)


def test_library_name_rules(tmp_path):
    from micro.errors import MicroError
    with pytest.raises(MicroError, match="reserved"):
        export_arduino(KWS, tmp_path / "K.zip", name="ArduinoKws", **SILENT)
    res = export_arduino(KWS, tmp_path / "arduino_kws.zip", **SILENT)   # a reserved stem is renamed
    assert res.library.info.name == "Microarduino_kws"
    assert check_zip(res.zip_path) == []


# ---------------------------------------------------------------------------------------------
# Compilation for Cortex-M4F
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("abi", ["hard", "softfp"])
@pytest.mark.parametrize("example", ["Classify", "SerialVerify"])
def test_sources_compile_for_cortex_m4f_strict(kws_lib, tmp_path, example, abi):
    """Library .c as C99 with arm-none-eabi-gcc, its .cpp and the sketch as C++ with arm-none-eabi-g++,
    -Wall -Wextra -Werror (the Arduino API from the test double's header); hard float as micro's firmware,
    softfp as the arduino:mbed_nano core compiles."""
    need_tool("arm-none-eabi-gcc")
    need_tool("arm-none-eabi-g++")
    from arduino_double.sketch import M4F, M4F_SOFTFP
    _, root, _ = kws_lib
    objs = compile_only(root / "examples" / example, [root], tmp_path / "obj",
                        cflags=M4F if abi == "hard" else M4F_SOFTFP)
    assert len(objs) >= 12
    # the objects really are Thumb-2 for an ARMv7E-M core with the FPU
    res = subprocess.run(["arm-none-eabi-readelf", "-A", str(objs[0])], capture_output=True, text=True)
    assert "v7E-M" in res.stdout and "VFPv4-D16" in res.stdout
    assert ("VFP registers" in res.stdout) == (abi == "hard")


# ---------------------------------------------------------------------------------------------
# The examples on the host, against the Arduino test double
# ---------------------------------------------------------------------------------------------

def _host_compilers():
    need_tool("gcc")
    need_tool("g++")


def test_classify_example_runs_and_prints_tflms_answer(kws_lib, tmp_path):
    _host_compilers()
    _, root, res = kws_lib
    exe = build_sketch(root / "examples" / "Classify", [root], tmp_path / "classify")
    out = subprocess.run([str(exe)], env={"ARDUINO_DOUBLE_LOOPS": "2", "ARDUINO_DOUBLE_TIMEOUT": "60"},
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].split(" (")[0] == lines[1].split(" (")[0]
    m = re.match(r"class (\d+) (\S+) score ([0-9.]+) \(\d+ us\)", lines[0])
    assert m, lines[0]
    # the same input through TFLM
    from micro.compiler import compile_model
    from micro.frontend import load_model
    from micro.verify.oracle import Oracle
    compiled = compile_model(load_model(KWS))
    sample = res.library.samples[0]
    ref = Oracle(KWS.read_bytes(), compiled.model).run([sample], list(compiled.graph.outputs))
    y = np.asarray(ref[compiled.graph.outputs[0]]).ravel()
    best = int(np.argmax(y))
    t = compiled.graph.tensors[compiled.graph.outputs[0]]
    assert int(m.group(1)) == best
    assert m.group(2) == KWS_LABELS.read_text().split()[best]
    assert abs(float(m.group(3)) - float(np.float32(t.quant.s) * np.float32(int(y[best]) - t.quant.zp))) < 2e-6


def _verify_over_pty(root: Path, model: Path, tmp_path: Path, n_random: int = 3, extra_sets=()):
    _host_compilers()
    from micro.compiler import compile_model
    from micro.frontend import load_model
    from micro.verify.board import verify_on_board
    from micro.verify.compare import random_inputs
    exe = build_sketch(root / "examples" / "SerialVerify", [root], tmp_path / "serial_verify")
    compiled = compile_model(load_model(model))
    rng = np.random.default_rng(3)
    sets = [list(s) for s in extra_sets] + [random_inputs(compiled.graph, rng) for _ in range(n_random)]
    with PtySketch(exe, timeout=240) as sketch:
        report = verify_on_board(compiled, model.read_bytes(), sets, "nano33ble", port=sketch.port,
                                 host_all_tensors=False)
    return report


def test_serial_verify_sketch_is_bit_exact_over_a_pty(kws_lib, tmp_path):
    """The SerialVerify example, built for the host with the Arduino double, speaks micro's framed protocol to
    micro's Python harness over a pseudo-terminal; every output byte equals TFLM's."""
    _, root, res = kws_lib
    report = _verify_over_pty(root, KWS, tmp_path, extra_sets=[res.library.samples])
    assert report.ok, report.summary()
    assert report.inputs_run == 4 and report.tensors_compared == 4
    assert not report.divergences


def test_person_detect_library_is_bit_exact_over_a_pty(tmp_path):
    bmp = DATA / "tflm_person_detection" / "person.bmp"
    raw = bmp.read_bytes()
    pixels = np.frombuffer(raw[int.from_bytes(raw[10:14], "little"):][:96 * 96], np.uint8).reshape(96, 96)[::-1]
    sample = tmp_path / "person.npy"
    np.save(sample, (pixels.astype(np.int16) - 128).astype(np.int8).reshape(1, 96, 96, 1))
    zip_path, root, res = _export(tmp_path, model=PERSON, zip_name="PersonDetect.zip", sample=sample)
    assert check_zip(zip_path) == []
    report = _verify_over_pty(root, PERSON, tmp_path, n_random=1, extra_sets=[res.library.samples])
    assert report.ok, report.summary()


def test_metadata_model_serial_verify_and_classify(tmp_path):
    _host_compilers()
    model = _metadata_model(tmp_path)
    _, root, res = _export(tmp_path, model=model, zip_name="Fruit.zip")
    report = _verify_over_pty(root, model, tmp_path, n_random=4)
    assert report.ok, report.summary()
    exe = build_sketch(root / "examples" / "Classify", [root], tmp_path / "classify")
    out = subprocess.run([str(exe)], env={"ARDUINO_DOUBLE_LOOPS": "1"}, capture_output=True, text=True, timeout=60)
    assert re.match(r"class \d (apple|banana|cherry|date|elderberry) score", out.stdout), out.stdout


def test_quantize_helpers_match_tflite_rounding(tmp_path):
    """The generated <name>_quantize_input0 (C, float) against numpy: round half away from zero, saturation."""
    _host_compilers()
    from micro.codegen import emit_c, write_c
    from micro.compiler import compile_model
    from micro.frontend import load_model
    compiled = compile_model(load_model(KWS))
    write_c(emit_c(compiled), tmp_path)
    t_in = compiled.graph.tensors[compiled.graph.inputs[0]]
    t_out = compiled.graph.tensors[compiled.graph.outputs[0]]
    s = np.float32(t_in.quant.s)
    ks = np.arange(-300, 300)
    xs = np.concatenate([(ks.astype(np.float32) + np.float32(0.5)) * s, np.nextafter((ks + 0.5).astype(np.float32) * s,
                         np.float32(0)), ks.astype(np.float32) * s * np.float32(0.37),
                         np.array([1e30, -1e30, 0.0, -0.0], np.float32)]).astype(np.float32)
    (tmp_path / "xs.bin").write_bytes(xs.tobytes())
    (tmp_path / "probe.c").write_text(
        '#include <stdio.h>\n#include "mlzoo_ds_cnn_s_int8.h"\n'
        "int main(void) { float x; int q;\n"
        '  FILE *f = fopen("xs.bin", "rb");\n'
        "  while (fread(&x, sizeof x, 1, f) == 1) printf(\"%d\\n\", (int)mlzoo_ds_cnn_s_int8_quantize_input0(x));\n"
        "  for (q = -128; q < 128; q++) printf(\"%.9g\\n\", (double)mlzoo_ds_cnn_s_int8_dequantize_output0((int8_t)q));\n"
        "  fclose(f); return 0; }\n")
    srcs = [str(p) for p in tmp_path.glob("*.c")]
    res = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-o", "probe", *srcs],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = subprocess.run(["./probe"], cwd=tmp_path, capture_output=True, text=True).stdout.split()
    got_q = np.array([int(v) for v in out[:xs.size]])
    want = quantize_like_c(xs, t_in.quant.s, t_in.quant.zp, -128, 127)
    assert np.array_equal(got_q, want)
    # and quantize_like_c is TFLite's rule: round(x / scale) with halves away from zero, plus zero point, saturated
    v = (xs / s).astype(np.float64)
    ref = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5) + t_in.quant.zp, -128, 127)
    assert np.array_equal(want, ref.astype(np.int64))
    deq = np.array([float(v) for v in out[xs.size:]], np.float32)
    qs = np.arange(-128, 128)
    assert np.array_equal(deq, (np.float64(np.float32(t_out.quant.s)) * (qs - t_out.quant.zp)).astype(np.float32))


# ---------------------------------------------------------------------------------------------
# arduino-cli (where it and the Nano 33 BLE core are installed)
# ---------------------------------------------------------------------------------------------

def _arduino_cli_unavailable() -> str | None:
    cli = shutil.which("arduino-cli")
    if cli is None:
        return "arduino-cli is not installed (and cannot be: it downloads its cores from Arduino's servers)"
    res = subprocess.run([cli, "core", "list", "--format", "json"], capture_output=True, text=True, timeout=60)
    if "arduino:mbed_nano" not in res.stdout:
        return "the arduino:mbed_nano core is not installed (arduino-cli core install arduino:mbed_nano)"
    return None


@pytest.mark.parametrize("example", ["Classify", "SerialVerify"])
def test_arduino_cli_compiles_examples_for_nano33ble(kws_lib, tmp_path, example):
    reason = _arduino_cli_unavailable()
    if reason:
        pytest.skip(reason)
    zip_path, root, _ = kws_lib
    res = subprocess.run(["arduino-cli", "compile", "--fqbn", "arduino:mbed_nano:nano33ble", "--library", str(root),
                          "--build-path", str(tmp_path / "build"), str(root / "examples" / example)],
                         capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stdout + res.stderr


def test_arduino_cli_installs_the_zip(kws_lib, tmp_path):
    reason = _arduino_cli_unavailable()
    if reason:
        pytest.skip(reason)
    import os
    zip_path, _, _ = kws_lib
    book = tmp_path / "sketchbook"
    env = dict(os.environ, ARDUINO_DIRECTORIES_USER=str(book), ARDUINO_LIBRARY_ENABLE_UNSAFE_INSTALL="true")
    res = subprocess.run(["arduino-cli", "lib", "install", "--zip-path", str(zip_path)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    installed = book / "libraries" / "KwsModel"
    assert (installed / "library.properties").is_file() and check_library(installed) == []
    res = subprocess.run(["arduino-cli", "compile", "--fqbn", "arduino:mbed_nano:nano33ble",
                          str(installed / "examples" / "Classify")], env=env, capture_output=True, text=True,
                         timeout=1200)
    assert res.returncode == 0, res.stdout + res.stderr


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------

def test_cli_export_arduino(tmp_path, capsys, monkeypatch):
    from micro.cli import main
    monkeypatch.chdir(tmp_path)
    assert main(["export", "arduino", str(KWS), "-o", "Kws.zip", "--labels", str(KWS_LABELS)]) == 0
    out = capsys.readouterr().out
    assert "Arduino library Kws 1.0.0" in out and "arduino-cli lib install --zip-path" in out
    assert "with their Arm DSP path compiled in for nano33ble" in out and "mn_conv_2d_packed_int8.c" in out
    assert "library.properties has no url" in out
    assert check_zip(tmp_path / "Kws.zip") == []

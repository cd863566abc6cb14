"""`micro build` / `micro flash`: PlatformIO project, memory budget (and the error of a model that does not fit),
the offline bare-metal build of KWS and person detection with flash and RAM read from the ELF, the fail-fast
Arduino framework without the registry, the kernels' DSP report by board, board records, model metadata."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from micro.deploy.firmware_sources import TEMPLATES_DIR

from support.paths import DATA, MODELS, need_tool
from micro.cli import main
from micro.compiler import compile_model
from micro.deploy import pio_build, pio_registry
from micro.deploy.arduino.check import check_library
from micro.deploy.boards import BOARDS, BOARDS_DIR, BoardError, get_board, load_board
from micro.deploy.budget import BudgetError, check_budget, estimate_budget
from micro.deploy.elf import SHF_EXECINSTR, elf_sections, firmware_memory
from micro.deploy.kernels import DSP_MACRO, kernel_report
from micro.deploy.pio_core import platformio_unavailable
from micro.deploy.project import MANIFEST, generate
from micro.errors import MicroError
from micro.frontend import load_model
from micro.frontend.metadata import AssociatedFile, TensorMeta, read_metadata, resolve_metadata
from micro.testing.layers import fully_connected_layer
from micro.testing.metadata_writer import attach_metadata, build_metadata

KWS = MODELS / "mlperf_tiny_kws_ref_model.tflite"
PERSON = MODELS / "tflm_person_detect.tflite"
MOBILENET = MODELS / "tflm_xtensa_mobilenet_v2_int8_1x3x224x224.tflite"
SILENT = dict(log=lambda *_: None)


def _need_pio_build():
    need_tool("arm-none-eabi-gcc")
    reason = platformio_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _ini(project: Path) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    cp.read(project / "platformio.ini")
    return cp


# ---------------------------------------------------------------------------------------------
# Board record, kernel variants
# ---------------------------------------------------------------------------------------------

def test_nano33ble_record_limits():
    b = get_board("nano33ble")
    assert b.ram_bytes == 256 * 1024
    assert b.flash_bytes == 1024 * 1024 - 64 * 1024 and b.bootloader_bytes == 64 * 1024
    assert b.flash_origin == 0x10000
    assert b.frameworks[0] == "arduino" and "baremetal" in b.frameworks
    assert b.platformio_platform == "nordicnrf52" and b.arduino_fqbn == "arduino:mbed_nano:nano33ble"
    assert b.framework_reserve("arduino")[1] > b.framework_reserve("baremetal")[1]


def test_board_files_are_data_with_every_key(tmp_path):
    assert list(BOARDS) == sorted(p.stem for p in BOARDS_DIR.glob("*.toml")) == [
        "microbit", "mps2_an385", "mps2_an386", "mps2_an500", "mps2_an505", "mps3_an547", "nano", "nano33ble", "uno",
        "xtensa_qemu"]
    for b in BOARDS.values():
        assert b.frameworks[0] in b.framework
        assert (TEMPLATES_DIR / b.template_dir).is_dir()
    assert get_board("mps2_an386").stack_reserve("baremetal") == 8 * 1024
    assert get_board("microbit").stack_reserve("baremetal") == 4 * 1024
    assert get_board("mps2_an386").framework_reserve("baremetal") == (5120, 2304)
    text = (BOARDS_DIR / "nano33ble.toml").read_text()
    (tmp_path / "nano33ble.toml").write_text(text.replace("dsp = true", "dsp = true\nkernel_variant = 'x'"))
    with pytest.raises(BoardError, match="unknown keys kernel_variant"):
        load_board(tmp_path / "nano33ble.toml")
    (tmp_path / "other.toml").write_text(text)
    with pytest.raises(BoardError, match="must be nano33ble.toml"):
        load_board(tmp_path / "other.toml")
    with pytest.raises(MicroError, match="known boards: microbit, .*, uno"):
        get_board("esp32")


def test_a_new_board_is_one_data_file(tmp_path):
    """A board file (here a copy of mps2_an386 under another name, with its firmware_templates/ folder) is all
    firmware sources and an offline PlatformIO project need: the board manifest is made from it."""
    from micro.deploy.firmware_sources import firmware_project
    from micro.deploy.pio_project import generate_project
    (tmp_path / "my_m4.toml").write_text((BOARDS_DIR / "mps2_an386.toml").read_text().replace(
        'name = "mps2_an386"', 'name = "my_m4"'))
    board = load_board(tmp_path / "my_m4.toml")
    fw = firmware_project(compile_model(load_model(KWS)), board)
    assert "board_board.c" in fw.sources and f"LENGTH = 0x{board.flash_bytes:X}" in fw.linker_script
    generate_project(tmp_path / "p", board, fw.sources, linker_script=fw.linker_script)
    manifest = json.loads((tmp_path / "p" / "boards" / "my_m4.json").read_text())
    assert manifest["micro"]["board"] == "my_m4" and manifest["upload"]["maximum_size"] == board.flash_bytes
    assert "board = my_m4" in (tmp_path / "p" / "platformio.ini").read_text()


def test_package_data_ships_the_board_files():
    from support.paths import ROOT
    assert '"deploy/boards/*.toml"' in (ROOT / "pyproject.toml").read_text()
    assert BOARDS_DIR == ROOT / "micro" / "deploy" / "boards"


def test_board_dsp_flag_matches_the_compiler():
    """`dsp = true` in a board file says its CPU flags define __ARM_FEATURE_DSP: ask the cross compiler."""
    for b in BOARDS.values():
        cc = need_tool(f"{b.toolchain_prefix}gcc")   # the board's own compiler (avr-gcc for the AVR boards)
        res = subprocess.run([cc, *b.cflags, "-dM", "-E", "-"], input="", capture_output=True, text=True, check=True)
        assert (f"#define {DSP_MACRO} 1" in res.stdout) == b.dsp, b.name


def test_kernel_report_names_the_kernels_with_a_dsp_path():
    files = ["mn_kernels.h", "mn_fixedpoint.h", "mn_dsp.h", "mn_conv_2d_int8.c", "mn_softmax_int8.c",
             "mn_fully_connected_int8.c"]
    rep = kernel_report(files, get_board("nano33ble"))
    assert rep.dsp == ["mn_conv_2d_int8.c", "mn_fully_connected_int8.c"] and rep.portable == ["mn_softmax_int8.c"]
    assert rep.summary() == ("kernels: 2 with their Arm DSP path compiled in for nano33ble (cortex-m4, "
                             "__ARM_FEATURE_DSP): mn_conv_2d_int8.c, mn_fully_connected_int8.c; 1 in portable C: "
                             "mn_softmax_int8.c")
    assert rep.as_dict() == {"dsp": ["mn_conv_2d_int8.c", "mn_fully_connected_int8.c"],
                             "portable": ["mn_softmax_int8.c"]}
    # a core without the DSP extension keeps every kernel on the portable C
    from dataclasses import replace
    m0 = replace(get_board("nano33ble"), name="m0", cpu="cortex-m0", dsp=False)
    rep = kernel_report(files, m0)
    assert "m0's cortex-m0 has no DSP extension" in rep.summary()
    assert rep.as_dict() == {"dsp": [], "portable": ["mn_conv_2d_int8.c", "mn_fully_connected_int8.c",
                                                     "mn_softmax_int8.c"]}


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------

def test_budget_of_kws_fits_and_counts_every_part():
    compiled = compile_model(load_model(KWS))
    b = estimate_budget(compiled, "nano33ble", "baremetal")
    assert b.fits and not b.problems()
    assert b.arena == compiled.plan.arena_bytes and b.stack == get_board("nano33ble").stack_reserve("baremetal") > 0
    assert b.weights >= compiled.weight_bytes and b.code > 1000
    assert b.flash == b.weights + b.code + b.framework_flash and b.ram == b.arena + b.stack + b.framework_ram
    arduino = estimate_budget(compiled, "nano33ble", "arduino")
    assert arduino.ram > b.ram - b.stack and arduino.flash > b.flash


def test_mobilenet_v2_does_not_fit_and_says_why():
    # Every tensor whole: the arena alone is over the board's RAM (the default patches bring it under 256 KB;
    # its 3.5 MB of weights stay over the flash either way).
    compiled = compile_model(load_model(MOBILENET), patches=False)
    budget = estimate_budget(compiled, "nano33ble", "baremetal")
    assert not budget.fits
    with pytest.raises(BudgetError) as e:
        check_budget(budget)
    msg = str(e.value)
    assert f"arena {compiled.plan.arena_bytes:,}" in msg and compiled.plan.arena_bytes > 262_144
    assert "262,144 B" in msg and "983,040 B (1 MB minus the 64 KB bootloader)" in msg
    assert "RAM: needs" in msg and "flash: needs" in msg and "micro plan" in msg


def _too_big_model(tmp_path) -> Path:
    """A small synthetic model (micro.testing.layers) whose output alone needs 288 KB of arena."""
    from micro.testing.layers import conv_layer
    rng = np.random.default_rng(0)
    path = tmp_path / "too_big.tflite"
    path.write_bytes(conv_layer(rng, h=192, w=192, cin=4, cout=8, kh=1, kw=1))
    return path


def test_cli_build_stops_before_building_a_model_that_does_not_fit(tmp_path, capsys):
    model = _too_big_model(tmp_path)
    out = tmp_path / "proj"
    assert main(["build", str(model), "--board", "nano33ble", "--framework", "baremetal", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    arena = compile_model(load_model(model)).plan.arena_bytes
    assert arena >= 192 * 192 * 8
    assert "does not fit nano33ble (baremetal)" in err
    assert "RAM: needs" in err and f"arena {arena:,}" in err and "flash: needs" not in err
    assert "262,144 B" in err and "--ignore-budget" in err
    assert not (out / ".pio").exists()


# ---------------------------------------------------------------------------------------------
# Bare-metal builds (offline): KWS and person detection
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", [KWS, PERSON], ids=["kws", "person_detect"])
def test_baremetal_build_offline_with_elf_sizes(tmp_path, capsys, model):
    _need_pio_build()
    out = tmp_path / "proj"
    assert main(["build", str(model), "--board", "nano33ble", "--framework", "baremetal", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    # the project: platformio.ini on micro's local platform, src/ from firmware_templates, the model as a lib
    ini = _ini(out)
    env = ini["env:micro"]
    assert env["board"] == "nano33ble" and env["platform"].startswith("symlink://")
    assert "framework" not in env and env["lib_archive"] == "no"
    src = {p.name for p in (out / "src").iterdir()}
    assert {"mn_harness_main.c", "mn_protocol.c", "mn_startup_cm4.c", "board_board.c", "mn_model_binding.c"} <= src
    name = load_model(model).name
    lib = out / "lib" / name
    manifest = json.loads((lib / "library.json").read_text())
    assert manifest["name"] == name and manifest["build"]["srcDir"] == "src"
    assert (lib / "src" / f"{name}.h").is_file() and (lib / "src" / f"{name}_weights.c").is_file()
    # the ELF: flash and RAM read from its sections
    elf = out / ".pio" / "build" / "micro" / "firmware.elf"
    assert elf.is_file() and (out / ".pio" / "build" / "micro" / "firmware.bin").is_file()
    mem = firmware_memory(elf, get_board("nano33ble"))
    compiled = compile_model(load_model(model))
    built = json.loads((out / MANIFEST).read_text())
    assert 0 <= mem.arena - built["budget"]["arena"] < 8     # the section is 4-byte aligned
    assert mem.stack_reserved == built["budget"]["stack"] > 0
    assert mem.weights >= compiled.weight_bytes
    assert mem.flash == mem.code + mem.weights and mem.ram == mem.arena + mem.other_ram + mem.stack_reserved
    assert mem.flash <= mem.flash_limit and mem.ram <= mem.ram_limit
    assert f"flash: {mem.flash:,} B of 983,040 B" in text and f"RAM:   {mem.ram:,} B of 262,144 B" in text
    assert "with their Arm DSP path compiled in for nano33ble" in text and "mn_conv_2d_packed_int8.c" in text
    assert built["kernels"]["dsp"] and "mn_conv_2d_packed_int8.c" in built["kernels"]["dsp"]
    # the budget was an upper bound of what the ELF needs
    assert built["budget"]["flash"] >= mem.flash and built["budget"]["ram"] >= mem.ram
    assert built["memory"] == mem.as_dict()
    # pure-Python section sizes agree with binutils
    res = subprocess.run(["arm-none-eabi-size", "-A", "-d", str(elf)], capture_output=True, text=True)
    sizes = {p[0]: int(p[1]) for p in (line.split() for line in res.stdout.splitlines())
             if len(p) == 3 and p[0].startswith(".") and p[1].isdigit()}
    for sec, n in mem.sections.items():
        assert sizes[sec] == n, sec
    # the application starts after the bootloader
    vector = next(s for s in elf_sections(elf) if s.name == ".isr_vector")
    assert vector.addr == 0x10000


def test_flash_baremetal_prints_how_to_flash_the_bin(tmp_path, capsys):
    compiled = compile_model(load_model(KWS))
    generate(compiled, KWS.read_bytes(), "nano33ble", "baremetal", tmp_path / "p", model_file=KWS.name)
    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM7", "-d", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "firmware.bin" in out and "0x10000" in out
    assert "bossac -d --port=/dev/ttyACM7" in out and "--base-address 0x10000" in out
    assert "D1/TX" in out and f"micro verify {KWS.name} --board nano33ble --port" in out


def test_flash_refuses_other_board_and_missing_project(tmp_path, capsys):
    compiled = compile_model(load_model(KWS))
    generate(compiled, KWS.read_bytes(), "nano33ble", "baremetal", tmp_path / "p")
    assert main(["flash", "--board", "mps2_an386", "--port", "x", "-d", str(tmp_path / "p")]) == 2
    assert "built for nano33ble" in capsys.readouterr().err
    assert main(["flash", "--board", "nano33ble", "--port", "x", "-d", str(tmp_path / "nothing")]) == 2
    assert "not a `micro build` folder" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Framework arduino: generated project; without the registry it fails fast
# ---------------------------------------------------------------------------------------------

def test_arduino_project_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "core"))
    compiled = compile_model(load_model(MODELS / "mlzoo_ds_cnn_s_int8.tflite"))
    meta = resolve_metadata(b"", compiled, DATA / "mlzoo_kws" / "labels.txt")
    project = generate(compiled, b"", "nano33ble", None, tmp_path / "p", meta, library_name="KwsModel")
    assert project.framework == "arduino"
    env = _ini(project.dir)["env:micro"]
    assert (env["platform"], env["board"], env["framework"]) == ("nordicnrf52", "nano33ble", "arduino")
    main_cpp = (project.dir / "src" / "main.cpp").read_text()
    for needle in ("#include <Arduino.h>", "#include <KwsModel.h>", "void setup()", "void loop()",
                   "micro_harness_begin(Serial)", "micro_harness_poll()"):
        assert needle in main_cpp
    lib = project.dir / "lib" / "KwsModel"
    assert json.loads((lib / "library.json").read_text())["name"] == "KwsModel"
    assert check_library(lib) == []
    assert "_labels[MLZOO_DS_CNN_S_INT8_NUM_LABELS]" in (lib / "src" / "micro" / "mlzoo_ds_cnn_s_int8.h").read_text()


def test_arduino_build_without_registry_fails_fast(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "empty-core"))   # nordicnrf52 not installed
    monkeypatch.setenv("MICRO_OFFLINE", "1")                                  # and no registry

    def no_platformio(*args, **kwargs):  # failing fast = stopping before PlatformIO (and its retries) runs
        raise AssertionError("PlatformIO was started although the registry is unreachable")

    monkeypatch.setattr(pio_registry, "run_pio", no_platformio)
    monkeypatch.setattr(pio_build, "build_project", no_platformio)
    assert main(["build", str(KWS), "--board", "nano33ble", "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "registry cannot be reached" in err and "--framework baremetal" in err
    assert "platform nordicnrf52" in err
    # the same for `micro flash` of that project
    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM0", "-d", str(tmp_path / "p")]) == 2
    assert "--framework baremetal" in capsys.readouterr().err


def test_registry_probe_gives_up_quickly(monkeypatch):
    monkeypatch.delenv("MICRO_OFFLINE", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")   # the discard port: refused at once, nothing leaves
    import socket

    timeouts = []
    real = socket.create_connection

    def recording(address, timeout=None, *args, **kwargs):
        timeouts.append(timeout)
        return real(address, timeout, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    why = pio_registry.registry_unreachable(timeout=2)
    assert why and "127.0.0.1:9" in why
    assert timeouts and all(t is not None and t <= 2 for t in timeouts)  # every connect is bounded


def test_flash_arduino_needs_a_port(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "core"))
    compiled = compile_model(load_model(KWS))
    generate(compiled, KWS.read_bytes(), "nano33ble", "arduino", tmp_path / "p")
    assert main(["flash", "--board", "nano33ble", "-d", str(tmp_path / "p")]) == 2
    assert "--port is needed" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# ELF reader
# ---------------------------------------------------------------------------------------------

def test_elf_sections_of_an_object_file(tmp_path):
    cc = need_tool("arm-none-eabi-gcc")
    (tmp_path / "a.c").write_text("const int table[100] = {1};\nint counter;\nint f(int x) { return x + table[x]; }\n")
    subprocess.run([cc, "-mcpu=cortex-m4", "-mthumb", "-O2", "-c", str(tmp_path / "a.c"), "-o", str(tmp_path / "a.o")],
                   check=True)
    secs = {s.name: s for s in elf_sections(tmp_path / "a.o")}
    assert secs[".rodata"].size == 400 and not secs[".rodata"].nobits
    assert secs[".bss"].nobits and secs[".bss"].size == 4
    assert secs[".text"].flags & SHF_EXECINSTR
    with pytest.raises(MicroError):
        elf_sections(tmp_path / "a.c")


# ---------------------------------------------------------------------------------------------
# Metadata: reader, header, inspect
# ---------------------------------------------------------------------------------------------

def _model_with_metadata(tmp_path) -> Path:
    rng = np.random.default_rng(1)
    data = fully_connected_layer(rng, in_depth=16, units=3)
    fb = build_metadata(name="Traffic light", description="red, amber or green", version="1.2.0", author="A. Person",
                        license="MIT", inputs=[TensorMeta(name="rgb", content="image", color_space="rgb",
                                                          mean=[127.5, 127.0, 126.0], std=[128.0],
                                                          stats_min=[0.0], stats_max=[255.0])],
                        outputs=[TensorMeta(name="probability", description="class scores",
                                            associated_files=[AssociatedFile("labels.txt", "colours",
                                                                             "TENSOR_AXIS_LABELS")])],
                        associated_files=[AssociatedFile("README.txt", "about", "DESCRIPTIONS")])
    path = tmp_path / "traffic.tflite"
    path.write_bytes(attach_metadata(data, fb, {"labels.txt": b"red\namber\ngreen\n", "README.txt": b"hello"}))
    return path


def test_metadata_round_trip_and_tflm_still_runs_the_model(tmp_path):
    from micro.verify.compare import random_inputs, verify_compiled
    path = _model_with_metadata(tmp_path)
    meta = read_metadata(path.read_bytes())
    assert (meta.name, meta.description, meta.version, meta.author, meta.license) == (
        "Traffic light", "red, amber or green", "1.2.0", "A. Person", "MIT")
    assert meta.has_tflite_metadata and "TFLITE_METADATA" in meta.entries
    assert meta.inputs[0].content == "image" and meta.inputs[0].color_space == "rgb"
    assert meta.inputs[0].mean == [127.5, 127.0, 126.0] and meta.inputs[0].std == [128.0]
    assert meta.inputs[0].stats_max == [255.0]
    assert meta.labels == (0, ["red", "amber", "green"])
    assert meta.associated_files[0].content == b"hello" and not meta.warnings
    compiled = compile_model(load_model(path))
    rng = np.random.default_rng(0)
    report = verify_compiled(compiled, path.read_bytes(), [random_inputs(compiled.graph, rng) for _ in range(3)])
    assert report.ok, report.summary()


def test_shared_models_have_no_labels_but_a_runtime_version():
    meta = read_metadata(KWS.read_bytes())
    assert meta.labels is None and not meta.has_tflite_metadata
    assert meta.min_runtime_version == "1.5.0"


def test_missing_label_file_is_a_warning(tmp_path):
    fb = build_metadata(outputs=[TensorMeta(associated_files=[AssociatedFile("labels.txt", type="TENSOR_AXIS_LABELS")])])
    meta = read_metadata(attach_metadata(KWS.read_bytes(), fb))
    assert meta.labels is None and any("labels.txt" in w for w in meta.warnings)


def test_inspect_shows_metadata(tmp_path, capsys):
    path = _model_with_metadata(tmp_path)
    assert main(["inspect", str(path), "--no-oracle"]) == 0
    out = capsys.readouterr().out
    for needle in ("name: Traffic light", "version: 1.2.0", "author: A. Person", "license: MIT",
                   "input 0: 'rgb' image (rgb) normalize (x - [127.5, 127, 126]) / 128 range [0, 255]",
                   "TENSOR_AXIS_LABELS file labels.txt", "labels (output 0, 3): red, amber, green"):
        assert needle in out, needle
    assert main(["inspect", str(path), "--no-oracle", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["model_metadata"]["labels"]["labels"] == ["red", "amber", "green"]


def test_compile_header_with_metadata_and_labels_option(tmp_path, capsys):
    path = _model_with_metadata(tmp_path)
    assert main(["compile", str(path), "-o", str(tmp_path / "c"), "--no-oracle"]) == 0
    h = (tmp_path / "c" / "traffic.h").read_text()
    assert '#define TRAFFIC_MODEL_NAME "Traffic light"' in h and "#define TRAFFIC_NUM_LABELS 3" in h
    assert "#define TRAFFIC_INPUT0_NORM_CHANNELS 3" in h
    labels = tmp_path / "l.txt"
    labels.write_text("stop\nwait\ngo\n")
    assert main(["compile", str(path), "-o", str(tmp_path / "d"), "--no-oracle", "--labels", str(labels)]) == 0
    assert '"wait",' in (tmp_path / "d" / "traffic.c").read_text()
    for cc in ("gcc", "arm-none-eabi-gcc"):
        need_tool(cc)
        flags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"] if cc.startswith("arm") else []
        for src in (tmp_path / "c").glob("*.c"):
            res = subprocess.run([cc, *flags, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-c",
                                  str(src), "-o", str(tmp_path / "x.o")], capture_output=True, text=True)
            assert res.returncode == 0, res.stderr

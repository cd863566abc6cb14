"""The keyword-spotting program as a project `micro flash` uploads (examples/keyword_spotting/kws_project.py,
`kws.py build`): framework arduino (the library and the microphone sketch on PlatformIO's registry platform; the
upload itself needs the registry, so `micro flash` is checked up to the PlatformIO command it runs), bare metal
(built offline here; `micro flash` prints how to flash the .bin), and `kws.py classify --port` on a serial port
(QEMU's pty standing in for the board's UARTE0)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support.paths import DATA, ROOT, need_tool

from arduino_double.sketch import BOARD_DEFINES, CXX_FLAGS, DOUBLE, M4F_SOFTFP
from micro.cli import main
from micro.deploy import pio_registry
from micro.deploy.boards import get_board
from micro.deploy.pio_core import platformio_unavailable
from micro.deploy.pio_project import read_ini
from micro.deploy.project import MANIFEST, read_manifest
from micro.deploy.qemu import Qemu

sys.path.insert(0, str(ROOT / "examples" / "keyword_spotting"))

import kws  # noqa: E402
import kws_arduino  # noqa: E402
import kws_build  # noqa: E402
import kws_project  # noqa: E402

CLIPS = DATA / "tflm_micro_speech"


@pytest.fixture(scope="module")
def program():
    return kws_build.build_program()


@pytest.fixture
def arduino_project(program, tmp_path, monkeypatch):
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "core"))
    return kws_project.write_project(tmp_path / "kws", "nano33ble", None, program)


def test_arduino_project_layout(arduino_project, program):
    project = arduino_project
    assert project.framework == "arduino"        # the board's default
    # platformio.ini as micro build --framework arduino writes it: registry platform, Arduino core, USB serial
    env = read_ini(project.dir)["env:micro"]
    assert (env["platform"], env["board"], env["framework"]) == ("nordicnrf52", "nano33ble", "arduino")
    assert env["monitor_speed"] == "115200" and env["lib_archive"] == "no"
    assert "micro flash --board BOARD --port PORT" in (project.dir / "platformio.ini").read_text()
    # the sketch as src/main.cpp, the library under lib/ (the files of kws_arduino.py's library, unchanged)
    main_cpp = (project.dir / "src" / "main.cpp").read_text()
    sketch = (ROOT / "examples" / "keyword_spotting" / "arduino" / "MicroSpeech.ino").read_text()
    assert main_cpp.index("#include <Arduino.h>") < main_cpp.index(sketch)
    lib = project.dir / "lib" / kws_arduino.LIBRARY
    for rel, text in kws_arduino.library_files(program).items():
        assert (lib / rel).read_text() == text, rel
    # the manifest micro flash reads
    manifest = read_manifest(project.dir)
    assert (manifest["board"], manifest["framework"], manifest["model"]) == ("nano33ble", "arduino", "kws")
    assert manifest["sha256"] == program.identity and manifest["library"] == kws_arduino.LIBRARY
    assert manifest["budget"] is None and "mn_conv_2d_packed_int8.c" in manifest["kernels"]["dsp"]
    assert manifest["bin"] == ".pio/build/micro/firmware.bin"


def test_arduino_sketch_source_compiles_for_nano33ble(arduino_project, tmp_path):
    """src/main.cpp compiles as the Arduino core compiles it (the Arduino API double's headers)."""
    cxx = need_tool("arm-none-eabi-g++")
    lib_src = arduino_project.dir / "lib" / kws_arduino.LIBRARY / "src"
    res = subprocess.run([cxx, *CXX_FLAGS, *M4F_SOFTFP, *BOARD_DEFINES, "-I", str(DOUBLE), "-I", str(lib_src),
                          "-c", str(arduino_project.dir / "src" / "main.cpp"), "-o", str(tmp_path / "main.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_micro_flash_uploads_the_arduino_project(arduino_project, monkeypatch, capsys):
    """`micro flash` on the project reaches PlatformIO's upload target with the port (the registry is out of
    reach here: the preflight and PlatformIO are replaced by recorders)."""
    calls = []

    def fake_pio(project_dir, args, timeout):
        calls.append((project_dir, args))
        return subprocess.CompletedProcess(args, 0, "Uploading .pio/build/micro/firmware.bin\n", "")

    monkeypatch.setattr(pio_registry, "arduino_preflight", lambda *a, **k: calls.append("preflight"))
    monkeypatch.setattr(pio_registry, "run_pio", fake_pio)
    d = str(arduino_project.dir)
    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM3", "-d", d]) == 0
    assert calls == ["preflight", (arduino_project.dir, ["run", "-d", d, "-e", "micro", "-t", "upload",
                                                         "--upload-port", "/dev/ttyACM3"])]
    out = capsys.readouterr().out
    assert "uploaded to /dev/ttyACM3" in out and "pio device monitor --port /dev/ttyACM3 --baud 115200" in out
    assert "micro verify" not in out


def test_micro_flash_arduino_without_registry_says_how_to_build_offline(arduino_project, monkeypatch, capsys):
    monkeypatch.setenv("MICRO_OFFLINE", "1")

    def no_platformio(*args, **kwargs):
        raise AssertionError("PlatformIO was started although the registry is unreachable")

    monkeypatch.setattr(pio_registry, "run_pio", no_platformio)
    d = arduino_project.dir
    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM0", "-d", str(d)]) == 2
    err = capsys.readouterr().err
    assert "registry cannot be reached" in err
    assert f"kws.py build --board nano33ble --framework baremetal -o {d}_baremetal" in err


def test_baremetal_build_and_flash_instructions(program, tmp_path, capsys):
    """`kws.py build --framework baremetal` builds offline; `micro flash` gives a model project's bare-metal
    instructions (bossac / SWD at 0x10000, UARTE0) with the pipeline's own check."""
    need_tool("arm-none-eabi-gcc")
    out = tmp_path / "kws_bm"
    kws_project.write_project(out, "nano33ble", "baremetal", program)
    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM0", "-d", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"not built yet: run `python examples/keyword_spotting/kws.py build --board nano33ble --framework " \
           f"baremetal -o {out}`" in text
    reason = platformio_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert kws.main(["build", "--board", "nano33ble", "--framework", "baremetal", "-o", str(out)]) == 0
    built = capsys.readouterr().out
    assert "flash:" in built and "RAM:" in built and f"micro flash --board nano33ble -d {out}" in built
    env = read_ini(out)["env:micro"]
    assert env["platform"].startswith("symlink://") and "framework" not in env
    src = {p.name for p in (out / "src").iterdir()}
    assert {"kws_app.c", "kws_identity.h", "mn_harness_main.c", "board_board.c"} <= src
    assert (out / "lib" / kws_arduino.LIBRARY / "src" / "kws_pipeline.c").is_file()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["framework"] == "baremetal"
    assert manifest["memory"]["flash"] > manifest["memory"]["weights"] > 20000   # both models' constants
    assert (out / manifest["bin"]).is_file()

    assert main(["flash", "--board", "nano33ble", "--port", "/dev/ttyACM5", "-d", str(out)]) == 0
    text = capsys.readouterr().out
    assert "not built yet" not in text
    assert f"bossac -d --port=/dev/ttyACM5 -U -i -e -w {out / manifest['bin']} -R" in text
    assert "--base-address 0x10000" in text and "D1/TX" in text
    assert "python examples/keyword_spotting/kws.py classify --board nano33ble --port /dev/ttyUSB0 --check" in text


def test_classify_over_a_serial_port(program, capsys):
    """`kws.py classify --port`: the pipeline's firmware behind a serial port (QEMU's pty, as the board's UARTE0
    behind a USB-serial adapter), no instruction counts."""
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    firmware = kws_build.build_board_firmware(program, get_board("mps2_an386").emulated())
    with Qemu(firmware, serial="pty", count_instructions=False) as qemu:
        rc = kws.main(["classify", "--board", "mps2_an386", "--port", qemu.url,
                       str(CLIPS / "yes_1000ms.wav"), str(CLIPS / "no_1000ms.wav")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["yes", "no"]

"""The keyword-spotting program as a PlatformIO project that `micro flash` uploads, the way `micro build` writes
one for a model (micro.deploy.project: the same writers, platformio.ini and manifest micro_build.json):

    python examples/keyword_spotting/kws.py build --board nano33ble [--framework arduino|baremetal] -o DIR
    micro flash --board nano33ble -d DIR --port /dev/ttyACM0

framework arduino (the board's default): lib/MicroSpeechKws/ is the library of kws_arduino.py (both models,
their kernels, the pipeline's C) and src/main.cpp its MicroSpeech sketch (the PDM microphone, a word out on
the USB serial port and the RGB LED), on PlatformIO's registry platform with the Arduino mbed core; `micro
flash` runs PlatformIO's upload target. framework baremetal: micro's harness firmware with the pipeline behind
the serial protocol (kws_app.c, as on QEMU), built offline; `micro flash` prints how to flash the .bin, and
`kws.py classify --board nano33ble --port PORT` then feeds it audio over UARTE0.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

import kws_arduino  # noqa: E402
import kws_build  # noqa: E402

from micro.deploy.boards import get_board  # noqa: E402
from micro.deploy.firmware_sources import firmware_project  # noqa: E402
from micro.deploy.kernels import kernel_report  # noqa: E402
from micro.deploy.project import (Project, check_framework, write_arduino_project,  # noqa: E402
                                  write_baremetal_project, write_manifest)

MODEL_NAME = "kws"          # what the firmware announces (kws_app.c)
SCRIPT = "python examples/keyword_spotting/kws.py"


def sketch_main_cpp(sketch: str) -> str:
    """The .ino as PlatformIO's src/main.cpp: what the Arduino IDE adds to a sketch, the core's header (the
    sketch defines every function before its use, so it needs no prototypes)."""
    return ("/* The MicroSpeech sketch of examples/keyword_spotting/arduino/MicroSpeech.ino as a PlatformIO source:\n"
            " * the Arduino core's header first, as the Arduino IDE adds it to a sketch. */\n"
            "#include <Arduino.h>\n\n" + sketch)


def commands(board: str, framework: str, out: Path) -> dict[str, str]:
    """What `micro flash` tells the user to run for this project instead of its defaults for a model."""
    # The bare-metal build: of this very project, or (instead of an arduino one) in a folder of its own.
    folder = out if framework == "baremetal" else f"{out}_baremetal"
    build = f"{SCRIPT} build --board {board} --framework baremetal -o {folder}"
    if framework == "arduino":
        check = ("pio device monitor --port {port} --baud 115200   (say \"yes\" or \"no\" near the board: "
                 "it prints `Heard yes (...)` and lights the LED green, red for no)")
    else:
        check = f"{SCRIPT} classify --board {board} --port {{port}} --check"
    return {"check": check, "build_baremetal": build}


def write_project(out_dir: str | os.PathLike, board: str = "nano33ble", framework: str | None = None,
                  program: kws_build.KwsProgram | None = None) -> Project:
    """Write the project (nothing built) and its manifest; micro.deploy.build.build(project) builds it."""
    b = get_board(board)
    framework = check_framework(b, framework)
    program = program or kws_build.build_program()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if framework == "baremetal":
        firmware = firmware_project(program.speech, b, "harness", generated=program.generated,
                                    app_sources=program.app, defines=program.defines)
        write_baremetal_project(out, firmware, kws_arduino.LIBRARY)
    else:
        library = kws_arduino.library_files(program)
        sketch = library[f"examples/{kws_arduino.SKETCH}/{kws_arduino.SKETCH}.ino"]
        write_arduino_project(out, b, sketch_main_cpp(sketch), {kws_arduino.LIBRARY: library},
                              f"kws.py build --framework {framework}")
    project = Project(out, b, framework, MODEL_NAME, kws_arduino.LIBRARY, None,
                      kernel_report(program.generated.kernel_files, b), model_sha256=program.identity,
                      commands=commands(b.name, framework, out))
    write_manifest(project, " + ".join(kws_build.MODEL_FILES.values()))
    return project

"""The keyword-spotting pipeline as an Arduino library with the Nano 33 BLE microphone sketch.

    python examples/keyword_spotting/kws_arduino.py OUT_DIR [--zip]

writes OUT_DIR/MicroSpeechKws/: src/ holds both models compiled by micro (audio_preprocessor, micro_speech),
the kernels they share and the pipeline's C (firmware/kws_*.c, the same files the host build and the QEMU
firmware run), MicroSpeechKws.h for sketches; examples/MicroSpeech/MicroSpeech.ino reads the PDM microphone
(the mbed core's PDM library) into a ring buffer, feeds the pipeline, prints each new command and lights the
LED per word as TFLM's micro_speech sketch does. With --zip also OUT_DIR/MicroSpeechKws.zip (Sketch > Include
Library > Add .ZIP Library). On a board:

    arduino-cli compile --fqbn arduino:mbed_nano:nano33ble --library OUT_DIR/MicroSpeechKws \\
        OUT_DIR/MicroSpeechKws/examples/MicroSpeech --upload -p /dev/ttyACM0

or as a PlatformIO project that `micro flash` uploads: `kws.py build --board nano33ble -o DIR` (kws_project.py).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

import kws_build  # noqa: E402

from micro.codegen.kernel_header import KERNELS_DIR  # noqa: E402

LIBRARY = "MicroSpeechKws"
SKETCH = "MicroSpeech"

LIBRARY_HEADER = f"""/* {LIBRARY}: keyword spotting from 16 kHz audio (TFLM's micro_speech pipeline compiled by micro).
 * kws_init() once; kws_feed(samples, n, &event) with the audio in order; an event with KWS_FLAG_INFERENCE
 * carries the scores and RecognizeCommands' decision (KWS_FLAG_NEW: a new command, kws_labels[event.label]).
 * See kws_pipeline.h. */
#ifndef MICRO_SPEECH_KWS_H
#define MICRO_SPEECH_KWS_H

#include "kws_pipeline.h"

#endif
"""


def library_files(program: kws_build.KwsProgram) -> dict[str, str]:
    """Path in the library -> text."""
    files = {f"src/{name}": text for name, text in program.generated.files.items()}
    for name in program.generated.kernel_files:
        files[f"src/{name}"] = (KERNELS_DIR / name).read_text()
    files[f"src/{LIBRARY}.h"] = LIBRARY_HEADER
    files[f"examples/{SKETCH}/{SKETCH}.ino"] = (HERE / "arduino" / f"{SKETCH}.ino").read_text()
    files["library.properties"] = "\n".join([
        f"name={LIBRARY}", "version=1.0.0", "author=micro", "maintainer=micro",
        "sentence=Keyword spotting (yes/no) from the microphone: TFLM's micro_speech pipeline compiled to C by micro.",
        "paragraph=The audio preprocessor every 20 ms, micro_speech on a rolling one-second window, "
        "RecognizeCommands smoothing; no interpreter, no heap.",
        "category=Data Processing", "url=https://github.com/tensorflow/tflite-micro",
        "architectures=mbed_nano,mbed", f"includes={LIBRARY}.h", ""])
    return files


def write_library(out_dir: Path, program: kws_build.KwsProgram | None = None, zip_too: bool = False) -> Path:
    program = program or kws_build.build_program()
    root = Path(out_dir) / LIBRARY
    files = library_files(program)
    for rel, text in sorted(files.items()):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
    if zip_too:
        with zipfile.ZipFile(Path(out_dir) / f"{LIBRARY}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for rel, text in sorted(files.items()):
                info = zipfile.ZipInfo(f"{LIBRARY}/{rel}", date_time=(2024, 1, 1, 0, 0, 0))
                z.writestr(info, text)
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--zip", action="store_true")
    args = ap.parse_args()
    root = write_library(Path(args.out_dir), zip_too=args.zip)
    print(f"wrote {root} (sketch: {root / 'examples' / SKETCH / (SKETCH + '.ino')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

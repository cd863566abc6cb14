#!/usr/bin/env bash
# The main job: compile the keyword-spotting model to C, build its firmware for an emulated Cortex-M4
# (offline PlatformIO), run it in QEMU over the serial protocol, print the result, and prove it
# bit-exact against TFLM; then keyword spotting from raw audio on the emulated device (examples/keyword_spotting).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
SHARED="${MICRO_SHARED:-../shared}"
MODEL="$SHARED/models/mlperf_tiny_kws_ref_model.tflite"
micro=.venv/bin/micro
$micro inspect "$MODEL"
$micro compile "$MODEL" -o out/kws
$micro firmware "$MODEL" --board mps2_an386 -o out/kws_firmware
$micro verify "$MODEL" --board mps2_an386 --random 5
# Speech on the device: raw 16 kHz audio of the four shared micro_speech clips streamed to firmware in QEMU
# running TFLM's audio preprocessor every 20 ms and micro_speech on a rolling 1 s window, both compiled by
# micro, with RecognizeCommands smoothing; labels, instructions per stride and per inference, every frame
# checked against TFLM's own pipeline.
.venv/bin/python examples/keyword_spotting/kws.py classify --board mps2_an386 --costs --check

#!/usr/bin/env bash
# The main job: compile the keyword-spotting model to C, build its firmware for an emulated Cortex-M4
# (offline PlatformIO), run it in QEMU over the serial protocol, print the result, and prove it
# bit-exact against TFLM.
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
.venv/bin/python examples/keyword_spotting/classify.py --board mps2_an386 --model "$MODEL"

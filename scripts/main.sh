#!/usr/bin/env bash
# The main job, as far as the landed issues reach: compile the keyword-spotting model to C,
# build the generated C for this machine, run it and prove every tensor bit-exact against TFLM.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
SHARED="${MICRO_SHARED:-../shared}"
MODEL="$SHARED/models/mlperf_tiny_kws_ref_model.tflite"
.venv/bin/micro inspect "$MODEL"
.venv/bin/micro compile "$MODEL" -o out/kws
.venv/bin/micro verify "$MODEL" --random 20
.venv/bin/python examples/keyword_spotting/classify.py --model "$MODEL"

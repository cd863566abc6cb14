#!/usr/bin/env bash
# Set up and run the whole test suite (the slow whole-model tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest -q -n 2 "$@"

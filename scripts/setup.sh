#!/usr/bin/env bash
# Install what micro needs on a Debian machine (run as root) into ./.venv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="gcc g++ libc6-dev python3 python3-venv python3-pip gcc-arm-none-eabi gcc-xtensa-lx106 qemu-system-misc libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm arduino-builder arduino-core-avr arduino-ctags gcc-avr avr-libc simavr"
missing=""
for pkg in $APT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
echo "setup: ready ($(.venv/bin/micro --version))"

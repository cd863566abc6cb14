#!/bin/bash
# usage: prof.sh MODEL_STEM [iters]
set -e
M=$1; IT=${2:-1000}
D=/tmp/prof/$M; rm -rf $D
cd /work/main && python -m micro compile --no-oracle /work/shared/models/$M.tflite -o $D >/dev/null
cd $D
INB=$(grep -o "INPUT0_BYTES [0-9]*" $M.h | awk '{print $2}')
for f in *.c; do
  if [[ $f == *_weights.c ]]; then O=-O0; else O=-O3; fi
  gcc -std=c99 -Wall -Wextra -Werror -pedantic $O -DMN_TRACE -I. -c $f -o ${f%.c}.o &
done; wait
gcc -O2 -DMODEL_H="\"$M.h\"" -DMODEL=$M -DFN_INBYTES=$INB -DMN_TRACE -I. /tmp/prof/driver.c *.o -o run
./run $IT

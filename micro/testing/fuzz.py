"""Mutation fuzzing of micro's frontend and compile pipeline: damaged .tflite files must end in a MicroError
(or compile), never a Python traceback, a signal, a hang or unbounded memory.

    mutant(buf, seed_text) -> (bytes, description)   one deterministic mutant of a model's bytes
    run_pipeline(buf, name) -> "ok" | "error"         what `micro compile` / `inspect` / `plan` do, no oracle
    python -m micro.testing.fuzz MODEL SEED START COUNT [oracle]   a worker: mutants START..START+COUNT-1 of
                                                      MODEL, one JSON line when each starts and ends

The parent (micro.testing.fuzz_runner) runs workers in subprocesses, one per batch, so that a signal or a hang
is caught, attributed to its mutant and reproducible from (model, seed, index).

Mutations: bit flips, truncation, runs of zero bytes, int32 extremes written at aligned offsets (they land on
dimensions, indices, counts, offsets and options), damage to the header (root offset, identifier, the root
table's vtable), random bytes. Each mutant applies 1-3 of them.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import struct
import sys
import time
import traceback
from pathlib import Path

from micro.arena.report import plan_dict
from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.errors import MicroError
from micro.frontend import read_model
from micro.inspect_model import describe

INT32_EXTREMES = (0, 1, -1, 2, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 2**31 - 1, -(2**31), 2**30, -2)
MUTATIONS = ("bitflip", "truncate", "zeros", "int32", "header", "random_bytes")
MEMORY_LIMIT_BYTES = 3 << 30  # a worker that needs more fails with MemoryError (reported as a traceback)


def _bitflip(b: bytearray, r: random.Random) -> str:
    k = r.randrange(len(b))
    mask = r.randrange(1, 256)
    b[k] ^= mask
    return f"bitflip@{k}^{mask:#04x}"


def _truncate(b: bytearray, r: random.Random) -> str:
    k = r.randrange(len(b))
    del b[k:]
    return f"truncate@{k}"


def _zeros(b: bytearray, r: random.Random) -> str:
    k = r.randrange(len(b))
    n = r.choice((1, 2, 4, 8, 16, 64, 256))
    b[k:k + n] = bytes(len(b[k:k + n]))
    return f"zeros@{k}+{n}"


def _int32(b: bytearray, r: random.Random) -> str:
    k = r.randrange(0, max(1, len(b) - 3), 4)
    v = r.choice(INT32_EXTREMES)
    if k + 4 <= len(b):
        struct.pack_into("<i", b, k, v)
    return f"int32@{k}={v}"


def _header(b: bytearray, r: random.Random) -> str:
    """The root offset (bytes 0-3), the identifier (4-7) or the root table's first fields."""
    k = r.randrange(min(len(b), 32))
    v = r.randrange(256)
    b[k] = v
    return f"header@{k}={v}"


def _random_bytes(b: bytearray, r: random.Random) -> str:
    k = r.randrange(len(b))
    n = r.randrange(1, 9)
    b[k:k + n] = bytes(r.randrange(256) for _ in range(len(b[k:k + n])))
    return f"random@{k}+{n}"


_APPLY = {"bitflip": _bitflip, "truncate": _truncate, "zeros": _zeros, "int32": _int32, "header": _header,
          "random_bytes": _random_bytes}


def mutant(buf: bytes, seed_text: str) -> tuple[bytes, str]:
    """One mutant of `buf`, the same for the same seed text on every machine."""
    r = random.Random(seed_text)
    b = bytearray(buf)
    steps = []
    for _ in range(r.choice((1, 1, 1, 2, 3))):
        if not b:
            break
        kind = r.choice(MUTATIONS)
        if kind == "truncate" and r.random() < 0.7:  # truncation mostly hides every other mutation
            kind = "int32"
        steps.append(_APPLY[kind](b, r))
    return bytes(b), " ".join(steps)


def run_pipeline(buf: bytes, name: str = "fuzzed", oracle: bool = False) -> str:
    """What `micro compile`, `micro inspect` and `micro plan --json` do with a model's bytes (with TFLM's arena
    measured out of process when `oracle`), without writing files: "ok", or "error" when a MicroError said why
    not. Anything else raises."""
    try:
        model = read_model(buf, name)
        info = describe(model, buf, with_oracle=oracle)
        json.dumps(info)
        compiled = compile_model(model)
        json.dumps(plan_dict(compiled.plan, compiled.graph, None))
        emit_c(compiled, f"{name}.tflite")
    except MicroError:
        return "error"
    return "ok"


def seed_text(model_name: str, seed: int, index: int) -> str:
    return f"{seed}:{model_name}:{index}"


def worker(model_path: str, seed: int, start: int, count: int, oracle: bool = False) -> None:
    """Run mutants start..start+count-1, printing {"start": k} before and {"done": k, ...} after each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    base = Path(model_path).read_bytes()
    name = Path(model_path).stem
    run_pipeline(base, "warmup")  # imports and first-use costs outside the measured mutants
    crash_at = os.environ.get("MICRO_FUZZ_CRASH_AT")  # tests of the runner: die by SIGSEGV at this mutant
    for k in range(start, start + count):
        data, what = mutant(base, seed_text(name, seed, k))
        print(json.dumps({"start": k, "mutation": what}), flush=True)
        if crash_at is not None and k == int(crash_at):
            os.kill(os.getpid(), signal.SIGSEGV)
        t0 = time.perf_counter()
        try:
            outcome, detail = run_pipeline(data, "fuzzed", oracle), ""
        except Exception as exc:  # noqa: BLE001 - the finding this harness exists for
            outcome = "traceback"
            detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]
        print(json.dumps({"done": k, "outcome": outcome, "seconds": round(time.perf_counter() - t0, 4),
                          "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "detail": detail}),
              flush=True)


if __name__ == "__main__":
    worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:] == ["oracle"])

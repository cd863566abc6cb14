"""Which TFLite builtin ops the pinned TFLM (PyPI tflite-micro) has: asked of its own interpreter.

The package's Python interpreter registers its op resolver's ops; it is not listable, so each builtin
op is probed: a one-op model of that op is handed to the interpreter, which looks every op up in the
resolver before preparing it and reports "Didn't find op for builtin opcode '<OP>'" for the ones it
lacks. A probe model is not a valid use of the op, so Prepare may fail (fine: the op was found) or even
crash; the probes run in child processes and a crash counts as found (the lookup came first), the
remaining ops going to a new child. Custom ops (micro's CUSTOM:<name> kinds) are probed the same way;
TFLM's message for a missing one ("Failed to get registration from op code CUSTOM") does not name it, so
the child captures TFLM's stderr around each probe.

    python -m micro.verify.tflm_ops          # the ops TFLM has, one a line
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from functools import cache

import tflite

from micro.testing.tflite_builder import ModelBuilder

NOT_FOUND = re.compile(r"Didn't find op for builtin opcode '(\w+)'")
PROBED = re.compile(r"^micro-probed ([\w:]+)$", re.M)
PROBING = re.compile(r"^micro-probing ([\w:]+)$", re.M)
MISSING = re.compile(r"^micro-missing ([\w:]+)$", re.M)
CUSTOM_NOT_FOUND = "Failed to get registration from op code CUSTOM"
# Schema entries that are not ops: a marker, and the code of custom ops (resolved by their name).
SKIP = ("PLACEHOLDER_FOR_GREATER_OP_CODES", "CUSTOM")


def builtin_ops() -> list[str]:
    """Every builtin op of the TFLite schema (the `tflite` package), in opcode order."""
    items = [(v, k) for k, v in vars(tflite.BuiltinOperator).items()
             if isinstance(v, int) and not k.startswith("_") and k not in SKIP]
    return [k for _, k in sorted(items)]


def _probe_model(kind: str) -> bytes:
    b = ModelBuilder("micro TFLM op probe")
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op(kind, [x], [y], {})
    return b.finish()


def _probe(kinds: list[str]) -> None:
    """Child process: probe each op; TFLM prints its lookup failures to stderr."""
    from tflite_micro.python.tflite_micro import runtime

    for kind in kinds:
        print(f"micro-probing {kind}", flush=True)
        with tempfile.TemporaryFile() as err:
            sys.stderr.flush()
            saved = os.dup(2)
            os.dup2(err.fileno(), 2)
            try:
                runtime.Interpreter.from_bytes(_probe_model(kind), arena_size=1 << 16)
            except Exception:  # noqa: BLE001, S110  (a failing Prepare still means the op was found)
                pass
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
        sys.stderr.write(text)
        sys.stderr.flush()
        if CUSTOM_NOT_FOUND in text:
            print(f"micro-missing {kind}", flush=True)
        print(f"micro-probed {kind}", flush=True)


@cache
def tflm_ops() -> frozenset[str] | None:
    """The builtin ops the installed tflite-micro resolves, or None when it is not installed."""
    return _found(tuple(builtin_ops()))


@cache
def tflm_custom_ops(kinds: tuple[str, ...]) -> frozenset[str] | None:
    """Which of these CUSTOM:<name> kinds the installed tflite-micro resolves, or None when it is not installed."""
    return _found(kinds)


def _found(kinds: tuple[str, ...]) -> frozenset[str] | None:
    try:
        import tflite_micro.python.tflite_micro.runtime  # noqa: F401
    except ImportError:
        return None
    remaining, found = list(kinds), set()
    while remaining:
        proc = subprocess.run([sys.executable, "-m", "micro.verify.tflm_ops", "--probe", *remaining],
                              capture_output=True, text=True, check=False)
        missing = set(NOT_FOUND.findall(proc.stdout + proc.stderr)) | set(MISSING.findall(proc.stdout))
        done = PROBED.findall(proc.stdout)
        started = PROBING.findall(proc.stdout)
        if proc.returncode != 0 and len(started) > len(done):
            done.append(started[-1])  # crashed in Prepare, after the lookup found it
        if not done:
            raise RuntimeError(f"the TFLM op probe failed on {remaining[0]}: {proc.stderr[-500:]}")
        found |= {k for k in done if k not in missing}
        remaining = remaining[len(done):]
    return frozenset(found)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        _probe(sys.argv[2:])
    else:
        ops = tflm_ops()
        print("\n".join(sorted(ops)) if ops is not None else "tflite-micro is not installed")

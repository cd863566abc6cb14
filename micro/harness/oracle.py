"""The reference: TFLM's own Python interpreter (PyPI tflite-micro, reference kernels)."""

from __future__ import annotations

import os
import re
import tempfile

import numpy as np

from micro.errors import MicroError
from micro.ir import Model

_ORACLE_HINT = "install the oracle with `pip install 'micro-nn-compiler[test]'` (it pins tflite-micro)"


def _runtime():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MicroError(f"the TFLM oracle (tflite-micro) is not installed: {_ORACLE_HINT}") from exc
    return runtime


def oracle_available() -> bool:
    try:
        _runtime()
        return True
    except MicroError:
        return False


def _arena_guess(model: Model) -> int:
    g = model.main
    act = sum(t.nbytes for t in g.tensors if not t.is_const)
    return 2 * act + 64 * len(g.tensors) * 8 + (1 << 20)


class Oracle:
    """Runs a model in TFLM keeping every tensor, so each one can be compared."""

    def __init__(self, model_bytes: bytes, model: Model):
        rt = _runtime()
        self.model = model
        try:
            self.it = rt.Interpreter.from_bytes(
                model_bytes, arena_size=_arena_guess(model),
                intrepreter_config=rt.InterpreterConfig.kPreserveAllTensors)
        except RuntimeError as exc:
            raise MicroError(f"{model.name}: TFLM cannot load the model ({exc})") from exc

    def run(self, inputs: list[np.ndarray], tensors: list[int]) -> dict[int, np.ndarray]:
        for i, x in enumerate(inputs):
            self.it.set_input(x, i)
        self.it.invoke()
        return {t: np.array(self.it.GetTensor(t, 0)["tensor_data"]).copy() for t in tensors}

    def reset(self) -> None:
        self.it.reset()


def _capture_fd2(fn) -> str:
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            fn()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode("utf-8", "replace")


def tflm_arena_bytes(model_bytes: bytes, model: Model) -> dict[str, int]:
    """TFLM's arena use for this model, from print_allocations (host build, 64-bit).

    Returns {"total": ..., "head": ..., "tail": ...}: head is the planned
    (non-persistent) tensor arena, tail the persistent allocations.
    """
    rt = _runtime()
    it = rt.Interpreter.from_bytes(model_bytes, arena_size=_arena_guess(model))
    text = _capture_fd2(it.print_allocations)
    out = {}
    for key in ("total", "head", "tail"):
        m = re.search(rf"Arena allocation {key} (\d+) bytes", text)
        if m:
            out[key] = int(m.group(1))
    return out

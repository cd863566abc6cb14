"""The oracle of the op tests: TFLM's interpreter (PyPI tflite-micro) on a model's bytes."""

from __future__ import annotations

from tflite_micro.python.tflite_micro import runtime


def tflm_interpreter(buf: bytes, preserve: bool = False) -> runtime.Interpreter:
    """A TFLM interpreter for the model `buf` (64 MB arena). `preserve` keeps every intermediate
    tensor readable after invoke (GetTensor), to feed single layers with what TFLM computed."""
    cfg = runtime.InterpreterConfig
    cfg = cfg.kPreserveAllTensors if preserve else cfg.kAllocationRecording
    return runtime.Interpreter.from_bytes(bytes(buf), arena_size=64 << 20, intrepreter_config=cfg)

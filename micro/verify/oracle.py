"""The reference: TFLM's own Python interpreter (PyPI tflite-micro, reference kernels).

TFLM never runs in micro's own process: it aborts or segfaults on some malformed models, so both the
Oracle (every tensor of an invoke) and tflm_arena_bytes (the arena TFLM allocates) run it in a child
process with a time limit, and a crash or a hang becomes a MicroError naming what TFLM was doing."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import re
import signal
import tempfile

import numpy as np

from micro.dtypes import DTYPE_BYTES
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


DEFAULT_TIMEOUT = 600.0  # seconds TFLM may take to load a model or run one invoke in the child


def _arena_guess(model: Model) -> int:
    g = model.main
    act = sum(t.nbytes for t in g.tensors if not t.is_const and t.dtype in DTYPE_BYTES)
    return 2 * act + 64 * len(g.tensors) * 8 + (1 << 20)


def _oracle_worker(conn, model_bytes: bytes, arena_size: int) -> None:
    """Child process: owns the TFLM interpreter, so a crash inside TFLM cannot take the caller down."""
    faulthandler.disable()  # a TFLM segfault is reported by the parent, without a dump
    rt = _runtime()
    try:
        it = rt.Interpreter.from_bytes(model_bytes, arena_size=arena_size,
                                       intrepreter_config=rt.InterpreterConfig.kPreserveAllTensors)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("error", str(exc)))
        return
    conn.send(("ok", None))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        if msg == "reset":  # state (variable tensors, resource variables) back to its initial value
            it.reset()
            conn.send(("ok", None))
            continue
        inputs, tensors = msg
        try:
            for i, x in enumerate(inputs):
                it.set_input(x, i)
            it.invoke()
            out = {t: np.array(it.GetTensor(t, 0)["tensor_data"]).copy() for t in tensors}
            conn.send(("ok", out))
        except Exception as exc:  # noqa: BLE001
            conn.send(("error", str(exc)))


class Oracle:
    """Runs a model in TFLM keeping every tensor, so each one can be compared.

    The interpreter lives in a child process: TFLM aborts or segfaults on some malformed models (for
    example DEPTHWISE_CONV_2D without a bias), and that must become an error here, not a dead process.
    """

    def __init__(self, model_bytes: bytes, model: Model, timeout: float = DEFAULT_TIMEOUT):
        _runtime()
        self.model = model
        self.timeout = timeout
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_oracle_worker, args=(child, model_bytes, _arena_guess(model)),
                                 daemon=True)
        self._proc.start()
        child.close()
        status, detail = self._receive("loading the model")
        if status != "ok":
            self.close()
            raise MicroError(f"{model.name}: TFLM cannot load the model ({detail})")

    def _receive(self, doing: str):
        return _receive(self._conn, self._proc, self.timeout, f"{self.model.name}: the TFLM oracle", doing)

    def run(self, inputs: list[np.ndarray], tensors: list[int]) -> dict[int, np.ndarray]:
        self._conn.send(([np.asarray(x) for x in inputs], list(tensors)))
        status, detail = self._receive("running the model")
        if status != "ok":
            raise MicroError(f"{self.model.name}: TFLM failed to run the model ({detail})")
        return detail

    def reset(self) -> None:
        self._conn.send("reset")
        status, detail = self._receive("resetting the model's state")
        if status != "ok":
            raise MicroError(f"{self.model.name}: TFLM failed to reset the model ({detail})")

    def close(self) -> None:
        if self._proc.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
        self._conn.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _receive(conn, proc, timeout: float, who: str, doing: str):
    """The child's next message; a MicroError when it dies or stays silent past `timeout` seconds."""
    try:
        if conn.poll(timeout):
            return conn.recv()
    except (EOFError, OSError):
        pass
    else:
        proc.kill()
        proc.join(timeout=5)
        raise MicroError(f"{who} did not finish {doing} within {timeout:.0f} s (stopped); TFLM hangs on this "
                         "model or needs more time") from None
    proc.join(timeout=5)
    raise MicroError(f"{who} crashed while {doing} ({_exit_text(proc.exitcode)}); TFLM itself cannot run this "
                     "model") from None


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


def _arena_worker(conn, model_bytes: bytes, arena_size: int) -> None:
    """Child process: load the model in TFLM and send back what print_allocations printed."""
    faulthandler.disable()
    rt = _runtime()
    loaded, errors = [], []

    def load():
        try:
            loaded.append(rt.Interpreter.from_bytes(model_bytes, arena_size=arena_size))
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            errors.append(str(exc).strip())

    # TFLM says why it refuses a model on stderr: keep that for the message, off the user's terminal.
    printed = _capture_fd2(load).strip()
    if not loaded:
        conn.send(("error", "; ".join(e for e in (*errors, printed[-500:]) if e) or "no reason given"))
        return
    conn.send(("ok", _capture_fd2(loaded[0].print_allocations)))


def tflm_arena_bytes(model_bytes: bytes, model: Model, timeout: float = DEFAULT_TIMEOUT) -> dict[str, int]:
    """TFLM's arena use for this model, from print_allocations (host build, 64-bit), measured in a child
    process: a crash or a hang of TFLM is a MicroError here.

    Returns {"total": ..., "head": ..., "tail": ...}: head is the planned
    (non-persistent) tensor arena, tail the persistent allocations.
    """
    _runtime()
    ctx = multiprocessing.get_context("fork")
    conn, child = ctx.Pipe()
    proc = ctx.Process(target=_arena_worker, args=(child, model_bytes, _arena_guess(model)), daemon=True)
    proc.start()
    child.close()
    try:
        status, text = _receive(conn, proc, timeout, f"{model.name}: TFLM", "measuring its arena")
    finally:
        conn.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
    if status != "ok":
        raise MicroError(f"{model.name}: TFLM cannot load the model to measure its arena ({text})")
    out = {}
    for key in ("total", "head", "tail"):
        m = re.search(rf"Arena allocation {key} (\d+) bytes", text)
        if m:
            out[key] = int(m.group(1))
    return out

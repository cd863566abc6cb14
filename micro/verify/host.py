"""Build generated C for this machine (gcc, shared library) and drive it with ctypes."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from micro.codegen import GeneratedFiles, write_c
from micro.compiler import Compiled
from micro.dtypes import BUFFER_DTYPES
from micro.kernels.sets import HOST_BOARDS
from micro.errors import MicroError

STRICT_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def cache_dir() -> Path:
    root = os.environ.get("MICRO_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "micro")
    return Path(root)


def _compile_one(cc: str, src: Path, obj: Path, opt: str, defines: tuple[str, ...] = ()) -> None:
    cmd = [cc, *STRICT_FLAGS, opt, "-fPIC", "-DMN_TRACE", *(f"-D{d}" for d in defines), "-I", str(src.parent),
           "-c", str(src), "-o", str(obj)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise MicroError(f"host compiler failed on {src.name}:\n{res.stderr.strip()}\ncommand: {' '.join(cmd)}")


def build_shared_library(generated: GeneratedFiles, name: str, cc: str = "gcc", defines: tuple[str, ...] = ()) -> Path:
    """Write the sources into a content-addressed cache dir and build lib<name>.so there (with -D`defines`)."""
    h = hashlib.sha256()
    for fname, text in sorted(generated.sources().items()):
        h.update(fname.encode())
        h.update(text.encode())
    h.update(" ".join([cc, *STRICT_FLAGS, *defines]).encode())
    final_dir = cache_dir() / "host" / f"{name}-{h.hexdigest()[:20]}"
    lib = final_dir / f"lib{name}.so"
    if lib.exists():
        return lib
    final_dir.mkdir(parents=True, exist_ok=True)
    # Build in a private directory so parallel test workers never share object files.
    work = Path(tempfile.mkdtemp(prefix="build-", dir=final_dir))
    try:
        write_c(generated, work)
        sources = [work / f for f in generated.c_sources]
        jobs = [(cc, src, src.with_suffix(".o"), "-O0" if src.name.endswith("_weights.c") else "-O3", defines)
                for src in sources]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(lambda a: _compile_one(*a), jobs))
        built = work / f"lib{name}.so"
        res = subprocess.run([cc, "-shared", "-Wl,-Bsymbolic", "-o", str(built),
                              *[str(s.with_suffix(".o")) for s in sources]], capture_output=True, text=True)
        if res.returncode != 0:
            raise MicroError(f"host link failed:\n{res.stderr}")
        os.replace(built, lib)
        for f in generated.files:  # keep the generated sources next to the library for debugging
            if not (final_dir / f).exists():
                os.replace(work / f, final_dir / f)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lib


def build_executable(generated: GeneratedFiles, name: str, extra_sources: dict[str, str],
                     extra_flags: list[str] = (), defines: list[str] = (), cc: str = "gcc",
                     opt: str = "-O1") -> Path:
    """Build the generated sources plus `extra_sources` (one of them with main()) into an executable, with
    the strict flags plus `extra_flags` (e.g. sanitizers) and -D`defines`; cached by content like the
    shared library. micro.verify.sanitize uses it for the ASan/UBSan build."""
    flags = [*STRICT_FLAGS, opt, *extra_flags, *[f"-D{d}" for d in defines]]
    sources = {**generated.sources(), **extra_sources}
    h = hashlib.sha256()
    for fname, text in sorted(sources.items()):
        h.update(fname.encode() + b"\0" + text.encode())
    h.update(" ".join([cc, *flags]).encode())
    final_dir = cache_dir() / "exe" / f"{name}-{h.hexdigest()[:20]}"
    exe = final_dir / name
    if exe.exists():
        return exe
    final_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=final_dir))
    try:
        write_c(generated, work)
        for fname, text in extra_sources.items():
            (work / fname).write_text(text)
        c_files = [str(work / f) for f in [*generated.c_sources, *extra_sources] if f.endswith(".c")]
        cmd = [cc, *flags, "-I", str(work), *c_files, "-o", str(work / name)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise MicroError(f"host build failed:\n{res.stderr.strip()[-4000:]}\ncommand: {' '.join(cmd)}")
        os.replace(work / name, exe)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return exe


TRACE_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)


class HostModel:
    """The compiled model as a shared library in this process."""

    def __init__(self, compiled: Compiled, generated: GeneratedFiles, cc: str = "gcc", defines: tuple[str, ...] = ()):
        self.compiled = compiled
        self.name = compiled.name
        # the host board this build stands for (its kernel set: micro.kernels.sets)
        self.board = {k: b for b, k in HOST_BOARDS.items()}.get(compiled.kernel_set, f"host ({compiled.kernel_set})")
        self.lib_path = build_shared_library(generated, self.name, cc, defines)
        self.lib = ctypes.CDLL(str(self.lib_path))
        # lib[name] builds a new function object each time: keep typed ones.
        self._input = self.lib[f"{self.name}_input"]
        self._output = self.lib[f"{self.name}_output"]
        self._invoke = self.lib[f"{self.name}_invoke"]
        for fn in (self._input, self._output):
            fn.restype = ctypes.c_void_p
            fn.argtypes = [ctypes.c_int]
        self._reset = self.lib[f"{self.name}_reset"]
        self._state = self.lib[f"{self.name}_state"]
        self._state.restype = ctypes.c_void_p
        self.lib[f"{self.name}_init"]()
        self._trace: dict[int, bytes] = {}
        self._cb = TRACE_FN(self._on_trace)
        self._hook = ctypes.c_void_p.in_dll(self.lib, f"{self.name}_trace_hook")

    def _on_trace(self, op_index: int, tensor_index: int, data: int, nbytes: int) -> None:
        self._trace[tensor_index] = ctypes.string_at(data, nbytes)

    def _tensor(self, t_idx: int, raw: bytes) -> np.ndarray:
        t = self.compiled.graph.tensors[t_idx]
        return np.frombuffer(raw, dtype=BUFFER_DTYPES[t.dtype]).reshape(t.shape).copy()

    def reset(self) -> None:
        """State back to its initial value (`<name>_reset()`)."""
        self._reset()

    def state_tensors(self) -> dict[int, np.ndarray]:
        """The current value of every state tensor (micro.arena.state), read from the state region."""
        state = self.compiled.state
        if not state.buffers:
            return {}
        base = self._state()
        return {t: self._tensor(t, ctypes.string_at(base + state.tensor_offset(t), self.compiled.graph.tensors[t].nbytes))
                for t in state.tensor_state}

    def op_states(self) -> dict[int, np.ndarray]:
        """{op index: its kernel's state, as elements of the output that mirrors it} for every kernel state
        with a mirror (micro.arena.state.StateBuffer.mirror)."""
        state = self.compiled.state
        out = {}
        for op_index, k in state.op_state.items():
            buf = state.buffers[k]
            if buf.mirror is not None:
                dtype = BUFFER_DTYPES[self.compiled.graph.tensors[buf.mirror].dtype]
                out[op_index] = np.frombuffer(ctypes.string_at(self._state() + buf.offset, buf.size), dtype=dtype).copy()
        return out

    def run(self, inputs: list[np.ndarray], trace: bool = False) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
        g = self.compiled.graph
        for i, x in enumerate(inputs):
            t = g.tensors[g.inputs[i]]
            arr = np.ascontiguousarray(x, dtype=BUFFER_DTYPES[t.dtype])
            if arr.size != t.size:
                raise MicroError(f"input {i} '{t.name}' needs {t.size} values of shape {list(t.shape)}, "
                                 f"got {arr.size} of shape {list(arr.shape)}")
            ctypes.memmove(self._input(i), arr.ctypes.data, arr.nbytes)
        self._trace = {}
        self._hook.value = ctypes.cast(self._cb, ctypes.c_void_p).value if trace else None
        self._invoke()
        self._hook.value = None
        outputs = []
        for i, t_idx in enumerate(g.outputs):
            t = g.tensors[t_idx]
            outputs.append(self._tensor(t_idx, ctypes.string_at(self._output(i), t.nbytes)))
        traced = {t: self._tensor(t, raw) for t, raw in self._trace.items()}
        return outputs, traced

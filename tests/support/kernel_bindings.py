"""Call micro's C kernels from Python through ctypes, bound from their declarations (micro.kernels.abi):
the parameter structs are built from the same Struct the generated mn_kernels.h comes from, so a test
cannot drift from the C ABI.

    lib = build_kernel_library(tmp_dir, [CONV_2D_INT8])      # or every kernel (the default)
    lib.call(kernel_call, x, w, b, y)                        # numpy arrays, raw addresses or None
    lib.call(split_call, x, [y0, y1, y2])                    # a variadic argument takes a list
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np

from micro.codegen.kernel_header import HEADER_NAME, KERNELS_DIR, kernel_header, kernel_sources
from micro.kernels import KERNELS
from micro.kernels.abi import Kernel, Struct
from micro.lowered import KernelCall

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CTYPES = {"int8_t": ctypes.c_int8, "uint8_t": ctypes.c_uint8, "int16_t": ctypes.c_int16,
          "uint16_t": ctypes.c_uint16, "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32,
          "int64_t": ctypes.c_int64}


@cache
def ctypes_struct(struct: Struct) -> type[ctypes.Structure]:
    fields = []
    for f in struct.fields:
        if isinstance(f.ctype, Struct):
            fields.append((f.name, ctypes_struct(f.ctype)))
        elif f.array:
            fields.append((f.name, ctypes.POINTER(CTYPES[f.ctype])))
        else:
            fields.append((f.name, CTYPES[f.ctype]))
    return type(struct.name, (ctypes.Structure,), {"_fields_": fields})


def params_struct(struct: Struct, values: dict) -> tuple[ctypes.Structure, list]:
    """A filled ctypes instance and the arrays it points into (keep them alive during the call)."""
    keep: list = []

    def fill(s: Struct, vals: dict) -> ctypes.Structure:
        obj = ctypes_struct(s)()
        for f in s.fields:
            v = vals[f.name]
            if isinstance(f.ctype, Struct):
                setattr(obj, f.name, fill(f.ctype, v))
            elif f.array:
                if v is not None:
                    arr = np.ascontiguousarray(v)
                    keep.append(arr)
                    setattr(obj, f.name, arr.ctypes.data_as(ctypes.POINTER(CTYPES[f.ctype])))
            else:
                setattr(obj, f.name, int(v))
        return obj

    return fill(struct, values), keep


def _pointer(a) -> ctypes.c_void_p | None:
    if a is None:
        return None
    if isinstance(a, (int, np.integer)):
        return ctypes.c_void_p(int(a))
    return ctypes.c_void_p(a.ctypes.data)


class KernelLibrary:
    def __init__(self, cdll: ctypes.CDLL, path: Path):
        self.cdll, self.path = cdll, path

    def __getattr__(self, func: str):
        return getattr(self.cdll, func)

    def run(self, kernel: Kernel, params: dict | None, *buffers) -> None:
        """kernel(&params, buffers...): buffers are the inputs, outputs and scratch in the kernel's order,
        each a numpy array, an address or None (NULL); a list of them for a variadic argument (passed
        as an array of pointers)."""
        if len(buffers) != len(kernel.args):
            raise TypeError(f"{kernel.func} takes {len(kernel.args)} buffers, got {len(buffers)}")
        args: list = []
        keep: list = []
        for arg, b in zip(kernel.args, buffers):
            if arg.variadic:
                if not isinstance(b, (list, tuple)):
                    raise TypeError(f"{kernel.func}: '{arg.name}' is variadic: pass a list of buffers")
                array = (ctypes.c_void_p * len(b))(*[_pointer(x) for x in b])
                keep.append(array)
                args.append(array)
            else:
                args.append(_pointer(b))
        if kernel.params is not None:
            s, arrays = params_struct(kernel.params, params)
            keep += arrays
            args.insert(0, ctypes.byref(s))
        getattr(self.cdll, kernel.func)(*args)
        del keep

    def call(self, call: KernelCall, *buffers) -> None:
        """A lowered KernelCall with these buffers: its inputs and outputs, then its state and scratch; when only
        the inputs and outputs are given, fresh zeroed state and scratch of the sizes the lowering planned."""
        if len(buffers) == len(call.kernel.inputs) + len(call.kernel.outputs):
            buffers += tuple(fresh_buffers(call))
        self.run(call.kernel, call.params, *buffers)


def fresh_buffers(call: KernelCall) -> list:
    """Zeroed state and scratch for a call (word aligned), None for an optional scratch it does not need."""
    out: list = []
    if call.kernel.has_state:
        out.append(np.frombuffer(bytearray(call.state_initial or bytes(call.state_bytes)), np.uint8).copy())
    if call.kernel.has_scratch:
        out.append(np.zeros(-(-call.scratch_bytes // 4), np.int32) if call.scratch_bytes else None)
    return out


def build_kernel_library(out_dir: Path, kernels=KERNELS, defines=(), cc: str | None = None,
                         opt: str = "-O2", kernel_set: str = "portable", extra_sources=()) -> KernelLibrary:
    """A shared library of `kernels` (their sources in `kernel_set`, micro.kernels.sets, and any
    `extra_sources`) built strictly (MN_SANITIZE=1: with ASan/UBSan, run with
    LD_PRELOAD=$(gcc -print-file-name=libasan.so))."""
    cc = cc or shutil.which("gcc") or "gcc"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    kernels = list(kernels)
    (out_dir / HEADER_NAME).write_text(kernel_header(kernels))
    sources = [KERNELS_DIR / f for f in kernel_sources(kernels, kernel_set) if f.endswith(".c")] + list(extra_sources)
    extra = (["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
             if os.environ.get("MN_SANITIZE") else [])
    so = out_dir / ("libmn_" + "_".join(sorted({k.source_for(kernel_set)[3:-2] for k in kernels}))[:80] + ".so")
    cmd = [cc, *STRICT, opt, *extra, *[f"-D{d}" for d in defines], "-fPIC", "-shared", "-I", str(out_dir),
           "-I", str(KERNELS_DIR), *map(str, sources), "-o", str(so)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"kernel library build failed:\n{res.stderr}\n{' '.join(cmd)}")
    return KernelLibrary(ctypes.CDLL(str(so)), so)

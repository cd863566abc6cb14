"""CAST kernels: micro/kernels_c/mn_cast.c, one C function per (input, output) integer type pair whose
values change representation (casts that keep every bit, such as int32 <-> uint32, are views)."""

from __future__ import annotations

from micro.dtypes import C_TYPES, NUMPY_DTYPES
from micro.kernels.abi import Arg, Field, Kernel, Struct

CAST_PARAMS = Struct("mn_cast_params_t", "CAST element count.", (
    Field("size", "int32_t", "elements"),
))

# (input, output) pairs with a kernel, as TFLite dtype names.
CAST_PAIRS = (("int8", "int16"), ("int8", "int32"), ("int8", "uint32"), ("int16", "int8"), ("int16", "int32"),
              ("int16", "uint32"), ("int32", "int8"), ("int32", "int16"), ("uint32", "int8"), ("uint32", "int16"))


def _kernel(src: str, dst: str) -> Kernel:
    narrowing = NUMPY_DTYPES[dst].itemsize < NUMPY_DTYPES[src].itemsize
    return Kernel(
        func=f"mn_cast_{src}_{dst}", source="mn_cast.c", params=CAST_PARAMS,
        args=(Arg("input", "input", C_TYPES[src], "size elements"),
              Arg("output", "output", C_TYPES[dst],
                  "size elements" + ("; may be the input (same start address)" if narrowing else ""))),
        doc=f"""CAST {src} -> {dst} (TFLM cast.cc: static_cast per element): widening keeps the value
(sign-extended, or modulo 2^32 into uint32), narrowing keeps the low bits (two's complement).""")


CAST_KERNELS = {(s, d): _kernel(s, d) for s, d in CAST_PAIRS}

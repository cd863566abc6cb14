"""TFLite tensor types: bytes per element, C and numpy types, integer ranges. The one copy of these tables."""

from __future__ import annotations

import numpy as np

DTYPE_BYTES = {
    "int8": 1, "uint8": 1, "bool": 1, "int16": 2, "uint16": 2, "float16": 2,
    "int32": 4, "uint32": 4, "float32": 4, "int64": 8, "uint64": 8, "float64": 8, "int4": 1,
    "complex64": 8, "complex128": 16, "variant": 0,
    "resource": 4,  # a VAR_HANDLE's output: TFLM stores the variable's int32 id there
}
C_TYPES = {
    "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "uint16": "uint16_t",
    "int32": "int32_t", "uint32": "uint32_t", "int64": "int64_t", "uint64": "uint64_t", "bool": "uint8_t",
    "float32": "float",
}
NUMPY_DTYPES = {
    "int8": np.dtype(np.int8), "uint8": np.dtype(np.uint8), "int16": np.dtype(np.int16),
    "uint16": np.dtype(np.uint16), "int32": np.dtype(np.int32), "uint32": np.dtype(np.uint32),
    "int64": np.dtype(np.int64), "uint64": np.dtype(np.uint64), "bool": np.dtype(np.bool_), "float16": np.dtype(np.float16),
    "float32": np.dtype(np.float32), "float64": np.dtype(np.float64),
}
# How a tensor's elements sit in host and board buffers: its numpy type, bool as its uint8 storage.
BUFFER_DTYPES = {**NUMPY_DTYPES, "bool": np.dtype(np.uint8)}
# Quantized integer types: the range of their values.
QRANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "int32": (-(2**31), 2**31 - 1)}
# The generated C's sizes, offsets and kernel index arithmetic are int32: every bound on them is this.
INT32_MAX = QRANGE["int32"][1]
FLOAT_DTYPES = ("float16", "float32", "float64")


def dtype_name(dtype: np.dtype) -> str:
    """The TFLite type name of a numpy dtype (np.int8 -> "int8")."""
    dtype = np.dtype(dtype)
    for name, d in NUMPY_DTYPES.items():
        if d == dtype and name != "bool":
            return name
    if dtype == np.bool_:
        return "bool"
    raise TypeError(f"no TFLite type for numpy dtype {dtype}")


def c_type_of_array(arr: np.ndarray) -> str:
    """The C element type of a numpy array (bool arrays are stored as uint8_t)."""
    return C_TYPES[dtype_name(arr.dtype)]

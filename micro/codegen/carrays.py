"""Format numpy arrays as C initializers, fast enough for multi-megabyte weights."""

from __future__ import annotations

import numpy as np

PER_LINE = 24


def _literal(v, dtype: np.dtype) -> str:
    if dtype == np.int32 and v == -(2**31):
        return "(-2147483647 - 1)"
    if dtype == np.int64:
        return f"INT64_C({v})"
    if dtype == np.float32:
        return repr(float(v)) + "f"
    return str(v)


def initializer(arr: np.ndarray, indent: str = "    ") -> str:
    """The body of a C initializer list, PER_LINE values a line."""
    flat = np.ascontiguousarray(arr).ravel()
    if flat.dtype == np.bool_:
        flat = flat.astype(np.uint8)
    if flat.dtype in (np.int8, np.uint8, np.int16, np.uint16):
        values = list(map(str, flat.tolist()))
    else:
        values = [_literal(v, flat.dtype) for v in flat.tolist()]
    if not values:
        values = ["0"]
    lines = (", ".join(values[i:i + PER_LINE]) for i in range(0, len(values), PER_LINE))
    return (",\n").join(indent + line for line in lines)

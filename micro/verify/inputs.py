"""Input sets for `micro verify` / `micro run`: .npy and .npz files turned into model input tensors.

An input file is checked before it is used, never silently wrapped:
- a file that cannot be read, or is not a NumPy .npy/.npz of plain numbers (text, pickled objects, corrupt
  bytes), is a MicroError naming the file;
- real values (a float array) are quantized with the input tensor's own scale and zero point, rounding
  half away from zero and saturating to the type's range, as TFLite's QUANTIZE does; NaN and infinities
  are errors;
- integers (and booleans) are taken as already quantized: one outside the tensor type's range is an error
  naming the first such value, unless `clip` is set, when it is clamped to the range.
"""

from __future__ import annotations

import zipfile

import numpy as np

from micro.dtypes import NUMPY_DTYPES
from micro.errors import MicroError


NPY_MAGIC, NPZ_MAGIC = b"\x93NUMPY", b"PK\x03\x04"


def _load(path: str):
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as exc:
        raise MicroError(f"cannot read input file {path}: {exc.strerror or exc}") from None
    if not (head.startswith(NPY_MAGIC) or head.startswith(NPZ_MAGIC)):
        raise MicroError(f"{path}: not a NumPy .npy or .npz file (save arrays with numpy.save or numpy.savez)")
    try:
        return np.load(path, allow_pickle=False)
    except OSError as exc:
        raise MicroError(f"cannot read input file {path}: {exc.strerror or exc}") from None
    except (ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise MicroError(f"{path}: not a readable NumPy .npy/.npz file of numbers ({exc})") from None


def _range(dtype: str) -> tuple[int, int]:
    info = np.iinfo(NUMPY_DTYPES[dtype])
    return int(info.min), int(info.max)


def quantize_real(arr: np.ndarray, t) -> np.ndarray:
    """Real values quantized with t's scale and zero point: round half away from zero, saturate."""
    lo, hi = _range(t.dtype)
    q = np.asarray(arr, dtype=np.float64) / float(t.quant.s)
    q = np.sign(q) * np.floor(np.abs(q) + 0.5) + t.quant.zp
    return np.clip(q, lo, hi).astype(NUMPY_DTYPES[t.dtype])


def coerce(arr: np.ndarray, t, where: str, clip: bool = False) -> np.ndarray:
    """`arr` as the values of input tensor t (see the module docstring)."""
    if t.dtype not in NUMPY_DTYPES or not np.issubdtype(NUMPY_DTYPES[t.dtype], np.integer):
        raise MicroError(f"{where}: input '{t.name}' is {t.dtype}; micro feeds integer inputs only")
    kind = arr.dtype.kind
    if kind == "f":
        if not np.all(np.isfinite(arr)):
            raise MicroError(f"{where}: holds NaN or infinite values")
        if t.quant is not None:
            return quantize_real(arr, t).reshape(t.shape)
        if not np.all(arr == np.round(arr)):
            raise MicroError(f"{where}: real values for input '{t.name}', which has no quantization to map "
                             "them with; give integers")
        arr = arr.astype(np.float64)
    elif kind not in "iub":
        raise MicroError(f"{where}: holds {arr.dtype} values; give integers (already quantized) or real numbers "
                         "(quantized with the input's scale and zero point)")
    lo, hi = _range(t.dtype)
    values = arr.astype(np.float64) if kind == "f" else arr.astype(np.int64) if kind != "u" else arr
    outside = (values < lo) | (values > hi)
    if np.any(outside):
        if not clip:
            first = values[outside].ravel()[0]
            raise MicroError(f"{where}: {int(np.count_nonzero(outside))} value(s) outside {t.dtype} "
                             f"[{lo}, {hi}] for input '{t.name}' (first: {first}); pass --clip to clamp them, or "
                             "give real values as floats to have them quantized")
        values = np.clip(values, lo, hi)
    return np.asarray(values).astype(NUMPY_DTYPES[t.dtype]).reshape(t.shape)


def load_input_sets(paths: list[str], graph, clip: bool = False) -> list[list[np.ndarray]]:
    """Each .npy is one input set (or N sets with a leading batch axis); .npz maps input index/name."""
    sets = []
    for p in paths:
        data = _load(p)
        if isinstance(data, np.lib.npyio.NpzFile):
            with data:
                arrays = []
                for k, t_idx in enumerate(graph.inputs):
                    t = graph.tensors[t_idx]
                    key = str(k) if str(k) in data.files else t.name
                    if key not in data.files:
                        raise MicroError(f"{p}: no array '{k}' or '{t.name}' for input {k}")
                    try:
                        arr = data[key]
                    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                        raise MicroError(f"{p}: array '{key}' cannot be read ({exc})") from None
                    if arr.size != t.size:
                        raise MicroError(f"{p}: array '{key}' has {arr.size} values; input {k} '{t.name}' of "
                                         f"shape {list(t.shape)} needs {t.size}")
                    arrays.append(coerce(arr, t, f"{p}: array '{key}'", clip))
            sets.append(arrays)
            continue
        if len(graph.inputs) != 1:
            raise MicroError(f"{p}: the model has {len(graph.inputs)} inputs; pass an .npz with one array "
                             "per input (named by index or tensor name)")
        t = graph.tensors[graph.inputs[0]]
        if data.size == t.size:
            sets.append([coerce(data, t, p, clip)])
        elif data.size and data.size % t.size == 0:
            sets += [[coerce(x, t, f"{p} (set {k})", clip)] for k, x in enumerate(data.reshape(-1, *t.shape))]
        else:
            raise MicroError(f"{p}: {data.size} values do not fit input '{t.name}' of shape {list(t.shape)}")
    return sets

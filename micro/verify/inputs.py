"""Input sets for `micro verify` / `micro run`: .npy and .npz files turned into model input tensors."""

from __future__ import annotations

import numpy as np

from micro.errors import MicroError
from micro.quant import QRANGE


def load_input_sets(paths: list[str], graph) -> list[list[np.ndarray]]:
    """Each .npy is one input set (or N sets with a leading batch axis); .npz maps input index/name."""

    def coerce(arr: np.ndarray, t) -> np.ndarray:
        if np.issubdtype(arr.dtype, np.floating) and t.quant is not None:
            lo, hi = QRANGE[t.dtype]
            arr = np.clip(np.round(arr / t.quant.s) + t.quant.zp, lo, hi)
        return arr.astype(t.dtype).reshape(t.shape)

    sets = []
    for p in paths:
        data = np.load(p)
        if isinstance(data, np.lib.npyio.NpzFile):
            arrays = []
            for k, t_idx in enumerate(graph.inputs):
                t = graph.tensors[t_idx]
                key = str(k) if str(k) in data else t.name
                if key not in data:
                    raise MicroError(f"{p}: no array '{k}' or '{t.name}' for input {k}")
                arrays.append(coerce(data[key], t))
            sets.append(arrays)
            continue
        if len(graph.inputs) != 1:
            raise MicroError(f"{p}: the model has {len(graph.inputs)} inputs; pass an .npz with one array "
                             "per input (named by index or tensor name)")
        t = graph.tensors[graph.inputs[0]]
        if data.size == t.size:
            sets.append([coerce(data, t)])
        elif data.size % t.size == 0:
            sets += [[coerce(x, t)] for x in data.reshape(-1, *t.shape)]
        else:
            raise MicroError(f"{p}: {data.size} values do not fit input '{t.name}' of shape {list(t.shape)}")
    return sets

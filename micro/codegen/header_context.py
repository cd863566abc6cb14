"""What the generated header says about the model's inputs and outputs: shapes, quantization, and the
model's TFLite metadata (strings, labels, input normalization), every string escaped."""

from __future__ import annotations

import numpy as np

from micro.codegen.escape import c_comment, c_string
from micro.codegen.names import Names
from micro.dtypes import QRANGE

HELPER_DTYPES = ("int8", "uint8", "int16")   # the quantize/dequantize helpers of the header
METADATA_MACROS = (("name", "MODEL_NAME"), ("description", "MODEL_DESCRIPTION"), ("version", "MODEL_VERSION"),
                   ("author", "MODEL_AUTHOR"), ("license", "MODEL_LICENSE"),
                   ("min_runtime_version", "MIN_RUNTIME_VERSION"))


def io_context(compiled, names, kind: str, tensors: list[int]) -> list[dict]:
    out = []
    for pos, t_idx in enumerate(tensors):
        t = compiled.graph.tensors[t_idx]
        q = t.quant
        helpers = q is not None and q.scale.size == 1 and t.dtype in HELPER_DTYPES
        qmin, qmax = QRANGE[t.dtype] if helpers else (0, 0)
        out.append(dict(
            kind=kind, pos=pos, macro=f"{compiled.name.upper()}_{kind.upper()}{pos}",
            name_comment=c_comment(t.name), dtype=t.dtype, shape=list(t.shape), dims=list(t.shape) or [1],
            elements=t.size, nbytes=t.nbytes, ctype=t.ctype, ref=names.buffer(t_idx),
            scale=None if q is None else repr(q.s), zero_point=None if q is None else q.zp,
            helpers=helpers, qmin=qmin, qmax=qmax, lname=f"{kind}{pos}", norm=None))
    return out


def model_io(compiled) -> tuple[list[dict], list[dict]]:
    """io_context of the model's inputs and outputs (what the header says of each)."""
    names = Names.of(compiled)
    return (io_context(compiled, names, "input", compiled.graph.inputs),
            io_context(compiled, names, "output", compiled.graph.outputs))


def _c_float(v: float) -> str:
    r = repr(float(np.float32(v)))
    return (r if ("." in r or "e" in r or "n" in r) else r + ".0") + "f"


def metadata_context(metadata, inputs: list[dict], outputs: list[dict]) -> dict:
    """Model metadata (micro.frontend.metadata.ModelMetadata or None) for the templates."""
    info = {"strings": [], "labels": None}
    if metadata is None:
        return info
    for key, macro in METADATA_MACROS:
        value = " ".join(str(getattr(metadata, key, "") or "").split())
        if value:
            info["strings"].append(dict(macro=macro, value=c_string(value)))
    lab = metadata.labels
    if lab is not None:
        k, labels = lab
        if not 0 <= k < len(outputs):
            raise ValueError(f"labels are for output {k}, but the model has {len(outputs)} output(s)")
        info["labels"] = dict(output=k, count=len(labels), cstrings=[c_string(x) for x in labels],
                              source_comment=c_comment(getattr(metadata, "labels_source", "")
                                                       or "the model's metadata"))
    for io, tm in zip(inputs, getattr(metadata, "inputs", [])):
        if tm.mean and tm.std and io["helpers"]:
            n = max(len(tm.mean), len(tm.std))
            mean = tm.mean if len(tm.mean) == n else tm.mean * n
            std = tm.std if len(tm.std) == n else tm.std * n
            io["norm"] = dict(channels=n, mean=[_c_float(x) for x in mean], std=[_c_float(x) for x in std])
    return info

"""MAXIMUM and MINIMUM kernels: micro/kernels_c/mn_maximum_minimum.c, one per op and element type."""

from __future__ import annotations

from micro.kernels.abi import Arg, Kernel
from micro.kernels.broadcast import BROADCAST

DTYPES = ("int8", "int16", "int32", "int64")


def _kernel(kind: str, dtype: str) -> Kernel:
    ctype = f"{dtype}_t"
    pick = "larger" if kind == "MAXIMUM" else "smaller"
    return Kernel(
        func=f"mn_{kind.lower()}_{dtype}", source="mn_maximum_minimum.c", params=BROADCAST,
        args=(Arg("input1", "input", ctype, "broadcastable to the output"),
              Arg("input2", "input", ctype, "broadcastable to the output"),
              Arg("output", "output", ctype, "dense, flat_size elements; may be an input of flat_size elements")),
        doc=f"""{kind}, {dtype} (TFLM maximum_minimum.cc): the {pick} of the two stored values, compared as
integers whatever the tensors' quantization (TFLM has no Prepare for it).""")


MAXIMUM_MINIMUM = {(kind, dtype): _kernel(kind, dtype) for kind in ("MAXIMUM", "MINIMUM") for dtype in DTYPES}

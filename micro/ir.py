"""The intermediate representation: a graph of tensors and ops, per subgraph.

The frontend builds it from a .tflite file; passes rewrite it; lowering turns
each op into a kernel call. Nothing here knows about flatbuffers or C.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# TFLite tensor types micro knows by name.
DTYPE_BYTES = {
    "int8": 1, "uint8": 1, "bool": 1, "int16": 2, "uint16": 2, "float16": 2,
    "int32": 4, "uint32": 4, "float32": 4, "int64": 8, "float64": 8, "int4": 1,
}
C_TYPES = {
    "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "uint16": "uint16_t",
    "int32": "int32_t", "uint32": "uint32_t", "int64": "int64_t", "bool": "uint8_t",
    "float32": "float",
}


@dataclass
class Quant:
    """Affine quantization: real = scale * (q - zero_point).

    scale and zero_point have one entry (per-tensor) or one per slice along
    `axis` (per-channel). Scales are kept as float32, as stored in the model.
    """

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1

    @property
    def s(self) -> float:
        """The per-tensor scale as a Python float (exact float32 value)."""
        return float(self.scale[0])

    @property
    def zp(self) -> int:
        return int(self.zero_point[0])


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quant | None = None
    data: np.ndarray | None = None  # constant contents (already typed and shaped)
    is_variable: bool = False

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    @property
    def nbytes(self) -> int:
        return self.size * DTYPE_BYTES[self.dtype]

    @property
    def ctype(self) -> str:
        return C_TYPES[self.dtype]


@dataclass
class Op:
    index: int
    kind: str  # builtin name, e.g. "CONV_2D", or "CUSTOM:<name>"
    version: int
    inputs: list[int | None]  # tensor indices; None for an omitted optional input
    outputs: list[int]
    options: dict = field(default_factory=dict)


@dataclass
class Graph:
    """One subgraph. Tensor indices are positions in `tensors`."""

    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    subgraph_index: int = 0

    def t(self, index: int | None) -> Tensor | None:
        return None if index is None else self.tensors[index]

    def producers(self) -> dict[int, Op]:
        return {o: op for op in self.ops for o in op.outputs}

    def consumers(self) -> dict[int, list[Op]]:
        out: dict[int, list[Op]] = {}
        for op in self.ops:
            for i in op.inputs:
                if i is not None:
                    out.setdefault(i, []).append(op)
        return out


@dataclass
class Model:
    """A whole .tflite model: the main subgraph first, then any others."""

    name: str
    subgraphs: list[Graph]
    description: str = ""
    metadata: dict = field(default_factory=dict)
    source_sha256: str = ""

    @property
    def main(self) -> Graph:
        return self.subgraphs[0]

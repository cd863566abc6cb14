"""The intermediate representation: a graph of tensors and ops, per subgraph.

The frontend builds it from a .tflite file; passes rewrite it; lowering turns
each op into a kernel call. Nothing here knows about flatbuffers or C.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micro.dtypes import C_TYPES, DTYPE_BYTES


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
    custom_options: bytes = b""  # a CUSTOM op's options as stored (TFLM's signal ops: a FlexBuffers map)


@dataclass
class ResourceVariable:
    """A TFLite resource variable (VAR_HANDLE's container and shared_name) made a state tensor of the main
    graph by micro.passes.resource_variables: READ_VARIABLE and ASSIGN_VARIABLE take that tensor instead of
    the handle. `fill` is the byte TFLM's MicroResourceVariables sets it to when it is allocated and on every
    reset; `init` the value CALL_ONCE's init subgraph assigns at the first invoke (None: it assigns none)."""

    tensor: int
    container: str
    shared_name: str
    fill: int
    init: np.ndarray | None = None


@dataclass
class Graph:
    """One subgraph. Tensor indices are positions in `tensors`."""

    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    subgraph_index: int = 0
    resources: dict[int, ResourceVariable] = field(default_factory=dict)  # state tensor -> its variable

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

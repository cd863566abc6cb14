"""`op_model(g, op)`: a single-op model holding one op of a loaded graph with the same tensors (shapes,
dtypes, quantization, constants) and options (a custom op's options bytes too), so that one op of a real model can be verified on its own
before every other op of that model is supported."""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.testing.tflite_builder import ModelBuilder


def op_model(g: Graph, op: Op) -> bytes:
    """The model `inputs -> op -> outputs`: the op's non-constant inputs become model inputs (in op
    order), its outputs model outputs."""
    b = ModelBuilder(f"op #{op.index} {op.kind} of {g.name}")
    index = {}
    for t_idx in [*op.inputs, *op.outputs]:
        if t_idx is None or t_idx in index:
            continue
        t = g.t(t_idx)
        q = t.quant
        quant = dict(scale=q.scale, zero_point=q.zero_point, axis=q.axis) if q is not None else {}
        index[t_idx] = b.tensor(t.name or f"t{t_idx}", t.shape, t.dtype, data=t.data, **quant)
    b.op(op.kind, [None if i is None else index[i] for i in op.inputs], [index[o] for o in op.outputs],
         op.options or None, version=op.version, custom_options=op.custom_options)
    b.inputs([index[i] for i in op.inputs if i is not None and not g.t(i).is_const])
    b.outputs([index[o] for o in op.outputs])
    return b.finish()

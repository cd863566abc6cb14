"""Single-op test models of the data-movement ops, any integer type: `strided_slice_model`, `slice_model`,
`concatenation_model`, `pack_model`, `unpack_model`, `split_model`, `resize_model`, `gather_model`,
`arg_min_max_model`, `view_model` (RESHAPE / SQUEEZE / EXPAND_DIMS), and `split_concat_chain`, a small
multi-op model whose SPLIT, CONCATENATION, PACK and UNPACK can be views.

Each returns the bytes of a .tflite model (micro.testing.tflite_builder). Quantization: int8 tensors get
`scale`/`zero_point` (default 0.05 / -3, shared by inputs and outputs as the converter does for these
ops); int16 tensors get zero point 0 (what TFLM's int16 kernels require); int32, int64 and bool tensors
are not quantized. Shapes of outputs are computed from the op's own rules in micro.ops, so a test states
only the op's parameters.
"""

from __future__ import annotations

import numpy as np

from micro.ops.strided_slice import prepare_shape
from micro.testing.tflite_builder import ModelBuilder

QUANTIZED = ("int8", "int16")


def qargs(dtype: str, scale: float = 0.05, zero_point: int = -3) -> dict:
    """Quantization keyword arguments of ModelBuilder.tensor for an activation of `dtype`."""
    if dtype == "int8":
        return dict(scale=scale, zero_point=zero_point)
    if dtype == "int16":
        return dict(scale=scale, zero_point=0)
    return {}


def _one_op(kind: str, inputs: list[tuple], outputs: list[tuple], consts: dict, options: dict | None,
            order=None) -> bytes:
    """inputs/outputs: (name, shape, dtype, qargs); consts: {input position: numpy array}; the op's
    inputs are the non-constant inputs and the constants, in `order` (default: inputs then consts)."""
    b = ModelBuilder()
    ins = [b.tensor(name, shape, dtype, **q) for name, shape, dtype, q in inputs]
    outs = [b.tensor(name, shape, dtype, **q) for name, shape, dtype, q in outputs]
    const_ids = {pos: b.const(f"const{pos}", arr) for pos, arr in consts.items()}
    n = len(ins) + len(const_ids)
    order = order or list(range(n))
    pool = iter(ins)
    op_inputs = [const_ids[pos] if pos in const_ids else next(pool) for pos in order]
    b.op(kind, op_inputs, outs, options)
    b.inputs(ins)
    b.outputs(outs)
    return b.finish()


def strided_slice_model(in_shape, begin, end, strides, begin_mask=0, end_mask=0, shrink_axis_mask=0,
                        dtype="int8", ellipsis_mask=0, new_axis_mask=0, offset=False, out_shape=None) -> bytes:
    """STRIDED_SLICE with constant int32 begin/end/strides; the output shape is TFLM's (Prepare's)
    unless given."""
    if out_shape is None:
        out_shape = prepare_shape(in_shape, begin, end, strides, begin_mask, end_mask, shrink_axis_mask)
    consts = {1: np.asarray(begin, np.int32), 2: np.asarray(end, np.int32), 3: np.asarray(strides, np.int32)}
    options = dict(begin_mask=begin_mask, end_mask=end_mask, shrink_axis_mask=shrink_axis_mask,
                   ellipsis_mask=ellipsis_mask, new_axis_mask=new_axis_mask, offset=offset)
    return _one_op("STRIDED_SLICE", [("x", in_shape, dtype, qargs(dtype))], [("y", out_shape, dtype, qargs(dtype))],
                   consts, options)


def slice_model(in_shape, begin, size, dtype="int8", index_dtype=np.int32) -> bytes:
    """SLICE with constant begin/size (size -1: to the end)."""
    out_shape = [int(d) - b if s == -1 else s for d, b, s in zip(in_shape, begin, size)]
    consts = {1: np.asarray(begin, index_dtype), 2: np.asarray(size, index_dtype)}
    return _one_op("SLICE", [("x", in_shape, dtype, qargs(dtype))], [("y", out_shape, dtype, qargs(dtype))],
                   consts, None)


def concatenation_model(shapes, axis: int, dtype="int8", quants=None, out_quant=None, const_inputs=()) -> bytes:
    """CONCATENATION of inputs of `shapes` along `axis`. quants: per-input qargs (default qargs(dtype));
    const_inputs: positions of inputs that are constants (random data of their type)."""
    rng = np.random.default_rng(len(shapes) * 31 + axis)
    rank = len(shapes[0])
    a = axis + rank if axis < 0 else axis
    out_shape = list(shapes[0])
    out_shape[a] = sum(int(s[a]) for s in shapes)
    quants = quants or [qargs(dtype)] * len(shapes)
    b = ModelBuilder()
    ins, runtime = [], []
    for k, (shape, q) in enumerate(zip(shapes, quants)):
        if k in const_inputs:
            info = np.iinfo(np.dtype(dtype))
            ins.append(b.const(f"c{k}", rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype),
                               **q))
        else:
            ins.append(b.tensor(f"x{k}", shape, dtype, **q))
            runtime.append(ins[-1])
    y = b.tensor("y", out_shape, dtype, **(out_quant or qargs(dtype)))
    b.op("CONCATENATION", ins, [y], dict(axis=axis, fused_activation_function="NONE"))
    b.inputs(runtime)
    b.outputs([y])
    return b.finish()


def pack_model(shape, n: int, axis: int, dtype="int8") -> bytes:
    rank = len(shape) + 1
    a = axis + rank if axis < 0 else axis
    out_shape = list(shape[:a]) + [n] + list(shape[a:])
    return _one_op("PACK", [(f"x{k}", shape, dtype, qargs(dtype)) for k in range(n)],
                   [("y", out_shape, dtype, qargs(dtype))], {}, dict(values_count=n, axis=axis))


def unpack_model(shape, axis: int, dtype="int8") -> bytes:
    a = axis + len(shape) if axis < 0 else axis
    out_shape = list(shape[:a]) + list(shape[a + 1:])
    n = int(shape[a])
    return _one_op("UNPACK", [("x", shape, dtype, qargs(dtype))],
                   [(f"y{k}", out_shape, dtype, qargs(dtype)) for k in range(n)], {}, dict(num=n, axis=axis))


def split_model(shape, axis: int, sizes, dtype="int8", variable=False) -> bytes:
    """SPLIT (equal sizes; variable=False) or SPLIT_V (any sizes) along `axis`."""
    a = axis + len(shape) if axis < 0 else axis
    outs = []
    for k, s in enumerate(sizes):
        out_shape = list(shape)
        out_shape[a] = s
        outs.append((f"y{k}", out_shape, dtype, qargs(dtype)))
    axis_const = np.asarray(axis, np.int32)
    if variable:
        return _one_op("SPLIT_V", [("x", shape, dtype, qargs(dtype))], outs,
                       {1: np.asarray(sizes, np.int32), 2: axis_const}, dict(num_splits=len(sizes)))
    return _one_op("SPLIT", [("x", shape, dtype, qargs(dtype))], outs, {0: axis_const},
                   dict(num_splits=len(sizes)), order=[0, 1])


def resize_model(kind: str, in_shape, size, align_corners=False, half_pixel_centers=False, dtype="int8") -> bytes:
    """RESIZE_NEAREST_NEIGHBOR or RESIZE_BILINEAR of an NHWC input to `size` (height, width)."""
    out_shape = [in_shape[0], size[0], size[1], in_shape[3]]
    return _one_op(kind, [("x", in_shape, dtype, qargs(dtype))], [("y", out_shape, dtype, qargs(dtype))],
                   {1: np.asarray(size, np.int32)},
                   dict(align_corners=align_corners, half_pixel_centers=half_pixel_centers))


def gather_model(params_shape, indices, axis=0, batch_dims=0, dtype="int8", const_indices=True,
                 const_params=False, seed=0) -> bytes:
    """GATHER of an input of `params_shape` by int32 `indices` (an array: constant, or run-time with that
    shape when const_indices is False); const_params makes the input a constant table."""
    indices = np.asarray(indices, np.int32)
    a = axis + len(params_shape) if axis < 0 else axis
    bd = batch_dims + indices.ndim if batch_dims < 0 else batch_dims
    out_shape = list(params_shape[:a]) + list(indices.shape[bd:]) + list(params_shape[a + 1:])
    b = ModelBuilder()
    runtime = []
    if const_params:
        rng = np.random.default_rng(seed)
        x = b.const("table", rng.integers(-128, 128, size=params_shape).astype(np.int8), **qargs(dtype))
    else:
        x = b.tensor("x", params_shape, dtype, **qargs(dtype))
        runtime.append(x)
    if const_indices:
        idx = b.const("indices", indices)
    else:
        idx = b.tensor("indices", indices.shape, "int32")
        runtime.append(idx)
    y = b.tensor("y", out_shape, dtype, **qargs(dtype))
    b.op("GATHER", [x, idx], [y], dict(axis=axis, batch_dims=batch_dims))
    b.inputs(runtime)
    b.outputs([y])
    return b.finish()


def arg_min_max_model(kind: str, shape, axis: int, dtype="int8") -> bytes:
    a = axis + len(shape) if axis < 0 else axis
    out_shape = [int(d) for k, d in enumerate(shape) if k != a]
    return _one_op(kind, [("x", shape, dtype, qargs(dtype))], [("y", out_shape, "int32", {})],
                   {1: np.asarray([axis], np.int32)}, dict(output_type="INT32"))


def view_model(kind: str, in_shape, out_shape, dtype="int8") -> bytes:
    """RESHAPE (constant shape input), SQUEEZE (squeeze_dims = the unit dims dropped) or EXPAND_DIMS
    (axis = where out_shape has its new 1)."""
    x_q = qargs(dtype)
    if kind == "RESHAPE":
        return _one_op(kind, [("x", in_shape, dtype, x_q)], [("y", out_shape, dtype, x_q)],
                       {1: np.asarray(out_shape, np.int32)}, dict(new_shape=list(out_shape)))
    if kind == "SQUEEZE":
        dims, k = [], 0
        for a, d in enumerate(in_shape):
            if k < len(out_shape) and out_shape[k] == d:
                k += 1
            else:
                dims.append(a)
        return _one_op(kind, [("x", in_shape, dtype, x_q)], [("y", out_shape, dtype, x_q)], {},
                       dict(squeeze_dims=dims))
    axis = next(a for a in range(len(out_shape)) if list(out_shape[:a]) + list(out_shape[a + 1:]) == list(in_shape)
                and out_shape[a] == 1)
    return _one_op(kind, [("x", in_shape, dtype, x_q)], [("y", out_shape, dtype, x_q)],
                   {1: np.asarray([axis], np.int32)}, None)


def split_concat_chain(width: int = 8, concat_of=("sum", "x"), seed: int = 0) -> bytes:
    """A small int8 model whose data movement can be views:

        x [1, width] -> FULLY_CONNECTED -> h [1, 3 width] -> SPLIT (axis 1) -> part0, part1, part2
        sum = part0 + part1 (ADD);  c = CONCATENATION(concat_of) along axis 1
        PACK(c) -> [1, 1, n] -> UNPACK -> u [1, n] -> FULLY_CONNECTED -> f [1, width]
        y = f + part2 (ADD);  model outputs: y and part0 (a view that is an output)

    concat_of names the concatenated tensors among "x", "sum", "part0", "part1", "part2": ("sum", "x")
    and ("part2", "sum") can be placed as views (sum then sits right after h); ("part1", "part0")
    cannot (both already sit inside h, in the other order), so that concatenation falls back to a
    copy. Every tensor shares one quantization, as the converter makes it around these ops."""
    rng = np.random.default_rng(seed)
    q = dict(scale=0.05, zero_point=-3)
    b = ModelBuilder()
    x = b.tensor("x", (1, width), "int8", **q)
    w1 = b.const("w1", rng.integers(-20, 21, size=(3 * width, width)).astype(np.int8), scale=0.01, zero_point=0)
    h = b.tensor("h", (1, 3 * width), "int8", **q)
    b.op("FULLY_CONNECTED", [x, w1, None], [h], dict(fused_activation_function="NONE"))
    parts = [b.tensor(f"part{k}", (1, width), "int8", **q) for k in range(3)]
    b.op("SPLIT", [b.const("axis", np.asarray(1, np.int32)), h], parts, dict(num_splits=3))
    s = b.tensor("sum", (1, width), "int8", **q)
    b.op("ADD", [parts[0], parts[1]], [s], dict(fused_activation_function="NONE"))
    named = dict(x=x, sum=s, part0=parts[0], part1=parts[1], part2=parts[2])
    n = width * len(concat_of)
    c = b.tensor("concat", (1, n), "int8", **q)
    b.op("CONCATENATION", [named[k] for k in concat_of], [c], dict(axis=1, fused_activation_function="NONE"))
    packed = b.tensor("packed", (1, 1, n), "int8", **q)
    b.op("PACK", [c], [packed], dict(values_count=1, axis=0))
    u = b.tensor("unpacked", (1, n), "int8", **q)
    b.op("UNPACK", [packed], [u], dict(num=1, axis=0))
    w2 = b.const("w2", rng.integers(-20, 21, size=(width, n)).astype(np.int8), scale=0.01, zero_point=0)
    f = b.tensor("f", (1, width), "int8", **q)
    b.op("FULLY_CONNECTED", [u, w2, None], [f], dict(fused_activation_function="NONE"))
    y = b.tensor("y", (1, width), "int8", scale=0.08, zero_point=2)
    b.op("ADD", [f, parts[2]], [y], dict(fused_activation_function="NONE"))
    b.inputs([x])
    b.outputs([y, parts[0]])
    return b.finish()

"""What an op module returns: a kernel call (or an alias) the planner and codegen consume.

Each supported op has one module in `micro.ops` named after it
(`micro/ops/conv_2d.py` for CONV_2D) that defines:

    KIND: str                      the TFLite builtin name
    check(op, g) -> list[str]      problems that make the op unsupported ([] when fine)
    lower(op, g) -> KernelCall | Alias

`lower` performs TFLM's Prepare step (quantization multipliers, clamps,
padding, lookup tables) in Python so the C kernel only receives constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micro.ir import Graph, Op


@dataclass
class KernelCall:
    """One call in the generated invoke():

        func(&params, <inputs...>, <outputs...>[, scratch])

    - params: ordered {field: int | np.ndarray}; ints become struct fields,
      arrays become `static const` arrays referenced by pointer fields. The
      order and C types must match `params_type` in mn_kernels.h.
    - inputs: tensor indices (None passes NULL, e.g. an absent bias).
    - outputs: tensor indices.
    - scratch_bytes: size of a scratch buffer passed last (planned in the arena).
    - overlap_ok: input positions (into `inputs`) whose storage the output may
      share exactly (in place: output byte i is written only after input byte i
      and everything before it has been read for the last time).
    - overlap_gap: {input position: D} for kernels that write their output in
      increasing address order while still reading the input ahead of it: the
      output may overlap that input if it starts at least D bytes before it
      (see `raster_gap`).
    - overlap_gap_reverse: {input position: D} for kernels that, when their
      output starts after the input, write it in decreasing address order: the
      output may overlap that input if it starts at least D bytes after it (see
      `raster_gap_reverse`). The planner never assumes more than these say, and
      only when the input dies at this op.
    """

    func: str
    source: str
    params_type: str | None
    params: dict
    inputs: list[int | None]
    outputs: list[int]
    scratch_bytes: int = 0
    macs: int = 0
    overlap_ok: tuple[int, ...] = ()
    overlap_gap: dict = field(default_factory=dict)
    overlap_gap_reverse: dict = field(default_factory=dict)
    extra_sources: tuple[str, ...] = ()

    def overlap_gaps(self) -> dict[int, int]:
        """{input position: minimum bytes the output must start before it} (0: exact in place)."""
        gaps = dict(self.overlap_gap)
        for pos in self.overlap_ok:
            gaps[pos] = 0
        return gaps


@dataclass
class Alias:
    """The op's output is a view of its input: no code, shared storage."""

    src: int
    dst: int
    macs: int = 0


@dataclass
class Lowered:
    op: Op
    call: KernelCall | Alias
    notes: list[str] = field(default_factory=list)


def opt(op: Op, key: str, default=None):
    return op.options.get(key, default)


def int_array(values, dtype=np.int32) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=dtype).ravel())


def require_int8(op: Op, g: Graph, positions=None, dtypes=("int8",)) -> list[str]:
    """Problems if any listed input/output tensor is not of the accepted dtypes."""
    problems = []
    idxs = [i for i in op.inputs if i is not None] if positions is None else [
        op.inputs[p] for p in positions if p < len(op.inputs) and op.inputs[p] is not None]
    for t_idx in list(idxs) + list(op.outputs):
        t = g.tensors[t_idx]
        if t.dtype not in dtypes:
            problems.append(f"tensor {t_idx} '{t.name}' is {t.dtype}, supported: {', '.join(dtypes)}")
    return problems


def compute_padding(padding: str, in_size: int, filter_size: int, stride: int,
                    dilation: int = 1) -> tuple[int, int]:
    """TFLite ComputePaddingHeightWidth for one axis: (output size, leading pad).

    SAME: out = ceil(in / stride); VALID: out = ceil((in - eff_filter + 1) / stride).
    The leading pad is max(0, ((out-1)*stride + eff_filter - in) // 2), as TFLite.
    """
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise ValueError(f"unknown padding {padding}")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2


def fused_activation(op: Op) -> str:
    return op.options.get("fused_activation_function", "NONE") or "NONE"


def forward_gap(last_write, first_read) -> int:
    """Smallest D letting an output start D bytes before its input, for a kernel that produces output
    units (pixels, rows) in ascending order and, once a byte of unit p is written, reads no input
    before first_read[p'] for any p' >= p. Arrays are per unit, in production order; units that read
    nothing carry a large first_read."""
    import numpy as np

    future_min = np.minimum.accumulate(np.asarray(first_read, dtype=np.int64)[::-1])[::-1]
    return int(max(0, int(np.max(np.asarray(last_write, dtype=np.int64) - future_min)) + 1))


def reverse_gap(first_write, last_read) -> int:
    """Smallest D letting an output start D bytes after its input, for a kernel that produces output
    units in descending order and, once a byte of unit p is written, reads no input beyond
    last_read[p'] for any p' <= p. Arrays are per unit in ascending order; units that read nothing
    carry last_read = -1."""
    import numpy as np

    past_max = np.maximum.accumulate(np.asarray(last_read, dtype=np.int64))
    return int(max(0, int(np.max(past_max - np.asarray(first_write, dtype=np.int64))) + 1))


def raster_gap(batches: int, in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int,
               stride_h: int, stride_w: int, pad_top: int, pad_left: int,
               in_bytes: int = 1, out_bytes: int = 1) -> int:
    """Smallest D such that an NHWC window op (conv, depthwise, pool) may write its output starting
    D bytes before its input, overlapping it.

    Kernel contract this relies on (documented in mn_kernels.h): output pixels are written in
    raster order (batch, row, column), and once any byte of output pixel p is written the kernel
    reads no input before the first input byte of pixel p's window. The first byte pixel p may
    read is bounded below by its window's top-left corner clipped to the image, so D is safe for
    any filter size and dilation.
    """
    import numpy as np

    b, oy, ox = np.meshgrid(np.arange(batches), np.arange(out_h), np.arange(out_w), indexing="ij")
    b, oy, ox = b.ravel(), oy.ravel(), ox.ravel()
    row = np.clip(oy * stride_h - pad_top, 0, in_h - 1)
    col = np.clip(ox * stride_w - pad_left, 0, in_w - 1)
    first_read = ((b * in_h + row) * in_w + col) * in_c * in_bytes
    last_write = ((b * out_h + oy) * out_w + ox + 1) * out_c * out_bytes - 1
    return forward_gap(last_write, first_read)


def raster_gap_reverse(batches: int, in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int,
                       stride_h: int, stride_w: int, pad_top: int, pad_left: int, k_h: int, k_w: int,
                       dilation_h: int = 1, dilation_w: int = 1, in_bytes: int = 1, out_bytes: int = 1) -> int:
    """Smallest D such that an NHWC window op may write its output starting D bytes AFTER its input,
    overlapping it, when the kernel honours the reverse contract: output pixels are written in
    descending raster order, and once any byte of output pixel p is written the kernel reads no input
    beyond the last byte of pixel p's window (its bottom-right corner clipped to the image, last channel).
    """
    import numpy as np

    b, oy, ox = np.meshgrid(np.arange(batches), np.arange(out_h), np.arange(out_w), indexing="ij")
    b, oy, ox = b.ravel(), oy.ravel(), ox.ravel()
    row = np.clip(oy * stride_h - pad_top + (k_h - 1) * dilation_h, 0, in_h - 1)
    col = np.clip(ox * stride_w - pad_left + (k_w - 1) * dilation_w, 0, in_w - 1)
    last_read = ((b * in_h + row) * in_w + col + 1) * in_c * in_bytes - 1
    first_write = ((b * out_h + oy) * out_w + ox) * out_c * out_bytes
    return reverse_gap(first_write, last_read)


def window_overlap_gaps(op: Op, g: Graph, k_h: int, k_w: int) -> dict[str, dict[int, int]]:
    """KernelCall overlap declarations for an NHWC window op (conv, depthwise, pool) whose kernel honours
    both contracts (mn_kernels.h): {"overlap_gap": {0: D}, "overlap_gap_reverse": {0: D_rev}}."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4:
        return {"overlap_gap": {}, "overlap_gap_reverse": {}}
    sh, sw = op.options.get("stride_h", 1) or 1, op.options.get("stride_w", 1) or 1
    dh, dw = op.options.get("dilation_h_factor", 1) or 1, op.options.get("dilation_w_factor", 1) or 1
    padding = op.options.get("padding", "VALID")
    _, pad_top = compute_padding(padding, x.shape[1], k_h, sh, dh)
    _, pad_left = compute_padding(padding, x.shape[2], k_w, sw, dw)
    from micro.ir import DTYPE_BYTES

    ib, ob = DTYPE_BYTES[x.dtype], DTYPE_BYTES[y.dtype]
    dims = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], y.shape[1], y.shape[2], y.shape[3], sh, sw,
            pad_top, pad_left)
    return {"overlap_gap": {0: raster_gap(*dims, ib, ob)},
            "overlap_gap_reverse": {0: raster_gap_reverse(*dims, k_h, k_w, dh, dw, ib, ob)}}

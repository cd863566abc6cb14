"""Patch-based execution of a chain of window ops (CONV_2D, DEPTHWISE_CONV_2D, pooling): MCUNetV2's idea on
row bands. The chain's output is split into `tiles` bands of rows; each tile runs every op of the chain on
just the rows its output band needs (the halo rows are computed again by the next tile), reading a band of the
chain's input in place and writing its band of the chain's output in place. Only the bands of the chain's
intermediate tensors exist, in the patch's scratch.

Bands are full rows, so each band is a contiguous run of bytes of its NHWC tensor, and its geometry is the
op's own window with other rows: a band of output rows [a, b) reads input rows [a * stride - pad,
(b - 1) * stride - pad + (k - 1) * dilation], clipped to the image; the band's call sees only those rows
(in_h), with the rows the clip removed at the top as its leading padding (pad_h). The kernels skip taps
outside their in_h rows exactly as they skip taps outside the image, so every tile computes the same integers
as the whole op (the kernels are unchanged; only mn_window_t's in_h, out_h and pad_h differ).

Every call emitted keeps its kernel's overlap contract (micro.kernels.window): a band read from the chain's
input and a band written to its output never overlap the call's other buffer (scratch is disjoint from both),
and two bands inside the scratch share bytes only as the kernel's raster gaps for that band's geometry allow
(micro.geometry.raster_gap, checked by micro.arena.plan.check_plan).
"""

from __future__ import annotations

import dataclasses
import functools

from micro.arena.greedy import align_up, overlap_index
from micro.arena.lifetimes import Buffer, Overlap, lower_bound
from micro.arena.plan import check_plan
from micro.arena.search import search_placement
from micro.dtypes import DTYPE_BYTES
from micro.geometry import raster_gap, raster_gap_reverse
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.transpose import TRANSPOSE
from micro.lowered import KernelCall, Lowered, PatchCall, PatchStep, Ref
from micro.ops.transpose import transpose_layout, transpose_perm

PATCH_KIND = "PATCH"
ALIGNMENT = 4


def is_window_call(low: Lowered, g: Graph) -> bool:
    """A kernel call that computes a window op over NHWC rows: its params carry mn_window_t, one batch, input 0
    the activation, other inputs constant, one output, no state."""
    call = low.call
    if not isinstance(call, KernelCall) or not call.params or "win" not in call.params:
        return False
    if call.params["win"]["batches"] != 1 or len(call.outputs) != 1 or call.state_bytes:
        return False
    x = g.t(call.inputs[0])
    if x is None or x.is_const or x.is_variable or len(x.shape) != 4:
        return False
    return all(t is None or g.tensors[t].is_const for t in call.inputs[1:])


def is_transpose_call(low: Lowered, g: Graph) -> bool:
    """A TRANSPOSE whose output is one-batch NHWC: a band of its output rows is a strided copy of the input
    (the same input strides, fewer rows of the input axis that becomes the output's height). Only a chain's
    first op: its input is a whole tensor."""
    call = low.call
    if not isinstance(call, KernelCall) or call.kernel is not TRANSPOSE or low.op.kind != "TRANSPOSE":
        return False
    y, perm = g.t(call.outputs[0]), transpose_perm(low.op, g)
    return perm is not None and len(y.shape) == 4 and y.shape[0] == 1 and y.shape[1] > 1


def _transpose_source(low_or_op, g: Graph) -> tuple[list[int], int, list[int]]:
    """(perm, the input axis of the output's rows, the input's element strides)."""
    op = low_or_op
    x = g.t(op.inputs[0])
    perm = transpose_perm(op, g)
    strides, acc = [0] * len(x.shape), 1
    for i in reversed(range(len(x.shape))):
        strides[i] = acc
        acc *= int(x.shape[i])
    return perm, perm[1], strides


def split_rows(n: int, tiles: int) -> list[tuple[int, int]]:
    """[start, stop) of `tiles` bands of n rows, sizes differing by at most one (larger bands first)."""
    base, extra = divmod(n, tiles)
    out, start = [], 0
    for k in range(tiles):
        stop = start + base + (1 if k < extra else 0)
        out.append((start, stop))
        start = stop
    return out


def input_rows(win: dict, a: int, b: int) -> tuple[int, int, int]:
    """The input rows [c, e) output rows [a, b) of a window read (clipped to the image), and the band's
    leading padding."""
    lo = a * win["stride_h"] - win["pad_h"]
    hi = (b - 1) * win["stride_h"] - win["pad_h"] + (win["k_h"] - 1) * win["dil_h"] + 1
    c, e = max(0, lo), min(win["in_h"], hi)
    return c, e, c - lo


def band_window(win: dict, a: int, b: int) -> dict:
    c, e, pad = input_rows(win, a, b)
    return dict(win, in_h=e - c, out_h=b - a, pad_h=pad)


def op_rows(call: KernelCall, g: Graph) -> int:
    """The output height of a band op."""
    return call.params["win"]["out_h"] if "win" in call.params else g.tensors[call.outputs[0]].shape[1]


def op_input_rows(call: KernelCall, a: int, b: int) -> tuple[int, int]:
    if "win" in call.params:
        return input_rows(call.params["win"], a, b)[:2]
    return a, b  # TRANSPOSE: output row r is input row r of the source axis


def band_params(op: Op, call: KernelCall, g: Graph, a: int, b: int) -> dict:
    if "win" in call.params:
        return dict(call.params, win=band_window(call.params["win"], a, b))
    perm, axis, strides = _transpose_source(op, g)
    shape = list(g.tensors[op.inputs[0]].shape)
    shape[axis] = b - a
    dims, in_strides = transpose_layout(shape, perm, strides=strides)
    return dict(call.params, size=call.params["size"] // op_rows(call, g) * (b - a), dims=int_array(dims),
                in_strides=int_array(in_strides))


def input_row_bytes(op: Op, call: KernelCall, g: Graph) -> int:
    """Bytes between consecutive input rows of a band op's input (NHWC rows; for TRANSPOSE the stride of the
    input axis that becomes the output's height)."""
    if "win" in call.params:
        return _row_bytes(g, call.inputs[0])
    _, axis, strides = _transpose_source(op, g)
    return strides[axis] * DTYPE_BYTES[g.tensors[call.inputs[0]].dtype]


def _row_bytes(g: Graph, t: int) -> int:
    x = g.tensors[t]
    return x.shape[2] * x.shape[3] * DTYPE_BYTES[x.dtype]


WIN_KEYS = ("in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "stride_h", "stride_w", "pad_h", "pad_w", "k_h", "k_w",
            "dil_h", "dil_w")


@functools.lru_cache(maxsize=4096)
def _gaps(dims: tuple, ib: int, ob: int, forward: bool, reverse: bool) -> tuple[int | None, int | None]:
    in_h, in_w, in_c, out_h, out_w, out_c, s_h, s_w, pad_h, pad_w, k_h, k_w, d_h, d_w = dims
    raster = (1, in_h, in_w, in_c, out_h, out_w, out_c, s_h, s_w, pad_h, pad_w)
    return (raster_gap(*raster, ib, ob) if forward else None,
            raster_gap_reverse(*raster, k_h, k_w, d_h, d_w, ib, ob) if reverse else None)


def _band_gaps(call: KernelCall, g: Graph, win: dict) -> tuple[int | None, int | None]:
    """The raster gaps of a band's call, where the whole op declared them (the kernel honours both)."""
    if 0 not in call.overlap_gap and 0 not in call.overlap_gap_reverse:
        return None, None
    ib, ob = DTYPE_BYTES[g.tensors[call.inputs[0]].dtype], DTYPE_BYTES[g.tensors[call.outputs[0]].dtype]
    return _gaps(tuple(win[k] for k in WIN_KEYS), ib, ob, 0 in call.overlap_gap, 0 in call.overlap_gap_reverse)


def chain_problems(g: Graph, chain: list[Lowered]) -> list[str]:
    """Why `chain` cannot be one patch ([] when it can)."""
    if len(chain) < 2:
        return ["a patch needs at least two ops"]
    consumers = g.consumers()
    for k, low in enumerate(chain):
        if not (is_window_call(low, g) or k == 0 and is_transpose_call(low, g)):
            return [f"op #{low.op.index} {low.op.kind} is not a one-batch window kernel call"]
        if k and low.call.inputs[0] != chain[k - 1].call.outputs[0]:
            return [f"op #{low.op.index} does not read op #{chain[k - 1].op.index}'s output"]
        if k < len(chain) - 1:
            t = low.call.outputs[0]
            if t in g.outputs or len(consumers.get(t, [])) != 1:
                return [f"tensor {t} (op #{low.op.index}'s output) is read elsewhere"]
    return []


def band_rows(calls: list[KernelCall], g: Graph, tiles: int):
    """(bands, rows, reads): the output bands of the chain, rows[k][i] the output rows of op i in tile k,
    reads[k] the input rows tile k reads; None when a band would read no rows (an output row of pure padding)."""
    out_h = op_rows(calls[-1], g)
    if tiles < 1 or tiles > out_h:
        return None
    bands = split_rows(out_h, tiles)
    rows, reads = [], []
    for a, b in bands:
        per_op = [None] * len(calls)
        for i in range(len(calls) - 1, -1, -1):
            per_op[i] = (a, b)
            a, b = op_input_rows(calls[i], a, b)
            if a >= b:
                return None
        rows.append(per_op)
        reads.append((a, b))
    return bands, rows, reads


def build_patch(g: Graph, chain: list[Lowered], tiles: int, restarts: int = 0, estimate: bool = False
                ) -> Lowered | None:
    """The chain run as `tiles` bands (None when a band would read no rows). estimate=True: no band calls, the
    scratch its bound (what micro.patch.schedule compares; the real placement may need a few bytes more)."""
    calls = [low.call for low in chain]
    m = len(calls)
    geometry = band_rows(calls, g, tiles)
    if geometry is None:
        return None
    bands, rows, reads = geometry
    buffers: list[Buffer] = []
    overlaps: list[Overlap] = []
    planned = []  # (tile, op, band window, its output buffer or None, its scratch buffer or None, input buffer)
    step = 0
    for k in range(tiles):
        prev = None
        for i, call in enumerate(calls):
            a, b = rows[k][i]
            params = band_params(chain[i].op, call, g, a, b)
            out_buf = None
            if i < m - 1:
                out_buf = len(buffers)
                buffers.append(Buffer(f"tile{k}:t{call.outputs[0]}", (b - a) * _row_bytes(g, call.outputs[0]),
                                      step, step + 1))
                if prev is not None:
                    fwd, rev = _band_gaps(call, g, params["win"])
                    if fwd is not None or rev is not None:
                        overlaps.append(Overlap(prev, out_buf, fwd, step, rev))
            scratch_buf = None
            if call.scratch_bytes:
                scratch_buf = len(buffers)
                buffers.append(Buffer(f"tile{k}:scratch{i}", call.scratch_bytes, step, step))
            planned.append((k, i, params, out_buf, scratch_buf, prev))
            prev = out_buf
            step += 1
    if estimate or not buffers:
        scratch = align_up(lower_bound(buffers, overlaps), ALIGNMENT) if buffers else 0
    else:
        bound = align_up(lower_bound(buffers, overlaps), ALIGNMENT)
        scratch = search_placement(buffers, overlap_index(overlaps), bound, ALIGNMENT, restarts)
        check_plan(buffers, overlaps)
    x, y = calls[0].inputs[0], calls[-1].outputs[0]
    x_row, y_row = input_row_bytes(chain[0].op, calls[0], g), _row_bytes(g, y)
    steps = []
    for k, i, params, out_buf, scratch_buf, in_buf in ([] if estimate else planned):
        call = calls[i]
        a, b = rows[k][i]
        band = dataclasses.replace(call, params=params, macs=call.macs // op_rows(call, g) * (b - a),
                                   overlap_gap={}, overlap_gap_reverse={}, overlap_ok=())
        src = Ref(x, reads[k][0] * x_row) if i == 0 else Ref(None, buffers[in_buf].offset)
        dst = Ref(y, rows[k][i][0] * y_row) if i == m - 1 else Ref(None, buffers[out_buf].offset)
        steps.append(PatchStep(chain[i].op, k, band, src, dst,
                               buffers[scratch_buf].offset if scratch_buf is not None else 0, (a, b)))
    # No tile writes output bytes a later tile still reads from the input (all of a tile's reads come first).
    later = [min((reads[j][0] for j in range(k + 1, tiles)), default=None) for k in range(tiles)]
    gap = max([0] + [bands[k][1] * y_row - later[k] * x_row for k in range(tiles) if later[k] is not None])
    consts = [t for low in chain for t in low.op.inputs[1:] if t is not None and g.tensors[t].is_const]
    op = Op(chain[0].op.index, PATCH_KIND, 1, [x, *dict.fromkeys(consts)], [y],
            {"ops": tuple(low.op.index for low in chain)})
    macs = sum(c.macs // op_rows(c, g) * (r[i][1] - r[i][0]) for r in rows for i, c in enumerate(calls))
    patch = PatchCall(steps, [x], [y], tiles, bands, scratch_bytes=align_up(scratch, ALIGNMENT), macs=macs,
                      base_macs=sum(c.macs for c in calls), overlap_gap={0: gap},
                      op_macs={low.op.index: low.call.macs for low in chain},
                      internal=tuple(c.outputs[0] for c in calls[:-1]))
    ops = ", ".join(f"#{low.op.index} {low.op.kind}" for low in chain)
    return Lowered(op, patch, [f"ops {ops} in {tiles} row bands"])


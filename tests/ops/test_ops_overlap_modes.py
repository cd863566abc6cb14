"""Overlap modes of the window and PAD kernels: output and input in one buffer, both directions.

The planner may place an op's output across its dying input (micro/arena) when the kernel declares
it (KernelCall.overlap_gap / overlap_gap_reverse). The kernels pick the mode at run time from the
pointers (contracts: micro/kernels/window.py, micro/kernels/pad.py):

- forward: output at or before the input -> output pixels (PAD: innermost rows) in ascending order;
- reverse: output after the input -> descending order, so the output may start
  D_rev = micro.ops.window.window_overlap_gaps(...)["overlap_gap_reverse"][0] bytes (PAD:
  micro.ops.pad.reverse_overlap_gap) after the input, not only before it.

For CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D and PAD/PADV2 single-op models, each kernel
(called through ctypes with the params `lower` computes) runs with its output at input + D_rev + k
and at input - D_fwd - k (k = 0, 1, 5, 13 bytes: the kernels need no alignment of int8 tensors),
and must give the bytes of the non-overlapping run, which must equal TFLM's output. A second
library built with -DMN_NO_REVERSE_OVERLAP (reverse detection disabled, the kernels then run the
forward order) must get every case wrong: the reverse order is what makes those placements safe.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from micro.frontend import read_model
from micro.codegen.kernel_header import HEADER_NAME, KERNELS_DIR, kernel_header, kernel_sources
from micro.geometry import compute_padding, forward_gap, reverse_gap
from micro.kernels.abi import Kernel
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8
from micro.kernels.pad import PAD
from micro.kernels.pooling import AVERAGE_POOL_INT8, MAX_POOL_INT8
from micro.ops import conv_2d, depthwise_conv_2d, pad, pooling
from micro.ops.window import window_overlap_gaps
from micro.testing.layers import pad_layer
from micro.testing.tflite_builder import ModelBuilder

from support.conv_checks import const_inputs
from support.kernel_bindings import STRICT, KernelLibrary, build_kernel_library, fresh_buffers
from support.op_models import conv_model, pool_model, random_conv_case
from support.oracle import tflm_interpreter
from support.paths import need_tool

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)

KERNELS = [CONV_2D_INT8, CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8, AVERAGE_POOL_INT8,
           MAX_POOL_INT8, PAD]
ARM = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
EXTRAS = (0, 1, 5, 13)  # bytes beyond the minimum gap


def _build(out_dir: Path, defines=()) -> KernelLibrary:
    need_tool("gcc")
    return build_kernel_library(out_dir, KERNELS, defines)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("overlap_lib"))


@pytest.fixture(scope="module")
def lib_no_reverse(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("overlap_lib_norev"), ("MN_NO_REVERSE_OVERLAP",))


# --------------------------------------------------------------------------- cases

@dataclass
class Case:
    """One single-op model lowered to a kernel call, with everything needed to call it."""

    name: str
    buf: bytes
    kernel: Kernel
    params: dict
    extra_args: list  # numpy arrays (or None) passed between the data input and the output
    in_size: int
    out_size: int
    gap_fwd: int
    gap_rev: int
    tight_rev: int | None = None  # a smaller reverse gap the kernel also honours (PAD), or None
    tight_fwd: int | None = None
    inputs: list = field(default_factory=list)  # [[x, (other model inputs...)], ...]
    after: list = field(default_factory=list)   # state and scratch after the output (fresh_buffers)


def _conv_like(name, kind, x_shape, out_c, k, stride=(1, 1), padding="SAME", dilation=(1, 1),
               groups=1, mult=1, act="NONE", seed=0) -> Case:
    r = np.random.default_rng(seed)
    n, h, w, in_c = x_shape
    k_h, k_w = k
    opts = dict(padding=padding, act=act, stride=stride, dilation=dilation)
    if kind == "CONV_2D":
        fic = in_c // groups
        wt = r.integers(-127, 128, size=(out_c, k_h, k_w, fic)).astype(np.int8)
        axis, taps = 0, k_h * k_w * fic
    else:
        opts["depth_multiplier"] = mult
        wt = r.integers(-127, 128, size=(1, k_h, k_w, out_c)).astype(np.int8)
        axis, taps = 3, k_h * k_w
    x_scale, x_zp = 0.02, int(r.integers(-100, 100))
    y_scale, y_zp = 0.05, int(r.integers(-20, 20))
    spread = 73 * 74 * np.sqrt(taps)
    w_scales = (y_scale * 40 / (x_scale * spread) * r.uniform(0.5, 2, size=out_c)).astype(np.float32)
    bias = r.integers(-int(spread), int(spread) + 1, size=out_c).astype(np.int32)
    out_h, _ = compute_padding(padding, h, k_h, stride[0], dilation[0])
    out_w, _ = compute_padding(padding, w, k_w, stride[1], dilation[1])
    buf = conv_model(kind, x_shape, (x_scale, x_zp), wt, w_scales, axis, bias,
                     (n, out_h, out_w, out_c), (y_scale, y_zp), opts)
    g = read_model(buf, "m").main
    (op,) = g.ops
    mod = conv_2d if kind == "CONV_2D" else depthwise_conv_2d
    assert mod.check(op, g) == []
    call = mod.lower(op, g)
    gaps = window_overlap_gaps(op, g, k_h, k_w)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    return Case(name, buf, call.kernel, call.params, const_inputs(call, g), int(np.prod(x_shape)),
                g.t(op.outputs[0]).size, gaps["overlap_gap"][0], gaps["overlap_gap_reverse"][0],
                inputs=[[x] for x in xs], after=fresh_buffers(call))


def _pool(name, kind, x_shape, fh, fw, sh, sw, padding, act="NONE", seed=0) -> Case:
    r = np.random.default_rng(seed)
    buf = pool_model(kind, x_shape, fh, fw, sh, sw, padding, act=act)
    g = read_model(buf, "m").main
    (op,) = g.ops
    assert pooling.check(op, g) == []
    call = pooling.lower(op, g)
    gaps = window_overlap_gaps(op, g, fh, fw)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    return Case(name, buf, call.kernel, call.params, [], int(np.prod(x_shape)),
                g.t(op.outputs[0]).size, gaps["overlap_gap"][0], gaps["overlap_gap_reverse"][0],
                inputs=[[x] for x in xs])


def _pad_rows(x_shape, y_shape, pads):
    """Per output innermost row, in order: (input row index or -1, input row bytes, output row bytes)."""
    outer = tuple(y_shape[:-1])
    src_rows = np.full(int(np.prod(outer, dtype=np.int64)), -1, dtype=np.int64)
    for i, idx in enumerate(np.ndindex(*outer)):
        src = [j - int(pads[d][0]) for d, j in enumerate(idx)]
        if all(0 <= s < x_shape[d] for d, s in enumerate(src)):
            src_rows[i] = int(np.ravel_multi_index(src, x_shape[:-1])) if src else 0
    return src_rows, int(x_shape[-1]), int(y_shape[-1])


def pad_tight_gaps(x_shape, y_shape, pads) -> tuple[int, int]:
    """(forward, reverse) gaps the PAD kernel honours with its memmove-first rows: a row's own input
    row may overlap its destination, only OTHER rows' inputs must be safe from its writes. The
    forward gap is at least 1: the kernel takes the forward order only for output < input (an
    output exactly on its input takes the reverse order)."""
    src, row_in, row_out = _pad_rows(x_shape, y_shape, pads)
    n = src.size
    first_read = np.where(src >= 0, src * row_in, np.iinfo(np.int64).max // 4)
    last_read = np.where(src >= 0, (src + 1) * row_in - 1, -1)
    first_write = np.arange(n, dtype=np.int64) * row_out
    last_write = first_write + row_out - 1
    # Shift the read arrays by one row: unit p's writes only need rows p' > p (forward) or
    # p' < p (reverse) safe.
    fwd = forward_gap(last_write, np.append(first_read[1:], np.iinfo(np.int64).max // 4))
    rev = reverse_gap(first_write, np.insert(last_read[:-1], 0, -1))
    return max(1, fwd), rev


def _pad(name, x_shape, paddings, seed=0, v2=None) -> Case:
    """PAD (v2=None) or PADV2 with a constant (v2=("const", value)) or run-time (v2=("input", None))
    pad value."""
    r = np.random.default_rng(seed)
    pads = np.asarray(paddings, dtype=np.int64).reshape(len(x_shape), 2)
    y_shape = tuple(int(d + p[0] + p[1]) for d, p in zip(x_shape, pads))
    value = None
    if v2 is None:
        buf = pad_layer(r, x_shape, paddings)
    else:
        b = ModelBuilder()
        x = b.tensor("input", x_shape, "int8", scale=0.03, zero_point=-5)
        pt = b.const("paddings", pads.astype(np.int32))
        if v2[0] == "input":
            v = b.tensor("value", (1,), "int8", scale=0.03, zero_point=-5)
            value = np.array([77], dtype=np.int8)
        else:
            v = b.const("value", np.array([v2[1]], dtype=np.int8), scale=0.03, zero_point=-5)
        y = b.tensor("output", y_shape, "int8", scale=0.03, zero_point=-5)
        b.op("PADV2", [x, pt, v], [y])
        b.inputs([x, v] if value is not None else [x])
        b.outputs([y])
        buf = b.finish()
    g = read_model(buf, "m").main
    (op,) = g.ops
    assert pad.check(op, g) == []
    call = pad.lower(op, g)
    src, row_in, row_out = _pad_rows(x_shape, y_shape, pads)
    first_read = np.where(src >= 0, src * row_in, np.iinfo(np.int64).max // 4)
    last_write = (np.arange(src.size, dtype=np.int64) + 1) * row_out - 1
    tight_fwd, tight_rev = pad_tight_gaps(x_shape, y_shape, pads)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    return Case(name, buf, call.kernel, call.params, [value], int(np.prod(x_shape)), int(np.prod(y_shape)),
                forward_gap(last_write, first_read), pad.reverse_overlap_gap(x_shape, y_shape, pads),
                tight_rev=tight_rev, tight_fwd=tight_fwd,
                inputs=[[x] if value is None else [x, value] for x in xs])


CASES = {
    "conv": lambda: [
        _conv_like("3x3_s1_same", "CONV_2D", (1, 9, 7, 16), 16, (3, 3), seed=1),
        _conv_like("3x3_s2_b2", "CONV_2D", (2, 7, 6, 8), 8, (3, 3), stride=(2, 2), seed=2),
        _conv_like("grouped", "CONV_2D", (1, 8, 8, 12), 12, (3, 3), groups=3, seed=3),
        _conv_like("k432_chunks", "CONV_2D", (1, 7, 6, 48), 48, (3, 3), seed=4),  # staged blocks
        _conv_like("grouped_chunks", "CONV_2D", (2, 5, 4, 120), 80, (2, 2), groups=2, seed=9),
        _conv_like("wide_1px_blocks", "CONV_2D", (1, 4, 5, 24), 360, (3, 3), seed=10),  # out_c > 352
        _conv_like("1x1_valid", "CONV_2D", (1, 9, 7, 40), 40, (1, 1), padding="VALID", seed=5),
        _conv_like("1x1_shrink", "CONV_2D", (1, 6, 5, 24), 8, (1, 1), padding="VALID", seed=6),
        _conv_like("dilated", "CONV_2D", (1, 10, 9, 8), 20, (3, 2), stride=(1, 2), dilation=(2, 1),
                   padding="VALID", act="RELU", seed=7),
        _conv_like("kws_first", "CONV_2D", (1, 49, 10, 1), 64, (10, 4), stride=(2, 2), act="RELU", seed=8),
    ],
    "depthwise": lambda: [
        _conv_like("3x3_s1", "DEPTHWISE_CONV_2D", (1, 9, 7, 32), 32, (3, 3), seed=11),
        _conv_like("3x3_s2_b2", "DEPTHWISE_CONV_2D", (2, 9, 8, 20), 20, (3, 3), stride=(2, 2), seed=12),
        _conv_like("mult3", "DEPTHWISE_CONV_2D", (1, 12, 12, 4), 12, (3, 3), stride=(2, 2), mult=3, seed=13),
        _conv_like("dilated", "DEPTHWISE_CONV_2D", (1, 10, 9, 5), 5, (3, 2), dilation=(2, 2),
                   padding="VALID", seed=14),
        _conv_like("kws", "DEPTHWISE_CONV_2D", (1, 25, 5, 64), 64, (3, 3), act="RELU", seed=15),
    ],
    "pool": lambda: [
        _pool("avg_3x3_s1", "AVERAGE_POOL_2D", (1, 9, 7, 8), 3, 3, 1, 1, "SAME", seed=21),
        _pool("max_2x2_s2_b2", "MAX_POOL_2D", (2, 8, 9, 5), 2, 2, 2, 2, "VALID", seed=22),
        _pool("avg_3x3_s2_relu", "AVERAGE_POOL_2D", (1, 10, 10, 3), 3, 3, 2, 2, "SAME", act="RELU", seed=23),
        _pool("max_3x2_s1", "MAX_POOL_2D", (1, 6, 7, 16), 3, 2, 1, 1, "SAME", seed=24),
        _pool("avg_global_b3", "AVERAGE_POOL_2D", (3, 5, 5, 16), 5, 5, 1, 1, "VALID", seed=25),
    ],
    "pad": lambda: [
        _pad("inner", (3, 10), ((0, 0), (3, 1)), seed=31),
        _pad("outer_only", (4, 6), ((0, 3), (0, 0)), seed=41),
        _pad("rows", (2, 3), ((1, 2), (0, 0)), seed=32),
        _pad("3d", (1, 4, 6), ((0, 1), (1, 1), (2, 0)), seed=33),
        _pad("hw", (1, 6, 6, 3), ((0, 0), (1, 1), (1, 1), (0, 0)), seed=34),
        _pad("hw_uneven", (1, 5, 7, 5), ((0, 0), (1, 2), (0, 3), (0, 0)), seed=35),
        _pad("all_dims", (2, 3, 3, 2), ((1, 1), (0, 2), (2, 0), (1, 3)), seed=36),
        _pad("channels", (1, 4, 4, 12), ((0, 0), (0, 0), (0, 0), (0, 12)), seed=37),
        _pad("rank5", (2, 3, 2, 2, 3), ((1, 0), (0, 2), (1, 1), (0, 0), (2, 1)), seed=38),
        _pad("v2_const", (1, 3, 4, 2), ((0, 1), (2, 1), (0, 3), (1, 0)), seed=39, v2=("const", -100)),
        _pad("v2_input", (2, 3, 5), ((1, 0), (1, 2), (0, 2)), seed=40, v2=("input", None)),
    ],
}


@pytest.fixture(scope="module", params=list(CASES))
def family(request):
    return request.param, CASES[request.param]()


# --------------------------------------------------------------------------- running

def _call(lib, case: Case, in_ptr: int, out_ptr: int) -> None:
    lib.run(case.kernel, case.params, in_ptr, *case.extra_args, out_ptr, *case.after)


def _set_runtime_inputs(case: Case, model_inputs) -> None:
    """The kernel's extra array arguments that are model inputs (PADV2's run-time pad value)."""
    if len(model_inputs) > 1:
        case.extra_args[0][...] = model_inputs[1]


def _tflm(case: Case) -> list[np.ndarray]:
    it = tflm_interpreter(case.buf)
    outs = []
    for ins in case.inputs:
        for i, v in enumerate(ins):
            it.set_input(v, i)
        it.invoke()
        outs.append(np.asarray(it.get_output(0)).ravel().astype(np.int8))
    return outs


def _separate(lib, case: Case, x: np.ndarray) -> np.ndarray:
    y = np.zeros(case.out_size, np.int8)
    _call(lib, case, x.ctypes.data, y.ctypes.data)
    return y


def _in_arena(lib, case: Case, x: np.ndarray, shift: int) -> np.ndarray:
    """The kernel with input and output in one buffer, the output starting `shift` bytes after
    the input (before it when negative); guard bytes around both must stay untouched."""
    guard = 32
    x_off = guard + max(0, -shift)
    y_off = x_off + shift
    arena = np.full(max(x_off + case.in_size, y_off + case.out_size) + guard, 0x5A, np.uint8).view(np.int8)
    arena[x_off:x_off + case.in_size] = x.ravel()
    _call(lib, case, arena.ctypes.data + x_off, arena.ctypes.data + y_off)
    assert (arena[:guard] == 0x5A).all() and (arena[-guard:] == 0x5A).all(), "wrote outside"
    return arena[y_off:y_off + case.out_size].copy()


def _placements(case: Case) -> list[tuple[str, int]]:
    """(label, shift of the output relative to the input) for every placement under test."""
    out = [(f"rev+{k}", case.gap_rev + k) for k in EXTRAS]
    out += [(f"fwd+{k}", -(case.gap_fwd + k)) for k in EXTRAS]
    if case.tight_rev is not None:
        out += [(f"tight_rev+{k}", case.tight_rev + k) for k in EXTRAS]
        out += [(f"tight_fwd+{k}", -(case.tight_fwd + k)) for k in EXTRAS]
    return out


def _overlaps(case: Case, shift: int) -> bool:
    return -case.out_size < shift < case.in_size


def _wrong_placements(lib, case: Case, refs) -> list[str]:
    wrong = []
    for ins, ref in zip(case.inputs, refs):
        _set_runtime_inputs(case, ins)
        x = np.ascontiguousarray(ins[0], dtype=np.int8)
        for label, shift in _placements(case):
            got = _in_arena(lib, case, x, shift)
            if not np.array_equal(got, ref):
                wrong.append(f"{label} ({int(np.sum(got != ref))}/{got.size} bytes differ)")
    return wrong


# --------------------------------------------------------------------------- tests

def test_overlap_modes_match_separate_output_and_tflm(lib, family):
    kind, cases = family
    for case in cases:
        # Every reverse placement at the declared gap overlaps the input: the test means something.
        assert 0 <= case.gap_rev < case.in_size, (case.name, case.gap_rev, case.in_size)
        assert _overlaps(case, case.gap_rev) and _overlaps(case, -case.gap_fwd), case.name
        if case.tight_rev is not None:  # what the planner assumes is at least what the kernel needs
            assert case.tight_rev <= case.gap_rev and case.tight_fwd <= case.gap_fwd, case.name
        tflm = _tflm(case)
        refs = []
        for ins, want in zip(case.inputs, tflm):
            _set_runtime_inputs(case, ins)
            got = _separate(lib, case, np.ascontiguousarray(ins[0], dtype=np.int8))
            assert np.array_equal(got, want), f"{kind}/{case.name}: separate output differs from TFLM"
            refs.append(got)
        wrong = _wrong_placements(lib, case, refs)
        assert not wrong, f"{kind}/{case.name}: {wrong}"


def test_reverse_detection_is_what_makes_it_safe(lib, lib_no_reverse, family):
    """With the reverse detection compiled out (-DMN_NO_REVERSE_OVERLAP: the kernels run the forward
    order whenever the buffers overlap), every case gets some reverse placement wrong, and only
    reverse placements: the forward mode and the results above do not depend on luck."""
    kind, cases = family
    for case in cases:
        refs = []
        for ins in case.inputs:
            _set_runtime_inputs(case, ins)
            refs.append(_separate(lib, case, np.ascontiguousarray(ins[0], dtype=np.int8)))
        wrong = _wrong_placements(lib_no_reverse, case, refs)
        assert wrong, f"{kind}/{case.name}: forward order survived every reverse placement"
        assert all("rev" in w for w in wrong), f"{kind}/{case.name}: {wrong}"


@pytest.mark.parametrize("kind", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("seed", range(40))
def test_random_conv_layers_overlap(lib, kind, seed):
    """test_ops_conv's random single-op models (batches, dilations, strides, groups, depth
    multipliers, per-tensor weights, multipliers > 1, no bias; their separate outputs are checked
    against TFLM there) at every forward and reverse placement."""
    buf, x_shape, r = random_conv_case(kind, seed)
    g = read_model(buf, "m").main
    (op,) = g.ops
    mod = conv_2d if kind == "CONV_2D" else depthwise_conv_2d
    call = mod.lower(op, g)
    k_h, k_w = g.t(op.inputs[1]).shape[1:3]
    gaps = window_overlap_gaps(op, g, k_h, k_w)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    case = Case(f"random{seed}", buf, call.kernel, call.params, const_inputs(call, g), int(np.prod(x_shape)),
                g.t(op.outputs[0]).size, gaps["overlap_gap"][0], gaps["overlap_gap_reverse"][0],
                inputs=[[x] for x in xs], after=fresh_buffers(call))
    refs = [_separate(lib, case, x) for x in xs]
    assert not _wrong_placements(lib, case, refs)


def test_pad_tight_reverse_gap_is_smaller():
    """PAD's memmove-first rows let a row's output overlap its own input row: pad.reverse_overlap_gap
    (which keeps them apart) is safe but not tight; the tight gap is used above too."""
    x_shape, pads = (3, 10), np.array([(0, 0), (3, 1)])
    y_shape = (3, 14)
    _, tight_rev = pad_tight_gaps(x_shape, y_shape, pads)
    assert tight_rev == 0 < pad.reverse_overlap_gap(x_shape, y_shape, pads) == 10


@pytest.mark.parametrize("defines", [(), ("MN_NO_REVERSE_OVERLAP",)], ids=["default", "no_reverse"])
@pytest.mark.parametrize("compiler", ["gcc", "arm-none-eabi-gcc"])
def test_strict_compile(tmp_path, compiler, defines):
    cc = need_tool(compiler)
    flags = STRICT + (ARM if compiler.startswith("arm") else [])
    (tmp_path / HEADER_NAME).write_text(kernel_header(KERNELS))
    for src in kernel_sources(KERNELS):
        if not src.endswith(".c"):
            continue
        res = subprocess.run([cc, *flags, "-O2", *[f"-D{d}" for d in defines], "-I", str(tmp_path), "-I",
                              str(KERNELS_DIR), "-c", str(KERNELS_DIR / src), "-o", str(tmp_path / "k.o")],
                             capture_output=True, text=True)
        assert res.returncode == 0 and not res.stderr.strip(), (src, res.stderr)

"""GATHER kernel: micro/kernels_c/mn_gather.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

GATHER_PARAMS = Struct("mn_gather_params_t", "GATHER layout (TFLM gather.cc).", (
    Field("batches", I32, "product of the first batch_dims input extents"),
    Field("outer", I32, "product of the input extents from batch_dims up to the axis"),
    Field("coords", I32, "indices per batch (product of the index extents after batch_dims)"),
    Field("axis_size", I32, "input extent along the axis"),
    Field("inner_bytes", I32, "bytes of one gathered slice (inner extents x element size)"),
))

GATHER = Kernel(
    func="mn_gather", source="mn_gather.c", params=GATHER_PARAMS,
    args=(Arg("input", "input", "void", "[batches][outer][axis_size][inner], any element type"),
          Arg("indices", "input", "int32_t", "[batches][coords]"),
          Arg("output", "output", "void", "[batches][outer][coords][inner]; must not overlap the input")),
    doc="""GATHER (TFLM gather.cc Gather): output slice (b, o, c) is input slice (b, o, indices[b][c]).
An index outside [0, axis_size) (undefined in TFLM, which only DCHECKs) yields a slice of zero bytes.""")

"""The broadcast layout every elementwise binary kernel takes (micro/kernels_c/mn_broadcast.h); the
Python side fills it in micro.ops.broadcast."""

from __future__ import annotations

from micro.kernels.abi import Field, Struct

I32 = "int32_t"

BROADCAST = Struct("mn_broadcast_t", """Two inputs broadcast to the output (numpy rules, up to 6-D as TFLM):
output extents after dropping size-1 dims and merging dims that stay contiguous (or broadcast) in both
inputs, padded in front with 1s to 6 entries (product = flat_size), and each input's element stride per
dim, 0 where that input is broadcast.""", (
    Field("flat_size", I32, "output elements"),
    Field("broadcast", I32, "0: both inputs hold flat_size elements in output order (dims = 1, ..., 1, flat_size)"),
    Field("dims", I32, "[6] collapsed output extents, outermost first", array=True),
    Field("in1_strides", I32, "[6] input1 element strides (0 where broadcast)", array=True),
    Field("in2_strides", I32, "[6] input2 element strides (0 where broadcast)", array=True),
))

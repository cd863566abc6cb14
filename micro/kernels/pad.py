"""PAD / PADV2 kernel: micro/kernels_c/mn_pad.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

PAD_PARAMS = Struct("mn_pad_params_t", "PAD shapes in bytes, right-aligned to 5-D.", (
    Field("pad_value", "int32_t", "the pad byte in [-128, 127] (output zero point for int8 PAD)"),
    Field("in_dims", "int32_t", "[5] input extents, the innermost in bytes", array=True),
    Field("out_dims", "int32_t", "[5] output extents = in_dims + left_pad + right pad", array=True),
    Field("left_pad", "int32_t", "[5] leading paddings (>= 0)", array=True),
))

PAD = Kernel(
    func="mn_pad", source="mn_pad.c", params=PAD_PARAMS,
    args=(Arg("input", "input", "void", "in_dims"),
          Arg("pad_value", "input", "void", "PADV2's run-time int8 constant_values scalar, or NULL", optional=True),
          Arg("output", "output", "void", "out_dims")),
    doc="""PAD / PADV2, any element type (TFLM reference_ops::Pad, up to 5-D) as bytes: the innermost extents
and paddings are in bytes, and every padded byte gets the same value (int8: the pad value; int16: 0 or -1,
the values whose two bytes are equal). The pad byte is *pad_value when given (int8 PADV2 with a
run-time value, read before any output write), else p->pad_value.
The output may overlap the input. "Row" below is an output innermost row (out_dims[4] bytes) and its
"window" the one input row it copies, if any. Modes, chosen at run time from the pointers:
  forward (overlap, output < input): rows in ascending order; each row's input is moved first (memmove),
    then its padding is written; once any byte of row p is written, no input row before the window of
    a later row is read.
  reverse (overlap, output >= input, so also exactly in place): rows in DESCENDING order (memmove first,
    padding after); once any byte of row p is written, no input beyond the window of an earlier row is
    read. micro.ops.pad.overlap_gaps keeps each row's output clear of its own input row as well.
  no overlap: ascending rows, padding and data in address order (memcpy).""")

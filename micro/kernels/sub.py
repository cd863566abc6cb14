"""SUB kernels: micro/kernels_c/mn_sub_int8.c, mn_add_sub_int16.c (parameters shared with ADD)."""

from __future__ import annotations

from micro.kernels.add import add_sub_kernel

SUB_INT8 = add_sub_kernel("SUB", "int8", "mn_sub_int8.c")
SUB_INT16 = add_sub_kernel("SUB", "int16", "mn_add_sub_int16.c")

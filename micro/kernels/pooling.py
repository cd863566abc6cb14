"""AVERAGE_POOL_2D and MAX_POOL_2D kernels: micro/kernels_c/mn_pooling_int8.c and mn_pooling_int16.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.window import OVERLAP_CONTRACT, WINDOW

POOL_PARAMS = Struct("mn_pool_params_t", "Pooling geometry and clamp.", (
    Field("win", WINDOW, "geometry; in_c == out_c, dil_h == dil_w == 1"),
    Field("act_min", "int32_t", "lower clamp (fused activation)"),
    Field("act_max", "int32_t", "upper clamp (fused activation)"),
))

_ARGS = (Arg("input", "input", "int8_t", "[batches][in_h][in_w][in_c]"),
         Arg("output", "output", "int8_t", "[batches][out_h][out_w][out_c], same scale and zero point as input"))

_DOC = f"""int8 in and out (TFLM reference_integer_ops {{kind}}). The window of an output pixel is clipped to
the image; every window holds >= 1 tap. {{rule}} Then clamp to [act_min, act_max] (within [-128, 127]).
{OVERLAP_CONTRACT}
Each pixel's channels are written one by one, each after its own reads."""

AVERAGE_POOL_INT8 = Kernel(
    func="mn_average_pool_int8", source="mn_pooling_int8.c", params=POOL_PARAMS, args=_ARGS,
    doc="AVERAGE_POOL_2D, " + _DOC.format(kind="AveragePool", rule=(
        "Average: the sum of the in-image taps divided by their count, rounded half away from zero "
        "(zero points are not subtracted: input and output share them).")))

MAX_POOL_INT8 = Kernel(
    func="mn_max_pool_int8", source="mn_pooling_int8.c", params=POOL_PARAMS, args=_ARGS,
    doc="MAX_POOL_2D, " + _DOC.format(kind="MaxPool", rule="Max of the in-image taps."))

_ARGS_INT16 = (Arg("input", "input", "int16_t", "[batches][in_h][in_w][in_c]"),
               Arg("output", "output", "int16_t",
                   "[batches][out_h][out_w][out_c], same scale and zero point as input"))

_DOC_INT16 = _DOC.replace("int8 in and out", "int16 in and out").replace("[-128, 127]", "[-32768, 32767]")

AVERAGE_POOL_INT16 = Kernel(
    func="mn_average_pool_int16", source="mn_pooling_int16.c", params=POOL_PARAMS, args=_ARGS_INT16,
    doc="AVERAGE_POOL_2D, " + _DOC_INT16.format(kind="AveragePool (int16)", rule=(
        "Average: the int32 sum of the in-image taps divided by their count, rounded half away from zero.")))

MAX_POOL_INT16 = Kernel(
    func="mn_max_pool_int16", source="mn_pooling_int16.c", params=POOL_PARAMS, args=_ARGS_INT16,
    doc="MAX_POOL_2D, " + _DOC_INT16.format(kind="MaxPool (int16)", rule="Max of the in-image taps."))

"""The C kernels micro generates calls to, each declared once (micro.kernels.abi): one module per
kernel family, named after its C file in micro/kernels_c/."""

from __future__ import annotations

from micro.kernels.abi import Kernel
from micro.kernels.add import ADD_INT8
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8
from micro.kernels.fully_connected import FULLY_CONNECTED_INT8
from micro.kernels.mean import MEAN_INT8
from micro.kernels.pad import PAD_INT8
from micro.kernels.pooling import AVERAGE_POOL_INT8, MAX_POOL_INT8
from micro.kernels.softmax import SOFTMAX_INT8, SOFTMAX_INT8_INT16
from micro.kernels.transpose import TRANSPOSE_INT8

KERNELS: tuple[Kernel, ...] = (
    ADD_INT8, AVERAGE_POOL_INT8, CONV_2D_INT8, CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8,
    FULLY_CONNECTED_INT8, MAX_POOL_INT8,
    MEAN_INT8, PAD_INT8, SOFTMAX_INT8, SOFTMAX_INT8_INT16, TRANSPOSE_INT8,
)
BY_FUNC: dict[str, Kernel] = {k.func: k for k in KERNELS}

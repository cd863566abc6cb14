"""The C kernels micro generates calls to, each declared once (micro.kernels.abi): one module per
kernel family, named after its C file in micro/kernels_c/."""

from __future__ import annotations

from micro.kernels.abi import Kernel
from micro.kernels.add import ADD_INT8, ADD_INT16
from micro.kernels.arg_min_max import ARG_MIN_MAX_INT8
from micro.kernels.arith_int32 import ARITH_INT32
from micro.kernels.batch_matmul import BATCH_MATMUL_INT8, BATCH_MATMUL_INT16
from micro.kernels.concatenation import CONCATENATION
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_INT16, CONV_2D_INT16_ACC32, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import (DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_INT16,
                                             DEPTHWISE_CONV_2D_PACKED_INT8)
from micro.kernels.div import DIV_INT8
from micro.kernels.fully_connected import FULLY_CONNECTED_INT8, FULLY_CONNECTED_INT16, FULLY_CONNECTED_INT16_ACC32
from micro.kernels.gather import GATHER
from micro.kernels.maximum_minimum import MAXIMUM_MINIMUM
from micro.kernels.mean import MEAN_INT8
from micro.kernels.mul import MUL_INT8, MUL_INT16
from micro.kernels.pad import PAD
from micro.kernels.pooling import AVERAGE_POOL_INT8, AVERAGE_POOL_INT16, MAX_POOL_INT8, MAX_POOL_INT16
from micro.kernels.resize_bilinear import RESIZE_BILINEAR_INT8
from micro.kernels.resize_nearest_neighbor import RESIZE_NEAREST_NEIGHBOR
from micro.kernels.rsqrt import RSQRT_INT8
from micro.kernels.softmax import SOFTMAX_INT8, SOFTMAX_INT8_INT16, SOFTMAX_INT16
from micro.kernels.split import SPLIT
from micro.kernels.squared_difference import SQUARED_DIFFERENCE_INT8, SQUARED_DIFFERENCE_INT16
from micro.kernels.strided_slice import STRIDED_SLICE
from micro.kernels.sub import SUB_INT8, SUB_INT16
from micro.kernels.transpose import TRANSPOSE
from micro.kernels.cast import CAST_KERNELS
from micro.kernels.logistic import LOGISTIC_INT16
from micro.kernels.lut import LUT_KERNELS
from micro.kernels.prelu import PRELU_KERNELS
from micro.kernels.requantize import REQUANTIZE_KERNELS
from micro.kernels.tanh import TANH_INT16
from micro.kernels.signal_fft import SIGNAL_ENERGY, SIGNAL_FFT_AUTO_SCALE, SIGNAL_RFFT_INT16
from micro.kernels.signal_filter_bank import (SIGNAL_FILTER_BANK, SIGNAL_FILTER_BANK_LOG,
                                              SIGNAL_FILTER_BANK_SQUARE_ROOT)
from micro.kernels.signal_pcan import SIGNAL_PCAN
from micro.kernels.signal_spectral_subtraction import SIGNAL_SPECTRAL_SUBTRACTION
from micro.kernels.signal_window import SIGNAL_WINDOW
from micro.kernels.lstm import LSTM_INT8
from micro.kernels.svdf import SVDF_KERNELS

KERNELS: tuple[Kernel, ...] = (
    ADD_INT8, AVERAGE_POOL_INT8, CONV_2D_INT8, DEPTHWISE_CONV_2D_INT8, FULLY_CONNECTED_INT8, MAX_POOL_INT8,
    MEAN_INT8, PAD, SOFTMAX_INT8, SOFTMAX_INT8_INT16, SOFTMAX_INT16, TRANSPOSE,
    CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_PACKED_INT8,
    CONV_2D_INT16, CONV_2D_INT16_ACC32, DEPTHWISE_CONV_2D_INT16, FULLY_CONNECTED_INT16, FULLY_CONNECTED_INT16_ACC32,
    AVERAGE_POOL_INT16, MAX_POOL_INT16,
    BATCH_MATMUL_INT8, BATCH_MATMUL_INT16,
    ADD_INT16, ARITH_INT32,
    SUB_INT8, SUB_INT16,
    MUL_INT8, MUL_INT16,
    DIV_INT8,
    SQUARED_DIFFERENCE_INT8, SQUARED_DIFFERENCE_INT16,
    *MAXIMUM_MINIMUM.values(),
    RSQRT_INT8,
    *CAST_KERNELS.values(), LOGISTIC_INT16, *LUT_KERNELS.values(), *PRELU_KERNELS.values(),
    *REQUANTIZE_KERNELS.values(), TANH_INT16,
    ARG_MIN_MAX_INT8, CONCATENATION, GATHER, RESIZE_BILINEAR_INT8, RESIZE_NEAREST_NEIGHBOR, SPLIT, STRIDED_SLICE,
    SIGNAL_WINDOW, SIGNAL_FFT_AUTO_SCALE, SIGNAL_RFFT_INT16, SIGNAL_ENERGY, SIGNAL_FILTER_BANK,
    SIGNAL_FILTER_BANK_SQUARE_ROOT, SIGNAL_FILTER_BANK_LOG, SIGNAL_SPECTRAL_SUBTRACTION, SIGNAL_PCAN,
    *SVDF_KERNELS.values(), LSTM_INT8,
)
BY_FUNC: dict[str, Kernel] = {k.func: k for k in KERNELS}

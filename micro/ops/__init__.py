"""Op registry: the explicit list of op modules, one per TFLite op family (see micro.ops.common for what
a module defines). Adding an op: write micro/ops/<op>.py and list it here."""

from __future__ import annotations

from types import ModuleType

from micro.ir import Graph, Op
from micro.ops import (add, conv_2d, depthwise_conv_2d, fully_connected, mean, pad, pooling, reshape, softmax,
                       transpose)
from micro.ops import batch_matmul, div, maximum_minimum, mul, rsqrt, squared_difference, sub
from micro.ops import cast, hard_swish, leaky_relu, logistic, prelu, quantize, relu, tanh
from micro.ops import (arg_min_max, concatenation, expand_dims, gather, pack, resize_bilinear, resize_nearest_neighbor,
                       slice, split, strided_slice, unpack)
from micro.ops import signal_fft, signal_filter_bank, signal_pcan, signal_spectral_subtraction, signal_window
from micro.ops import lstm, resource_variables, svdf
from micro.ops.common import DEFAULT_ARITY, arity_problems

OP_MODULES: tuple[ModuleType, ...] = (
    add, conv_2d, depthwise_conv_2d, fully_connected, mean, pad, pooling, reshape, softmax, transpose,
    batch_matmul, sub, mul, div, squared_difference, maximum_minimum, rsqrt,
    cast, hard_swish, leaky_relu, logistic, prelu, quantize, relu, tanh,
    arg_min_max, concatenation, expand_dims, gather, pack, resize_bilinear, resize_nearest_neighbor, slice, split,
    strided_slice, unpack,
    signal_window, signal_fft, signal_filter_bank, signal_spectral_subtraction, signal_pcan,
    lstm, svdf, resource_variables,
)
REGISTRY: dict[str, ModuleType] = dict(sorted((kind, m) for m in OP_MODULES for kind in m.KINDS))


def supported_kinds() -> list[str]:
    return list(REGISTRY)


def module_for(op: Op) -> ModuleType | None:
    return REGISTRY.get(op.kind)


def check_op(op: Op, g: Graph) -> list[str]:
    mod = module_for(op)
    if mod is None:
        return [f"{op.kind} is not supported by micro (`micro ops` lists the supported ops)"]
    problems = arity_problems(op, getattr(mod, "ARITY", {}).get(op.kind, DEFAULT_ARITY))
    return problems or mod.check(op, g)

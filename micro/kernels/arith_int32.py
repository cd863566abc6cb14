"""The int32 (unquantized) arithmetic of ADD, SUB, MUL, DIV and SQUARED_DIFFERENCE:
micro/kernels_c/mn_arith_int32.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.broadcast import BROADCAST

I32 = "int32_t"

# The `op` codes of mn_arith_int32 (mirrored by MN_ARITH_* in the C file).
ARITH_OPS = {"ADD": 0, "SUB": 1, "MUL": 2, "DIV": 3, "SQUARED_DIFFERENCE": 4}

ARITH_INT32_PARAMS = Struct("mn_arith_int32_params_t", "int32 elementwise arithmetic and its clamp.", (
    Field("op", I32, "0 ADD, 1 SUB, 2 MUL, 3 DIV, 4 SQUARED_DIFFERENCE"),
    Field("act_min", I32, "lower clamp (CalculateActivationRange<int32_t>; INT32_MIN for none)"),
    Field("act_max", I32, "upper clamp"),
    Field("layout", BROADCAST, "how the inputs broadcast to the output"),
))

ARITH_INT32 = Kernel(
    func="mn_arith_int32", source="mn_arith_int32.c", params=ARITH_INT32_PARAMS,
    args=(Arg("input1", "input", "int32_t", "broadcastable to the output"),
          Arg("input2", "input", "int32_t", "broadcastable to the output"),
          Arg("output", "output", "int32_t", "dense, flat_size elements")),
    doc="""int32 ADD / SUB / MUL / DIV / SQUARED_DIFFERENCE as TFLM's templated reference kernels compute them:
out = clamp(x op y, act_min, act_max), with two's-complement wrapping on overflow (TFLM's WrappingMul;
its plain +, - and the square of the difference wrap the same way in every build). DIV truncates
toward zero; TFLM traps on a zero divisor and on INT32_MIN / -1 (x86 SIGFPE), where this kernel returns
0 and INT32_MIN (what Cortex-M's SDIV gives).""")

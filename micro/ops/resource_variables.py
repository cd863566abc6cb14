"""Resource variables: READ_VARIABLE and ASSIGN_VARIABLE (TFLM read_variable.cc, assign_variable.cc), VAR_HANDLE
and CALL_ONCE (var_handle.cc, call_once.cc).

micro.passes.resource_variables resolves the model first: every variable becomes a state tensor of the main
graph (micro.arena.state: kept between invokes, outside the arena, set back by `<name>_reset()`), READ_VARIABLE
and ASSIGN_VARIABLE take it in place of the handle, VAR_HANDLE and CALL_ONCE leave the graph (CALL_ONCE's
init subgraph becomes the variables' first value, micro.ir.ResourceVariable).

TFLM copies bytes both ways (MicroResourceVariables::Read and Assign are memcpy). micro lowers each to a view
with that copy as its fallback (micro.arena.variables decides, in model order):
- READ_VARIABLE: its output is the variable's own bytes, when no write of the variable happens while that
  output is still read;
- ASSIGN_VARIABLE: the op producing the value writes it straight into the variable, when the variable's
  earlier value is no longer read by then.
The copy is the CONCATENATION kernel with one input (a raw byte copy, micro.kernels.concatenation).
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.concatenation import CONCATENATION
from micro.lowered import Alias, KernelCall, Views

KINDS = ("READ_VARIABLE", "ASSIGN_VARIABLE", "VAR_HANDLE", "CALL_ONCE")
TYPES = ("int8", "int16", "int32")  # bytes are copied: any dtype (listed by `micro ops`)
# (min inputs, max inputs, outputs): TFLM's Prepare checks
ARITY = {"READ_VARIABLE": (1, 1, 1), "ASSIGN_VARIABLE": (2, 2, 0), "VAR_HANDLE": (0, 0, 1), "CALL_ONCE": (0, 0, 0)}
RESOLVED = ("VAR_HANDLE", "CALL_ONCE")  # gone from the graph once micro.passes.resource_variables ran


def check(op: Op, g: Graph) -> list[str]:
    if op.kind in RESOLVED:
        return [f"{op.kind} must be resolved by micro.passes.resource_variables before the ops are checked"]
    var = op.inputs[0] if op.inputs else None
    if var not in g.resources:
        return [f"input {var} is not a resource variable (micro.passes.resource_variables resolves VAR_HANDLE)"]
    return []


def copy_call(src: int, dst: int, nbytes: int) -> KernelCall:
    """A byte copy of src into dst."""
    return KernelCall(CONCATENATION, dict(outer=1, num_inputs=1, copy_bytes=int_array([nbytes])),
                      inputs=[src], outputs=[dst])


def lower(op: Op, g: Graph) -> Views:
    if op.kind in RESOLVED:
        raise ValueError(f"op #{op.index} {op.kind} reached lowering: micro.passes.resource_variables removes it")
    var = op.inputs[0]
    nbytes = g.tensors[var].nbytes
    if op.kind == "READ_VARIABLE":
        out = op.outputs[0]
        return Views((Alias(var, out),), copy_call(var, out, nbytes))
    value = op.inputs[1]
    return Views((Alias(var, value),), copy_call(value, var, nbytes))

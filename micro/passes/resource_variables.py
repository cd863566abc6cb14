"""Resource variables and CALL_ONCE: the model-level pass that makes a multi-subgraph model with resource
variables one straight-line main graph with state tensors (micro.arena.state).

Each variable (VAR_HANDLE's container and shared_name) becomes one variable tensor of the main graph (in the
place of its first handle there, named after shared_name); READ_VARIABLE takes it instead of the handle
(inputs [variable], outputs [value]) and so does ASSIGN_VARIABLE (inputs [variable, value]); VAR_HANDLE and
CALL_ONCE ops leave the graph; what they mean is recorded in `Graph.resources` (micro.ir.ResourceVariable).
Lowering (micro.ops.resource_variables) and the planner (micro.arena.variables) do the rest.

TFLM's semantics reproduced (kernels/var_handle.cc, read_variable.cc, assign_variable.cc, call_once.cc;
micro_resource_variable.cc; micro_interpreter_graph.cc):
- Handles with the same container and shared_name are one variable (MicroResourceVariables::FindId). micro
  reads an absent container as an empty one (TFLM lets an absent container match any container).
- The variable's buffer is allocated by the first ASSIGN_VARIABLE that Prepare reaches (subgraphs in index
  order, their ops in order), with that value's byte size, and set (memset) to the low byte of that value's
  zero point (cast to int8_t), or 0 when it is not quantized: its `fill`.
- READ_VARIABLE copies the buffer into its output; ASSIGN_VARIABLE copies its value into the buffer; the
  byte sizes must agree (TFLM only DCHECKs it: micro refuses a mismatch).
- CALL_ONCE runs its init subgraph at the first invoke and never again: MicroInterpreter::Reset() does not
  clear its has_run flag (CALL_ONCE registers no reset function) while it sets every variable back to its
  fill (MicroResourceVariables::ResetAll). QUIRK reproduced: after a reset a variable holds its fill, not the
  value the init subgraph gave it; a reset before the first invoke still lets the init subgraph run then.

What micro compiles: CALL_ONCE ops of the main subgraph, before any READ_VARIABLE or ASSIGN_VARIABLE, each
running an init subgraph that only assigns constants to variables (VAR_HANDLE, ASSIGN_VARIABLE of a constant
tensor). Any other control flow (WHILE, IF, CALL...), any other subgraph and any other init subgraph content
is refused by name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from micro.ir import Graph, Model, Op, ResourceVariable, Tensor

CONTROL_FLOW = ("WHILE", "IF", "CALL")       # ops that run other subgraphs, beside CALL_ONCE
RESOURCE_KINDS = ("CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")   # what this pass resolves
INIT_HINT = ("an init subgraph may only assign constants to resource variables (VAR_HANDLE, then "
             "ASSIGN_VARIABLE of a constant tensor)")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


def _key(op: Op) -> tuple[str, str]:
    return _text(op.options.get("container")), _text(op.options.get("shared_name"))


def _label(key: tuple[str, str]) -> str:
    return f"'{key[0]}/{key[1]}'" if key[0] else f"'{key[1]}'"


@dataclass
class _Uses:
    """How the main graph uses one variable."""

    handle: int                                    # the first handle tensor: becomes the variable tensor
    reads: list[Op] = field(default_factory=list)
    assigns: list[Op] = field(default_factory=list)


def resolve_resource_variables(model: Model) -> tuple[Graph, list[str]]:
    """The main graph with its resource variables as state tensors, and every reason it cannot be compiled
    (empty when it can). A model without control flow or resource ops comes back unchanged."""
    main = model.main
    problems: list[str] = []
    init_order = _call_once_subgraphs(model, problems)
    handles, uses = _main_handles(main, problems)
    if not uses and not init_order and len(model.subgraphs) == 1:
        return main, problems
    first_use = next((op for op in main.ops if op.kind in ("READ_VARIABLE", "ASSIGN_VARIABLE")), None)
    for op in main.ops:
        if op.kind == "CALL_ONCE" and first_use is not None and op.index > first_use.index:
            problems.append(f"op #{op.index} CALL_ONCE runs after op #{first_use.index} {first_use.kind} used a "
                            "variable: micro runs init subgraphs at the start of the first invoke, so CALL_ONCE "
                            "must come before every READ_VARIABLE and ASSIGN_VARIABLE")
    init_assigns = _init_assignments(model, init_order, problems)
    allocating = _allocating_values(model, init_order, uses, init_assigns)
    g = copy.copy(main)
    g.tensors = list(main.tensors)
    g.resources = {}
    for key, use in uses.items():
        problems += _variable(g, key, use, allocating.get(key), init_assigns)
    if problems:
        return main, problems
    ops = []
    for op in main.ops:
        if op.kind in ("VAR_HANDLE", "CALL_ONCE"):
            continue
        if op.kind in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            var = uses[handles[op.inputs[0]]].handle
            op = Op(op.index, op.kind, op.version, [var, *op.inputs[1:]], list(op.outputs), dict(op.options))
        ops.append(op)
    g.ops = ops
    return g, problems


def _call_once_subgraphs(model: Model, problems: list[str]) -> list[tuple[Op, int]]:
    """(CALL_ONCE op, its init subgraph) in model order; control flow micro does not compile is a problem."""
    out = []
    n = len(model.subgraphs)
    for op in model.main.ops:
        if op.kind in CONTROL_FLOW:
            problems.append(f"op #{op.index} {op.kind}: control flow is not supported: micro compiles straight-line "
                            "code (the only subgraphs it runs are CALL_ONCE init subgraphs that assign constants to "
                            "resource variables); unroll the loop or branch when converting the model")
        if op.kind != "CALL_ONCE":
            continue
        k = int(op.options.get("init_subgraph_index", 0))
        if not 0 < k < n:
            problems.append(f"op #{op.index} CALL_ONCE: init subgraph {k} is not one of subgraphs 1..{n - 1}")
        elif op.inputs or op.outputs:
            problems.append(f"op #{op.index} CALL_ONCE has inputs or outputs; TFLM's CALL_ONCE takes none")
        else:
            out.append((op, k))
    run = {k for _, k in out}
    run_by_flow = {int(v) for op in model.main.ops if op.kind in CONTROL_FLOW
                   for key, v in op.options.items() if key.endswith("subgraph_index")}
    for k, sg in enumerate(model.subgraphs[1:], 1):
        if k in run_by_flow - run:
            continue  # its WHILE or IF is refused above
        if k not in run:
            problems.append(f"subgraph {k} '{sg.name}' ({len(sg.ops)} ops) is run by no CALL_ONCE of the main "
                            "subgraph: micro compiles the main subgraph and CALL_ONCE init subgraphs only")
        else:
            for op in sg.ops:
                if op.kind in CONTROL_FLOW or op.kind == "CALL_ONCE":
                    problems.append(f"subgraph {k} op #{op.index} {op.kind}: control flow inside an init subgraph "
                                    f"is not supported; {INIT_HINT}")
    return out


def _main_handles(g: Graph, problems: list[str]) -> tuple[dict[int, tuple[str, str]], dict[tuple, _Uses]]:
    """{handle tensor: variable key} and {key: its uses} of the main graph."""
    handles: dict[int, tuple[str, str]] = {}
    uses: dict[tuple, _Uses] = {}
    for op in g.ops:
        if op.kind == "VAR_HANDLE":
            key = _key(op)
            if not key[1]:
                problems.append(f"op #{op.index} VAR_HANDLE has no shared_name: nothing names its variable")
            for t in op.outputs:
                handles[t] = key
            uses.setdefault(key, _Uses(op.outputs[0]))
    resource_users = {"READ_VARIABLE", "ASSIGN_VARIABLE"}
    for op in g.ops:
        if op.kind in resource_users:
            h = op.inputs[0] if op.inputs else None
            if h not in handles:
                problems.append(f"op #{op.index} {op.kind}: input {h} is not the output of a VAR_HANDLE of the main "
                                "subgraph; micro resolves variables at compile time")
                continue
            use = uses[handles[h]]
            (use.reads if op.kind == "READ_VARIABLE" else use.assigns).append(op)
        elif op.kind not in ("VAR_HANDLE", "CALL_ONCE"):
            for t in op.inputs:
                if t in handles:
                    problems.append(f"op #{op.index} {op.kind} takes the resource handle {t} "
                                    f"'{g.tensors[t].name}'; only READ_VARIABLE and ASSIGN_VARIABLE may")
    for t in g.outputs:
        if t in handles:
            problems.append(f"graph output {t} '{g.tensors[t].name}' is a resource handle; micro keeps variables "
                            "inside the model")
    return handles, {k: u for k, u in uses.items() if u.reads or u.assigns}


def _init_assignments(model: Model, init_order, problems: list[str]) -> list[tuple[int, tuple, Tensor]]:
    """(subgraph, variable key, constant) for every assignment of the init subgraphs, in the order CALL_ONCE
    runs them."""
    checked: dict[int, list] = {}
    out = []
    for _, k in init_order:
        if k not in checked:
            checked[k] = _init_subgraph(model.subgraphs[k], k, problems)
        out += checked[k]
    return out


def _init_subgraph(sg: Graph, k: int, problems: list[str]) -> list[tuple[int, tuple, Tensor]]:
    handles: dict[int, tuple] = {}
    out = []
    if sg.inputs or sg.outputs:
        problems.append(f"subgraph {k} '{sg.name}' has inputs or outputs; {INIT_HINT}")
    for op in sg.ops:
        if op.kind == "VAR_HANDLE":
            handles.update({t: _key(op) for t in op.outputs})
        elif op.kind == "ASSIGN_VARIABLE" and len(op.inputs) == 2 and op.inputs[0] in handles:
            value = sg.tensors[op.inputs[1]] if op.inputs[1] is not None else None
            if value is None or not value.is_const:
                problems.append(f"subgraph {k} op #{op.index} ASSIGN_VARIABLE assigns a computed tensor; {INIT_HINT}")
            else:
                out.append((k, handles[op.inputs[0]], value))
        elif op.kind not in CONTROL_FLOW + ("CALL_ONCE",):
            problems.append(f"subgraph {k} op #{op.index} {op.kind}: {INIT_HINT}")
    return out


def _allocating_values(model: Model, init_order, uses, init_assigns) -> dict[tuple, Tensor]:
    """{key: the value whose ASSIGN_VARIABLE allocates the variable in TFLM's Prepare}: the main subgraph is
    prepared first, then the others in index order."""
    out: dict[tuple, Tensor] = {}
    for key, use in uses.items():
        if use.assigns:
            out[key] = model.main.tensors[use.assigns[0].inputs[1]]
    for k, key, value in sorted(init_assigns, key=lambda a: a[0]):
        out.setdefault(key, value)
    return out


def _variable(g: Graph, key: tuple, use: _Uses, allocating: Tensor | None, init_assigns) -> list[str]:
    """Make use.handle the variable tensor of `key` (in g) and record it in g.resources; or say why not."""
    name = _label(key)
    if allocating is None:
        op = use.reads[0]
        return [f"op #{op.index} READ_VARIABLE reads resource variable {name}, which no ASSIGN_VARIABLE ever "
                "assigns: TFLM never allocates it"]
    values = [(op, g.tensors[op.outputs[0]]) for op in use.reads] + [
        (op, g.tensors[op.inputs[1]]) for op in use.assigns if op.inputs[1] is not None]
    like = values[0][1] if values else allocating
    problems = []
    for op, t in values:
        if t.dtype != like.dtype or t.nbytes != allocating.nbytes:
            problems.append(f"op #{op.index} {op.kind}: tensor {t.index} '{t.name}' is {t.dtype}{list(t.shape)} but "
                            f"resource variable {name} holds {like.dtype} values, {allocating.nbytes} bytes")
    init = None
    for _, k, value in init_assigns:
        if k == key:
            if value.nbytes != allocating.nbytes:
                problems.append(f"an init subgraph assigns {value.nbytes} bytes to resource variable {name}, which "
                                f"holds {allocating.nbytes}")
            init = np.frombuffer(np.ascontiguousarray(value.data).tobytes(), np.uint8).copy()
    if problems:
        return problems
    q = allocating.quant
    fill = q.zp & 0xFF if q is not None else 0
    if init is not None and np.all(init == fill):
        init = None  # the init subgraph assigns what the variable already holds after init and reset
    g.tensors[use.handle] = Tensor(use.handle, key[1], like.shape, like.dtype, like.quant, None, True)
    g.resources[use.handle] = ResourceVariable(use.handle, key[0], key[1], fill, init)
    return []

"""Compile a model: check support, run passes, lower ops, plan the arena."""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.arena import ArenaPlan, plan_arena
from micro.arena.state import StatePlan, plan_state
from micro.dtypes import FLOAT_DTYPES
from micro.errors import UnsupportedModelError
from micro.frontend.validate import MAX_TENSOR_BYTES
from micro.flash_fit import fit_flash
from micro.ir import Graph, Model
from micro.kernels.sets import DEFAULT_KERNEL_SET, check_kernel_set
from micro.lowered import Lowered
from micro.ops import check_op, module_for
from micro.passes import run_passes
from micro.patch import RamBudgetError, patch_summary, schedule
from micro.passes.resource_variables import CONTROL_FLOW, RESOURCE_KINDS, resolve_resource_variables

@dataclass
class Compiled:
    model: Model
    graph: Graph
    lowered: list[Lowered]
    plan: ArenaPlan
    state: StatePlan = field(default_factory=StatePlan)   # what persists between invokes (outside the arena)
    ram_budget: int | None = None                         # what the schedule was asked to fit (arena + state)
    kernel_set: str = DEFAULT_KERNEL_SET                  # which C files implement the kernels (micro.kernels.sets)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def weight_bytes(self) -> int:
        used = {t for low in self.lowered for t in low.op.inputs if t is not None}
        return sum(self.graph.tensors[t].nbytes for t in used if self.graph.tensors[t].is_const)

    @property
    def macs(self) -> int:
        return sum(low.macs for low in self.lowered)


def main_graph(model: Model) -> tuple[Graph, list[str]]:
    """The main graph micro compiles (resource variables made state tensors, CALL_ONCE resolved:
    micro.passes.resource_variables) and every reason the model cannot be compiled (empty when it can)."""
    g, problems = resolve_resource_variables(model)
    used = {i for op in g.ops for i in (*op.inputs, *op.outputs) if i is not None} | set(g.inputs) | set(g.outputs)
    floats = [g.tensors[i] for i in sorted(used) if not g.tensors[i].is_const and g.tensors[i].dtype in FLOAT_DTYPES]
    if floats:
        t = floats[0]
        problems.append(
            f"tensor {t.index} '{t.name}' is {t.dtype} ({len(floats)} float activation tensors): "
            "micro compiles fully integer-quantized models (int8, or int16 activations); "
            "convert with full-integer post-training quantization")
    unresolved = bool(problems)
    for op in g.ops:
        if op.kind in CONTROL_FLOW or (unresolved and op.kind in RESOURCE_KINDS):
            continue  # the resource pass said why these cannot be compiled
        for p in check_op(op, g):
            problems.append(f"op #{op.index} {op.kind} (version {op.version}): {p}")
    return g, problems


def support_problems(model: Model) -> list[str]:
    """Every reason the model cannot be compiled (empty when it can)."""
    return main_graph(model)[1]


def lower_graph(g: Graph) -> list[Lowered]:
    return [Lowered(op, module_for(op).lower(op, g)) for op in g.ops]


def prepare(model: Model) -> tuple[Graph, list[Lowered]]:
    """The main graph after the passes, and each of its ops lowered (in model order, nothing patched)."""
    g, problems = main_graph(model)
    if problems:
        raise UnsupportedModelError(model.name, problems)
    g = run_passes(g)
    return g, lower_graph(g)


def finish(model: Model, g: Graph, lowered: list[Lowered], plan_options: dict | None = None,
           ram_budget: int | None = None, kernel_set: str = DEFAULT_KERNEL_SET) -> Compiled:
    """Plan the arena of `lowered` (scheduled) and check it."""
    plan, ordered = plan_arena(g, lowered, **(plan_options or {}))
    if plan.arena_bytes > MAX_TENSOR_BYTES:
        raise UnsupportedModelError(model.name, [
            f"the arena needs {plan.arena_bytes} bytes; the generated C addresses at most {MAX_TENSOR_BYTES} "
            "bytes (int32 offsets)"])
    return Compiled(model, g, ordered, plan, plan_state(g, ordered), ram_budget, kernel_set)


def compile_model(model: Model, plan_options: dict | None = None, ram_budget: int | None = None,
                  patches: bool = True, flash_budget: int | None = None,
                  kernel_set: str = DEFAULT_KERNEL_SET) -> Compiled:
    """ram_budget: bytes the arena and state must fit together; the schedule (micro.patch) with the fewest
    recomputed MACs that fits is chosen, else RamBudgetError gives the smallest peak micro reaches. Without
    it, patches are chosen while they pay (micro.patch.schedule.Scheduler.default). patches=False: every
    tensor whole. flash_budget: bytes the constants (weights, tables, packed records) should fit; the fast
    kernels' widened weights go back to the model's int8 ones where they do not (micro.flash_fit).
    kernel_set: the C files the program's kernels compile from (micro.kernels.sets); it changes no call."""
    check_kernel_set(kernel_set)
    g, lowered = prepare(model)
    lowered, _ = fit_flash(g, lowered, flash_budget)
    state_bytes = plan_state(g, lowered).state_bytes
    target = None if ram_budget is None else ram_budget - state_bytes
    slack = 0
    for _ in range(3):  # the placement may need a few bytes above the bound the search aims at
        chosen, _, met = schedule(g, lowered, None if target is None else target - slack, patches)
        compiled = finish(model, g, chosen, plan_options, ram_budget, kernel_set)
        arena = compiled.plan.arena_bytes
        if ram_budget is None or not met or arena <= target:
            break
        slack += arena - target
    if ram_budget is not None and arena + state_bytes > ram_budget:
        raise RamBudgetError(model.name, ram_budget, arena + state_bytes, arena, state_bytes, patch_summary(chosen))
    return compiled

"""C names for what a model holds, made by micro (never taken from the model): a reader maps each back to
the model by the op index and tensor index they carry.

- op `conv3`: op #3 of the model, a CONV_2D (short kind name + the op's index in the model);
- weight `<model>_conv3_filter`: a constant tensor, named by its first user and the kernel argument it
  feeds (micro.kernels.abi.Arg names: filter, bias, ...);
- arena buffer `T7_CONV3`: tensor 7, produced by conv3 (`T0_INPUT0` for model input 0);
- state buffer `S12_STATE`: tensor 12, kept from one invoke to the next (micro.arena.state); `STATE_SVDF4`:
  op #4's own state;
- params `conv3_params` and its arrays `conv3_<field path>`; a patch (micro.patch) of ops #3.. is `patch3`, the
  params of its tile 1 of op #4 `patch3_t1_dwconv4_params`; the pointer array of a variadic kernel
  argument `concat5_<argument>` (micro.kernels.abi.Arg.count).
"""

from __future__ import annotations

import re

from micro.ir import Graph, Op
from micro.lowered import KernelCall, Lowered, PatchCall

SHORT_KINDS = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "dwconv", "FULLY_CONNECTED": "fc",
               "AVERAGE_POOL_2D": "avgpool", "MAX_POOL_2D": "maxpool", "UNIDIRECTIONAL_SEQUENCE_LSTM": "lstm"}


def op_name(op: Op) -> str:
    base = SHORT_KINDS.get(op.kind) or re.sub(r"[^a-z0-9]+", "_", op.kind.lower()).strip("_") or "op"
    return f"{base}{'_' if base[-1].isdigit() else ''}{op.index}"


class Names:
    """Every C name of one compiled model."""

    def __init__(self, model: str, g: Graph, lowered: list[Lowered], state_tensors=()):
        self.model = model
        self.ops = {low.op.index: op_name(low.op) for low in lowered}
        self.weights: dict[int, str] = {}
        self.buffers: dict[int, str] = {}
        taken: set[str] = set()

        def unique(name: str, t_idx: int) -> str:
            return name if name not in taken else f"{name}_t{t_idx}"

        for t_idx in state_tensors:
            self.buffers[t_idx] = f"S{t_idx}_STATE"
        for k, t_idx in enumerate(g.inputs):
            self.buffers[t_idx] = f"T{t_idx}_INPUT{k}"
        def name_weights(opn: str, call: KernelCall) -> None:
            for arg, group in call.arguments("input"):
                for k, t_idx in enumerate(group):
                    t = g.t(t_idx)
                    if t is not None and t.is_const and t_idx not in self.weights:
                        self.weights[t_idx] = unique(f"{model}_{opn}_{arg.name}{k if arg.variadic else ''}", t_idx)
                        taken.add(self.weights[t_idx])

        for low in lowered:
            opn = self.ops[low.op.index]
            if isinstance(low.call, KernelCall):
                name_weights(opn, low.call)
            if isinstance(low.call, PatchCall):  # weights named by the model op that reads them
                for step in low.call.steps:
                    name_weights(op_name(step.op), step.call)
                opn = op_name(low.call.steps[-1].op)  # the output is the last op's
            outs = low.call.outputs if isinstance(low.call, (KernelCall, PatchCall)) else low.op.outputs
            for k, t_idx in enumerate(outs):
                if t_idx not in self.buffers:
                    self.buffers[t_idx] = f"T{t_idx}_{opn.upper()}" + (f"_OUT{k}" if len(outs) > 1 else "")

    @classmethod
    def of(cls, compiled) -> "Names":
        """The names of a micro.compiler.Compiled model."""
        return cls(compiled.name, compiled.graph, compiled.lowered, compiled.state.tensor_state)

    def op(self, op: Op) -> str:
        return self.ops[op.index]

    def params(self, op: Op) -> str:
        return f"{self.ops[op.index]}_params"

    def step_params(self, patch: Op, step) -> str:
        """Params of one band call of a patch: `patch3_t1_conv4_params` (tile 1 of op #4)."""
        return f"{self.ops[patch.index]}_t{step.tile}_{op_name(step.op)}_params"

    def scratch(self, op: Op) -> str:
        return f"SCRATCH_{self.ops[op.index].upper()}"

    def op_state(self, op: Op) -> str:
        return f"STATE_{self.ops[op.index].upper()}"

    def buffer(self, t_idx: int) -> str:
        return self.buffers.setdefault(t_idx, f"T{t_idx}")

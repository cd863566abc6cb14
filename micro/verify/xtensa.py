"""`micro verify MODEL --board xtensa_qemu`: the compiled model on the Xtensa lx106 in QEMU
(micro.deploy.xtensa_qemu), every tensor compared with TFLM by micro.verify.compare.verify_compiled.

The firmware runs all input sets in one QEMU run (the sets are embedded at build time); XtensaQemuModel then
hands verify_compiled each set's tensors in order, through the interface of the host build (HostModel)."""

from __future__ import annotations

import numpy as np

from micro.compiler import Compiled
from micro.deploy.boards import Board
from micro.deploy.xtensa_qemu import XtensaError, build_firmware, run_firmware
from micro.dtypes import BUFFER_DTYPES
from micro.verify.compare import VerifyReport, verify_compiled


class XtensaQemuModel:
    """The model's run on the board, replayed set by set (the HostModel interface verify_compiled uses)."""

    def __init__(self, compiled: Compiled, input_sets: list[list[np.ndarray]], board: Board, stream: bool = False,
                 count_instructions: bool = True):
        self.compiled, self.input_sets = compiled, [list(s) for s in input_sets]
        kernels = "" if compiled.kernel_set == "portable" else f", kernels {compiled.kernel_set}"
        self.board = f"{board.name}{kernels}"
        self.elf = build_firmware(compiled, self.input_sets, board, stream)
        self.result = run_firmware(self.elf, board, count_instructions)
        if len(self.result.sets) != len(self.input_sets):
            raise XtensaError(f"{board.name}: the firmware ran {len(self.result.sets)} of {len(self.input_sets)} sets")
        self.instructions = self.result.instructions
        self._next = 0

    def _tensor(self, t_idx: int, raw: bytes) -> np.ndarray:
        t = self.compiled.graph.tensors[t_idx]
        return np.frombuffer(raw, dtype=BUFFER_DTYPES[t.dtype]).reshape(t.shape).copy()

    def reset(self) -> None:
        """Nothing: the firmware resets between sets itself (unless they stream), as verify_compiled asks."""

    def run(self, inputs: list[np.ndarray], trace: bool = False):
        k = self._next
        if k >= len(self.input_sets):
            raise XtensaError("more invokes asked for than the firmware ran")
        g = self.compiled.graph
        for i, (x, y) in enumerate(zip(inputs, self.input_sets[k])):
            dtype = BUFFER_DTYPES[g.tensors[g.inputs[i]].dtype]
            if not np.array_equal(np.asarray(x, dtype=dtype), np.asarray(y, dtype=dtype)):
                raise XtensaError(f"set {k}, input {i}: not the input the firmware was built with (feedback "
                                  "inputs cannot run on this board)")
        self._next += 1
        got = self.result.sets[k]
        outputs = [self._tensor(t, raw) for t, raw in zip(g.outputs, got.outputs)]
        traced = {t: self._tensor(t, raw) for t, raw in got.traced.items()} if trace else {}
        return outputs, traced

    def _state_region(self) -> bytes:
        """The state region the firmware sent after the last invoke run here (the whole region, record 'Z')."""
        return self.result.sets[self._next - 1].state if self._next else b""

    def state_tensors(self) -> dict[int, np.ndarray]:
        state, raw = self.compiled.state, self._state_region()
        return {t: self._tensor(t, raw[state.tensor_offset(t):state.tensor_offset(t) + self.compiled.graph.tensors[t].nbytes])
                for t in state.tensor_state} if state.buffers else {}

    def op_states(self) -> dict[int, np.ndarray]:
        """{op index: its kernel's state as elements of its mirror tensor}, as HostModel.op_states."""
        state, raw, g = self.compiled.state, self._state_region(), self.compiled.graph
        out = {}
        for op_index, k in state.op_state.items():
            buf = state.buffers[k]
            if buf.mirror is not None:
                dtype = BUFFER_DTYPES[g.tensors[buf.mirror].dtype]
                out[op_index] = np.frombuffer(raw[buf.offset:buf.offset + buf.size], dtype=dtype).copy()
        return out


def verify_on_xtensa(compiled: Compiled, model_bytes: bytes, input_sets: list[list[np.ndarray]], board: Board,
                     stream: bool = False) -> tuple[VerifyReport, int | None]:
    """The every-tensor comparison of the board's run with TFLM, and the instructions of one invoke."""
    model = XtensaQemuModel(compiled, input_sets, board, stream)
    return verify_compiled(compiled, model_bytes, input_sets, stream=stream, model=model), model.instructions

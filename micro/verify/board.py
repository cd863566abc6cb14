"""Run a compiled model on a board (QEMU or a real one on a serial port) and prove it bit-exact.

Public API (used by micro.cli and the Robot keyword library):

    BoardSession(compiled, board, port=None, serial="socket", transport=None, builder=None,
                 count_instructions=True, invoke_timeout=300.0)
        context manager. Without `port`: builds the harness firmware (micro.deploy.firmware; or takes
        `firmware`, a Firmware already built; `defines` adds -D flags to the build), starts QEMU
        (micro.deploy.qemu) and connects to its UART. With `port` ("/dev/ttyACM0", "socket://host:port",
        ...): talks to a board that already runs the harness firmware for this model. `transport` wraps
        the pyserial port (e.g. lambda p: FaultyPort(p, corrupt=0.01), micro.testing.faulty_port). Checks with HELLO that the device
        runs this very model (name, SHA-256, tensor sizes).
        .run(inputs: list[np.ndarray]) -> BoardRun(outputs, instructions, cycles, stack_used, seconds)
        .reset(fresh=False)   the model's state back to its initial value (protocol RESET): the firmware keeps
                   the state of a streaming model from one invoke to the next; fresh=True: as after boot
        .firmware (Firmware or None), .qemu (Qemu or None), .device (protocol.Device), .info (DeviceInfo)
    verify_on_board(compiled, model_bytes, input_sets, board, port=None, stream=False, ...) -> BoardVerifyReport
        every input set on the board, on the host build and in TFLM; every output byte compared (board vs
        TFLM and board vs host). A model with state (micro.arena.state) is reset on all three before every
        input set, or with stream=True once, before N consecutive invokes on the same state (the first
        invoke that differs is named). Intermediate tensors are compared on the host (micro.verify.compare), so a
        divergence the host shares is named at the op that first produces it.
        trace=True builds debug firmware (MN_TRACE) that pushes every intermediate tensor over the serial
        line during the invoke; all of them are compared with TFLM too (instruction counts then include the
        dump, so they are not the model's cost).
    run_on_board(compiled, input_sets, board, port=None, ...) -> list[BoardRun]
        the input sets one after the other from a reset state (a sequence, for a streaming model)

Errors: micro.deploy.protocol.ProtocolError / DeviceError, micro.deploy.qemu.QemuError (crash, hang),
micro.deploy.firmware_sources.FirmwareError (build) -- all MicroError, with what to do next in the message.
BoardVerifyReport.memory is the firmware's flash and RAM (micro.deploy.elf.FirmwareMemory) when it was built here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from micro.codegen import emit_c
from micro.compiler import Compiled
from micro.deploy.avr import AvrSession
from micro.deploy.boards import Board, get_board
from micro.deploy.elf import FirmwareMemory
from micro.deploy.firmware import build_firmware
from micro.dtypes import BUFFER_DTYPES
from micro.deploy.protocol import Device, DeviceInfo, LinkClosed, ProtocolError, open_port
from micro.deploy.qemu import Qemu, QemuError, describe_exit
from micro.errors import MicroError
from micro.verify.compare import Divergence, VerifyReport, produced_tensors, tflm_defined, verify_compiled
from micro.verify.host import HostModel
from micro.verify.oracle import Oracle



@dataclass
class BoardRun:
    outputs: list[np.ndarray]
    instructions: int | None      # exact, from the emulator; None on hardware
    cycles: int | None            # from the board's cycle counter; None where there is none
    stack_used: int
    seconds: float
    tensors: dict[int, np.ndarray | None] | None = None   # trace=True: every produced tensor (None: lost)


class BoardSession:
    def __init__(self, compiled: Compiled, board: Board | str, port: str | None = None, serial: str = "socket",
                 transport: Callable | None = None, builder: str | None = None, count_instructions: bool = True,
                 invoke_timeout: float = 300.0, on_text: Callable[[str], None] | None = None,
                 firmware=None, defines: dict | None = None, trace: bool = False):
        self.compiled = compiled
        self.board = get_board(board)
        self.port_url = port
        self.serial = serial
        self.transport = transport
        self.builder = builder
        self.count_instructions = count_instructions
        self.invoke_timeout = invoke_timeout
        self.on_text = on_text
        self.firmware = firmware
        self.defines = dict(defines or {})
        self.trace = trace
        if trace:  # debug firmware: every tensor of every op comes back (instruction counts include the dump)
            self.defines.update({"MN_TRACE": None, "MN_HARNESS_TRACE": None})
        self.qemu = None
        self.device: Device | None = None
        self.info: DeviceInfo | None = None

    def __enter__(self) -> "BoardSession":
        try:
            self._open()
        except BaseException:
            self.close(graceful=False)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(graceful=exc_type is None)

    def _open(self) -> None:
        if self.port_url is None:
            emulated = self.board.emulated()   # a board QEMU lacks: its code on a stand-in machine
            if not (emulated.emulator or "").startswith("qemu:"):
                raise MicroError(f"board '{self.board.name}' has no emulator here: connect the board, flash the "
                                 f"firmware from `micro firmware MODEL --board {self.board.name}` and pass "
                                 "--port /dev/ttyACM0 (or its serial port)")
            if self.firmware is None:
                self.firmware = build_firmware(self.compiled, emulated, builder=self.builder, defines=self.defines)
            self.qemu = Qemu(self.firmware, serial=self.serial, count_instructions=self.count_instructions).start()
            raw = self.qemu.open_serial()
        else:
            raw = open_port(self.port_url)
        port = self.transport(raw) if self.transport else raw
        self.device = Device(port, invoke_timeout=self.invoke_timeout, on_text=self.on_text)
        self.info = self._call(self.device.hello)
        self._check_identity(self.info)

    def _check_identity(self, info: DeviceInfo) -> None:
        c = self.compiled
        g = c.graph
        want_sha = c.model.source_sha256 or "-"
        problems = []
        if info.model != c.name:
            problems.append(f"model '{info.model}' (expected '{c.name}')")
        if want_sha != "-" and info.sha256 != want_sha:
            problems.append(f"model SHA-256 {info.sha256[:16]}... (expected {want_sha[:16]}...)")
        if info.input_bytes != [g.tensors[t].nbytes for t in g.inputs] or \
                info.output_bytes != [g.tensors[t].nbytes for t in g.outputs]:
            problems.append(f"tensor sizes in {info.input_bytes} out {info.output_bytes}")
        if info.board != self.board.name:
            problems.append(f"board '{info.board}' (expected '{self.board.name}')")
        if problems:
            raise ProtocolError(f"the device on {self.port_url or self.qemu.url} runs other firmware: "
                                + "; ".join(problems)
                                + f". Flash the firmware from `micro firmware {c.name}.tflite --board {self.board.name}`.")

    def _call(self, fn, *args):
        """Run a protocol call; if the emulator died meanwhile, say why."""
        try:
            return fn(*args)
        except (LinkClosed, ProtocolError) as exc:
            if self.qemu is not None:
                time.sleep(0.2)
                code = self.qemu.returncode
                if code is not None:
                    raise QemuError(f"the firmware stopped: {describe_exit(code)} (QEMU exit {code}) while the "
                                    f"host was waiting ({exc}).\nQEMU: {self.qemu.stderr_text()[-2000:]}") from None
            raise

    def run(self, inputs: list[np.ndarray]) -> BoardRun:
        g = self.compiled.graph
        if len(inputs) != len(g.inputs):
            raise MicroError(f"the model has {len(g.inputs)} input(s), got {len(inputs)}")
        raw = []
        for i, x in enumerate(inputs):
            t = g.tensors[g.inputs[i]]
            arr = np.ascontiguousarray(x, dtype=BUFFER_DTYPES[t.dtype])
            if arr.size != t.size:
                raise MicroError(f"input {i} '{t.name}' needs {t.size} values of shape {list(t.shape)}, "
                                 f"got {arr.size}")
            raw.append(arr.tobytes())
        self.device.take_trace()
        outs, res = self._call(self.device.run, raw)
        instructions = self.qemu.invoke_instructions(res.invoke_index) if self.qemu is not None else None
        tensors = None
        if self.trace:
            tensors = {}
            for t_idx, (_, data) in self.device.take_trace().items():
                t = g.tensors[t_idx]
                tensors[t_idx] = None if data is None else np.frombuffer(
                    data, dtype=BUFFER_DTYPES[t.dtype]).reshape(t.shape).copy()
        arrays = []
        for o, data in enumerate(outs):
            t = g.tensors[g.outputs[o]]
            arrays.append(np.frombuffer(data, dtype=BUFFER_DTYPES[t.dtype]).reshape(t.shape).copy())
        return BoardRun(arrays, instructions, res.cycles, res.stack_used, res.seconds, tensors)

    def reset(self, fresh: bool = False) -> None:
        """The model's state back to its initial value (protocol RESET; fresh: the model as after boot)."""
        self._call(self.device.reset, fresh)

    def close(self, graceful: bool = True) -> None:
        """Stop the emulator (after asking the firmware to exit, unless something already went wrong)."""
        if graceful and self.device is not None and self.qemu is not None and self.qemu.returncode is None:
            try:
                self.device.retries = 1
                self.device.exit(0)
                self.qemu.wait(5)
            except MicroError:
                pass
        if self.qemu is not None:
            self.qemu.stop()
        elif self.device is not None:
            try:
                self.device.port.close()
            except Exception:  # noqa: BLE001
                pass


@dataclass
class BoardDivergence(Divergence):
    against: str = "TFLM"

    def __str__(self) -> str:
        return (f"output of op #{self.op_index} {self.op_kind} -> tensor {self.tensor_index} '{self.tensor_name}': "
                f"{self.bytes_differing} element(s) differ between the board and {self.against} "
                f"(max |diff| {self.max_abs_diff}) on {self.when}")


@dataclass
class BoardVerifyReport(VerifyReport):
    macs: int = 0
    instructions: list[int] = field(default_factory=list)
    cycles: list[int] = field(default_factory=list)
    stack_used: int = 0
    memory: FirmwareMemory | None = None   # when the firmware was built here
    host_report: VerifyReport | None = None
    link: str = ""
    seconds: float = 0.0
    trace: bool = False

    @property
    def ok(self) -> bool:
        host_ok = self.host_report is None or self.host_report.ok
        return self.inputs_run > 0 and self.bytes_differing == 0 and host_ok

    def cost_summary(self) -> str:
        parts = []
        if self.instructions:
            if self.trace:
                parts.append("instructions include the debug dump (run without trace for the model's cost)")
            lo, hi = min(self.instructions), max(self.instructions)
            span = f"{lo:,}" if lo == hi else f"{lo:,}..{hi:,}"
            parts.append(f"{span} instructions per invoke ({self.macs / hi:.3f} MACs/instruction)")
        if self.cycles:
            parts.append(f"{max(self.cycles):,} cycles per invoke ({self.macs / max(self.cycles):.3f} MACs/cycle)")
        if self.memory is not None:
            parts.append(self.memory.summary())
        elif self.link.startswith("arduino-builder"):   # AVR: the Arduino toolchain's own account
            parts.append(self.link)
        if self.stack_used:
            parts.append(f"stack used {self.stack_used:,} B")
        return "; ".join(parts)

    def summary(self) -> str:
        status = "BIT-EXACT" if self.ok else "MISMATCH"
        first = self.first
        if first is None and self.host_report is not None and not self.host_report.ok:
            first = self.host_report.first
        tail = f"; first diverging: {first}" if first else ""
        what = ("tensors compared with TFLM (every intermediate, debug trace; outputs also with the host build)"
                if self.trace else "output tensors compared with TFLM and the host build")
        line = (f"{status} {self.model} on {self.board}: {self.runs}, "
                f"{self.tensors_compared} {what} ({self.bytes_compared} bytes), "
                f"{self.bytes_differing} bytes differing{tail}")
        if self.host_report is not None:
            line += (f"\n  host build vs TFLM: {self.host_report.tensors_compared} tensors (every intermediate), "
                     f"{self.host_report.bytes_differing} bytes differing")
        cost = self.cost_summary()
        if cost:
            line += f"\n  cost: {cost}"
        return line

    __str__ = summary

    def as_dict(self) -> dict:
        return dict(model=self.model, board=self.board, ok=self.ok, inputs_run=self.inputs_run,
                    bytes_compared=self.bytes_compared, bytes_differing=self.bytes_differing, macs=self.macs,
                    instructions=self.instructions, cycles=self.cycles, stack_used=self.stack_used,
                    memory=self.memory.as_dict() if self.memory is not None else None,
                    divergences=[str(d) for d in self.divergences], link=self.link, seconds=round(self.seconds, 3))


def _compare(report: BoardVerifyReport, k: int, got: np.ndarray, ref: np.ndarray, t_idx: int, op_index: int,
             kind: str, name: str, against: str, defined: np.ndarray | None = None) -> None:
    a = got.ravel()
    b = np.asarray(ref).ravel().astype(a.dtype, copy=False)
    if defined is not None and a.shape == b.shape == defined.shape:  # only what TFLM writes (tflm_defined)
        a, b = a[defined], b[defined]
    diff = a != b if a.shape == b.shape else np.ones(max(a.size, 1), dtype=bool)
    n = int(np.count_nonzero(diff))
    report.bytes_compared += a.nbytes
    if n:
        report.bytes_differing += n * a.itemsize
        maxd = int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) if a.shape == b.shape else -1
        report.divergences.append(BoardDivergence(k, op_index, kind, t_idx, name, n, maxd, report.stream,
                                                  against=against))


def verify_on_board(compiled: Compiled, model_bytes: bytes, input_sets: list[list[np.ndarray]],
                    board: Board | str, port: str | None = None, serial: str = "socket",
                    transport: Callable | None = None, builder: str | None = None,
                    host_all_tensors: bool = True, invoke_timeout: float = 300.0,
                    trace: bool = False, stream: bool = False) -> BoardVerifyReport:
    board = get_board(board)
    t0 = time.monotonic()
    report = BoardVerifyReport(compiled.name, board=board.name, macs=compiled.macs, trace=trace, stream=stream)
    if host_all_tensors:
        report.host_report = verify_compiled(compiled, model_bytes, input_sets, stream=stream)
    host = HostModel(compiled, emit_c(compiled))
    oracle = Oracle(model_bytes, compiled.model)
    g = compiled.graph
    stateful = compiled.state.state_bytes > 0
    producer = {t: (op_index, kind) for t, op_index, kind in produced_tensors(compiled)}
    defined = tflm_defined(compiled)
    if port is None and (board.emulator or "").startswith("simavr:"):   # AVR: the Arduino toolchain + simavr
        session = AvrSession(compiled, board, model_bytes, input_sets, stream=stream)
    else:
        session = BoardSession(compiled, board, port=port, serial=serial, transport=transport, builder=builder,
                               invoke_timeout=invoke_timeout, trace=trace)
    with session:
        report.memory = session.firmware.memory if session.firmware is not None else None
        for k, inputs in enumerate(input_sets):
            # Host, TFLM and board start every set (or the stream) alike: fresh first (host and TFLM were just
            # made; the board may have run before), then reset as TFLM does. AVR: the sketch resets itself.
            if stateful and isinstance(session, BoardSession) and (k == 0 or not stream):
                session.reset(fresh=k == 0)
            if stateful and k and not stream:
                host.reset()
                oracle.reset()
            run = session.run(inputs)
            host_out, _ = host.run(inputs)
            wanted = [t for t, _, _ in produced_tensors(compiled)] if trace else []
            ref = oracle.run(inputs, list(dict.fromkeys(list(g.outputs) + wanted)))
            report.inputs_run += 1
            if trace:  # debug: every intermediate tensor the board computed, against TFLM
                for t_idx, (op_index, kind) in producer.items():
                    if t_idx in g.outputs:
                        continue
                    got = (run.tensors or {}).get(t_idx)
                    if got is None:
                        raise ProtocolError(f"debug trace: tensor {t_idx} of op #{op_index} did not arrive intact")
                    report.tensors_compared += 1
                    _compare(report, k, got, ref[t_idx], t_idx, op_index, kind, g.tensors[t_idx].name, "TFLM",
                             defined.get(t_idx))
            if run.instructions is not None:
                report.instructions.append(run.instructions)
            if run.cycles is not None:
                report.cycles.append(run.cycles)
            report.stack_used = max(report.stack_used, run.stack_used)
            for o, t_idx in enumerate(g.outputs):
                op_index, kind = producer.get(t_idx, (-1, "input"))
                name = g.tensors[t_idx].name
                report.tensors_compared += 1
                _compare(report, k, run.outputs[o], ref[t_idx], t_idx, op_index, kind, name, "TFLM", defined.get(t_idx))
                _compare(report, k, run.outputs[o], host_out[o], t_idx, op_index, kind, name, "the host build")
        report.link = str(session.device.stats) if isinstance(session, BoardSession) else session.summary
    report.seconds = time.monotonic() - t0
    return report


def run_on_board(compiled: Compiled, input_sets: list[list[np.ndarray]], board: Board | str,
                 port: str | None = None, serial: str = "socket", builder: str | None = None,
                 invoke_timeout: float = 300.0) -> tuple[list[BoardRun], BoardSession]:
    """Run input sets on the board, one after the other from a reset state (a streaming model carries its
    state from one set to the next); returns the runs and the (closed) session (firmware, info)."""
    with BoardSession(compiled, board, port=port, serial=serial, builder=builder,
                      invoke_timeout=invoke_timeout) as session:
        if compiled.state.state_bytes:
            session.reset(fresh=True)
        runs = [session.run(inputs) for inputs in input_sets]
    return runs, session

"""`micro profile`'s result: one row per op (index, type, shapes, MACs, instructions or nanoseconds, share), the
totals, an optional baseline beside it; as a table, as JSON, and the baseline file formats it reads.

Public API (used by micro.cli.profile_commands and micro.profile.chart)::

    Profile.from_emulator(compiled, EmulatorProfile) / Profile.from_host(compiled, HostProfile) /
    Profile.from_hifi4_estimate(compiled) (no run: micro.profile.hifi4's analytical HiFi 4 cycle ESTIMATE)
        .rows, .metric ("instructions", "ns" or "hifi4_cycles_estimate"), .totals, .with_baseline(b), .table(), .as_dict()
    load_baseline(path, model, kernels="tflm_cmsis_nn") -> Baseline
        a JSON-lines file of per-op figures, one line per model and kernel set (the format of
        shared/notes/tflm-m4-per-op.jsonl: model, kernels, total_instructions, per_op [{index, op,
        instructions}]), or a `micro profile --json` output (its own metric).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from micro.compiler import Compiled
from micro.errors import MicroError
from micro.lowered import CODE_CALLS
from micro.profile.cortex_m4 import DIVIDE_CYCLES, PIPELINE_REFILL, TIMING_MODEL_CPU
from micro.profile.emulator import EmulatorProfile
from micro.profile.hifi4 import KERNEL_SET as HIFI4_KERNEL_SET, LOAD_SLOTS, VECTOR_SLOTS, estimate_code
from micro.profile.host import HostProfile

DEFAULT_BASELINE_KERNELS = "tflm_cmsis_nn"
ESTIMATE_NOTE = ("cycles are an ESTIMATE: a Cortex-M4 timing model (micro/profile/cortex_m4.py, from the TRM's "
                 "instruction timings: pipeline refill {p}, divide {d}, {w} flash wait state(s)) applied to the exact "
                 "per-instruction counts; QEMU counts instructions, not cycles")
HIFI4_METRIC = "hifi4_cycles_estimate"
HIFI4_NOTE = ("HiFi 4 cycles are an analytical ESTIMATE (micro/profile/hifi4.py: {l} loads and {v} vector/MAC operations "
              "a bundle, zero-overhead loops, no stalls) from the layer geometry; nothing ran on a HiFi core")


@dataclass
class Row:
    index: int
    op: str
    kernel: str                     # kernel function, or "view" (no code)
    shapes: str                     # "int8[1,49,10,1] -> int8[1,25,5,64]"
    macs: int
    value: float                    # instructions (exact), ns (median) or HiFi 4 cycles (ESTIMATE), per `metric`
    share: float = 0.0              # of the ops' total
    cycles_estimate: int | None = None
    classes: dict[str, int] | None = None
    flash_reads: int | None = None
    baseline: float | None = None
    baseline_op: str | None = None


@dataclass
class Baseline:
    label: str                      # e.g. "TFLM tflm_cmsis_nn"
    metric: str                     # "instructions" or "ns"
    total: float
    per_op: dict[int, tuple[str, float]]   # op index -> (op type, figure)


@dataclass
class Profile:
    model: str
    board: str
    metric: str                     # "instructions" (emulated board), "ns" (host) or HIFI4_METRIC (analytical)
    macs: int
    rows: list[Row]
    totals: dict
    notes: list[str] = field(default_factory=list)
    baseline: Baseline | None = None
    wait_states: int = 0            # of the cycle ESTIMATE

    # -- construction ----------------------------------------------------------------------------------------
    @staticmethod
    def _base_rows(compiled: Compiled) -> list[Row]:
        g = compiled.graph

        def shapes(ts) -> str:
            return ", ".join(f"{g.tensors[t].dtype}[{','.join(map(str, g.tensors[t].shape))}]" for t in ts
                             if t is not None and not g.tensors[t].is_const)

        return [Row(low.op.index, low.op.kind, low.call.func if isinstance(low.call, CODE_CALLS) else "view",
                    f"{shapes(low.op.inputs)} -> {shapes(low.op.outputs)}", low.macs, 0)
                for low in compiled.lowered]

    @classmethod
    def from_emulator(cls, compiled: Compiled, prof: EmulatorProfile) -> "Profile":
        rows = cls._base_rows(compiled)
        modelled = prof.cpu == TIMING_MODEL_CPU
        for r in rows:
            cost = prof.ops.get(r.index)
            if cost is not None:
                r.value, r.cycles_estimate = cost.instructions, cost.cycles if modelled else None
                r.classes, r.flash_reads = dict(cost.classes), cost.flash_reads
        total = sum(r.value for r in rows)
        cycles = sum(r.cycles_estimate or 0 for r in rows) if modelled else None
        totals = dict(instructions=int(total), invoke_instructions=prof.invoke_instructions,
                      profiled_invoke_instructions=prof.profiled_invoke_instructions,
                      marker_instructions=prof.marker.instructions, cycles_estimate=cycles,
                      macs_per_instruction=round(compiled.macs / total, 4) if total else None)
        notes = [ESTIMATE_NOTE.format(p=PIPELINE_REFILL, d=DIVIDE_CYCLES, w=prof.wait_states) if modelled else
                 f"no cycle estimate: the timing model is a {TIMING_MODEL_CPU}'s, {prof.board} is a {prof.cpu}"]
        p = cls(compiled.name, prof.board, "instructions", compiled.macs, rows, totals, notes,
                wait_states=prof.wait_states)
        p._shares()
        return p

    @classmethod
    def from_host(cls, compiled: Compiled, prof: HostProfile) -> "Profile":
        rows = cls._base_rows(compiled)
        for r in rows:
            r.value = prof.ops_ns.get(r.index, 0.0)
        totals = dict(ns=round(sum(r.value for r in rows), 1), invoke_ns=prof.invoke_ns, mark_ns=prof.mark_ns,
                      runs=prof.runs)
        notes = [f"ns: median of {prof.runs} invokes on this machine, one mark's cost ({prof.mark_ns:.0f} ns) "
                 "subtracted per op; wall time, so it varies with the load of the machine"]
        p = cls(compiled.name, "host", "ns", compiled.macs, rows, totals, notes)
        p._shares()
        return p

    @classmethod
    def from_hifi4_estimate(cls, compiled: Compiled) -> "Profile":
        if compiled.kernel_set != HIFI4_KERNEL_SET:
            raise MicroError(f"the HiFi 4 cycle ESTIMATE is of the {HIFI4_KERNEL_SET} kernels; {compiled.name} was "
                             f"compiled with the {compiled.kernel_set} kernels (compile_model(..., kernel_set="
                             f"'{HIFI4_KERNEL_SET}'))")
        rows = cls._base_rows(compiled)
        missing, partial = [], []
        for r, low in zip(rows, compiled.lowered):
            if not isinstance(low.call, CODE_CALLS):
                continue
            cycles, some_missing = estimate_code(low.call)
            if cycles is None:
                missing.append(f"#{r.index} {r.op}")
                continue
            r.value = r.cycles_estimate = cycles
            if some_missing:
                partial.append(f"#{r.index} {r.op}")
        total = int(sum(r.value for r in rows))
        macs = sum(r.macs for r in rows if r.cycles_estimate is not None)   # of the estimated ops only
        totals = dict(hifi4_cycles_estimate=total, estimated_ops=sum(r.cycles_estimate is not None for r in rows),
                      macs_per_cycle_estimate=round(macs / total, 4) if total else None)
        notes = [HIFI4_NOTE.format(l=LOAD_SLOTS, v=VECTOR_SLOTS)]
        if missing:
            notes.append(f"no estimate (portable C, no HiFi 4 variant): {', '.join(missing)}")
        if partial:
            notes.append(f"patches estimated in part (their band calls of ops without a HiFi 4 variant not counted): "
                         f"{', '.join(partial)}")
        p = cls(compiled.name, "hifi4 (analytical)", HIFI4_METRIC, compiled.macs, rows, totals, notes)
        p._shares()
        return p

    def _shares(self) -> None:
        total = sum(r.value for r in self.rows)
        for r in self.rows:
            r.share = r.value / total if total else 0.0

    def with_baseline(self, baseline: Baseline) -> "Profile":
        if baseline.metric != self.metric:
            raise MicroError(f"the baseline ({baseline.label}) has {baseline.metric}, this profile {self.metric}: "
                             f"compare instructions on an emulated board (--board mps2_an386), ns on the host")
        for r in self.rows:
            if r.index in baseline.per_op:
                r.baseline_op, r.baseline = baseline.per_op[r.index]
                if r.baseline_op != r.op:
                    self.notes.append(f"op #{r.index}: ours is {r.op}, the baseline's is {r.baseline_op}")
        self.baseline = baseline
        return self

    # -- output ----------------------------------------------------------------------------------------------
    def as_dict(self) -> dict:
        ops = []
        for r in self.rows:
            d = dict(index=r.index, op=r.op, kernel=r.kernel, shapes=r.shapes, macs=r.macs,
                     instructions=int(r.value) if self.metric == "instructions" else None)
            if self.metric == HIFI4_METRIC:
                d.update(cycles_estimate=r.cycles_estimate, share=round(r.share, 6))
            elif self.metric == "instructions":
                d.update(macs_per_instruction=round(r.macs / r.value, 4) if r.value else None, share=round(r.share, 6),
                         cycles_estimate=r.cycles_estimate, instruction_classes=r.classes, flash_reads=r.flash_reads)
            else:
                d.update(ns=r.value, share=round(r.share, 6))
            if self.baseline is not None:
                d["baseline"] = r.baseline
            ops.append(d)
        out = dict(model=self.model, board=self.board, metric=self.metric, macs=self.macs, ops=ops, totals=self.totals,
                   notes=self.notes)
        if self.metric == "instructions" and self.totals.get("cycles_estimate") is not None:
            out["cycles_estimate_model"] = dict(
                what="ESTIMATE of Cortex-M4 cycles from the exact per-instruction counts (micro/profile/cortex_m4.py)",
                pipeline_refill=PIPELINE_REFILL, divide=DIVIDE_CYCLES,
                flash_wait_states=self.wait_states)
        if self.baseline is not None:
            out["baseline"] = dict(label=self.baseline.label, metric=self.baseline.metric, total=self.baseline.total)
        return out

    def table(self) -> str:
        if self.metric == HIFI4_METRIC:
            return self._hifi4_table()
        insns = self.metric == "instructions"
        head = ["#", "op", "kernel", "shapes", "MACs"] + (["instructions", "MAC/insn"] if insns else ["ns"]) + \
            ["share"] + (["cycles (ESTIMATE)"] if insns else [])
        if self.baseline is not None:
            head += [self.baseline.label, "ours/baseline"]
        lines = [head]
        for r in self.rows:
            cells = [str(r.index), r.op, r.kernel, r.shapes, f"{r.macs:,}"]
            if insns:
                cells += [f"{int(r.value):,}", f"{r.macs / r.value:.3f}" if r.value and r.macs else "-"]
            else:
                cells += [f"{r.value:,.0f}"]
            cells += [f"{100 * r.share:.1f}%"]
            if insns:
                cells += [f"{r.cycles_estimate:,}" if r.cycles_estimate is not None else "-"]
            if self.baseline is not None:
                cells += [f"{r.baseline:,.0f}" if r.baseline is not None else "-",
                          f"{r.value / r.baseline:.2f}" if r.baseline else "-"]
            lines.append(cells)
        return self._render(lines, self._total_lines())

    def _hifi4_table(self) -> str:
        lines = [["#", "op", "kernel", "shapes", "MACs", "HiFi 4 cycles (ESTIMATE)", "MAC/cycle", "share"]]
        for r in self.rows:
            est = r.cycles_estimate
            lines.append([str(r.index), r.op, r.kernel, r.shapes, f"{r.macs:,}", f"{est:,}" if est is not None else "-",
                          f"{r.macs / est:.2f}" if est and r.macs else "-", f"{100 * r.share:.1f}%"])
        t = self.totals
        return self._render(lines, [f"total: {t['hifi4_cycles_estimate']:,} HiFi 4 cycles (ESTIMATE) in the "
                                    f"{t['estimated_ops']} estimated ops ({t['macs_per_cycle_estimate']} MAC/cycle)"])

    def _render(self, lines: list[list[str]], totals: list[str]) -> str:
        widths = [max(len(line[c]) for line in lines) for c in range(len(lines[0]))]
        text = [f"{self.model} on {self.board}: {len(self.rows)} ops, {self.macs:,} MACs"]
        for k, line in enumerate(lines):
            text.append("  ".join(c.rjust(w) if k and c[:1].isdigit() else c.ljust(w)
                                  for c, w in zip(line, widths)).rstrip())
            if k == 0:
                text.append("  ".join("-" * w for w in widths))
        text += totals
        text += [f"note: {n}" for n in self.notes]
        return "\n".join(text)

    def _total_lines(self) -> list[str]:
        t = self.totals
        if self.metric == "instructions":
            lines = [f"total: {t['instructions']:,} instructions in the ops ({t['macs_per_instruction']} MAC/insn); "
                     f"the invoke itself (firmware without marks): {t['invoke_instructions']:,}; each op has one "
                     f"mark's {t['marker_instructions']} instructions subtracted",
                     f"cycles: {t['cycles_estimate']:,} (ESTIMATE)" if t["cycles_estimate"] is not None
                     else "cycles: no estimate for this CPU"]
        else:
            lines = [f"total: {t['ns']:,.0f} ns in the ops; the invoke with its marks: {t['invoke_ns']:,.0f} ns "
                     f"(median of {t['runs']} runs)"]
        if self.baseline is not None and self.baseline.total:
            ours = t["instructions"] if self.metric == "instructions" else t["ns"]
            lines.append(f"baseline {self.baseline.label}: {self.baseline.total:,.0f} {self.baseline.metric} "
                         f"(ours/baseline {ours / self.baseline.total:.3f})")
        return lines


def load_baseline(path: str | Path, model: str, kernels: str = DEFAULT_BASELINE_KERNELS) -> Baseline:
    """The per-op figures of `model` (and kernel set `kernels`, for a JSON-lines file of several) in `path`."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise MicroError(f"cannot read the baseline {path}: {e}") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and "ops" in whole:   # a `micro profile --json` output
        metric = whole.get("metric", "instructions")
        per_op = {int(o["index"]): (str(o["op"]), float(o["instructions"] if metric == "instructions" else o["ns"]))
                  for o in whole["ops"]}
        return Baseline(f"{whole.get('model', path.stem)} ({path.name})", metric,
                        sum(v for _, v in per_op.values()), per_op)
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise MicroError(f"{path}:{n}: not JSON ({e}); a baseline is one JSON object per line "
                                 "(model, kernels, per_op) or a `micro profile --json` output") from None
    models = sorted({str(r.get("model")) for r in records})
    mine = [r for r in records if r.get("model") == model]
    if not mine:
        raise MicroError(f"{path} has no figures for the model '{model}'; it has: {', '.join(models) or 'none'}")
    chosen = [r for r in mine if r.get("kernels") == kernels]
    if not chosen:
        raise MicroError(f"{path} has '{model}' with the kernel sets {', '.join(sorted(str(r.get('kernels')) for r in mine))}"
                         f", not '{kernels}' (--baseline-kernels)")
    r = chosen[0]
    try:
        per_op = {int(o["index"]): (str(o["op"]), float(o["instructions"])) for o in r["per_op"]}
    except (KeyError, TypeError, ValueError) as e:
        raise MicroError(f"{path}: the line of '{model}' / '{kernels}' needs per_op entries with index, op and "
                         f"instructions ({e})") from None
    total = float(r.get("total_instructions") or sum(v for _, v in per_op.values()))
    return Baseline(f"TFLM {kernels}", "instructions", total, per_op)

"""The schedule in `micro plan`: which ops run in patches, their tiles, what the halos cost.

Recomputed instructions are an estimate: the recomputed MACs of each kernel at its measured Cortex-M4 rate
(INSTRUCTIONS_PER_MAC, from `micro profile --board mps2_an386` on the shared models), plus CALL_INSTRUCTIONS
for every extra kernel call (argument set-up, the kernel's prologue and its edge handling). `micro profile`
measures the real figure.
"""

from __future__ import annotations

from micro.lowered import PatchCall

# Instructions per MAC of the kernels patches call, measured on QEMU mps2_an386 (M4, DSP paths); others 4.
INSTRUCTIONS_PER_MAC = {"mn_conv_2d_packed_int8": 1.6, "mn_depthwise_conv_2d_packed_int8": 3.0,
                        "mn_conv_2d_int8": 6.0, "mn_depthwise_conv_2d_int8": 8.0}
DEFAULT_INSTRUCTIONS_PER_MAC = 4.0
CALL_INSTRUCTIONS = 150


def extra_instructions(call: PatchCall) -> int:
    """Estimated instructions the patch adds: each op's recomputed MACs at its kernel's rate, and the calls
    beyond one per op."""
    total = 0.0
    for op in call.ops:
        steps = [s for s in call.steps if s.op.index == op.index]
        extra = sum(s.call.macs for s in steps) - call.op_macs[op.index]
        total += extra * INSTRUCTIONS_PER_MAC.get(steps[0].call.func, DEFAULT_INSTRUCTIONS_PER_MAC)
        total += (len(steps) - 1) * CALL_INSTRUCTIONS
    return int(total)


def patch_rows(compiled) -> list[dict]:
    g = compiled.graph
    rows = []
    for low in compiled.lowered:
        call = low.call
        if not isinstance(call, PatchCall):
            continue
        x, y = g.tensors[call.inputs[0]], g.tensors[call.outputs[0]]
        rows.append(dict(ops=list(low.op.options["ops"]), kinds=[op.kind for op in call.ops], tiles=call.tiles,
                         rows=[list(r) for r in call.rows], input=list(x.shape), output=list(y.shape),
                         scratch_bytes=call.scratch_bytes, output_gap_bytes=call.overlap_gap.get(0, 0),
                         internal_tensors=list(call.internal),
                         internal_bytes=sum(g.tensors[t].nbytes for t in call.internal),
                         macs=call.macs, base_macs=call.base_macs, extra_macs=call.macs - call.base_macs,
                         extra_instructions_estimate=extra_instructions(call), calls=len(call.steps)))
    return rows


def schedule_dict(compiled) -> dict:
    rows = patch_rows(compiled)
    extra = sum(r["extra_macs"] for r in rows)
    base = compiled.macs - extra
    return dict(ram_budget=compiled.ram_budget, patches=rows, extra_macs=extra,
                extra_macs_share=round(extra / base, 6) if base else 0.0,
                extra_instructions_estimate=sum(r["extra_instructions_estimate"] for r in rows),
                peak_bytes=compiled.plan.arena_bytes + compiled.state.state_bytes)


def schedule_lines(compiled) -> list[str]:
    d = schedule_dict(compiled)
    budget = f"RAM budget {d['ram_budget']:,} B (arena + state): " if d["ram_budget"] is not None else ""
    if not d["patches"]:
        return [f"schedule: {budget}every tensor whole (no patches)"]
    lines = [f"schedule: {budget}{len(d['patches'])} patch(es), {d['extra_macs']:,} MACs recomputed "
             f"({d['extra_macs_share']:.2%} of the model's), about {d['extra_instructions_estimate']:,} instructions "
             "(estimate; `micro profile` measures)"]
    for r in d["patches"]:
        ops = ", ".join(f"#{i} {k}" for i, k in zip(r["ops"], r["kinds"]))
        size = r["tiles"] and r["rows"][0][1] - r["rows"][0][0]
        lines.append(f"  ops {ops}: {r['tiles']} tiles of <= {size} of {r['output'][1]} output rows, "
                     f"{r['calls']} calls; bands in {r['scratch_bytes']:,} B of scratch instead of "
                     f"{r['internal_bytes']:,} B of whole tensors; +{r['extra_macs']:,} MACs, about "
                     f"+{r['extra_instructions_estimate']:,} instructions")
    return lines

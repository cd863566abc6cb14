"""The plan report: a table, JSON for machines, and a picture (time x offset boxes)."""

from __future__ import annotations

from micro.arena.plan import ArenaPlan
from micro.arena.state import StatePlan


def _scratch_bytes(plan: ArenaPlan) -> int:
    return sum(b.size for b in plan.buffers if b.scratch_of is not None)


def plan_dict(plan: ArenaPlan, graph=None, tflm: dict | None = None, state: StatePlan | None = None) -> dict:
    buffers = []
    for i, b in enumerate(plan.buffers):
        buffers.append(dict(
            index=i, name=b.name, kind="scratch" if b.scratch_of is not None else "tensor",
            tensors=list(b.tensors), tensor_offsets={str(t): b.within.get(t, 0) for t in b.tensors}, size=b.size,
            first_use=b.first, last_use=b.last, offset=b.offset))
    state = state or StatePlan()
    return dict(
        arena_bytes=plan.arena_bytes, lower_bound_bytes=plan.lower_bound_bytes,
        scratch_bytes=_scratch_bytes(plan), state_bytes=state.state_bytes,
        state=[dict(name=b.name, tensors=list(b.tensors), size=b.size, offset=b.offset) for b in state.buffers],
        state_views={str(t): dict(buffer=k, offset=off) for t, (k, off) in sorted(state.views.items())},
        execution_order=list(plan.order),
        overlaps=[dict(input_buffer=o.inp, output_buffer=o.out, min_bytes_before_input=o.gap,
                       min_bytes_after_input=o.gap_after, step=o.step) for o in plan.overlaps],
        buffers=buffers, tflm_arena=tflm)


def plan_table(plan: ArenaPlan, tflm: dict | None = None, state: StatePlan | None = None) -> str:
    shares = {o.out: o for o in plan.overlaps}
    rows = [("buffer", "bytes", "first", "last", "offset", "note")]
    for i, b in sorted(enumerate(plan.buffers), key=lambda ib: (ib[1].first, ib[1].offset)):
        note = ""
        if i in shares:
            o = shares[i]
            modes = [f"{o.gap} B before" if o.gap is not None else "",
                     f"{o.gap_after} B after" if o.gap_after is not None else ""]
            note = f"may overlap {plan.buffers[o.inp].name.split(':')[0]} (starting >= " + \
                " or ".join(m for m in modes if m) + ")"
        if len(b.tensors) > 1:
            note = (note + "; " if note else "") + "views: " + ",".join(
                f"t{t}" + (f"@{b.within[t]}" if b.within.get(t) else "") for t in b.tensors[1:])
        name = b.name if len(b.name) <= 48 else b.name[:45] + "..."
        rows.append((name, str(b.size), str(b.first), str(b.last), str(b.offset), note))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.rjust(w) if 0 < i < 5 else c.ljust(w) for i, (c, w) in
                               enumerate(zip(r, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"arena: {plan.arena_bytes} bytes; lower bound (peak of live bytes in this order): "
                 f"{plan.lower_bound_bytes} bytes")
    scratch = [b for b in plan.buffers if b.scratch_of is not None]
    if scratch:
        lines.append(f"scratch: {_scratch_bytes(plan)} bytes in {len(scratch)} kernel buffer(s), inside the arena")
    if state is not None and state.buffers:
        lines.append(f"state: {state.state_bytes} bytes in {len(state.buffers)} buffer(s), outside the arena, kept "
                     "between invokes: " + ", ".join(f"{b.name} ({b.size} B)" for b in state.buffers))
        if state.views:
            lines.append(f"state views: {len(state.views)} tensor(s) are bytes of a variable (no copy): "
                         + ", ".join(f"t{t}" for t in sorted(state.views)))
    if tflm and "head" in tflm:
        lines.append(f"TFLM (host build): {tflm['head']} bytes planned for tensors, {tflm['total']} in total; "
                     f"ours is {plan.arena_bytes / tflm['head']:.2f}x its tensor arena, "
                     f"{plan.arena_bytes / tflm['total']:.2f}x its total")
        if state is not None and state.state_bytes and "tail" in tflm:
            ours = plan.arena_bytes + state.state_bytes
            lines.append(f"arena + state: ours {ours} bytes; TFLM head + tail {tflm['head']} + {tflm['tail']} = "
                         f"{tflm['head'] + tflm['tail']} bytes (its variables live in the tail); "
                         f"{ours / (tflm['head'] + tflm['tail']):.2f}x")
    return "\n".join(lines)


def plan_png(plan: ArenaPlan, path: str, title: str = "", patch_ops=frozenset(), subtitle: str = "") -> None:
    """patch_ops: op indices of patches (micro.patch), whose scratch (the bands) is drawn green."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, ax = plt.subplots(figsize=(11, 5.5))
    steps = max((b.last for b in plan.buffers), default=0) + 2
    for b in plan.buffers:
        scratch = b.scratch_of is not None
        color = "#2a9d8f" if b.scratch_of in patch_ops else "#f4a261" if scratch else "#4c78a8"
        ax.add_patch(Rectangle((b.first, b.offset), b.last - b.first + 1, b.size,
                               facecolor=color, edgecolor="black",
                               linewidth=0.5, alpha=0.85))
        if b.size >= plan.arena_bytes * 0.08 and b.last - b.first >= 0:
            label = "patch bands" if b.scratch_of in patch_ops else b.name.split(":")[0]
            ax.text(b.first + 0.1, b.offset + b.size / 2, label, fontsize=7,
                    va="center", color="white")
    ax.axhline(plan.arena_bytes, color="red", linestyle="--", linewidth=1)
    ax.axhline(plan.lower_bound_bytes, color="green", linestyle=":", linewidth=1)
    ax.text(-1, plan.arena_bytes, f" arena {plan.arena_bytes} B", color="red", fontsize=8, va="bottom")
    ax.text(-1, plan.lower_bound_bytes, f" lower bound {plan.lower_bound_bytes} B", color="green", fontsize=8,
            va="top")
    ax.set_xlim(-1, steps)
    ax.set_ylim(0, max(plan.arena_bytes, 1) * 1.08)
    ax.set_xlabel("op step (-1: inputs written before invoke)")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title((title or "arena plan") + (f"\n{subtitle}" if subtitle else ""), fontsize=9 if subtitle else None)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

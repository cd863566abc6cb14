"""`micro inspect`: what a model contains and what it will cost, as a table or JSON."""

from __future__ import annotations

from micro.compiler import compile_model, support_problems
from micro.errors import UnsupportedModelError
from micro.ir import Model
from micro.lowered import CODE_CALLS
from micro.ops import module_for
from micro.verify.oracle import oracle_available, tflm_arena_bytes


def _shape(g, t_idx):
    if t_idx is None:
        return "-"
    t = g.tensors[t_idx]
    return "x".join(str(d) for d in t.shape) or "scalar"


RESOLVED = {"VAR_HANDLE": "state buffer", "CALL_ONCE": "first invoke"}


def _kernel(compiled, low) -> str:
    if isinstance(low.call, CODE_CALLS):
        return low.call.func
    return "state view" if any(a.src in compiled.state.tensor_state for a in low.aliases) else "view"


def _state_buffers(compiled) -> list[dict]:
    g = compiled.graph
    out = []
    for b in compiled.state.buffers:
        t = b.tensors[0] if b.tensors else None
        kind = ("resource variable" if t in g.resources else "variable tensor") if t is not None else "kernel state"
        out.append(dict(name=b.name, bytes=b.size, kind=kind))
    return out


def describe(model: Model, model_bytes: bytes | None = None, with_oracle: bool = True) -> dict:
    g = model.main
    problems = support_problems(model)
    compiled = None
    if not problems:
        try:
            compiled = compile_model(model)
        except UnsupportedModelError as exc:
            problems = exc.problems
    macs = {low.op.index: low.macs for low in compiled.lowered} if compiled else {}
    kernels = {low.op.index: _kernel(compiled, low) for low in compiled.lowered} if compiled else {}
    if compiled:  # resolved before lowering (micro.passes.resource_variables)
        kernels.update({op.index: RESOLVED[op.kind] for op in g.ops if op.kind in RESOLVED})
    ops = []
    for op in g.ops:
        act_in = [i for i in op.inputs if i is not None and not g.tensors[i].is_const]
        ops.append(dict(
            index=op.index, op=op.kind, version=op.version,
            inputs=[_shape(g, i) for i in act_in], output=[_shape(g, o) for o in op.outputs],
            macs=macs.get(op.index), kernel=kernels.get(op.index) or (
                "UNSUPPORTED" if module_for(op) is None else "-")))
    weight_bytes = sum(t.nbytes for t in g.tensors if t.is_const)
    info = dict(
        model=model.name, sha256=model.source_sha256, description=model.description,
        subgraphs=len(model.subgraphs), ops=ops,
        inputs=[dict(name=g.tensors[i].name, dtype=g.tensors[i].dtype, shape=list(g.tensors[i].shape))
                for i in g.inputs],
        outputs=[dict(name=g.tensors[i].name, dtype=g.tensors[i].dtype, shape=list(g.tensors[i].shape))
                 for i in g.outputs],
        weight_bytes=compiled.weight_bytes if compiled else weight_bytes,
        macs=compiled.macs if compiled else None,
        arena_bytes=compiled.plan.arena_bytes if compiled else None,
        arena_lower_bound_bytes=compiled.plan.lower_bound_bytes if compiled else None,
        state_bytes=compiled.state.state_bytes if compiled else None,
        scratch_bytes=sum(b.size for b in compiled.plan.buffers if b.scratch_of is not None) if compiled else None,
        state=_state_buffers(compiled) if compiled else [],
        supported=not problems, problems=problems, tflm_arena=None,
        metadata=sorted(model.metadata))
    if with_oracle and model_bytes is not None:
        if oracle_available():
            try:
                info["tflm_arena"] = tflm_arena_bytes(model_bytes, model)
            except Exception as exc:  # TFLM itself cannot run this model
                info["tflm_arena"] = {"error": str(exc)}
    return info


def format_table(info: dict) -> str:
    rows = [("#", "op", "input(s)", "output", "MACs", "kernel")]
    for o in info["ops"]:
        rows.append((str(o["index"]), f'{o["op"]} v{o["version"]}', ", ".join(o["inputs"]) or "-",
                     ", ".join(o["output"]), "-" if o["macs"] is None else f'{o["macs"]:,}', o["kernel"]))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = [f'{info["model"]} (sha256 {info["sha256"][:16]}), {len(info["ops"])} ops, '
             f'{info["subgraphs"]} subgraph(s)']
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    for kind, ios in (("input", info["inputs"]), ("output", info["outputs"])):
        for k, io in enumerate(ios):
            lines.append(f'{kind} {k}: {io["name"]} {io["dtype"]}{io["shape"]}')
    lines.append(f'weights: {info["weight_bytes"]:,} bytes')
    if info["macs"] is not None:
        lines.append(f'MACs: {info["macs"]:,}')
    if info["arena_bytes"] is not None:
        lines.append(f'arena: {info["arena_bytes"]:,} bytes (lower bound {info["arena_lower_bound_bytes"]:,})')
    if info.get("scratch_bytes"):
        lines.append(f'scratch: {info["scratch_bytes"]:,} bytes of kernel scratch (inside the arena)')
    if info.get("state_bytes"):
        kinds: dict[str, int] = {}
        for b in info["state"]:
            kinds[b["kind"]] = kinds.get(b["kind"], 0) + 1
        what = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
        lines.append(f'state: {info["state_bytes"]:,} bytes ({what}; kept between invokes, outside the arena): '
                     + ", ".join(f'{b["name"].split(":", 1)[-1]} {b["bytes"]:,} B' for b in info["state"]))
    tflm = info.get("tflm_arena")
    if tflm and "total" in tflm:
        lines.append(f'TFLM arena (host build): {tflm["total"]:,} bytes total, {tflm["head"]:,} for tensors')
        if info["arena_bytes"] is not None:
            ours = info["arena_bytes"] + (info.get("state_bytes") or 0)
            lines.append(f'memory: ours arena + state {ours:,} bytes; TFLM arena (tensors + persistent, its '
                         f'variables among them) {tflm["total"]:,} bytes ({ours / tflm["total"]:.2f}x)')
    if info["metadata"]:
        lines.append("metadata: " + ", ".join(info["metadata"]))
    if info["problems"]:
        lines.append("NOT SUPPORTED:")
        lines += [f"  - {p}" for p in info["problems"]]
    return "\n".join(lines)

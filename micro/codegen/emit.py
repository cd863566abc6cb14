"""Render the compiled model to C: <name>.h (the API), <name>.c (the straight-line invoke),
<name>_weights.c (constants), mn_kernels.h (the kernels' declarations) and the kernel sources it calls.

Names are micro's own (micro.codegen.names); every string taken from the model goes through
micro.codegen.escape before it reaches a file."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro import __version__
from micro.codegen.carrays import initializer
from micro.codegen.escape import c_comment
from micro.codegen.kernel_header import HEADER_NAME, KERNELS_DIR, kernel_header, kernel_sources
from micro.codegen.header_context import io_context, metadata_context
from micro.codegen.names import Names
from micro.codegen.params import params_c
from micro.codegen.templates import render
from micro.compiler import Compiled
from micro.dtypes import DTYPE_BYTES, c_type_of_array
from micro.errors import MicroError
from micro.ir import Graph
from micro.kernels.abi import Kernel
from micro.lowered import CODE_CALLS, KernelCall, Lowered, PatchCall, Ref


@dataclass
class GeneratedFiles:
    """File name -> contents for generated files, plus the kernel sources (in micro/kernels_c) to copy."""

    files: dict[str, str]
    kernel_files: list[str] = field(default_factory=list)

    @property
    def c_sources(self) -> list[str]:
        return [f for f in list(self.files) + self.kernel_files if f.endswith(".c")]

    def sources(self) -> dict[str, str]:
        """Every file of the program as text: the generated ones and the kernel sources."""
        out = dict(self.files)
        for fname in self.kernel_files:
            out[fname] = (KERNELS_DIR / fname).read_text()
        return out


def tensor_comment(g: Graph, t_idx: int) -> str:
    """`t7 'name' int8[1,16]` with the model's name escaped for a C comment."""
    t = g.tensors[t_idx]
    return f"t{t_idx} '{c_comment(t.name)}' {t.dtype}[{','.join(map(str, t.shape))}]"


def _shapes(g: Graph, tensors) -> str:
    return ", ".join(f"{g.tensors[t].dtype}[{','.join(map(str, g.tensors[t].shape))}]" for t in tensors
                     if t is not None)


def _buffers(compiled: Compiled, names: Names) -> list[dict]:
    g, plan = compiled.graph, compiled.plan
    out = []
    for t_idx in sorted(plan.tensor_buffer, key=lambda t: (plan.tensor_offset(t), t)):
        t = g.tensors[t_idx]
        off = plan.tensor_offset(t_idx)
        out.append(dict(macro=names.buffer(t_idx), ctype=t.ctype, offset=off,
                        comment=f"{tensor_comment(g, t_idx)}, bytes [{off}, {off + t.nbytes})"))
    return out


def _state(compiled: Compiled, names: Names) -> tuple[list[dict], list[dict]]:
    """State buffers (macros into the state region, how `<name>_reset()` sets each one, what CALL_ONCE
    assigns at the first invoke) and the constant arrays of initial values that are not one repeated byte."""
    g, state = compiled.graph, compiled.state
    owner = {k: names.buffer(t) for t, k in state.tensor_state.items()}
    ops = {low.op.index: low.op for low in compiled.lowered}
    owner.update({k: names.op_state(ops[i]) for i, k in state.op_state.items()})
    buffers, initial = [], []

    def const_array(symbol: str, data: np.ndarray) -> str:
        data = np.ascontiguousarray(data)
        initial.append(dict(symbol=symbol, ctype=c_type_of_array(data), length=max(1, data.size),
                            body=initializer(data)))
        return symbol

    for k, b in enumerate(state.buffers):
        macro = owner[k]
        if b.tensors:
            t = b.tensors[0]
            ctype, what = g.tensors[t].ctype, tensor_comment(g, t)
            if t in g.resources:
                what += " (resource variable)"
        else:
            ctype, what = "uint8_t", f"the own state of {macro[len('STATE_'):].lower()}"
        symbol = None if b.initial is None else const_array(f"{macro.lower()}_initial", b.initial)
        call_once = None if b.call_once is None else const_array(f"{macro.lower()}_call_once", b.call_once)
        buffers.append(dict(macro=macro, ctype=ctype, offset=b.offset, size=b.size, fill=b.fill, initial=symbol,
                            call_once=call_once, comment=f"{what}, state bytes [{b.offset}, {b.offset + b.size})"))
    return buffers, initial


def _state_views(compiled: Compiled, names: Names) -> list[dict]:
    """Macros of the tensors placed in a state buffer (micro.arena.variables)."""
    g, state = compiled.graph, compiled.state
    owner = {k: names.buffer(t) for t, k in state.tensor_state.items()}
    out = []
    for t, (k, _) in sorted(state.views.items(), key=lambda kv: (state.view_offset(kv[0]), kv[0])):
        off = state.view_offset(t)
        out.append(dict(macro=names.buffer(t), ctype=g.tensors[t].ctype, offset=off,
                        comment=f"{tensor_comment(g, t)}, in {owner[k]}: state bytes [{off}, {off + g.tensors[t].nbytes})"))
    return out


def _scratch(compiled: Compiled, names: Names) -> list[dict]:
    out = []
    for low in compiled.lowered:
        if isinstance(low.call, CODE_CALLS) and low.call.scratch_bytes:
            off = compiled.plan.scratch_offset(low.op.index)
            out.append(dict(macro=names.scratch(low.op), offset=off,
                            comment=f"scratch of {names.op(low.op)}, bytes [{off}, {off + low.call.scratch_bytes})"))
    return out


def _weights(compiled: Compiled, names: Names) -> list[dict]:
    g = compiled.graph
    out = []
    for t_idx, symbol in sorted(names.weights.items(), key=lambda kv: kv[1]):
        data = np.ascontiguousarray(g.tensors[t_idx].data)
        out.append(dict(symbol=symbol, ctype=c_type_of_array(data), length=max(1, data.size),
                        comment=tensor_comment(g, t_idx), body=initializer(data)))
    return out


def _ref(compiled: Compiled, names: Names, t_idx: int | None) -> str:
    if t_idx is None:
        return "0"
    return names.weights.get(t_idx) or names.buffer(t_idx)


def _view_lines(g: Graph, names: Names, low: Lowered) -> str:
    """What an op lowered to views does: where each view sits."""
    parts = []
    for a in low.aliases:
        end = a.offset + g.tensors[a.dst].nbytes
        whole = a.offset == 0 and end == g.tensors[a.src].nbytes
        parts.append(f"{names.buffer(a.dst)} is a view of {names.buffer(a.src)}" if whole
                     else f"{names.buffer(a.dst)} is bytes [{a.offset}, {end}) of {names.buffer(a.src)}")
    return "; ".join(parts)


def _pointer_array(compiled: Compiled, names: Names, opn: str, arg, group: list) -> dict:
    """The static array of pointers a variadic argument passes (arena buffers and weights)."""
    const = "const " if arg.read_only else ""
    return dict(decl=f"static {const}{arg.ctype} *const {opn}_{arg.name}[{len(group)}]",
                pointers=[_ref(compiled, names, t) for t in group])


def _arguments(compiled: Compiled, names: Names, call: KernelCall, prefix: str, pointer_arrays: list,
               refs: dict | None = None) -> list[str]:
    """The C arguments of one kernel call; refs {("input" | "output", position): C pointer} replaces tensors."""
    args = [f"&{prefix}_params"] if call.kernel.params else []
    for role in ("input", "output"):
        for pos, (arg, group) in enumerate(call.arguments(role)):
            if refs and (role, pos) in refs:
                args.append(refs[(role, pos)])
            elif arg.variadic:
                pointer_arrays.append(_pointer_array(compiled, names, prefix, arg, group))
                args.append(f"{prefix}_{arg.name}")
            else:
                args.append(_ref(compiled, names, group[0]))
    return args


def _patch_pointer(compiled: Compiled, names: Names, ctype: str, ref: Ref, scratch: str) -> str:
    g = compiled.graph
    if ref.tensor is None:
        return f"({ctype} *)((uint8_t *){scratch} + {ref.offset})"
    return f"({names.buffer(ref.tensor)} + {ref.offset // DTYPE_BYTES[g.tensors[ref.tensor].dtype]})"


def _patch(compiled: Compiled, names: Names, low: Lowered, base: dict) -> dict:
    """A patch: every tile's band calls, one params struct each (arrays shared between the tiles of an op)."""
    g, patch = compiled.graph, low.call
    scratch = names.scratch(low.op)
    pool: dict = {}
    statements = []
    for step in patch.steps:
        call, prefix = step.call, names.step_params(low.op, step)[:-len("_params")]
        in_arg, out_arg = call.kernel.inputs[0], call.kernel.outputs[0]
        refs = {("input", 0): _patch_pointer(compiled, names, in_arg.ctype, step.src, scratch),
                ("output", 0): _patch_pointer(compiled, names, out_arg.ctype, step.dst, scratch)}
        pointer_arrays: list = []
        args = _arguments(compiled, names, call, prefix, pointer_arrays, refs)
        if call.scratch_bytes:
            args.append(f"(void *)((uint8_t *){scratch} + {step.scratch})")
        elif call.kernel.has_scratch:
            args.append("0")
        arrays, init = params_c(call.kernel.params, call.params, prefix, pool)
        base["blocks"].append(dict(comment=f"{names.op(low.op)} tile {step.tile}: op #{step.op.index} {step.op.kind}, "
                                           f"output rows [{step.rows[0]}, {step.rows[1]})", pointer_arrays=pointer_arrays, arrays=arrays,
                                   params=dict(type=call.kernel.params.name, symbol=f"{prefix}_params", init=init)))
        statements.append(f"{call.func}({', '.join(args)}); /* tile {step.tile}, op #{step.op.index} */")
    ops = ", ".join(f"#{op.index} {op.kind}" for op in patch.ops)
    rows = g.tensors[patch.outputs[0]].shape[1]
    base.update(statements=statements,
                comment=f"{names.op(low.op)}: ops {ops} in {patch.tiles} bands of the {rows} output rows "
                        f"(micro.patch; {patch.macs - patch.base_macs:,} MACs recomputed): "
                        f"{_shapes(g, patch.inputs)} -> {_shapes(g, patch.outputs)}")
    return base


def _call(compiled: Compiled, names: Names, low: Lowered) -> dict:
    g, op, call = compiled.graph, low.op, low.call
    opn = names.op(op)
    head = f"op #{op.index} {op.kind} ({opn})"
    traced = [dict(index=t, ref=names.buffer(t), nbytes=g.tensors[t].nbytes) for t in op.outputs]
    base = dict(op_index=op.index, traced=traced, blocks=[], statements=[])
    if isinstance(call, PatchCall):
        return _patch(compiled, names, low, base)
    if not isinstance(call, KernelCall):
        base.update(comment=f"{head}: {_view_lines(g, names, low)}, no code")
        return base
    pointer_arrays: list = []
    args = _arguments(compiled, names, call, opn, pointer_arrays)
    if call.state_bytes:
        args.append(names.op_state(op))
    if call.scratch_bytes:
        args.append(names.scratch(op))
    elif call.kernel.has_scratch:  # an optional scratch the op does not need
        args.append("0")
    written = op.outputs or call.outputs  # ASSIGN_VARIABLE writes a variable, not an output of its own
    out_name = c_comment(g.tensors[written[0]].name) if written else ""
    notes = "".join(f" ({c_comment(n)})" for n in low.notes)
    comment = f"{head} '{out_name}': {_shapes(g, call.inputs)} -> {_shapes(g, call.outputs)}{notes}"
    if call.kernel.params:
        arrays, init = params_c(call.kernel.params, call.params, opn)
        base["blocks"].append(dict(comment=comment, pointer_arrays=pointer_arrays, arrays=arrays,
                                   params=dict(type=call.kernel.params.name, symbol=names.params(op), init=init)))
    base.update(statements=[f"{call.func}({', '.join(args)});"], comment=comment)
    return base


def used_kernels(compiled: Compiled) -> list[Kernel]:
    out: list[Kernel] = []
    for low in compiled.lowered:
        kernels = [low.call.kernel] if isinstance(low.call, KernelCall) else \
            low.call.kernels if isinstance(low.call, PatchCall) else []
        out += [k for k in kernels if k not in out]
    return out


def emit_c(compiled: Compiled, source_name: str | None = None, metadata=None) -> GeneratedFiles:
    """metadata: a micro.frontend.metadata.ModelMetadata (its strings, labels and input normalization go
    into the header), or None."""
    names = Names.of(compiled)
    name = compiled.name
    kernels = used_kernels(compiled)
    inputs = io_context(compiled, names, "input", compiled.graph.inputs)
    outputs = io_context(compiled, names, "output", compiled.graph.outputs)
    ctx = dict(
        version=__version__, source_comment=c_comment(source_name or f"{name}.tflite"),
        sha256=compiled.model.source_sha256 or "-", name=name, NAME=name.upper(), op_count=len(compiled.lowered),
        macs=compiled.macs, arena_bytes=compiled.plan.arena_bytes, lower_bound_bytes=compiled.plan.lower_bound_bytes,
        weight_bytes=compiled.weight_bytes, weights=_weights(compiled, names),
        buffers=_buffers(compiled, names), scratch=_scratch(compiled, names),
        state_bytes=compiled.state.state_bytes,
        calls=[_call(compiled, names, low) for low in compiled.lowered], inputs=inputs, outputs=outputs,
        meta=metadata_context(metadata, inputs, outputs))
    ctx["state"], ctx["state_initial"] = _state(compiled, names)
    ctx["state_views"] = _state_views(compiled, names)
    ctx["call_once"] = [b for b in ctx["state"] if b["call_once"]]
    ctx["call_once_ops"] = [f"op #{op.index}" for op in compiled.model.main.ops if op.kind == "CALL_ONCE"]
    files = {
        f"{name}.h": render("model.h.j2", ctx),
        f"{name}.c": render("model.c.j2", ctx),
        f"{name}_weights.c": render("weights.c.j2", ctx),
        HEADER_NAME: kernel_header(kernels),
    }
    return GeneratedFiles(files, kernel_sources(kernels, compiled.kernel_set))


def write_c(generated: GeneratedFiles, out_dir: str | Path) -> list[Path]:
    """Write the generated files into `out_dir` (created if needed). A MicroError says which path could not
    be written and why (a file where the folder should be, no permission, a full disk)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MicroError(f"cannot write the generated C into {out}: it exists and is not a directory")
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for fname, text in generated.files.items():
            (out / fname).write_text(text)
            written.append(out / fname)
        for fname in generated.kernel_files:
            shutil.copyfile(KERNELS_DIR / fname, out / fname)
            written.append(out / fname)
    except OSError as exc:
        raise MicroError(f"cannot write the generated C into {out}: {exc.strerror or exc}"
                         f"{f' ({exc.filename})' if exc.filename else ''}") from None
    return written

"""Render the compiled model to C: <name>.h, <name>.c, <name>_weights.c and the kernels it calls."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from micro import __version__
from micro.codegen.carrays import ctype_of, initializer
from micro.compiler import Compiled
from micro.ir import Tensor
from micro.ops.base import Alias, KernelCall

KERNELS_DIR = Path(__file__).resolve().parent.parent / "kernels_c"
COMMON_KERNEL_FILES = ("mn_kernels.h", "mn_fixedpoint.h", "mn_dsp.h")

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class GeneratedFiles:
    """File name -> contents for generated files, plus kernel sources to copy."""

    files: dict[str, str]
    kernel_files: list[str] = field(default_factory=list)

    @property
    def c_sources(self) -> list[str]:
        return [f for f in list(self.files) + self.kernel_files if f.endswith(".c")]


class _Refs:
    """C expressions for tensor storage: weight arrays or arena offsets."""

    def __init__(self, compiled: Compiled):
        self.c = compiled
        self.name = compiled.name

    def symbol(self, t: Tensor) -> str:
        return f"{self.name}_w{t.index}"

    def ref(self, t_idx: int | None) -> str:
        if t_idx is None:
            return "0"
        t = self.c.graph.tensors[t_idx]
        if t.is_const:
            return self.symbol(t)
        return f"(({t.ctype} *)A({self.c.plan.tensor_offset(t_idx)}))"


def _io(compiled: Compiled, refs: _Refs, kind: str, tensors: list[int]) -> list[dict]:
    out = []
    for pos, t_idx in enumerate(tensors):
        t = compiled.graph.tensors[t_idx]
        q = t.quant
        out.append(dict(
            kind=kind, pos=pos, macro=f"{compiled.name.upper()}_{kind.upper()}{pos}", tensor_name=t.name,
            dtype=t.dtype, shape=list(t.shape), dims=list(t.shape) or [1], elements=t.size, nbytes=t.nbytes,
            ctype=t.ctype, ref=refs.ref(t_idx),
            scale=None if q is None else repr(q.s), zero_point=None if q is None else q.zp,
            helpers=q is not None and q.scale.size == 1 and t.dtype in _QRANGES,
            qmin=_QRANGES.get(t.dtype, (0, 0))[0], qmax=_QRANGES.get(t.dtype, (0, 0))[1],
            lname=f"{kind}{pos}", norm=None))
    return out


_QRANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def c_string(text: str) -> str:
    """A C string literal for any text: printable ASCII as is, everything else (UTF-8 bytes included) as
    three-digit octal escapes; '?' escaped so no trigraph can form."""
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def _c_float(v: float) -> str:
    r = repr(float(np.float32(v)))
    return (r if ("." in r or "e" in r or "n" in r) else r + ".0") + "f"


def _metadata_context(compiled: Compiled, metadata, inputs: list[dict], outputs: list[dict]) -> dict:
    """Model metadata (micro.frontend.metadata.ModelMetadata or None) for the templates."""
    info = {"strings": [], "labels": None}
    if metadata is None:
        return info
    for key, macro in (("name", "MODEL_NAME"), ("description", "MODEL_DESCRIPTION"), ("version", "MODEL_VERSION"),
                       ("author", "MODEL_AUTHOR"), ("license", "MODEL_LICENSE"),
                       ("min_runtime_version", "MIN_RUNTIME_VERSION")):
        value = " ".join(str(getattr(metadata, key, "") or "").split())
        if value:
            info["strings"].append(dict(macro=macro, value=c_string(value)))
    lab = metadata.labels
    if lab is not None:
        k, labels = lab
        if not 0 <= k < len(outputs):
            raise ValueError(f"labels are for output {k}, but the model has {len(outputs)} output(s)")
        info["labels"] = dict(output=k, count=len(labels), cstrings=[c_string(x) for x in labels],
                              source=getattr(metadata, "labels_source", "") or "the model's metadata")
    for io, tm in zip(inputs, getattr(metadata, "inputs", [])):
        if tm.mean and tm.std and io["helpers"]:
            n = max(len(tm.mean), len(tm.std))
            mean = tm.mean if len(tm.mean) == n else tm.mean * n
            std = tm.std if len(tm.std) == n else tm.std * n
            io["norm"] = dict(channels=n, mean=[_c_float(x) for x in mean], std=[_c_float(x) for x in std])
    return info


def _weights(compiled: Compiled, refs: _Refs) -> list[dict]:
    used = sorted({t for low in compiled.lowered if isinstance(low.call, KernelCall)
                   for t in low.call.inputs if t is not None and compiled.graph.tensors[t].is_const})
    out = []
    for t_idx in used:
        t = compiled.graph.tensors[t_idx]
        data = np.ascontiguousarray(t.data)
        out.append(dict(index=t_idx, tensor_name=t.name, dtype=t.dtype, shape=list(t.shape),
                        ctype=ctype_of(data), symbol=refs.symbol(t), length=max(1, data.size),
                        body=initializer(data)))
    return out


def _call(compiled: Compiled, refs: _Refs, low) -> dict:
    op, call = low.op, low.call
    traced = [dict(index=t, ref=refs.ref(t), nbytes=compiled.graph.tensors[t].nbytes) for t in op.outputs]
    base = dict(op_index=op.index, kind=op.kind, traced=traced, params_type=None, arrays=[], fields=[])
    if isinstance(call, Alias):
        base.update(statement="", comment=f": view of tensor {call.src}, no code")
        return base
    psym = f"op{op.index}_params"
    arrays, fields = [], []
    for key, value in call.params.items():
        if isinstance(value, np.ndarray):
            sym = f"op{op.index}_{key}"
            arrays.append(dict(symbol=sym, ctype=ctype_of(value), length=max(1, value.size),
                               body=initializer(value)))
            fields.append(dict(name=key, value=sym))
        elif value is None:  # absent optional array
            fields.append(dict(name=key, value="0"))
        else:
            v = int(value)
            fields.append(dict(name=key, value="(-2147483647 - 1)" if v == -(2**31) else str(v)))
    args = ([f"&{psym}"] if call.params_type else []) + [refs.ref(t) for t in call.inputs] + [
        refs.ref(t) for t in call.outputs]
    if call.scratch_bytes:
        args.append(f"A({compiled.plan.scratch_offset(op.index)})")
    base.update(params_type=call.params_type, params_symbol=psym, arrays=arrays, fields=fields,
                statement=f"{call.func}({', '.join(args)});", comment="")
    return base


def emit_c(compiled: Compiled, source_name: str | None = None, metadata=None) -> GeneratedFiles:
    """metadata: a micro.frontend.metadata.ModelMetadata (its strings, labels and input normalization go
    into the header), or None."""
    refs = _Refs(compiled)
    name = compiled.name
    calls = [_call(compiled, refs, low) for low in compiled.lowered]
    ctx = dict(
        version=__version__, source=source_name or f"{name}.tflite", sha256=compiled.model.source_sha256 or "-",
        name=name, NAME=name.upper(), ops=compiled.lowered, macs=compiled.macs,
        arena_bytes=compiled.plan.arena_bytes, lower_bound_bytes=compiled.plan.lower_bound_bytes,
        weight_bytes=compiled.weight_bytes, weights=_weights(compiled, refs), calls=calls,
        inputs=_io(compiled, refs, "input", compiled.graph.inputs),
        outputs=_io(compiled, refs, "output", compiled.graph.outputs))
    ctx["meta"] = _metadata_context(compiled, metadata, ctx["inputs"], ctx["outputs"])
    files = {
        f"{name}.h": _ENV.get_template("model.h.j2").render(ctx),
        f"{name}.c": _ENV.get_template("model.c.j2").render(ctx),
        f"{name}_weights.c": _ENV.get_template("weights.c.j2").render(ctx),
    }
    kernels = list(COMMON_KERNEL_FILES)
    for low in compiled.lowered:
        if isinstance(low.call, KernelCall):
            for src in (low.call.source, *low.call.extra_sources):
                if src not in kernels:
                    kernels.append(src)
    return GeneratedFiles(files, kernels)


def write_c(generated: GeneratedFiles, out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, text in generated.files.items():
        (out / fname).write_text(text)
        written.append(out / fname)
    for fname in generated.kernel_files:
        shutil.copyfile(KERNELS_DIR / fname, out / fname)
        written.append(out / fname)
    return written

"""Every file of the Arduino library for a compiled model: the generated C, its kernels, micro's serial harness,
the public header, the Classify and SerialVerify examples, keywords.txt, README.md, library.properties and
library.json (micro.deploy.arduino.library_info).

Strings from the model or the user are escaped for where they land (micro.deploy.text): C comments (the
source file name, tensor names), shell commands shown in comments and the README, Markdown prose.

Public API::

    arduino_library(compiled, board, metadata, info, generated=None, source_name=None, sample=None,
                    sample_note=None) -> ArduinoLibrary   (.files: path -> content, .main_cpp for
                                                            `micro build --framework arduino`, .kernels)
    sample_inputs(compiled, sample=None, seed=0) -> list[np.ndarray]   the Classify example's input
    quantize_like_c(x, scale, zero_point, qmin, qmax) -> np.ndarray    what <name>_quantize_inputN() computes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from micro import __version__
from micro.codegen import GeneratedFiles, emit_c
from micro.codegen.escape import c_comment
from micro.codegen.header_context import model_io
from micro.deploy.arduino.namespace import NAMESPACE_HEADER, namespace_header, namespaced_source
from micro.deploy.arduino.library_info import ExportError, LibraryInfo, library_json_text, properties_text
from micro.deploy.boards import Board, get_board
from micro.deploy.firmware_sources import TEMPLATES_DIR, model_binding
from micro.deploy.kernels import KernelReport, kernel_report, kernel_sources
from micro.deploy.text import md_code, shell_arg

ARDUINO_TEMPLATES = TEMPLATES_DIR / "arduino"
COMMON_TEMPLATES = TEMPLATES_DIR / "common"
HARNESS_COMMON = ("mn_protocol.c", "mn_protocol.h", "mn_serve.c", "mn_serve.h", "mn_board.h", "mn_model_api.h")
HARNESS_ARDUINO = ("mn_arduino_harness.cpp", "mn_arduino_harness.h")
EXAMPLES = ("Classify", "SerialVerify")

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ARDUINO_TEMPLATES)), undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _c_array(values, fmt, per_line: int = 12) -> str:
    vals = [fmt(v) for v in values]
    rows = ["    " + ", ".join(vals[i:i + per_line]) + "," for i in range(0, len(vals), per_line)]
    return "\n".join(rows) if rows else "    0,"


def _float_literal(v: np.float32) -> str:
    r = repr(float(v))
    return (r if any(c in r for c in ".en") else r + ".0") + "f"


def quantize_like_c(x: np.ndarray, scale: float, zero_point: int, qmin: int, qmax: int) -> np.ndarray:
    """What the generated <name>_quantize_inputN() computes, in numpy (float32 division, halves away
    from zero, saturation)."""
    v = np.asarray(x, dtype=np.float32) / np.float32(scale)
    v = np.clip(np.nan_to_num(v, nan=0.0), -1.0e6, 1.0e6).astype(np.float32)
    q = np.trunc(v)
    frac = v - q
    q = q + (frac >= 0.5) - (frac <= -0.5)
    return np.clip(q.astype(np.int64) + int(zero_point), qmin, qmax)


def sample_inputs(compiled, sample: list[np.ndarray] | None = None, seed: int = 0) -> list[np.ndarray]:
    """The quantized sample each input gets in the Classify example: `sample` (real values are quantized as
    the device would) or a fixed pseudo-random pattern."""
    g = compiled.graph
    inputs, _ = model_io(compiled)
    rng = np.random.default_rng(seed)
    out = []
    for k, (t_idx, io) in enumerate(zip(g.inputs, inputs)):
        t = g.tensors[t_idx]
        lo, hi = (io["qmin"], io["qmax"]) if io["qmax"] else (-128, 127)   # integer types with helpers, else int8
        if sample is not None:
            x = np.asarray(sample[k])
            if x.size != t.size:
                raise ExportError(f"sample for input {k} has {x.size} values, '{t.name}' needs {t.size}")
            if np.issubdtype(x.dtype, np.floating) and t.quant is not None:
                x = quantize_like_c(x.ravel(), t.quant.s, t.quant.zp, lo, hi)
            out.append(np.asarray(x).astype(t.dtype).reshape(t.shape))
        else:
            out.append(rng.integers(lo, hi + 1, size=t.shape).astype(t.dtype))
    return out


def _sample_header(compiled, ios: list[dict], samples: list[np.ndarray], note: str) -> str:
    g = compiled.graph
    rows = []
    for io, q in zip(ios, samples):
        t = g.tensors[g.inputs[io["pos"]]]
        if io["helpers"]:
            real = np.float32(t.quant.s) * (q.ravel().astype(np.float32) - np.float32(t.quant.zp))
            body = _c_array(real.astype(np.float32), _float_literal, 8)
            rows.append(dict(pos=io["pos"], lname=io["lname"], tensor_name=c_comment(t.name), dtype=t.dtype,
                             shape=list(t.shape), real=True, ctype="float", count=t.size, body=body))
        else:
            body = _c_array(q.ravel().tolist(), lambda v: str(int(v)), 16)
            rows.append(dict(pos=io["pos"], lname=io["lname"], tensor_name=c_comment(t.name), dtype=t.dtype,
                             shape=list(t.shape), real=False, ctype=io["ctype"], count=t.size, body=body))
    return _ENV.get_template("sample_input.h.j2").render(name=compiled.name, samples=rows,
                                                          sample_note=c_comment(note))


@dataclass
class ArduinoLibrary:
    info: LibraryInfo
    files: dict[str, str | bytes | Path]       # path inside the library folder -> content (or a file to copy)
    main_cpp: str                              # the SerialVerify sketch as a PlatformIO src/main.cpp
    kernels: KernelReport
    samples: list[np.ndarray] = field(default_factory=list)

    def read(self, rel: str) -> bytes:
        v = self.files[rel]
        if isinstance(v, Path):
            return v.read_bytes()
        return v.encode() if isinstance(v, str) else v


def arduino_library(compiled, board: Board | str, metadata, info: LibraryInfo,
                    generated: GeneratedFiles | None = None, source_name: str | None = None, sample: list[np.ndarray] | None = None,
                    sample_note: str | None = None) -> ArduinoLibrary:
    board = get_board(board)
    source_name = source_name or f"{compiled.name}.tflite"
    generated = generated or emit_c(compiled, source_name, metadata)
    kernels = kernel_report(generated.kernel_files, board)
    inputs, outputs = model_io(compiled)
    lab = getattr(metadata, "labels", None)
    top = outputs[lab[0]] if lab else outputs[0]
    ctx = dict(name=compiled.name, NAME=compiled.name.upper(), lib=info, micro_version=__version__,
               source=c_comment(source_name), source_arg=c_comment(shell_arg(source_name)),   # in C comments
               sha256=compiled.model.source_sha256 or "-", board=board.name,
               macs=f"{compiled.macs:,}", weight_bytes=f"{compiled.weight_bytes:,}",
               arena_bytes=f"{compiled.plan.arena_bytes:,}", guard=info.guard, inputs=inputs, outputs=outputs,
               top=top, state_bytes=f"{compiled.state.state_bytes:,}", stateful=compiled.state.state_bytes > 0)
    files: dict[str, str | bytes | Path] = {}
    for fname, text in generated.files.items():
        files[f"src/micro/{fname}"] = text
    for fname, path in kernel_sources(generated.kernel_files).items():
        files[f"src/micro/{fname}"] = path
    for fname in HARNESS_COMMON:
        files[f"src/micro/{fname}"] = COMMON_TEMPLATES / fname
    for fname in HARNESS_ARDUINO:
        files[f"src/micro/{fname}"] = ARDUINO_TEMPLATES / fname
    files["src/micro/mn_model_binding.c"] = model_binding(compiled)
    _namespace(files, compiled.name)
    files[f"src/{info.header}"] = _ENV.get_template("Library.h.j2").render(ctx)
    samples = sample_inputs(compiled, sample)
    note = sample_note or ("given to `micro export`" if sample is not None else "a fixed pseudo-random pattern")
    files["examples/Classify/Classify.ino"] = _ENV.get_template("Classify.ino.j2").render(ctx)
    files["examples/Classify/sample_input.h"] = _sample_header(compiled, inputs, samples, note)
    files["examples/SerialVerify/SerialVerify.ino"] = _ENV.get_template("SerialVerify.ino.j2").render(ctx)
    examples = {ex: sorted(p.split("/")[-1] for p in files if p.startswith(f"examples/{ex}/")) for ex in EXAMPLES}
    files["library.properties"] = properties_text(info)
    files["library.json"] = library_json_text(info, examples)
    files["keywords.txt"] = _keywords(compiled, inputs, outputs, info)
    files["README.md"] = _readme(compiled, info, board, source_name, kernels, metadata)
    main_cpp = _ENV.get_template("main.cpp.j2").render(ctx)
    return ArduinoLibrary(info, files, main_cpp, kernels, samples)


def _namespace(files: dict, model: str) -> None:
    """Per-model symbol names (micro.deploy.arduino.namespace): mn_namespace.h, included first by every source."""
    sources = {rel: (v.read_text() if isinstance(v, Path) else v) for rel, v in files.items()
               if rel.startswith("src/micro/")}
    files[f"src/micro/{NAMESPACE_HEADER}"] = namespace_header(model, list(sources.values()))
    for rel, text in sources.items():
        if rel.endswith((".c", ".cpp")):
            files[rel] = namespaced_source(text)


def _keywords(compiled, inputs, outputs, info) -> str:
    n, N = compiled.name, compiled.name.upper()
    words = [dict(word=f"{n}_{f}", kind="KEYWORD2") for f in ("init", "invoke", "reset", "input", "output", "arena")]
    for io in inputs:
        if io["helpers"]:
            words += [dict(word=f"{n}_quantize_{io['lname']}", kind="KEYWORD2"),
                      dict(word=f"{n}_set_{io['lname']}_float", kind="KEYWORD2")]
    for io in outputs:
        if io["helpers"]:
            words += [dict(word=f"{n}_dequantize_{io['lname']}", kind="KEYWORD2"),
                      dict(word=f"{n}_{io['lname']}_float", kind="KEYWORD2"),
                      dict(word=f"{n}_argmax_{io['lname']}", kind="KEYWORD2")]
    words += [dict(word="micro_harness_begin", kind="KEYWORD2"), dict(word="micro_harness_poll", kind="KEYWORD2"),
              dict(word=f"{n}_labels", kind="LITERAL1"), dict(word=f"{N}_NUM_LABELS", kind="LITERAL1"),
              dict(word=f"{N}_ARENA_BYTES", kind="LITERAL1")]
    return _ENV.get_template("keywords.txt.j2").render(lib=info, keywords=words)


def _readme(compiled, info: LibraryInfo, board: Board, source_name: str, kernels: KernelReport, metadata) -> str:
    n = compiled.name
    lab = getattr(metadata, "labels", None)
    lines = [
        f"# {info.name}", "",
        f"{info.readme_sentence}", "", f"{info.readme_paragraph}", "",
        f"Generated by micro {__version__} from {md_code(source_name)} (sha256 `{compiled.model.source_sha256}`) "
        f"for {board.name}; {kernels.summary()}.", "",
        "## Use", "",
        "```cpp", f"#include <{info.header}>", "",
        f"{n}_init();                                 // once",
        f"{n}_set_input0_float(values, {n.upper()}_INPUT0_ELEMENTS);  // real values, quantized for the model",
        f"{n}_invoke();",
        f"int best = {n}_argmax_output0();           // and {n}_output0_float(best) for its score",
        "```", "",
    ]
    if lab:
        lines += [f"Labels: `{n}_labels[i]` ({len(lab[1])}, for output {lab[0]}).", ""]
    if compiled.state.state_bytes:
        lines += [
            "## Streaming", "",
            f"The model keeps {compiled.state.state_bytes:,} bytes of state from one invoke to the next (what it "
            "remembers of earlier inputs): give it consecutive inputs, one invoke each, and read the output after "
            f"every invoke. `{n}_reset()` starts a new stream (the state as after `{n}_init()`); the Classify "
            "example does it when it receives `r` on Serial.", "",
            "```sh", f"micro verify {shell_arg(source_name)} --board {board.name} --port /dev/ttyACM0 --stream 100",
            "```", "",
            "compares 100 consecutive invokes on the board with TensorFlow Lite Micro, invoke by invoke.", ""]
    lines += [
        "## Check it on the board", "",
        "Upload `examples/SerialVerify`, then on the computer:", "",
        "```sh", f"micro verify {shell_arg(source_name)} --board {board.name} --port /dev/ttyACM0 --random 10",
        "```", "",
        "Every output byte is compared with TensorFlow Lite Micro running the same .tflite on the host.", "",
    ]
    return "\n".join(lines)

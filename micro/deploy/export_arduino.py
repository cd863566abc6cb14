"""`micro export arduino`: the compiled model as an Arduino library, zipped for "Add .ZIP Library" and
`arduino-cli lib install --zip-path`.

Layout (Arduino library specification 1.5, rev. 2.2: recursive layout, metadata in library.properties)::

    <Name>/library.properties        name, version, author, maintainer, sentence, paragraph, category, url,
                                     architectures, includes
    <Name>/library.json              PlatformIO's manifest, generated from the same data
    <Name>/keywords.txt, README.md
    <Name>/src/<Name>.h              the one public header (src/ root headers are a library's interface)
    <Name>/src/micro/                the model (<model>.h/.c, <model>_weights.c), its kernels (mn_*.c/h, the
                                     board's kernel variant), and the serial harness (mn_protocol, mn_serve,
                                     mn_arduino_harness: micro's framed protocol on any Stream)
    <Name>/examples/Classify/        Classify.ino + sample_input.h: quantize a sample, invoke, print the top class
    <Name>/examples/SerialVerify/    SerialVerify.ino: serves the protocol for `micro verify --port`

The ZIP holds that one folder (Arduino IDE and arduino-cli refuse a ZIP with several top-level entries).

Public API::

    library_info(compiled, metadata, name=None, version=None, author=None, ...) -> LibraryInfo
    arduino_library(compiled, board, metadata, info, ...) -> ArduinoLibrary   (.files: path -> content,
        .main_cpp for `micro build --framework arduino`)
    write_library(lib, folder) -> Path;  write_zip(lib, zip_path) -> Path
    check_library(root) -> list[str];  check_zip(zip_path) -> list[str]   (spec problems; [] when valid)
    export_arduino(model_path, output_zip, board="nano33ble", labels=None, ...) -> ExportResult
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from micro import __version__
from micro.deploy.boards import Board, get_board
from micro.codegen.escape import c_comment
from micro.codegen.header_context import model_io
from micro.dtypes import QRANGE
from micro.errors import MicroError

from micro.deploy.firmware import TEMPLATES_DIR as TEMPLATES  # noqa: E402 - firmware_templates/, wherever installed
from micro.deploy.firmware import model_binding  # noqa: E402 - the mn_model record, shared with the firmware

ARDUINO_TEMPLATES = TEMPLATES / "arduino"
COMMON_TEMPLATES = TEMPLATES / "common"
PROJECT_URL = "https://github.com/micro-nn-compiler/micro"
CATEGORIES = ("Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
              "Data Storage", "Data Processing", "Other")
REQUIRED_PROPERTIES = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                       "architectures")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]*$")          # library.properties name
FOLDER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")          # library root folder
SKETCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]*$")         # sketch folder
SEMVER_RE = re.compile(r"^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$")
HARNESS_COMMON = ("mn_protocol.c", "mn_protocol.h", "mn_serve.c", "mn_serve.h", "mn_board.h", "mn_model_api.h")
HARNESS_ARDUINO = ("mn_arduino_harness.cpp", "mn_arduino_harness.h")
EXAMPLES = ("Classify", "SerialVerify")
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ARDUINO_TEMPLATES)), undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


class ExportError(MicroError):
    """The Arduino library could not be made."""


# ---------------------------------------------------------------------------------------------
# library.properties / library.json
# ---------------------------------------------------------------------------------------------

@dataclass
class LibraryInfo:
    name: str
    version: str
    author: str
    maintainer: str
    sentence: str
    paragraph: str
    category: str = "Data Processing"
    url: str = PROJECT_URL
    architectures: str = "*"
    license: str = ""

    @property
    def header(self) -> str:
        return f"{self.name}.h"

    @property
    def guard(self) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", self.name).upper()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def default_library_name(model_name: str, output: str | os.PathLike | None = None) -> str:
    """From the output file's stem (Model.zip -> Model), else CamelCase of the model name."""
    stem = Path(output).stem if output else ""
    if stem and FOLDER_RE.match(stem):
        name = stem
    else:
        name = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", model_name) if p) or "Model"
        if not name[0].isalpha():
            name = "Model" + name
    if name.lower().startswith("arduino"):  # names starting with "Arduino" are reserved for Arduino's own
        name = "Micro" + name
    return name[:63]


def library_info(compiled, metadata=None, name: str | None = None, version: str | None = None,
                 author: str | None = None, maintainer: str | None = None, url: str | None = None,
                 architectures: str | None = None, output: str | os.PathLike | None = None) -> LibraryInfo:
    g = compiled.graph
    name = name or default_library_name(compiled.name, output)
    meta_version = getattr(metadata, "version", "") or ""
    version = version or (meta_version if SEMVER_RE.match(meta_version) else "1.0.0")
    author = _one_line(author or getattr(metadata, "author", "") or "micro (generated)")
    maintainer = _one_line(maintainer or author)

    def io_text(kind, idx):
        t = g.tensors[idx]
        return f"{kind} {t.dtype}{list(t.shape)}"

    title = _one_line(getattr(metadata, "name", "") or compiled.name)
    sentence = (f"The TFLite model {title} compiled to static C99 by micro: bit-exact with TensorFlow Lite Micro, "
                "no interpreter, no heap.")
    parts = []
    desc = _one_line(getattr(metadata, "description", "") or "")
    if desc:
        parts.append(desc.rstrip(".") + ".")
    parts.append(f"{len(compiled.lowered)} ops, {compiled.macs:,} MACs; weights {compiled.weight_bytes:,} bytes "
                 f"in flash, arena {compiled.plan.arena_bytes:,} bytes of RAM.")
    parts.append(", ".join([io_text("input", i) for i in g.inputs] + [io_text("output", o) for o in g.outputs]) + ".")
    lab = getattr(metadata, "labels", None)
    if lab:
        parts.append(f"{len(lab[1])} labels.")
    parts.append("Examples: Classify (quantize, invoke, print the top class) and SerialVerify (run `micro verify "
                 "--port` against the board).")
    info = LibraryInfo(name=name, version=version, author=author, maintainer=maintainer, sentence=sentence,
                       paragraph=" ".join(parts), url=url or PROJECT_URL, architectures=architectures or "*",
                       license=_one_line(getattr(metadata, "license", "") or ""))
    problems = _info_problems(info)
    if problems:
        raise ExportError("invalid Arduino library metadata: " + "; ".join(problems))
    return info


def _info_problems(info: LibraryInfo) -> list[str]:
    out = []
    if not NAME_RE.match(info.name) or not re.search(r"[A-Za-z]", info.name) or len(info.name) > 63:
        out.append(f"name '{info.name}': letters, digits, spaces, '_', '.', '-'; starts with a letter or digit; "
                   "at least one letter; at most 63 characters")
    if not FOLDER_RE.match(info.name):
        out.append(f"name '{info.name}' is also the folder and header name: no spaces")
    if info.name.lower().startswith("arduino"):
        out.append(f"name '{info.name}': names starting with 'Arduino' are reserved for Arduino's libraries")
    if not SEMVER_RE.match(info.version):
        out.append(f"version '{info.version}' is not semver (e.g. 1.0.0)")
    if info.category not in CATEGORIES:
        out.append(f"category '{info.category}' is not one of {', '.join(CATEGORIES)}")
    for key in ("author", "maintainer", "sentence", "paragraph", "url", "architectures"):
        value = getattr(info, key)
        if not value or "\n" in value:
            out.append(f"{key} must be one non-empty line")
    return out


def properties_text(info: LibraryInfo) -> str:
    rows = [("name", info.name), ("version", info.version), ("author", info.author),
            ("maintainer", info.maintainer), ("sentence", info.sentence), ("paragraph", info.paragraph),
            ("category", info.category), ("url", info.url), ("architectures", info.architectures),
            ("includes", info.header)]
    return "".join(f"{k}={v}\n" for k, v in rows)


def _person(text: str) -> dict:
    m = re.match(r"^\s*(.*?)\s*<([^>]+)>\s*$", text)
    return {"name": m.group(1), "email": m.group(2)} if m else {"name": text.strip()}


def library_json_text(info: LibraryInfo, examples: dict[str, list[str]]) -> str:
    authors = [dict(_person(a), maintainer=False) for a in info.author.split(",") if a.strip()]
    maint = _person(info.maintainer)
    for a in authors:
        if a["name"] == maint["name"]:
            a["maintainer"] = True
            break
    else:
        authors.append(dict(maint, maintainer=True))
    data = {
        "name": info.name,
        "version": info.version,
        "description": f"{info.sentence} {info.paragraph}",
        "keywords": ["tinyml", "tflite", "tensorflow lite micro", "neural network", "micro"],
        "authors": authors,
        "homepage": info.url,
        "frameworks": "*",
        "platforms": "*",
        "headers": [info.header],
        "examples": [{"name": ex, "base": f"examples/{ex}", "files": files} for ex, files in examples.items()],
        "build": {"srcDir": "src", "includeDir": "src"},
    }
    if info.license:
        data["license"] = info.license
    return json.dumps(data, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# The library's files
# ---------------------------------------------------------------------------------------------

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
    rng = np.random.default_rng(seed)
    out = []
    for k, t_idx in enumerate(g.inputs):
        t = g.tensors[t_idx]
        lo, hi = QRANGE.get(t.dtype, (-128, 127))
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
            rows.append(dict(pos=io["pos"], lname=io["lname"], tensor_name=c_comment(t.name), dtype=t.dtype, shape=list(t.shape),
                             real=True, ctype="float", count=t.size, body=body))
        else:
            body = _c_array(q.ravel().tolist(), lambda v: str(int(v)), 16)
            rows.append(dict(pos=io["pos"], lname=io["lname"], tensor_name=c_comment(t.name), dtype=t.dtype, shape=list(t.shape),
                             real=False, ctype=io["ctype"], count=t.size, body=body))
    return _ENV.get_template("sample_input.h.j2").render(name=compiled.name, samples=rows, sample_note=note)


@dataclass
class ArduinoLibrary:
    info: LibraryInfo
    files: dict[str, str | bytes | Path]       # path inside the library folder -> content (or a file to copy)
    main_cpp: str                              # the SerialVerify sketch as a PlatformIO src/main.cpp
    selection: object                          # micro.deploy.build.KernelSelection
    samples: list[np.ndarray] = field(default_factory=list)

    def read(self, rel: str) -> bytes:
        v = self.files[rel]
        if isinstance(v, Path):
            return v.read_bytes()
        return v.encode() if isinstance(v, str) else v


def arduino_library(compiled, board: Board | str, metadata, info: LibraryInfo, generated=None, selection=None,
                    source_name: str | None = None, sample: list[np.ndarray] | None = None,
                    sample_note: str | None = None) -> ArduinoLibrary:
    from micro.deploy.build import select_kernels
    from micro.codegen import emit_c
    board = get_board(board) if isinstance(board, str) else board
    source_name = source_name or f"{compiled.name}.tflite"
    generated = generated or emit_c(compiled, source_name, metadata)
    selection = selection or select_kernels(generated.kernel_files, board)
    inputs, outputs = model_io(compiled)
    lab = getattr(metadata, "labels", None)
    top = outputs[lab[0]] if lab else outputs[0]
    ctx = dict(name=compiled.name, NAME=compiled.name.upper(), lib=info, micro_version=__version__,
               source=source_name, sha256=compiled.model.source_sha256 or "-", board=board.name,
               macs=f"{compiled.macs:,}", weight_bytes=f"{compiled.weight_bytes:,}",
               arena_bytes=f"{compiled.plan.arena_bytes:,}", guard=info.guard, inputs=inputs, outputs=outputs,
               top=top)
    files: dict[str, str | bytes | Path] = {}
    for fname, text in generated.files.items():
        files[f"src/micro/{fname}"] = text
    for fname, path in selection.files.items():
        files[f"src/micro/{fname}"] = path
    for fname in HARNESS_COMMON:
        files[f"src/micro/{fname}"] = COMMON_TEMPLATES / fname
    for fname in HARNESS_ARDUINO:
        files[f"src/micro/{fname}"] = ARDUINO_TEMPLATES / fname
    files["src/micro/mn_model_binding.c"] = model_binding(compiled)
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
    files["README.md"] = _readme(compiled, info, board, source_name, selection, metadata)
    main_cpp = _ENV.get_template("main.cpp.j2").render(ctx)
    return ArduinoLibrary(info, files, main_cpp, selection, samples)


def _keywords(compiled, inputs, outputs, info) -> str:
    n, N = compiled.name, compiled.name.upper()
    words = [dict(word=f"{n}_{f}", kind="KEYWORD2") for f in ("init", "invoke", "input", "output", "arena")]
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


def _readme(compiled, info, board, source_name, selection, metadata) -> str:
    n = compiled.name
    lab = getattr(metadata, "labels", None)
    lines = [
        f"# {info.name}", "",
        f"{info.sentence}", "", f"{info.paragraph}", "",
        f"Generated by micro {__version__} from `{source_name}` (sha256 `{compiled.model.source_sha256}`) for "
        f"{board.name}; {selection.summary()}.", "",
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
    lines += [
        "## Check it on the board", "",
        "Upload `examples/SerialVerify`, then on the computer:", "",
        "```sh", f"micro verify {source_name} --board {board.name} --port /dev/ttyACM0 --random 10", "```", "",
        "Every output byte is compared with TensorFlow Lite Micro running the same .tflite on the host.", "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Writing, zipping, checking
# ---------------------------------------------------------------------------------------------

def write_library(lib: ArduinoLibrary, folder: str | os.PathLike) -> Path:
    """Write the library as <folder>/<name>/...; returns that library root."""
    root = Path(folder) / lib.info.name
    for rel in sorted(lib.files):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(lib.read(rel))
    return root


def write_zip(lib: ArduinoLibrary, zip_path: str | os.PathLike) -> Path:
    """One top-level folder <name>/; fixed timestamps and order, so the same model gives the same bytes."""
    path = Path(zip_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        dirs = sorted({"/".join(rel.split("/")[:i]) for rel in lib.files for i in range(1, rel.count("/") + 1)})
        entries = [(f"{lib.info.name}/", None)] + [(f"{lib.info.name}/{d}/", None) for d in dirs] + \
                  [(f"{lib.info.name}/{rel}", rel) for rel in sorted(lib.files)]
        for arcname, rel in entries:
            zi = zipfile.ZipInfo(arcname, _ZIP_DATE)
            if rel is None:
                zi.external_attr = (0o40755 << 16) | 0x10
                z.writestr(zi, b"")
            else:
                zi.external_attr = 0o100644 << 16
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, lib.read(rel))
    path.write_bytes(buf.getvalue())
    return path


def parse_properties(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def check_library(root: str | os.PathLike) -> list[str]:
    """Problems of a library folder against the Arduino library specification 1.5 (empty list = valid)."""
    root = Path(root)
    probs = []
    if not FOLDER_RE.match(root.name) or len(root.name) > 63:
        probs.append(f"root folder '{root.name}': letters, digits, '_', '.', '-', starting with a letter or digit, "
                     "at most 63 characters")
    props_path = root / "library.properties"
    if not props_path.is_file():
        return probs + ["no library.properties in the library root"]
    try:
        props = parse_properties(props_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return probs + ["library.properties is not UTF-8"]
    for key in REQUIRED_PROPERTIES:
        if not props.get(key):
            probs.append(f"library.properties: '{key}' is required")
    info = LibraryInfo(**{k: props.get(k, "") for k in REQUIRED_PROPERTIES})
    probs += [f"library.properties: {p}" for p in _info_problems(info) if "is required" not in p]
    if props.get("url") and not re.match(r"^https?://", props["url"]):
        probs.append("library.properties: url must be a web address")
    src = root / "src"
    if not src.is_dir():
        probs.append("no src/ folder (the 1.5 recursive layout keeps every source under src/)")
    else:
        includes = [h.strip() for h in props.get("includes", "").split(",") if h.strip()]
        for h in includes:
            if not (src / h).is_file():
                probs.append(f"library.properties: includes names {h}, which is not in src/")
        root_headers = sorted(p.name for p in src.glob("*.h"))
        if not root_headers:
            probs.append("src/ has no header: the IDE includes the src/ root headers")
        if f"{root.name}.h" not in root_headers:
            probs.append(f"src/{root.name}.h is missing (arduino-cli's ZIP install looks for a header named like "
                         "the library folder)")
        extra = [h for h in root_headers if includes and h not in includes]
        if extra:
            probs.append(f"headers in the src/ root besides the public one ({', '.join(extra)}): internal headers "
                         "belong in a subfolder")
        for p in src.rglob("*"):
            if p.suffix in (".ino", ".pde"):
                probs.append(f"{p.relative_to(root)}: sketch files are not compiled from src/")
    for loose in root.iterdir():
        if loose.is_file() and loose.suffix in (".c", ".cpp", ".h", ".S"):
            probs.append(f"{loose.name} in the library root: with src/ present, only src/ is compiled")
    ex = root / "examples"
    if ex.exists():
        for d in sorted(p for p in ex.iterdir()):
            if not d.is_dir():
                probs.append(f"examples/{d.name}: every example is a sketch folder")
                continue
            if not SKETCH_RE.match(d.name) or len(d.name) > 63:
                probs.append(f"examples/{d.name}: not a valid sketch folder name")
            if not (d / f"{d.name}.ino").is_file() and not (d / f"{d.name}.pde").is_file():
                probs.append(f"examples/{d.name}: the primary sketch file {d.name}.ino is missing")
    lj = root / "library.json"
    if lj.is_file():
        try:
            data = json.loads(lj.read_text())
            for key in ("name", "version"):
                if str(data.get(key)) != props.get(key):
                    probs.append(f"library.json {key} '{data.get(key)}' differs from library.properties "
                                 f"'{props.get(key)}'")
        except ValueError as e:
            probs.append(f"library.json is not JSON: {e}")
    return probs


def check_zip(zip_path: str | os.PathLike) -> list[str]:
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            return [f"the ZIP must hold one folder, the library; it has {len(tops)} top-level entries: "
                    f"{', '.join(sorted(tops))}"]
        with tempfile.TemporaryDirectory() as tmp:
            z.extractall(tmp)
            return check_library(Path(tmp) / tops.pop())


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    zip_path: Path
    library: ArduinoLibrary
    metadata: object


def load_sample(path: str | os.PathLike, compiled) -> list[np.ndarray]:
    try:
        data = np.load(path)
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read sample {path}: {e}") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        g = compiled.graph
        return [data[str(k)] if str(k) in data else data[g.tensors[t].name] for k, t in enumerate(g.inputs)]
    return [data]


def export_arduino(model_path: str | os.PathLike, output: str | os.PathLike | None = None,
                   board: str | Board = "nano33ble", labels: str | os.PathLike | None = None,
                   name: str | None = None, version: str | None = None, author: str | None = None,
                   maintainer: str | None = None, url: str | None = None,
                   sample: str | os.PathLike | None = None, log=print) -> ExportResult:
    from micro.deploy.build import resolve_metadata
    from micro.compiler import compile_model
    from micro.frontend import load_model
    board = get_board(board) if isinstance(board, str) else board
    path = Path(model_path)
    model_bytes = path.read_bytes()
    compiled = compile_model(load_model(path))
    metadata = resolve_metadata(model_bytes, compiled, labels)
    for w in metadata.warnings:
        log(f"warning: {w}")
    info = library_info(compiled, metadata, name=name, version=version, author=author, maintainer=maintainer,
                        url=url, output=output)
    out = Path(output) if output else Path(f"{info.name}.zip")
    samples = load_sample(sample, compiled) if sample else None
    lib = arduino_library(compiled, board, metadata, info, source_name=path.name, sample=samples,
                          sample_note=f"from {Path(sample).name}" if sample else None)
    write_zip(lib, out)
    problems = check_zip(out)
    if problems:
        raise ExportError(f"{out} does not follow the Arduino library specification:\n"
                          + "\n".join(f"  - {p}" for p in problems))
    log(f"{out}: Arduino library {info.name} {info.version} ({len(lib.files)} files) for {compiled.name}")
    log(f"  #include <{info.header}>; examples: {', '.join(EXAMPLES)}")
    log(f"  {lib.selection.summary()}")
    lab = metadata.labels
    if lab:
        log(f"  labels: {len(lab[1])} ({metadata.labels_source or 'model metadata'}) as {compiled.name}_labels[]")
    log(f"  install: Arduino IDE > Sketch > Include Library > Add .ZIP Library, or "
        f"arduino-cli lib install --zip-path {out}")
    return ExportResult(out, lib, metadata)

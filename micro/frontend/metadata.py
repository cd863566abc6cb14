"""TFLite model metadata: read it, and the labels a build uses (the model's, or a labels.txt given instead).

A .tflite file may carry, besides the graph:

* entries of ``Model.metadata`` (name -> buffer): ``min_runtime_version`` (a NUL-padded version string
  written by the converter), ``CONVERSION_METADATA`` (a flatbuffer about the conversion), and
  ``TFLITE_METADATA``: a flatbuffer of TFLite Support's metadata schema (metadata_schema.fbs, file
  identifier "M001", root ``ModelMetadata``) with the model's name, description, version, author, license,
  and per input/output tensor a name, description, normalization (mean/std), value statistics (min/max) and
  associated files (label files are ``TENSOR_AXIS_LABELS``);
* a ZIP archive appended after the flatbuffer holding those associated files (e.g. ``labels.txt``).

Public API::

    read_metadata(model_bytes) -> ModelMetadata      # never raises for a readable model; .warnings lists
                                                     # what could not be used
    load_labels(path) -> list[str]                   # a labels.txt: one label per non-empty line
    ModelMetadata.labels -> (output index, labels) | None, .as_dict(), .summary_lines()
    resolve_metadata(model_bytes, compiled, labels=None) -> ModelMetadata
        what `micro compile`, `micro build` and `micro export` use: the model's metadata, with `labels` (a
        labels.txt path) in place of the model's own label file; label counts checked against the output.

Writing metadata into a model (for tests): micro.testing.metadata_writer.

Field numbers follow metadata_schema.fbs (schema 1.x): ModelMetadata(name 0, description 1, version 2,
subgraph_metadata 3, author 4, license 5, associated_files 6, min_parser_version 7); SubGraphMetadata(name 0,
description 1, input_tensor_metadata 2, output_tensor_metadata 3, associated_files 4, ...);
TensorMetadata(name 0, description 1, dimension_names 2, content 3, process_units 4, stats 5,
associated_files 6); AssociatedFile(name 0, description 1, type 2, locale 3, version 4);
ProcessUnit(options_type 0, options 1) with NormalizationOptions(mean 0, std 1) = union member 1 and
ScoreThresholdingOptions(global_score_threshold 0) = member 3; Stats(max 0, min 1);
Content(content_properties_type 0, content_properties 1, range 2), ContentProperties FeatureProperties = 1,
ImageProperties = 2 (color_space 0), BoundingBoxProperties = 3.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import tflite  # the frontend's flatbuffer parser

from micro.errors import MicroError
from micro.frontend.flatbuffer_table import FlatTable

METADATA_NAME = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
MIN_RUNTIME_NAME = "min_runtime_version"

FILE_TYPES = {0: "UNKNOWN", 1: "DESCRIPTIONS", 2: "TENSOR_AXIS_LABELS", 3: "TENSOR_VALUE_LABELS",
              4: "TENSOR_AXIS_SCORE_CALIBRATION", 5: "VOCABULARY", 6: "SCANN_INDEX_FILE"}
FILE_TYPE_IDS = {v: k for k, v in FILE_TYPES.items()}
CONTENT_TYPES = {1: "feature", 2: "image", 3: "bounding_box", 4: "audio"}
COLOR_SPACES = {0: "unknown", 1: "rgb", 2: "grayscale"}
LABEL_TYPES = ("TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS")


class MetadataError(MicroError):
    """Metadata or a labels file that cannot be used."""


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

@dataclass
class AssociatedFile:
    name: str
    description: str = ""
    type: str = "UNKNOWN"           # one of FILE_TYPES' names
    locale: str = ""
    content: bytes | None = None    # from the ZIP after the flatbuffer; None when it is missing

    def lines(self) -> list[str]:
        return _text_lines(self.content or b"")


@dataclass
class TensorMeta:
    name: str = ""
    description: str = ""
    content: str = ""               # "feature", "image", "bounding_box", "audio" or ""
    color_space: str = ""           # images: "rgb", "grayscale"
    mean: list[float] = field(default_factory=list)      # normalization: (x - mean) / std, per channel
    std: list[float] = field(default_factory=list)
    stats_min: list[float] = field(default_factory=list)
    stats_max: list[float] = field(default_factory=list)
    score_threshold: float | None = None
    associated_files: list[AssociatedFile] = field(default_factory=list)

    def labels(self) -> list[str] | None:
        for f in self.associated_files:
            if f.type in LABEL_TYPES and f.content is not None and not f.locale:
                return f.lines()
        for f in self.associated_files:  # any locale, if there is no default one
            if f.type in LABEL_TYPES and f.content is not None:
                return f.lines()
        return None

    def as_dict(self) -> dict:
        d = dict(name=self.name, description=self.description, content=self.content,
                 color_space=self.color_space, mean=self.mean, std=self.std, stats_min=self.stats_min,
                 stats_max=self.stats_max, score_threshold=self.score_threshold,
                 associated_files=[dict(name=f.name, type=f.type, description=f.description, locale=f.locale,
                                        bytes=None if f.content is None else len(f.content))
                                   for f in self.associated_files])
        return {k: v for k, v in d.items() if v not in ("", [], None)}


@dataclass
class ModelMetadata:
    name: str = ""
    description: str = ""
    version: str = ""
    author: str = ""
    license: str = ""
    min_parser_version: str = ""
    min_runtime_version: str = ""
    inputs: list[TensorMeta] = field(default_factory=list)
    outputs: list[TensorMeta] = field(default_factory=list)
    associated_files: list[AssociatedFile] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)       # names of every Model.metadata entry
    has_tflite_metadata: bool = False
    warnings: list[str] = field(default_factory=list)
    labels_source: str = ""                                 # where .labels came from, for messages
    _labels: tuple[int, list[str]] | None = None

    @property
    def labels(self) -> tuple[int, list[str]] | None:
        """(output index, label strings): from set_labels(), else the first output with a label file."""
        if self._labels is not None:
            return self._labels
        for k, t in enumerate(self.outputs):
            lab = t.labels()
            if lab:
                return k, lab
        return None

    def set_labels(self, labels: list[str], output: int = 0, source: str = "") -> None:
        self._labels = (output, list(labels))
        self.labels_source = source

    def as_dict(self) -> dict:
        lab = self.labels
        d = dict(name=self.name, description=self.description, version=self.version, author=self.author,
                 license=self.license, min_parser_version=self.min_parser_version,
                 min_runtime_version=self.min_runtime_version, entries=self.entries,
                 inputs=[t.as_dict() for t in self.inputs], outputs=[t.as_dict() for t in self.outputs],
                 associated_files=[dict(name=f.name, type=f.type, bytes=None if f.content is None else len(f.content))
                                   for f in self.associated_files],
                 labels=None if lab is None else dict(output=lab[0], count=len(lab[1]), labels=lab[1],
                                                      source=self.labels_source or "metadata"),
                 warnings=self.warnings)
        return {k: v for k, v in d.items() if v not in ("", [], None) or k == "entries"}

    def summary_lines(self) -> list[str]:
        out = []
        if not self.has_tflite_metadata:
            out.append("TFLite metadata: none" + (f" (entries: {', '.join(self.entries)})" if self.entries else ""))
        for key in ("name", "description", "version", "author", "license", "min_parser_version"):
            v = getattr(self, key)
            if v:
                out.append(f"{key}: {v}")
        if self.min_runtime_version:
            out.append(f"min_runtime_version: {self.min_runtime_version}")
        for kind, metas in (("input", self.inputs), ("output", self.outputs)):
            for k, t in enumerate(metas):
                parts = [f"'{t.name}'" if t.name else ""]
                if t.content:
                    parts.append(t.content + (f" ({t.color_space})" if t.color_space else ""))
                if t.mean or t.std:
                    parts.append(f"normalize (x - {_fmt(t.mean)}) / {_fmt(t.std)}")
                if t.stats_min or t.stats_max:
                    parts.append(f"range [{_fmt(t.stats_min)}, {_fmt(t.stats_max)}]")
                for f in t.associated_files:
                    parts.append(f"{f.type} file {f.name}" + ("" if f.content is not None else " (missing)"))
                if t.description:
                    parts.append(f"- {t.description}")
                out.append(f"{kind} {k}: " + " ".join(p for p in parts if p))
        lab = self.labels
        if lab is not None:
            shown = ", ".join(lab[1][:12]) + (", ..." if len(lab[1]) > 12 else "")
            out.append(f"labels (output {lab[0]}, {len(lab[1])}"
                       + (f", from {self.labels_source}" if self.labels_source else "") + f"): {shown}")
        out += [f"warning: {w}" for w in self.warnings]
        return out


def _fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:g}"
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _text_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return [line.strip() for line in text.splitlines() if line.strip()]


def load_labels(path: str | Path) -> list[str]:
    """A labels file: one label per line (blank lines and surrounding spaces ignored)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise MetadataError(f"cannot read labels file {path}: {e.strerror}") from None
    labels = _text_lines(data)
    if not labels:
        raise MetadataError(f"labels file {path} has no labels (one label per line)")
    return labels


def _files(t: FlatTable | None, slot: int, archive: dict[str, bytes]) -> list[AssociatedFile]:
    if t is None:
        return []
    out = []
    for f in t.tables(slot):
        name = f.string(0)
        out.append(AssociatedFile(name=name, description=f.string(1),
                                  type=FILE_TYPES.get(f.scalar(2, "b"), f"type{f.scalar(2, 'b')}"),
                                  locale=f.string(3), content=archive.get(name)))
    return out


def _tensor(t: FlatTable, archive: dict[str, bytes]) -> TensorMeta:
    m = TensorMeta(name=t.string(0), description=t.string(1))
    content = t.table(3)
    if content is not None:
        kind = content.scalar(0, "B")
        m.content = CONTENT_TYPES.get(kind, "")
        props = content.table(1)
        if kind == 2 and props is not None:
            m.color_space = COLOR_SPACES.get(props.scalar(0, "b"), "")
    for unit in t.tables(4):
        kind = unit.scalar(0, "B")
        opts = unit.table(1)
        if opts is None:
            continue
        if kind == 1:
            m.mean, m.std = opts.floats(0), opts.floats(1)
        elif kind == 3:
            m.score_threshold = float(opts.scalar(0, "f", 0.0))
    stats = t.table(5)
    if stats is not None:
        m.stats_max, m.stats_min = stats.floats(0), stats.floats(1)
    m.associated_files = _files(t, 6, archive)
    return m


def _archive(model_bytes: bytes) -> tuple[dict[str, bytes], str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(model_bytes)) as z:
            return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}, None
    except zipfile.BadZipFile:
        return {}, None
    except (OSError, RuntimeError, NotImplementedError, zipfile.LargeZipFile) as e:
        return {}, f"the ZIP of associated files after the model cannot be read: {e}"


def _model_entries(model_bytes: bytes) -> dict[str, bytes]:
    m = tflite.Model.GetRootAs(model_bytes, 0)
    out = {}
    for i in range(m.MetadataLength()):
        e = m.Metadata(i)
        name = e.Name().decode("utf-8", "replace") if e.Name() else ""
        idx = e.Buffer()
        data = b""
        if 0 < idx < m.BuffersLength():
            b = m.Buffers(idx)
            if b.Offset() > 1:
                data = bytes(model_bytes[b.Offset():b.Offset() + b.Size()])
            elif b.DataLength():
                data = b.DataAsNumpy().tobytes()
        out[name] = data
    return out


def read_metadata(model_bytes: bytes) -> ModelMetadata:
    """Everything the model says about itself beyond the graph (see the module docstring)."""
    meta = ModelMetadata()
    try:
        entries = _model_entries(model_bytes)
    except Exception as e:  # noqa: BLE001 - the frontend reports unreadable models; here: no metadata
        meta.warnings.append(f"cannot read the model's metadata entries: {e}")
        return meta
    meta.entries = list(entries)
    if MIN_RUNTIME_NAME in entries:
        meta.min_runtime_version = entries[MIN_RUNTIME_NAME].split(b"\0", 1)[0].decode("ascii", "replace")
    raw = entries.get(METADATA_NAME)
    if raw is None:
        return meta
    archive, problem = _archive(model_bytes)
    if problem:
        meta.warnings.append(problem)
    try:
        if len(raw) < 8:
            raise ValueError(f"{len(raw)} bytes")
        if raw[4:8] != METADATA_IDENTIFIER:
            meta.warnings.append(f"{METADATA_NAME} has file identifier {raw[4:8]!r}, expected "
                                 f"{METADATA_IDENTIFIER!r}; read as schema 1.x anyway")
        root = FlatTable(raw, struct.unpack_from("<I", raw, 0)[0])
        meta.name, meta.description, meta.version = root.string(0), root.string(1), root.string(2)
        meta.author, meta.license, meta.min_parser_version = root.string(4), root.string(5), root.string(7)
        meta.associated_files = _files(root, 6, archive)
        subgraphs = root.tables(3)
        if subgraphs:
            sg = subgraphs[0]
            meta.inputs = [_tensor(t, archive) for t in sg.tables(2)]
            meta.outputs = [_tensor(t, archive) for t in sg.tables(3)]
            meta.associated_files += _files(sg, 4, archive)
        meta.has_tflite_metadata = True
    except (ValueError, struct.error) as e:
        meta.warnings.append(f"{METADATA_NAME} is not a valid metadata flatbuffer ({e}); ignored")
        return meta
    every = meta.associated_files + [f for t in meta.inputs + meta.outputs for f in t.associated_files]
    for f in every:
        if f.content is None:
            meta.warnings.append(f"associated file '{f.name}' ({f.type}) is named in the metadata but not "
                                 "packed in the model file")
    return meta


def resolve_metadata(model_bytes: bytes, compiled, labels: str | os.PathLike | None = None) -> ModelMetadata:
    """The model's TFLite metadata, with `labels` (a labels.txt) for output 0 when given. `compiled`: the model
    compiled (micro.compiler.Compiled: its .graph and .name); the label count must match the output's classes,
    an error for `labels`, a warning for the model's own label file."""
    meta = read_metadata(model_bytes)
    g = compiled.graph
    if labels is not None:
        names = load_labels(labels)
        t = g.tensors[g.outputs[0]]
        classes = t.shape[-1] if t.shape else 1
        if len(names) != classes:
            raise MetadataError(f"{labels} has {len(names)} labels but output 0 '{t.name}' of "
                                f"{compiled.name} has {classes} classes (shape {list(t.shape)})")
        meta.set_labels(names, 0, source=Path(labels).name)
    else:
        lab = meta.labels
        if lab is not None:
            k, names = lab
            if k >= len(g.outputs):
                meta.warnings.append(f"labels are attached to output {k}, which the model does not have; ignored")
                meta.outputs[k].associated_files = [f for f in meta.outputs[k].associated_files
                                                    if f.type not in LABEL_TYPES]
            else:
                t = g.tensors[g.outputs[k]]
                classes = t.shape[-1] if t.shape else 1
                if len(names) != classes:
                    meta.warnings.append(f"the label file has {len(names)} labels but output {k} has {classes} "
                                         "classes")
    return meta

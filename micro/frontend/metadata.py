"""TFLite model metadata: read it (and, for tests and tools, write it), and label files.

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
    build_metadata(name=..., description=..., inputs=[TensorMeta], outputs=[TensorMeta], ...) -> bytes
    attach_metadata(model_bytes, metadata_fb, files={"labels.txt": b"..."}) -> bytes
        a copy of the model with a TFLITE_METADATA entry and the files zipped after it (what TFLite
        Support's MetadataPopulator produces), without re-serialising the graph.

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
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from micro.errors import MicroError

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


# ---------------------------------------------------------------------------------------------
# Reading flatbuffers (just what metadata needs)
# ---------------------------------------------------------------------------------------------

class _Table:
    __slots__ = ("buf", "pos", "vt", "vt_len")

    def __init__(self, buf: bytes, pos: int):
        if not 0 <= pos <= len(buf) - 4:
            raise ValueError(f"table offset {pos} outside the buffer")
        self.buf = buf
        self.pos = pos
        self.vt = pos - struct.unpack_from("<i", buf, pos)[0]
        if not 0 <= self.vt <= len(buf) - 4:
            raise ValueError("vtable outside the buffer")
        self.vt_len = struct.unpack_from("<H", buf, self.vt)[0]

    def _field(self, slot: int) -> int:
        at = 4 + 2 * slot
        if at >= self.vt_len:
            return 0
        off = struct.unpack_from("<H", self.buf, self.vt + at)[0]
        return self.pos + off if off else 0

    def _ref(self, slot: int) -> int:
        loc = self._field(slot)
        if not loc:
            return 0
        target = loc + struct.unpack_from("<I", self.buf, loc)[0]
        if target >= len(self.buf):
            raise ValueError("reference outside the buffer")
        return target

    def scalar(self, slot: int, fmt: str, default=0):
        loc = self._field(slot)
        return struct.unpack_from("<" + fmt, self.buf, loc)[0] if loc else default

    def string(self, slot: int) -> str:
        at = self._ref(slot)
        if not at:
            return ""
        n = struct.unpack_from("<I", self.buf, at)[0]
        return self.buf[at + 4:at + 4 + n].decode("utf-8", "replace")

    def table(self, slot: int) -> "_Table | None":
        at = self._ref(slot)
        return _Table(self.buf, at) if at else None

    def _vector(self, slot: int) -> tuple[int, int]:
        at = self._ref(slot)
        if not at:
            return 0, 0
        return at + 4, struct.unpack_from("<I", self.buf, at)[0]

    def tables(self, slot: int) -> list["_Table"]:
        start, n = self._vector(slot)
        out = []
        for i in range(n):
            loc = start + 4 * i
            out.append(_Table(self.buf, loc + struct.unpack_from("<I", self.buf, loc)[0]))
        return out

    def floats(self, slot: int) -> list[float]:
        start, n = self._vector(slot)
        return [float(x) for x in struct.unpack_from(f"<{n}f", self.buf, start)] if n else []


def _files(t: _Table | None, slot: int, archive: dict[str, bytes]) -> list[AssociatedFile]:
    if t is None:
        return []
    out = []
    for f in t.tables(slot):
        name = f.string(0)
        out.append(AssociatedFile(name=name, description=f.string(1),
                                  type=FILE_TYPES.get(f.scalar(2, "b"), f"type{f.scalar(2, 'b')}"),
                                  locale=f.string(3), content=archive.get(name)))
    return out


def _tensor(t: _Table, archive: dict[str, bytes]) -> TensorMeta:
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
    import tflite  # the frontend's flatbuffer parser
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
        root = _Table(raw, struct.unpack_from("<I", raw, 0)[0])
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


# ---------------------------------------------------------------------------------------------
# Writing (tests, tools): a metadata flatbuffer, and a model that carries it
# ---------------------------------------------------------------------------------------------

def build_metadata(name: str = "", description: str = "", version: str = "", author: str = "",
                   license: str = "", inputs: list[TensorMeta] | None = None,
                   outputs: list[TensorMeta] | None = None, associated_files: list[AssociatedFile] | None = None,
                   min_parser_version: str = "1.0.0") -> bytes:
    """A TFLITE_METADATA flatbuffer (file identifier M001) for the given fields."""
    import flatbuffers
    b = flatbuffers.Builder(1024)

    def s(text: str) -> int | None:
        return b.CreateString(text) if text else None

    def table(fields: list[tuple[int, str, object]]) -> int:
        """fields: (slot, kind, value) with kind 'off' (already-built offset), 'b', 'B', 'f'."""
        b.StartObject(max((f[0] for f in fields), default=-1) + 1)
        for slot, kind, value in fields:
            if value is None:
                continue
            if kind == "off":
                b.PrependUOffsetTRelativeSlot(slot, value, 0)
            elif kind == "b":
                b.PrependInt8Slot(slot, value, -1)       # -1: always written
            elif kind == "B":
                b.PrependUint8Slot(slot, value, 255)
            elif kind == "f":
                b.PrependFloat32Slot(slot, value, float("nan"))
        return b.EndObject()

    def offsets(offs: list[int]) -> int | None:
        if not offs:
            return None
        b.StartVector(4, len(offs), 4)
        for o in reversed(offs):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    def float_vector(values: list[float]) -> int | None:
        if not values:
            return None
        b.StartVector(4, len(values), 4)
        for v in reversed(values):
            b.PrependFloat32(float(v))
        return b.EndVector()

    def files(fs: list[AssociatedFile]) -> int | None:
        built = []
        for f in fs:
            n, d, loc = s(f.name), s(f.description), s(f.locale)
            built.append(table([(0, "off", n), (1, "off", d), (2, "b", FILE_TYPE_IDS.get(f.type, 0)),
                                (3, "off", loc)]))
        return offsets(built)

    def tensor(t: TensorMeta) -> int:
        n, d = s(t.name), s(t.description)
        content = None
        if t.content:
            kind = {v: k for k, v in CONTENT_TYPES.items()}[t.content]
            props = table([(0, "b", {v: k for k, v in COLOR_SPACES.items()}.get(t.color_space, 0))]
                          if kind == 2 else [])
            content = table([(0, "B", kind), (1, "off", props)])
        units = []
        if t.mean or t.std:
            mean, std = float_vector(t.mean), float_vector(t.std)
            norm = table([(0, "off", mean), (1, "off", std)])
            units.append(table([(0, "B", 1), (1, "off", norm)]))
        if t.score_threshold is not None:
            thr = table([(0, "f", t.score_threshold)])
            units.append(table([(0, "B", 3), (1, "off", thr)]))
        units_vec = offsets(units)
        stats = None
        if t.stats_min or t.stats_max:
            mx, mn = float_vector(t.stats_max), float_vector(t.stats_min)
            stats = table([(0, "off", mx), (1, "off", mn)])
        af = files(t.associated_files)
        return table([(0, "off", n), (1, "off", d), (3, "off", content), (4, "off", units_vec),
                      (5, "off", stats), (6, "off", af)])

    ins = offsets([tensor(t) for t in inputs or []])
    outs = offsets([tensor(t) for t in outputs or []])
    sg = table([(2, "off", ins), (3, "off", outs)])
    sgs = offsets([sg])
    fields = [(0, "off", s(name)), (1, "off", s(description)), (2, "off", s(version)), (3, "off", sgs),
              (4, "off", s(author)), (5, "off", s(license)), (6, "off", files(associated_files or [])),
              (7, "off", s(min_parser_version))]
    root = table(fields)
    b.Finish(root, file_identifier=METADATA_IDENTIFIER)
    return bytes(b.Output())


def _u32(buf, at):
    return struct.unpack_from("<I", buf, at)[0]


def attach_metadata(model_bytes: bytes, metadata_fb: bytes, files: dict[str, bytes] | None = None,
                    name: str = METADATA_NAME) -> bytes:
    """The model with a `name` metadata entry holding `metadata_fb` and `files` zipped after it.

    The graph is not re-serialised: a new root Model table, its metadata and buffers vectors and the new
    buffer are written in a prefix (a multiple of 16 bytes, so every old object keeps its alignment) in
    front of the unchanged old flatbuffer, whose objects the new vectors reference. Models that keep
    buffers outside the flatbuffer (Buffer.offset, > 2 GB models) are refused.
    """
    import tflite
    old = bytes(model_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(old)) as z:  # an existing ZIP tail would be lost
            if z.namelist():
                raise MetadataError("the model already carries associated files; attach metadata to the bare "
                                    "flatbuffer")
    except zipfile.BadZipFile:
        pass
    m = tflite.Model.GetRootAs(old, 0)
    for i in range(m.BuffersLength()):
        if m.Buffers(i).Offset() > 1:
            raise MetadataError("the model stores buffers outside the flatbuffer; cannot attach metadata")
    root = _Table(old, _u32(old, 0))
    n_slots = (root.vt_len - 4) // 2
    refs = {}
    for slot in range(n_slots):
        loc = root._field(slot)
        if loc and slot != 0:
            if slot > 7:
                raise MetadataError(f"Model table field {slot} is unknown to micro; cannot rewrite it")
            refs[slot] = loc + _u32(old, loc)
    version = root.scalar(0, "I", 0)

    def old_vector(slot: int) -> list[int]:
        if slot not in refs:
            return []
        at = refs[slot]
        return [at + 4 + 4 * i + _u32(old, at + 4 + 4 * i) for i in range(_u32(old, at))]

    buffers = old_vector(4)
    metas = old_vector(6)
    new_buffer_index = len(buffers)

    # Lay out the prefix: header | vtable | model table | metadata vec | buffers vec | Metadata vtable+table |
    # name string | Buffer vtable+table | data vector (16-aligned).
    out = bytearray(8)
    out[4:8] = b"TFL3"

    def align(n: int) -> None:
        while len(out) % n:
            out.append(0)

    slots = 8
    vt_at = len(out)
    vt_size = 4 + 2 * slots
    out += b"\0" * vt_size
    align(4)
    table_at = len(out)
    field_off = {0: 4}
    for k, slot in enumerate(range(1, slots)):
        field_off[slot] = 8 + 4 * k
    table_size = 8 + 4 * (slots - 1)
    out += b"\0" * table_size
    struct.pack_into("<HH", out, vt_at, vt_size, table_size)
    struct.pack_into("<i", out, table_at, table_at - vt_at)
    struct.pack_into("<I", out, 0, table_at)
    struct.pack_into("<I", out, table_at + 4, version)
    present = {0} | set(refs) | {4, 6}
    for slot in range(slots):
        if slot in present:
            struct.pack_into("<H", out, vt_at + 4 + 2 * slot, field_off[slot])

    fixups: list[tuple[int, str, int]] = []   # (location in prefix, "old" | "new", target)

    def vector_of_refs(targets: list[tuple[str, int]]) -> int:
        align(4)
        at = len(out)
        out.extend(struct.pack("<I", len(targets)))
        for kind, target in targets:
            fixups.append((len(out), kind, target))
            out.extend(b"\0\0\0\0")
        return at

    # the two vectors come first; their new elements are added after them and fixed up at the end
    new_meta_slot = "NEW_META"
    new_buf_slot = "NEW_BUF"
    metas_vec = vector_of_refs([("old", t) for t in metas] + [(new_meta_slot, 0)])
    buffers_vec = vector_of_refs([("old", t) for t in buffers] + [(new_buf_slot, 0)])

    # Metadata table {name: string (0), buffer: uint (1)}
    align(4)
    mvt = len(out)
    out += struct.pack("<HHHH", 8, 12, 4, 8)
    mt = len(out)
    out += struct.pack("<iII", mt - mvt, 0, new_buffer_index)
    name_ref_loc = mt + 4
    align(4)
    name_at = len(out)
    nb = name.encode()
    out += struct.pack("<I", len(nb)) + nb + b"\0"
    struct.pack_into("<I", out, name_ref_loc, name_at - name_ref_loc)

    # Buffer table {data: [ubyte] (0)}
    align(4)
    bvt = len(out)
    out += struct.pack("<HHH", 6, 8, 4)
    align(4)
    bt = len(out)
    out += struct.pack("<iI", bt - bvt, 0)
    data_ref_loc = bt + 4
    while (len(out) + 4) % 16:
        out.append(0)
    data_at = len(out)
    out += struct.pack("<I", len(metadata_fb)) + metadata_fb
    struct.pack_into("<I", out, data_ref_loc, data_at - data_ref_loc)
    align(16)
    prefix = len(out)

    for loc, kind, target in fixups:
        dest = {"old": target + prefix, new_meta_slot: mt, new_buf_slot: bt}[kind]
        struct.pack_into("<I", out, loc, dest - loc)
    for slot, target in refs.items():
        if slot in (4, 6):
            continue
        loc = table_at + field_off[slot]
        struct.pack_into("<I", out, loc, target + prefix - loc)
    for slot, vec in ((4, buffers_vec), (6, metas_vec)):
        loc = table_at + field_off[slot]
        struct.pack_into("<I", out, loc, vec - loc)

    result = bytes(out) + old
    if files:
        stream = io.BytesIO()
        stream.write(result)
        with zipfile.ZipFile(stream, "a", compression=zipfile.ZIP_STORED) as z:
            for fname, content in files.items():
                z.writestr(fname, content)
        result = stream.getvalue()
    return result

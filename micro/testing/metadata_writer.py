"""Write TFLite metadata into a model (for tests and tools; micro itself only reads it, micro.frontend.metadata).

    build_metadata(name=..., description=..., inputs=[TensorMeta], outputs=[TensorMeta], ...) -> bytes
        a TFLITE_METADATA flatbuffer (metadata_schema.fbs, file identifier M001)
    attach_metadata(model_bytes, metadata_fb, files={"labels.txt": b"..."}) -> bytes
        a copy of the model with a TFLITE_METADATA entry and the files zipped after it (what TFLite
        Support's MetadataPopulator produces), without re-serialising the graph.

Field numbers: see micro.frontend.metadata.
"""

from __future__ import annotations

import io
import struct
import zipfile

import flatbuffers
import tflite

from micro.frontend.flatbuffer_table import FlatTable
from micro.frontend.metadata import (COLOR_SPACES, CONTENT_TYPES, FILE_TYPE_IDS, METADATA_IDENTIFIER, METADATA_NAME,
                                     AssociatedFile, MetadataError, TensorMeta)


def build_metadata(name: str = "", description: str = "", version: str = "", author: str = "",
                   license: str = "", inputs: list[TensorMeta] | None = None,
                   outputs: list[TensorMeta] | None = None, associated_files: list[AssociatedFile] | None = None,
                   min_parser_version: str = "1.0.0") -> bytes:
    """A TFLITE_METADATA flatbuffer (file identifier M001) for the given fields."""
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
    root = FlatTable(old, _u32(old, 0))
    n_slots = (root.vt_len - 4) // 2
    refs = {}
    for slot in range(n_slots):
        loc = root.field_at(slot)
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

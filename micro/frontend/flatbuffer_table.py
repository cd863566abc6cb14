"""A reader of flatbuffer tables, just what the TFLite metadata reader needs (micro.frontend.metadata) and what
the metadata writer of the tests reuses (micro.testing.metadata_writer): fields by slot, scalars, strings,
sub-tables, vectors of tables and floats. Bounds are checked: a malformed buffer raises ValueError or
struct.error, never reads outside it."""

from __future__ import annotations

import struct


class FlatTable:
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

    def field_at(self, slot: int) -> int:
        """Where field `slot` is in the buffer; 0 when the table does not have it."""
        at = 4 + 2 * slot
        if at >= self.vt_len:
            return 0
        off = struct.unpack_from("<H", self.buf, self.vt + at)[0]
        return self.pos + off if off else 0

    def _ref(self, slot: int) -> int:
        loc = self.field_at(slot)
        if not loc:
            return 0
        target = loc + struct.unpack_from("<I", self.buf, loc)[0]
        if target >= len(self.buf):
            raise ValueError("reference outside the buffer")
        return target

    def scalar(self, slot: int, fmt: str, default=0):
        loc = self.field_at(slot)
        return struct.unpack_from("<" + fmt, self.buf, loc)[0] if loc else default

    def string(self, slot: int) -> str:
        at = self._ref(slot)
        if not at:
            return ""
        n = struct.unpack_from("<I", self.buf, at)[0]
        return self.buf[at + 4:at + 4 + n].decode("utf-8", "replace")

    def table(self, slot: int) -> "FlatTable | None":
        at = self._ref(slot)
        return FlatTable(self.buf, at) if at else None

    def _vector(self, slot: int) -> tuple[int, int]:
        at = self._ref(slot)
        if not at:
            return 0, 0
        return at + 4, struct.unpack_from("<I", self.buf, at)[0]

    def tables(self, slot: int) -> list["FlatTable"]:
        start, n = self._vector(slot)
        out = []
        for i in range(n):
            loc = start + 4 * i
            out.append(FlatTable(self.buf, loc + struct.unpack_from("<I", self.buf, loc)[0]))
        return out

    def floats(self, slot: int) -> list[float]:
        start, n = self._vector(slot)
        return [float(x) for x in struct.unpack_from(f"<{n}f", self.buf, start)] if n else []

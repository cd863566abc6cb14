"""micro's serial protocol (version 3), the frames: ``A5 5A type seq32 len16 crc8 payload crc32``, the request
and response types, CRC-8 of the header and CRC-32 of header and payload, and an incremental parser that
resynchronises after a bad frame.

Version 2 widened the sequence number from 8 to 32 bits: with 8 bits it wrapped every 255 requests, after
which a replayed old response carried the number of the current request and was accepted a second time
(only the end-to-end CRC of the tensor caught it). A host session starts at a random number and never
reuses one, so a response is accepted only for the one request it answers. Version 3 adds RESET (the
model's state back to its initial value). The device side is firmware_templates/common/mn_protocol.[ch]; the requests
are documented in mn_protocol.h.

Exceptions: ProtocolError (no valid exchange after all resends, or an inconsistent device), LinkClosed (the
port closed, e.g. QEMU exited), DeviceError (the device answered ERROR: a request it cannot serve).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from micro.errors import MicroError

PROTO_VERSION = 3   # 2: 32-bit sequence numbers; 3: RESET (the model's state back to its initial value)
SYNC = b"\xA5\x5A"
HEADER = 10          # sync 2, type 1, seq 4, len 2, crc8 1
_FIELDS = "<BIH"     # type, seq, len: what the CRC-8 covers (and, with the payload, the CRC-32)
SEQ_MASK = 0xFFFFFFFF
HOST_MAX_PAYLOAD = 4096

T_HELLO, T_WRITE, T_INVOKE, T_READ, T_EXIT, T_RESET = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
T_ACK, T_INFO, T_RESULT, T_DATA, T_TRACE, T_NAK, T_ERROR = 0x80, 0x81, 0x83, 0x84, 0x85, 0xFE, 0xFF
TYPE_NAMES = {T_HELLO: "HELLO", T_WRITE: "WRITE", T_INVOKE: "INVOKE", T_READ: "READ", T_EXIT: "EXIT",
              T_RESET: "RESET", T_ACK: "ACK", T_INFO: "INFO", T_RESULT: "RESULT", T_DATA: "DATA", T_TRACE: "TRACE", T_NAK: "NAK",
              T_ERROR: "ERROR"}
ERROR_CODES = {1: "bad request", 2: "out of range", 3: "input CRC mismatch"}


class ProtocolError(MicroError):
    """The serial exchange with the device failed (after every resend) or made no sense."""


class LinkClosed(ProtocolError):
    """The serial port closed: the device (or the emulator) went away."""


class DeviceError(ProtocolError):
    """The device answered ERROR to a request."""

    def __init__(self, code: int, message: str, request: str):
        self.code = code
        self.device_message = message
        super().__init__(f"device refused {request}: {message} (error {code}: {ERROR_CODES.get(code, '?')})")


def crc8(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def encode_frame(ftype: int, seq: int, payload: bytes = b"") -> bytes:
    if len(payload) > 0xFFFF:
        raise ValueError("payload too long for one frame")
    head = struct.pack(_FIELDS, ftype, seq, len(payload))
    return SYNC + head + bytes([crc8(head)]) + payload + struct.pack("<I", zlib.crc32(head + payload))


@dataclass
class Frame:
    type: int
    seq: int
    payload: bytes

    @property
    def name(self) -> str:
        return TYPE_NAMES.get(self.type, f"0x{self.type:02X}")


@dataclass
class BadFrame:
    reason: str


class FrameParser:
    """Incremental frame decoder with resynchronisation: bytes outside frames are collected as `text`
    (the firmware's boot banner), a frame with a bad header/CRC or one cut short (see `expire`) becomes a
    BadFrame and decoding resumes after its sync bytes."""

    def __init__(self, max_payload: int = HOST_MAX_PAYLOAD):
        self.max_payload = max_payload
        self.buf = bytearray()
        self.text = bytearray()
        self._todo = bytearray()

    @property
    def in_frame(self) -> bool:
        return len(self.buf) > 0

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        out: list[Frame | BadFrame] = []
        self._todo = bytearray(data)
        while self._todo:
            b = self._todo.pop(0) if len(self._todo) < 64 else None
            if b is None:  # long input: take bytes in order without O(n^2) pops
                chunk, self._todo = self._todo, bytearray()
                for i, c in enumerate(chunk):
                    self.buf.append(c)
                    ev = self._step()
                    if ev is not None:
                        out.append(ev)
                    if self._todo:  # a resync pushed bytes back: they come before the rest of the chunk
                        self._todo += chunk[i + 1:]
                        break
                continue
            self.buf.append(b)
            ev = self._step()
            if ev is not None:
                out.append(ev)
        return out

    def expire(self) -> BadFrame | None:
        """The line went quiet in the middle of a frame: drop it (bytes were lost)."""
        if len(self.buf) >= 2:
            self.buf.clear()
            return BadFrame("frame cut short (bytes lost)")
        if self.buf:  # a lone 0xA5 at the end of text
            self.text += self.buf
            self.buf.clear()
        return None

    def _resync(self, reason: str) -> BadFrame:
        """Drop the sync bytes of a bad frame; everything after them is scanned again."""
        self._todo[:0] = self.buf[2:]
        self.buf.clear()
        return BadFrame(reason)

    def _step(self) -> Frame | BadFrame | None:
        buf = self.buf
        n = len(buf)
        if n == 1:
            if buf[0] != 0xA5:
                self.text.append(buf[0])
                buf.clear()
            return None
        if n == 2:
            if buf[1] != 0x5A:
                self.text.append(buf[0])
                del buf[0]
                if buf[0] != 0xA5:
                    self.text.append(buf[0])
                    buf.clear()
            return None
        if n < HEADER:
            return None
        if n == HEADER:
            if crc8(bytes(buf[2:HEADER - 1])) != buf[HEADER - 1]:
                return self._resync("bad header CRC")
            if struct.unpack_from("<H", buf, 7)[0] > self.max_payload:
                return self._resync("length beyond the maximum")
            return None
        ftype, seq, length = struct.unpack_from(_FIELDS, buf, 2)
        if n < HEADER + length + 4:
            return None
        body = bytes(buf[2:HEADER - 1]) + bytes(buf[HEADER:HEADER + length])
        (crc,) = struct.unpack_from("<I", buf, HEADER + length)
        if zlib.crc32(body) != crc:
            return self._resync("bad frame CRC")
        frame = Frame(ftype, seq, bytes(buf[HEADER:HEADER + length]))
        buf.clear()
        return frame

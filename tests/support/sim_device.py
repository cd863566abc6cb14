"""A simulated device for tests of the serial protocol's host side (micro.deploy.protocol): the firmware's
request handling (firmware_templates/common/mn_serve.c) in Python, behind a pyserial-like port."""

from __future__ import annotations

import struct
import zlib

from micro.deploy import protocol as P
from micro.deploy.protocol import Frame, FrameParser, BadFrame, encode_frame


class SimDevice:
    """A pyserial-like port with the firmware's protocol logic behind it (mn_serve.c in Python):
    NAK for a bad frame, the cached answer for a repeated request, silence for a request older than the last
    one served, ACK then RESULT for INVOKE, RESET of the model's state; `reset()` restarts it. The model adds 1
    to every input byte (one input, one output of the same size); a `stateful` one adds 1 more for every invoke
    since its last RESET (its state). `proto` is the protocol version its HELLO answer gives."""

    def __init__(self, n_bytes: int = 300, max_payload: int = 1024, proto: int = P.PROTO_VERSION,
                 stateful: bool = False):
        self.max_payload = max_payload
        self.n_bytes = n_bytes
        self.proto = proto
        self.stateful = stateful
        self.outbox = bytearray()
        self.timeout = 0.001
        self.invokes = 0       # invokes run since the test began, across resets
        self.resets = 0        # RESET requests served
        self.reset()

    def reset(self) -> None:
        """Power cycle: inputs, outputs, the repeat cache and any half-received frame are lost; the boot
        banner is printed again."""
        self.parser = FrameParser(max_payload=self.max_payload)
        self.inp = bytearray(self.n_bytes)
        self.out = bytearray(self.n_bytes)
        self.cache: tuple[int, int, bytes] | None = None
        self.ignored = 0
        self.invoke_index = 0
        self.state = 0
        self.outbox += f"\r\nmicro-harness proto={self.proto} board=sim model=model\r\n".encode()

    # pyserial-like
    def write(self, data: bytes) -> int:
        for ev in self.parser.feed(data):
            self._handle(ev)
        return len(data)

    def read(self, n: int = 1) -> bytes:
        if not self.outbox:
            ev = self.parser.expire()   # the firmware's 50 ms inter-byte timeout
            if ev is not None:
                self._handle(ev)
        data, self.outbox = bytes(self.outbox[:n]), self.outbox[n:]
        return data

    @property
    def in_waiting(self) -> int:
        return len(self.outbox)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def _send(self, ftype: int, seq: int, payload: bytes = b"") -> bytes:
        frame = encode_frame(ftype, seq, payload)
        self.outbox += frame
        return frame

    def _handle(self, ev) -> None:
        if isinstance(ev, BadFrame):
            self._send(P.T_NAK, 0)
            return
        crc = zlib.crc32(struct.pack("<BIH", ev.type, ev.seq, len(ev.payload)) + ev.payload)
        if ev.type == P.T_HELLO:
            self.cache = None
        elif self.cache and self.cache[0] == ev.seq and self.cache[1] == crc:
            self.outbox += self.cache[2]
            return
        elif self.cache and (ev.seq - self.cache[0] - 1) % 2**32 >= 2**31 - 1:
            self.ignored += 1   # older than the last request served: a replayed frame
            return
        if ev.type == P.T_INVOKE:
            self._send(P.T_ACK, ev.seq)
        ftype, payload = self._answer(ev)
        self.cache = (ev.seq, crc, self._send(ftype, ev.seq, payload))

    def _answer(self, ev: Frame) -> tuple[int, bytes]:
        p = ev.payload
        n = len(self.inp)
        if ev.type == P.T_HELLO:
            return P.T_INFO, (struct.pack("<BHBIIBB", self.proto, self.max_payload, 0, 4096, 8192, 1, 1)
                              + struct.pack("<II", n, n) + b"sim\0model\0" + b"0" * 64 + b"\0")
        if ev.type == P.T_WRITE:
            index, off = struct.unpack_from("<BI", p)
            data = p[5:]
            if index != 0 or off + len(data) > n:
                return P.T_ERROR, b"\x02WRITE: outside the input tensor\0"
            self.inp[off:off + len(data)] = data
            return P.T_ACK, b""
        if ev.type == P.T_INVOKE:
            if struct.unpack_from("<I", p, 1)[0] != zlib.crc32(self.inp):
                return P.T_ERROR, b"\x03INVOKE: input CRC-32 differs\0"
            self.out[:] = bytes((b + 1 + self.state) & 0xFF for b in self.inp)
            self.state += self.stateful
            self.invokes += 1
            self.invoke_index += 1
            return P.T_RESULT, struct.pack("<BIIBIBI", 0, self.invoke_index, 0, 0, 512, 1, zlib.crc32(self.out))
        if ev.type == P.T_READ:
            index, off, ln = struct.unpack_from("<BIH", p)
            return P.T_DATA, struct.pack("<BI", index, off) + bytes(self.out[off:off + ln])
        if ev.type == P.T_EXIT:
            return P.T_ACK, b""
        if ev.type == P.T_RESET:
            if p not in (b"\x00", b"\x01"):
                return P.T_ERROR, b"\x01RESET: payload must be one byte, mode 0 or 1\0"
            self.state = 0
            self.resets += 1
            return P.T_ACK, b""
        return P.T_ERROR, b"\x01unknown request type\0"


class ResettingPort:
    """Passes bytes to a SimDevice and power-cycles it just before the host's `at`-th write (a device reset in
    the middle of a run)."""

    def __init__(self, dev: SimDevice, at: int):
        self.dev, self.at, self.writes = dev, at, 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        if self.writes == self.at:
            self.dev.reset()
        return self.dev.write(data)

    def read(self, n: int = 1) -> bytes:
        return self.dev.read(n)

    @property
    def in_waiting(self) -> int:
        return self.dev.in_waiting

"""The host side of micro's serial protocol (version 1), spoken through pyserial.

The device side is firmware_templates/common/mn_protocol.[ch] + mn_harness_main.c; the frame format and the
requests are documented in mn_protocol.h. In short: frames ``A5 5A type seq len16 crc8 payload crc32``, a
stop-and-wait request/response exchange in which every response acknowledges its request, NAK for frames
the device could not read, resending with the same sequence number after a NAK, a corrupt response or a
timeout (the device answers a repeated request from its cache and never acts twice), chunked tensor
transfer, and end-to-end CRC-32 of every input and output tensor on top of the per-frame CRCs. A corrupted
or lost byte therefore costs a resend, never a wrong result; when resends do not get through, a
ProtocolError says what was being attempted.

Public API (used by micro.verify.board and the Robot keyword library):

    open_port(url, timeout=0.05) -> a pyserial port: "socket://127.0.0.1:PORT" (QEMU -serial tcp),
        "/dev/pts/N" (QEMU -serial pty), "/dev/ttyACM0" (a real board), any pyserial URL ("loop://", ...).
    Device(port, timeout=1.0, invoke_timeout=300.0, retries=12, on_text=None)
        .hello() -> DeviceInfo        # announce: protocol version, board, model name + sha256, arena, sizes
        .write_input(index, data)      # chunked, acknowledged
        .invoke(inputs) -> InvokeResult  # checks the device's copy of every input by CRC-32 first
        .read_output(index) -> bytes   # chunked; checked against the CRC-32 the device sent in RESULT
        .run(inputs: list[bytes]) -> (list[bytes], InvokeResult)
        .exit(code=0)                  # the device stops (QEMU exits with `code`)
        .take_trace()                  # debug firmware: {tensor: (op, bytes)} pushed during the last invoke
        .stats                         # LinkStats: frames, resends, NAKs, corrupt frames, timeouts
    FaultyPort(port, corrupt=0.0, drop=0.0, insert=0.0, seed=0, directions="rw")
        wraps any pyserial-like port and corrupts / drops / inserts bytes at the given per-byte rates, for
        testing that faults give correct results or a clear error, never a wrong answer.
    encode_frame(type, seq, payload) -> bytes;  FrameParser().feed(data) -> list[Frame | BadFrame]

Exceptions: ProtocolError (no valid exchange after all resends, or an inconsistent device), LinkClosed
(the port closed, e.g. QEMU exited), DeviceError (the device answered ERROR: a request it cannot serve).
"""

from __future__ import annotations

import random
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

from micro.errors import MicroError

PROTO_VERSION = 1
SYNC = b"\xA5\x5A"
HEADER = 7
OVERHEAD = HEADER + 4
HOST_MAX_PAYLOAD = 4096

T_HELLO, T_WRITE, T_INVOKE, T_READ, T_EXIT = 0x01, 0x02, 0x03, 0x04, 0x05
T_ACK, T_INFO, T_RESULT, T_DATA, T_TRACE, T_NAK, T_ERROR = 0x80, 0x81, 0x83, 0x84, 0x85, 0xFE, 0xFF
TYPE_NAMES = {T_HELLO: "HELLO", T_WRITE: "WRITE", T_INVOKE: "INVOKE", T_READ: "READ", T_EXIT: "EXIT",
              T_ACK: "ACK", T_INFO: "INFO", T_RESULT: "RESULT", T_DATA: "DATA", T_TRACE: "TRACE", T_NAK: "NAK",
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
    head = struct.pack("<BBH", ftype, seq, len(payload))
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
            if crc8(bytes(buf[2:6])) != buf[6]:
                return self._resync("bad header CRC")
            if struct.unpack_from("<H", buf, 4)[0] > self.max_payload:
                return self._resync("length beyond the maximum")
            return None
        length = struct.unpack_from("<H", buf, 4)[0]
        if n < HEADER + length + 4:
            return None
        body = bytes(buf[2:6]) + bytes(buf[HEADER:HEADER + length])
        (crc,) = struct.unpack_from("<I", buf, HEADER + length)
        if zlib.crc32(body) != crc:
            return self._resync("bad frame CRC")
        frame = Frame(buf[2], buf[3], bytes(buf[HEADER:HEADER + length]))
        buf.clear()
        return frame


def open_port(url: str, timeout: float = 0.05, baudrate: int = 115200):
    """A pyserial port for a device path or pyserial URL (socket://host:port for QEMU's -serial tcp)."""
    try:
        import serial
    except ImportError as exc:  # pragma: no cover - pyserial is a dependency
        raise MicroError("pyserial is not installed (pip install pyserial)") from exc
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=10)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise LinkClosed(f"cannot open serial port {url}: {exc}") from None


@dataclass
class LinkStats:
    requests: int = 0
    resends: int = 0
    naks: int = 0
    bad_frames: int = 0
    timeouts: int = 0
    stale: int = 0
    bytes_out: int = 0
    bytes_in: int = 0

    def __str__(self) -> str:
        return (f"{self.requests} requests, {self.resends} resends ({self.naks} NAKs, {self.bad_frames} corrupt "
                f"frames, {self.timeouts} timeouts), {self.bytes_out} B out, {self.bytes_in} B in")


@dataclass
class DeviceInfo:
    proto: int
    max_payload: int
    has_cycles: bool
    arena_bytes: int
    stack_bytes: int
    input_bytes: list[int]
    output_bytes: list[int]
    board: str
    model: str
    sha256: str

    @classmethod
    def parse(cls, p: bytes) -> "DeviceInfo":
        try:
            proto, max_payload, has_cycles, arena, stack, n_in, n_out = struct.unpack_from("<BHBIIBB", p, 0)
            off = struct.calcsize("<BHBIIBB")
            ins = list(struct.unpack_from(f"<{n_in}I", p, off))
            off += 4 * n_in
            outs = list(struct.unpack_from(f"<{n_out}I", p, off))
            off += 4 * n_out
            texts = p[off:].split(b"\0")
            board, model, sha = (t.decode("ascii") for t in texts[:3])
        except (struct.error, ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"malformed INFO from the device: {exc}") from None
        return cls(proto, max_payload, bool(has_cycles), arena, stack, ins, outs, board, model, sha)


@dataclass
class InvokeResult:
    invoke_index: int            # 1 for the first invoke since boot
    cycles: int | None           # where the board counts cycles (DWT), else None
    stack_used: int              # high-water mark of the stack since boot, bytes
    output_crcs: list[int]
    instructions: int | None = None   # filled in by the emulator (QEMU plugin), else None
    seconds: float = 0.0         # wall time of the exchange


@dataclass
class Device:
    """A board running the micro harness firmware, reached through a pyserial-like `port`."""

    port: object
    timeout: float = 1.0            # seconds to wait for the answer to a small request (or INVOKE's ACK)
    invoke_timeout: float = 300.0   # seconds to wait for RESULT once the device acknowledged INVOKE
    retries: int = 12               # resends of one request before giving up
    on_text: Callable[[str], None] | None = None
    stats: LinkStats = field(default_factory=LinkStats)
    info: DeviceInfo | None = None
    quiet_gap: float = 0.2          # a frame whose bytes stop for this long is dropped

    def __post_init__(self):
        self.trace_frames: list[bytes] = []
        self._parser = FrameParser()
        self._seq = 0
        self._chunk = None
        self._pending: list[Frame | BadFrame] = []
        self._last_rx = time.monotonic()

    # -- link ----------------------------------------------------------------------------------------------
    def _read_events(self, until: float) -> Frame | BadFrame | None:
        """The next decoded event, or None at the deadline."""
        import serial
        while True:
            if self._pending:
                return self._pending.pop(0)
            now = time.monotonic()
            if now >= until:
                return None
            try:
                waiting = getattr(self.port, "in_waiting", 0) or 0
                data = self.port.read(max(1, min(waiting, 65536)))
            except (serial.SerialException, OSError) as exc:
                raise LinkClosed(f"serial port closed: {exc}") from None
            now = time.monotonic()
            if data:
                self.stats.bytes_in += len(data)
                self._last_rx = now
                self._pending.extend(self._parser.feed(data))
                self._flush_text()
            elif self._parser.in_frame and now - self._last_rx > self.quiet_gap:
                ev = self._parser.expire()
                if ev is not None:
                    self._pending.append(ev)

    def _flush_text(self) -> None:
        if self._parser.text and self.on_text is not None:
            text = bytes(self._parser.text)
            self._parser.text.clear()
            self.on_text(text.decode("utf-8", errors="replace"))
        elif len(self._parser.text) > 65536:
            del self._parser.text[:-4096]

    @property
    def text(self) -> str:
        """Bytes the device sent outside frames (its boot banner), not yet passed to on_text."""
        return bytes(self._parser.text).decode("utf-8", errors="replace")

    def _write(self, data: bytes) -> None:
        import serial
        try:
            self.port.write(data)
            flush = getattr(self.port, "flush", None)
            if flush:
                flush()
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"serial port closed: {exc}") from None
        self.stats.bytes_out += len(data)

    def request(self, ftype: int, payload: bytes = b"", expect: int | None = None,
                timeout: float | None = None, retries: int | None = None,
                progress_timeout: float | None = None) -> Frame:
        """Send one request and return its response, resending it (same seq) up to `retries` times."""
        retries = self.retries if retries is None else retries
        self._seq = self._seq % 255 + 1
        seq = self._seq
        frame = encode_frame(ftype, seq, payload)
        name = TYPE_NAMES.get(ftype, hex(ftype))
        wait = (timeout if timeout is not None else self.timeout) + len(frame) / 4096
        self.stats.requests += 1
        last = "no answer"
        attempt = 0
        started = None      # INVOKE: when the device acknowledged it (it is running)
        poll = wait
        while True:
            self._write(frame)
            deadline = time.monotonic() + (poll if started is not None else wait)
            timed_out = False
            while True:
                ev = self._read_events(deadline)
                if ev is None:
                    self.stats.timeouts += 1
                    last = f"no answer within {wait:.1f} s"
                    timed_out = True
                    break
                if isinstance(ev, BadFrame):
                    self.stats.bad_frames += 1
                    last = f"corrupt answer ({ev.reason})"
                    break
                if ev.type == T_NAK:
                    self.stats.naks += 1
                    last = "the device could not read the request (NAK)"
                    break
                if ev.type == T_TRACE:        # debug firmware: a piece of a tensor, pushed during an invoke
                    self.trace_frames.append(ev.payload)
                    continue
                if ev.seq != seq:
                    self.stats.stale += 1   # an answer to an earlier request, resent: ignore
                    continue
                if ev.type == T_ERROR:
                    code = ev.payload[0] if ev.payload else 0
                    msg = ev.payload[1:].split(b"\0")[0].decode("ascii", errors="replace")
                    raise DeviceError(code, msg, name)
                if ev.type == T_ACK and expect == T_RESULT and progress_timeout is not None:
                    if started is None:   # INVOKE arrived and runs: from now on wait as long as an invoke may
                        started = time.monotonic()
                    deadline = time.monotonic() + poll
                    continue
                if expect is not None and ev.type != expect:
                    raise ProtocolError(f"{name}: expected {TYPE_NAMES.get(expect)}, the device answered {ev.name}")
                return ev
            if started is not None and timed_out:
                # Still running, or its RESULT was lost: ask again (a finished device answers from its cache,
                # a busy one later), less and less often, until the invoke time limit.
                if time.monotonic() - started > progress_timeout:
                    raise ProtocolError(f"{name}: no RESULT {progress_timeout:.0f} s after the device started the "
                                        f"invoke (raise the invoke timeout for a slow model); link: {self.stats}")
                poll = min(poll * 2, 30.0)
                self.stats.resends += 1
                continue
            attempt += 1
            if attempt > retries:
                break
            self.stats.resends += 1
        raise ProtocolError(f"{name} (seq {seq}) failed after {retries + 1} tries: {last}; link: {self.stats}")

    def _chunked(self, what: str, make) -> Frame:
        """One step of a chunked transfer. make(n) -> (type, payload, expect, n) for a chunk of at most n bytes.
        A chunk that does not get through in a few tries is sent again smaller, under a new seq (writing and
        reading tensor bytes are idempotent)."""
        failures = 0
        while True:
            n = self._chunk_size()
            ftype, payload, expect, got = make(n)
            try:
                return self.request(ftype, payload, expect=expect, retries=2), got
            except (DeviceError, LinkClosed):
                raise
            except ProtocolError as exc:
                failures += 1
                self._shrink_chunk()
                if failures > self.retries:
                    raise ProtocolError(f"{what}: no chunk got through in {failures} rounds of 3 tries, down to "
                                        f"{n} bytes per chunk; last: {exc}") from None

    # -- chunk size adapts to the line: halve after a failed try, grow back after clean exchanges ---------
    def _max_chunk(self) -> int:
        dev = self.info.max_payload if self.info else 256
        return max(16, min(dev, HOST_MAX_PAYLOAD) - 8)

    def _shrink_chunk(self) -> None:
        self._chunk = max(16, (self._chunk or self._max_chunk()) // 4)
        self._clean = 0

    def _chunk_size(self) -> int:
        if self._chunk is None:
            return self._max_chunk()
        self._clean = getattr(self, "_clean", 0) + 1
        if self._clean >= 8:
            self._chunk = min(self._max_chunk(), self._chunk * 2)
            self._clean = 0
        return self._chunk

    # -- requests ------------------------------------------------------------------------------------------
    def hello(self) -> DeviceInfo:
        ev = self.request(T_HELLO, expect=T_INFO)
        info = DeviceInfo.parse(ev.payload)
        if info.proto != PROTO_VERSION:
            raise ProtocolError(f"the device speaks protocol version {info.proto}; this host speaks {PROTO_VERSION}")
        self.info = info
        self._flush_text()
        return info

    def _need_info(self) -> DeviceInfo:
        if self.info is None:
            self.hello()
        return self.info

    def write_input(self, index: int, data: bytes) -> None:
        info = self._need_info()
        if not 0 <= index < len(info.input_bytes):
            raise ProtocolError(f"the model has {len(info.input_bytes)} input(s); no input {index}")
        if len(data) != info.input_bytes[index]:
            raise ProtocolError(f"input {index} needs {info.input_bytes[index]} bytes, got {len(data)}")
        off = 0
        while off < len(data):
            def make(n, off=off):
                chunk = data[off:off + n]
                return T_WRITE, struct.pack("<BI", index, off) + chunk, T_ACK, len(chunk)
            _, sent = self._chunked(f"writing input {index} at byte {off}", make)
            off += sent

    def invoke(self, inputs: list[bytes]) -> InvokeResult:
        info = self._need_info()
        crcs = [zlib.crc32(x) for x in inputs]
        t0 = time.monotonic()
        ev = self.request(T_INVOKE, struct.pack(f"<B{len(crcs)}I", len(crcs), *crcs), expect=T_RESULT,
                          progress_timeout=self.invoke_timeout)
        p = ev.payload
        try:
            status, index, cycles, has_cycles, stack, n_out = struct.unpack_from("<BIIBIB", p, 0)
            out_crcs = list(struct.unpack_from(f"<{n_out}I", p, 15))
        except struct.error as exc:
            raise ProtocolError(f"malformed RESULT from the device: {exc}") from None
        if status != 0 or n_out != len(info.output_bytes):
            raise ProtocolError(f"RESULT with status {status} and {n_out} output CRCs")
        return InvokeResult(index, cycles if has_cycles else None, stack, out_crcs, seconds=time.monotonic() - t0)

    def read_output(self, index: int, expected_crc: int | None = None) -> bytes:
        info = self._need_info()
        total = info.output_bytes[index]
        out = bytearray()
        while len(out) < total:
            def make(n, off=len(out)):
                n = min(n, total - off, info.max_payload - 5)
                return T_READ, struct.pack("<BIH", index, off, n), T_DATA, n
            ev, n = self._chunked(f"reading output {index} at byte {len(out)}", make)
            got_index, got_off = struct.unpack_from("<BI", ev.payload, 0)
            data = ev.payload[5:]
            if got_index != index or got_off != len(out) or len(data) != n:
                raise ProtocolError(f"READ output {index} at {len(out)}: the device answered output {got_index} "
                                    f"at {got_off} with {len(data)} bytes")
            out += data
        if expected_crc is not None and zlib.crc32(out) != expected_crc:
            raise ProtocolError(f"output {index}: the CRC-32 of the bytes read differs from the device's")
        return bytes(out)

    def run(self, inputs: list[bytes]) -> tuple[list[bytes], InvokeResult]:
        info = self._need_info()
        if len(inputs) != len(info.input_bytes):
            raise ProtocolError(f"the model on the device has {len(info.input_bytes)} input(s), got {len(inputs)}")
        t0 = time.monotonic()
        for i, x in enumerate(inputs):
            self.write_input(i, bytes(x))
        res = self.invoke([bytes(x) for x in inputs])
        outs = [self.read_output(o, res.output_crcs[o]) for o in range(len(info.output_bytes))]
        res.seconds = time.monotonic() - t0
        return outs, res

    def take_trace(self) -> dict[int, tuple[int, bytes | None]]:
        """Tensors pushed by a debug (MN_TRACE) firmware since the last call: {tensor: (op, bytes)}; bytes is
        None when a piece was lost on the line."""
        parts: dict[int, tuple[int, int, dict[int, bytes]]] = {}
        for p in self.trace_frames:
            op, tensor, total, off = struct.unpack_from("<HHII", p, 0)
            parts.setdefault(tensor, (op, total, {}))[2][off] = p[12:]
        self.trace_frames = []
        out: dict[int, tuple[int, bytes | None]] = {}
        for tensor, (op, total, pieces) in parts.items():
            data = b"".join(pieces[k] for k in sorted(pieces))
            ok = len(data) == total and all(k == sum(len(pieces[j]) for j in sorted(pieces) if j < k) for k in pieces)
            out[tensor] = (op, data if ok else None)
        return out

    def exit(self, code: int = 0) -> None:
        """Ask the device to stop with `code`. The port may close as it does (QEMU exits): that is fine."""
        try:
            self.request(T_EXIT, bytes([code & 0xFF]), expect=T_ACK)
        except LinkClosed:
            pass


class FaultyPort:
    """A pyserial-like port that damages the bytes passing through it, at per-byte rates.

    corrupt: flip 1-8 random bits of a byte; drop: lose the byte; insert: add a random byte before it.
    directions: "w" damages what the host writes, "r" what it reads, "rw" both. Deterministic for a seed.
    `events` counts what was done to the bytes.
    """

    def __init__(self, port, corrupt: float = 0.0, drop: float = 0.0, insert: float = 0.0, seed: int = 0,
                 directions: str = "rw"):
        self.port = port
        self.corrupt, self.drop, self.insert = corrupt, drop, insert
        self.directions = directions
        self.rng = random.Random(seed)
        self.events = {"corrupted": 0, "dropped": 0, "inserted": 0}

    def _damage(self, data: bytes) -> bytes:
        out = bytearray()
        r = self.rng
        for b in data:
            if self.insert and r.random() < self.insert:
                out.append(r.randrange(256))
                self.events["inserted"] += 1
            x = r.random()
            if x < self.drop:
                self.events["dropped"] += 1
                continue
            if x < self.drop + self.corrupt:
                b ^= r.randrange(1, 256)
                self.events["corrupted"] += 1
            out.append(b)
        return bytes(out)

    def write(self, data: bytes) -> int:
        self.port.write(self._damage(data) if "w" in self.directions else data)
        return len(data)

    def read(self, n: int = 1) -> bytes:
        data = self.port.read(n)
        return self._damage(data) if data and "r" in self.directions else data

    @property
    def in_waiting(self) -> int:
        return getattr(self.port, "in_waiting", 0)

    def flush(self) -> None:
        f = getattr(self.port, "flush", None)
        if f:
            f()

    def close(self) -> None:
        self.port.close()

    def __getattr__(self, name):
        return getattr(self.port, name)

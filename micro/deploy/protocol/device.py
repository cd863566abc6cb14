"""The host side of micro's serial protocol: a Device client over any pyserial-like port, with resends after
a NAK, a corrupt answer or a timeout (same sequence number: the device answers a repeated request from its
cache and never acts twice), chunked tensor transfer that adapts its chunk size to the line, and end-to-end
CRC-32 of every input and output tensor. A corrupted or lost byte costs a resend, never a wrong result.

Sequence numbers are 32 bits, start at a random value per Device and are never reused, and a response is
accepted only with the number of the request it answers: a replayed or duplicated old frame is ignored
however old it is. A device that restarted mid-run (its copy of the inputs lost: INVOKE refused for an input
CRC mismatch; or its outputs lost: the bytes read do not match RESULT's CRC) is greeted again and the whole
run is repeated once (`stats.resyncs`); it never yields a stale result.

Public API: Device(port, ...) (see micro.deploy.protocol); ports from micro.deploy.protocol.port.open_port.
"""

from __future__ import annotations

import secrets
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

import serial


from micro.deploy.protocol.framing import (HOST_MAX_PAYLOAD, PROTO_VERSION, SEQ_MASK, T_ACK, T_DATA, T_ERROR, T_EXIT,
                                           T_HELLO, T_INFO, T_INVOKE, T_NAK, T_READ, T_RESET, T_RESULT, T_TRACE,
                                           T_WRITE, TYPE_NAMES,
                                           BadFrame, DeviceError, Frame, FrameParser, LinkClosed, ProtocolError,
                                           encode_frame)


ERR_INPUT_CRC = 3  # mn_protocol.h MN_ERR_INPUT_CRC: the device's copy of the inputs is not the host's


class OutputMismatch(ProtocolError):
    """The output bytes read back do not have the CRC-32 the device announced in RESULT."""


@dataclass
class LinkStats:
    requests: int = 0
    resends: int = 0
    naks: int = 0
    bad_frames: int = 0
    timeouts: int = 0
    stale: int = 0
    resyncs: int = 0
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
    first_seq: int | None = None    # the first request's sequence number (default: random, never 0)

    def __post_init__(self):
        self.trace_frames: list[bytes] = []
        self._parser = FrameParser()
        self._seq = ((self.first_seq if self.first_seq is not None else secrets.randbits(32)) - 1) & SEQ_MASK
        self._chunk = None
        self._pending: list[Frame | BadFrame] = []
        self._last_rx = time.monotonic()

    # -- link ----------------------------------------------------------------------------------------------
    def _read_events(self, until: float) -> Frame | BadFrame | None:
        """The next decoded event, or None at the deadline."""
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
        self._seq = (self._seq + 1) & SEQ_MASK or 1   # 0 is the seq of NAK and TRACE frames
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
            raise ProtocolError(f"the device speaks protocol version {info.proto}; this host speaks {PROTO_VERSION}: "
                                f"its firmware was built by another micro; rebuild and flash it with this one "
                                f"(`micro firmware MODEL --board {info.board}`, or re-export the Arduino library)")
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
            raise OutputMismatch(f"output {index}: the CRC-32 of the bytes read differs from the device's")
        return bytes(out)

    def run(self, inputs: list[bytes]) -> tuple[list[bytes], InvokeResult]:
        """Write the inputs, invoke, read the outputs. A device that lost its state mid-run (it restarted) is
        greeted again and the run repeated once; a second loss is a ProtocolError."""
        try:
            return self._run_once(inputs)
        except (DeviceError, OutputMismatch) as exc:
            if isinstance(exc, DeviceError) and exc.code != ERR_INPUT_CRC:
                raise
            self.stats.resyncs += 1
            before = self.info
            self.info = None
            info = self.hello()
            if before is not None and (info.model, info.sha256) != (before.model, before.sha256):
                raise ProtocolError(f"the device now runs model {info.model} ({info.sha256[:12]}), not "
                                    f"{before.model}: it was replaced mid-run") from None
            return self._run_once(inputs)

    def _run_once(self, inputs: list[bytes]) -> tuple[list[bytes], InvokeResult]:
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

    def reset(self, fresh: bool = False) -> None:
        """The model's state (what a streaming model keeps between invokes) back to its initial value:
        `<name>_reset()` (TFLM's MicroInterpreter::Reset), or with fresh=True `<name>_init()`, the model as
        after boot (a CALL_ONCE init subgraph runs again at the next invoke)."""
        self._need_info()
        self.request(T_RESET, bytes([1 if fresh else 0]), expect=T_ACK)

    def exit(self, code: int = 0) -> None:
        """Ask the device to stop with `code`. The port may close as it does (QEMU exits): that is fine."""
        try:
            self.request(T_EXIT, bytes([code & 0xFF]), expect=T_ACK)
        except LinkClosed:
            pass

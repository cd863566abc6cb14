"""A test double of a serial port that damages the bytes passing through it, for proving that line faults give
correct results or a clear ProtocolError from micro.deploy.protocol, never a wrong answer (tests/test_protocol.py,
tests/test_firmware_qemu.py, the Robot serial-fault suite)."""

from __future__ import annotations

import random

from micro.deploy.protocol.framing import Frame, FrameParser, encode_frame


class FaultyPort:
    """A pyserial-like port that damages the bytes passing through it, at per-byte rates.

    corrupt: flip 1-8 random bits of a byte; drop: lose the byte; insert: add a random byte before it.
    Whole frames, per frame passing: duplicate: send it twice; replay: send after it an intact copy of an
    earlier frame of the same direction, of any age (old frames from before a sequence-number wrap too).
    directions: "w" damages what the host writes, "r" what it reads, "rw" both. Deterministic for a seed.
    `events` counts what was done to the bytes.
    """

    def __init__(self, port, corrupt: float = 0.0, drop: float = 0.0, insert: float = 0.0, seed: int = 0,
                 directions: str = "rw", duplicate: float = 0.0, replay: float = 0.0):
        self.port = port
        self.corrupt, self.drop, self.insert = corrupt, drop, insert
        self.duplicate, self.replay = duplicate, replay
        self.directions = directions
        self.rng = random.Random(seed)
        self.events = {"corrupted": 0, "dropped": 0, "inserted": 0, "duplicated": 0, "replayed": 0}
        self._parsers = {d: FrameParser(max_payload=0xFFFF) for d in "rw"}
        self._history: dict[str, list[bytes]] = {"r": [], "w": []}

    def _frame_faults(self, direction: str, clean: bytes) -> bytes:
        """Whole frames to send after `clean`: duplicates of frames it completes, replays of older ones."""
        if not (self.duplicate or self.replay):
            return b""
        extra = bytearray()
        history = self._history[direction]
        for ev in self._parsers[direction].feed(clean):
            if not isinstance(ev, Frame):
                continue
            raw = encode_frame(ev.type, ev.seq, ev.payload)
            if self.duplicate and self.rng.random() < self.duplicate:
                extra += raw
                self.events["duplicated"] += 1
            if self.replay and history and self.rng.random() < self.replay:
                extra += self.rng.choice(history)
                self.events["replayed"] += 1
            history.append(raw)
        return bytes(extra)

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
        if "w" in self.directions:
            self.port.write(self._damage(data) + self._frame_faults("w", data))
        else:
            self.port.write(data)
        return len(data)

    def read(self, n: int = 1) -> bytes:
        data = self.port.read(n)
        if not data or "r" not in self.directions:
            return data
        return self._damage(data) + self._frame_faults("r", data)

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

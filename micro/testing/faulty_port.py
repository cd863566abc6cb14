"""A test double of a serial port that damages the bytes passing through it, for proving that line faults give
correct results or a clear ProtocolError from micro.deploy.protocol, never a wrong answer (tests/test_protocol.py,
tests/test_firmware_qemu.py, the Robot serial-fault suite)."""

from __future__ import annotations

import random


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

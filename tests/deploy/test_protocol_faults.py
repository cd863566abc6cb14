"""Protocol faults beyond damaged bytes: whole frames replayed or duplicated (of any age, across a wrap of the
sequence number), a device reset in the middle of a run, and a soak of many invokes over a faulty link.
Every run ends in the right bytes or a clear ProtocolError -- never a wrong or stale result.

The long soak: `MICRO_SOAK_INVOKES=10000 .venv/bin/python -m pytest -q -s tests/deploy/test_protocol_faults.py
-k soak` (CI runs a short one)."""

from __future__ import annotations

import os
import random
import struct
import zlib

import pytest

from micro.deploy import protocol as P
from micro.deploy.protocol import Device, Frame, FrameParser, ProtocolError, encode_frame
from micro.testing.faulty_port import FaultyPort

from support.sim_device import ResettingPort, SimDevice


def _expected(data: bytes) -> bytes:
    return bytes((b + 1) & 0xFF for b in data)


class Recorder:
    """Passes bytes through and keeps every frame the host sent."""

    def __init__(self, port):
        self.port, self.parser, self.sent = port, FrameParser(max_payload=0xFFFF), []

    def write(self, data: bytes) -> int:
        self.sent += [f for f in self.parser.feed(data) if isinstance(f, Frame)]
        return self.port.write(data)

    def read(self, n: int = 1) -> bytes:
        return self.port.read(n)

    @property
    def in_waiting(self) -> int:
        return self.port.in_waiting


def test_sequence_numbers_are_32_bit_and_wrap_past_zero():
    dev = SimDevice(n_bytes=64)
    rec = Recorder(dev)
    host = Device(rec, timeout=0.05, first_seq=2**32 - 3)
    data = bytes(range(64))
    for _ in range(2):
        outs, _ = host.run([data])
        assert outs == [_expected(data)]
    seqs = [f.seq for f in rec.sent]
    assert seqs[:4] == [2**32 - 3, 2**32 - 2, 2**32 - 1, 1]   # 0 is never a request's number
    assert seqs == sorted(seqs, key=lambda s: (s < 2**31, s)) and dev.ignored == 0


def test_a_session_starts_at_a_random_number():
    assert len({Device(SimDevice(), first_seq=None)._seq for _ in range(8)}) > 1


def test_a_replayed_old_response_is_never_accepted_again():
    """Version 1's bug: after 255 requests the 8-bit number wrapped, and an old DATA frame replayed on the
    line carried the current request's number, so stale bytes were accepted (only the end-to-end CRC caught
    them). Here every response the host ever read is replayed before each new request's answer."""
    dev = SimDevice(n_bytes=200, max_payload=64)
    seen: list[bytes] = []

    class ReplayAll:
        def write(self, data):
            return dev.write(data)

        def read(self, n=1):
            data = dev.read(n)
            if data:
                old = b"".join(seen[-300:])
                seen.append(data)
                return old + data
            return data

        @property
        def in_waiting(self):
            return dev.in_waiting

    host = Device(ReplayAll(), timeout=0.05)
    rng = random.Random(5)
    for _ in range(30):   # 30 runs x 9 requests: past 255 requests
        data = bytes(rng.randrange(256) for _ in range(200))
        outs, _ = host.run([data])
        assert outs == [_expected(data)]
    assert host.stats.requests > 255 and host.stats.stale > 1000
    assert dev.invokes == 30


def test_the_device_ignores_a_replayed_old_request():
    """A replayed old WRITE must not overwrite newer input bytes: the device serves only newer requests
    (HELLO excepted), and says nothing to an old one."""
    dev = SimDevice(n_bytes=4)
    old = encode_frame(P.T_WRITE, 10, struct.pack("<BI", 0, 0) + b"AAAA")
    dev.write(encode_frame(P.T_HELLO, 9))
    dev.write(old)
    dev.write(encode_frame(P.T_WRITE, 11, struct.pack("<BI", 0, 0) + b"BBBB"))
    dev.read(10_000)
    dev.write(old)
    assert bytes(dev.inp) == b"BBBB" and dev.ignored == 1 and dev.read(10_000) == b""
    dev.write(encode_frame(P.T_WRITE, 2**32 - 1, struct.pack("<BI", 0, 0) + b"CCCC"))  # 2^31 behind: old
    assert bytes(dev.inp) == b"BBBB"
    dev.write(encode_frame(P.T_HELLO, 3))   # a new session may start anywhere
    dev.write(encode_frame(P.T_WRITE, 4, struct.pack("<BI", 0, 0) + b"DDDD"))
    assert bytes(dev.inp) == b"DDDD"


@pytest.mark.parametrize("seed", range(3))
def test_duplicated_and_replayed_frames_give_the_right_bytes(seed):
    dev = SimDevice(n_bytes=700, max_payload=256)
    link = FaultyPort(dev, duplicate=0.05, replay=0.05, seed=seed)
    host = Device(link, timeout=0.02, quiet_gap=0.005, first_seq=2**32 - 40)   # wraps during the test
    rng = random.Random(seed)
    for _ in range(10):
        data = bytes(rng.randrange(256) for _ in range(700))
        outs, _ = host.run([data])
        assert outs == [_expected(data)]
    assert link.events["duplicated"] > 0 and link.events["replayed"] > 0
    assert dev.invokes == 10   # a duplicated or replayed INVOKE never runs the model again


@pytest.mark.parametrize("at", [2, 3, 5, 7, 8, 9, 10, 12])
def test_a_device_reset_mid_run_resyncs_or_fails_never_a_stale_result(at):
    """Reset before the at-th frame the host writes: during the input writes, at INVOKE, during the reads.
    (HELLO is write 1; 3 WRITE chunks, INVOKE, 3 READ chunks follow per run.)"""
    dev = SimDevice(n_bytes=600, max_payload=256)
    host = Device(ResettingPort(dev, at), timeout=0.02, quiet_gap=0.005)
    rng = random.Random(at)
    for _ in range(2):
        data = bytes(rng.randrange(256) for _ in range(600))
        outs, _ = host.run([data])
        assert outs == [_expected(data)]
    assert host.stats.resyncs <= 1


def test_a_device_that_keeps_resetting_is_a_clear_error():
    dev = SimDevice(n_bytes=300, max_payload=128)

    class AlwaysResetsBeforeInvoke:
        def write(self, data):
            if data[2] == P.T_INVOKE:
                dev.reset()
            return dev.write(data)

        def read(self, n=1):
            return dev.read(n)

        @property
        def in_waiting(self):
            return dev.in_waiting

    host = Device(AlwaysResetsBeforeInvoke(), timeout=0.02)
    with pytest.raises(ProtocolError, match="input CRC"):
        host.run([bytes(range(256)) + bytes(44)])
    assert host.stats.resyncs == 1


def soak(invokes: int, seed: int = 0) -> dict:
    """`invokes` runs of a 256-byte model over a link that corrupts and drops bytes (the rates of
    test_protocol.py's milder case), duplicates and replays whole frames, and resets the device before 1 run
    in 100. Counts each outcome; a wrong result is counted, never hidden."""
    rng = random.Random(seed)
    dev = SimDevice(n_bytes=256, max_payload=256)
    resets = ResettingPort(dev, at=-1)
    link = FaultyPort(resets, corrupt=0.003, drop=0.003, duplicate=0.005, replay=0.005, seed=seed)
    host = Device(link, timeout=0.01, retries=20, quiet_gap=0.005, invoke_timeout=2.0)
    counts = {"right": 0, "wrong": 0, "protocol_error": 0, "resets": 0}
    for k in range(invokes):
        if rng.random() < 0.01:   # the next run meets a reset at one of its first frames
            resets.at, resets.writes = rng.randrange(1, 10), 0
            counts["resets"] += 1
        data = rng.randbytes(256)
        try:
            outs, _ = host.run([data])
        except ProtocolError:
            counts["protocol_error"] += 1
            continue
        counts["right" if outs == [_expected(data)] else "wrong"] += 1
    counts.update(requests=host.stats.requests, resends=host.stats.resends, stale=host.stats.stale,
                  resyncs=host.stats.resyncs, **{f"link_{k}": v for k, v in link.events.items()})
    return counts


def test_soak_over_a_faulty_link_never_reports_a_wrong_result():
    invokes = int(os.environ.get("MICRO_SOAK_INVOKES", "200"))
    counts = soak(invokes, seed=int(os.environ.get("MICRO_SOAK_SEED", "0")))
    print(f"\nsoak of {invokes} invokes: {counts}")
    assert counts["wrong"] == 0
    assert counts["right"] + counts["protocol_error"] == invokes
    assert counts["protocol_error"] <= invokes // 50      # resends get almost every run through
    assert counts["link_corrupted"] and counts["link_replayed"] and counts["link_duplicated"]


def test_crc32_covers_the_32_bit_sequence_number():
    f = encode_frame(P.T_ACK, 0x01020304)
    assert f[3:7] == bytes([4, 3, 2, 1]) and P.crc8(f[2:9]) == f[9]
    assert struct.unpack("<I", f[-4:])[0] == zlib.crc32(f[2:9])

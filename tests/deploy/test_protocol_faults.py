"""Protocol faults beyond damaged bytes: whole frames replayed or duplicated (of any age, across a wrap of the
sequence number), a device reset in the middle of a run, and a soak of many invokes over a faulty link.
Every run ends in the right bytes or a clear ProtocolError -- never a wrong or stale result.

The long soak: `MICRO_SOAK_INVOKES=10000 .venv/bin/python -m pytest -q -s tests/deploy/test_protocol_faults.py
-k soak` (CI runs a short one)."""

from __future__ import annotations

import os
import random
import struct
import time
import zlib

import pytest

from micro.deploy import protocol as P
from micro.deploy.protocol import Device, Frame, FrameParser, ProtocolError, encode_frame
from micro.testing.faulty_port import FaultyPort

from support.host_firmware import N_BYTES, HostFirmwarePort, build_host_firmware
from support.paths import need_tool
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


# ---- the same faults against the firmware's own C (mn_protocol.c, mn_serve.c) built for this machine -------

@pytest.fixture(scope="module")
def host_firmware(tmp_path_factory):
    need_tool("gcc")
    return build_host_firmware(tmp_path_factory.mktemp("host_firmware"))


def _exchange(port, frame: bytes, wait: float = 0.2) -> list:
    port.write(frame)
    parser, events, deadline = FrameParser(), [], time.monotonic() + wait
    while time.monotonic() < deadline:
        events += [e for e in parser.feed(port.read(4096)) if isinstance(e, Frame)]
    return events


def test_the_firmware_ignores_a_replayed_old_request(host_firmware):
    port = HostFirmwarePort(host_firmware)
    try:
        write = lambda seq, fill: encode_frame(P.T_WRITE, seq, struct.pack("<BI", 0, 0) + bytes([fill]) * N_BYTES)
        invoke = lambda seq, fill: encode_frame(P.T_INVOKE, seq, struct.pack("<BI", 1, zlib.crc32(bytes([fill]) * N_BYTES)))
        assert [e.type for e in _exchange(port, encode_frame(P.T_HELLO, 100))] == [P.T_INFO]
        assert [e.seq for e in _exchange(port, write(101, 0xAA))] == [101]
        assert [e.seq for e in _exchange(port, write(102, 0xBB))] == [102]
        assert _exchange(port, write(101, 0xAA)) == []          # replayed: no answer, no effect
        assert _exchange(port, write(2**31 + 102, 0xCC)) == []   # half the number space behind: old
        events = _exchange(port, invoke(103, 0xBB))
        assert [e.type for e in events] == [P.T_ACK, P.T_RESULT]  # its copy of the inputs is still the newer one
        read = lambda seq: [e.type for e in _exchange(port, encode_frame(P.T_READ, seq, struct.pack("<BIH", 0, 0, 4)))]
        assert [e.type for e in _exchange(port, encode_frame(P.T_HELLO, 2**32 - 3))] == [P.T_INFO]  # a new session
        assert read(2**32 - 2) == [P.T_DATA]
        assert read(1) == [P.T_DATA]            # newer across the wrap (0 is never a request's number)
        assert read(2**32 - 1) == []            # now older: ignored
    finally:
        port.close()


def test_a_nak_does_not_replace_the_firmwares_cached_response(host_firmware):
    """Found by the C soak: the NAK for a damaged frame was built in the buffer holding the cached response,
    so every later repeat of the last request (its response lost) was answered NAK until the host gave up."""
    port = HostFirmwarePort(host_firmware)
    try:
        hello = encode_frame(P.T_HELLO, 7)
        assert [e.type for e in _exchange(port, hello)] == [P.T_INFO]
        assert [e.type for e in _exchange(port, hello[:-1] + bytes([hello[-1] ^ 1]))] == [P.T_NAK]
        write = encode_frame(P.T_WRITE, 8, struct.pack("<BI", 0, 0) + b"xy")
        assert [e.type for e in _exchange(port, write)] == [P.T_ACK]
        assert [e.type for e in _exchange(port, write[:5] + write[6:])] == [P.T_NAK]   # a byte lost
        assert [(e.type, e.seq) for e in _exchange(port, write)] == [(P.T_ACK, 8)]     # the repeat: cached ACK
    finally:
        port.close()


@pytest.mark.parametrize("at", [2, 4, 5, 6, 7])
def test_the_firmware_reset_mid_run_resyncs_or_fails_never_a_stale_result(host_firmware, at):
    fw = HostFirmwarePort(host_firmware)

    class ResetBeforeWrite:
        writes = 0

        def write(self, data):
            self.writes += 1
            if self.writes == at:
                fw.reset()
            return fw.write(data)

        def read(self, n=1):
            return fw.read(n)

        @property
        def in_waiting(self):
            return fw.in_waiting

    try:
        host = Device(ResetBeforeWrite(), timeout=0.05, quiet_gap=0.01)
        for k in range(2):
            data = random.Random(at * 10 + k).randbytes(N_BYTES)
            outs, _ = host.run([data])
            assert outs == [_expected(data)]
        assert fw.resets == 1 and host.stats.resyncs <= 1
    finally:
        fw.close()


def test_soak_of_the_firmware_c_over_a_faulty_link(host_firmware):
    """Byte faults, duplicated and replayed frames and resets against the C code itself."""
    invokes = int(os.environ.get("MICRO_SOAK_C_INVOKES", "60"))
    rng = random.Random(3)
    fw = HostFirmwarePort(host_firmware)

    class Resetting:
        at, writes = -1, 0

        def write(self, data):
            self.writes += 1
            if self.writes == self.at:
                fw.reset()
            return fw.write(data)

        def read(self, n=1):
            return fw.read(n)

        @property
        def in_waiting(self):
            return fw.in_waiting

    resets = Resetting()
    link = FaultyPort(resets, corrupt=0.003, drop=0.003, duplicate=0.005, replay=0.005, seed=3)
    host = Device(link, timeout=0.05, retries=20, quiet_gap=0.01, invoke_timeout=2.0)
    counts = {"right": 0, "wrong": 0, "protocol_error": 0}
    errors: list[str] = []
    try:
        for _ in range(invokes):
            if rng.random() < 0.02:
                resets.at, resets.writes = rng.randrange(1, 8), 0
            data = rng.randbytes(N_BYTES)
            try:
                outs, _ = host.run([data])
            except ProtocolError as exc:
                counts["protocol_error"] += 1
                errors.append(str(exc)[:200])
                continue
            counts["right" if outs == [_expected(data)] else "wrong"] += 1
    finally:
        fw.close()
    print(f"\nC firmware soak of {invokes} invokes: {counts}, resets {fw.resets}, link {link.events}, "
          f"host {host.stats}; errors: {errors}")
    assert counts["wrong"] == 0 and counts["protocol_error"] <= invokes // 20

"""The serial protocol's host side (micro.deploy.protocol) against a simulated device, no emulator needed:
framing, resynchronisation, resends, chunking, and fault injection that must end in the right bytes or a
clear ProtocolError -- never a wrong answer. The same host code against the real firmware in QEMU is tested
in test_firmware_qemu.py."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from micro.deploy import protocol as P
from micro.deploy.protocol import (BadFrame, Device, DeviceError, Frame, FrameParser, ProtocolError,
                                   encode_frame)
from micro.testing.faulty_port import FaultyPort

from support.sim_device import SimDevice


def _expected(data: bytes) -> bytes:
    return bytes((b + 1) & 0xFF for b in data)


def test_crc8_and_crc32_match_the_firmware_definitions():
    assert P.crc8(b"123456789") == 0xF4          # CRC-8 (poly 0x07, init 0) check value
    frame = encode_frame(0x81, 7, b"abc")
    assert frame[:2] == b"\xA5\x5A" and frame[9] == P.crc8(frame[2:9])
    assert struct.unpack("<I", frame[-4:])[0] == zlib.crc32(frame[2:9] + b"abc")


def test_parser_skips_text_and_resynchronises_after_garbage():
    frames = [encode_frame(0x84, i, bytes(range(i * 7 % 256)) * 2) for i in range(20)]
    stream = b"\r\nmicro-harness proto=1 board=x\r\n\xA5\xA5\x00" + b"garbage\xA5".join(frames)
    parser = FrameParser()
    events = []
    for i in range(0, len(stream), 13):
        events += parser.feed(stream[i:i + 13])
    assert [e.seq for e in events if isinstance(e, Frame)] == list(range(20))
    assert b"micro-harness proto=1" in bytes(parser.text)


def test_a_damaged_stream_never_yields_a_frame_that_was_not_sent():
    rng = random.Random(7)
    sent = 0
    for trial in range(300):
        frames = [encode_frame(rng.choice([0x80, 0x84]), rng.randrange(256),
                               bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))) for _ in range(4)]
        stream = bytearray(b"".join(frames))
        for _ in range(rng.randrange(1, 4)):  # corrupt, drop or insert a few bytes
            k = rng.randrange(len(stream))
            op = rng.randrange(3)
            if op == 0:
                stream[k] ^= rng.randrange(1, 256)
            elif op == 1:
                del stream[k]
            else:
                stream.insert(k, rng.randrange(256))
        parser = FrameParser()
        got = [e for e in parser.feed(bytes(stream)) if isinstance(e, Frame)]
        for f in got:
            assert encode_frame(f.type, f.seq, f.payload) in frames
        sent += len(got)
    assert sent > 300  # most undamaged frames still come through


def test_run_over_a_clean_link_chunks_and_checks_every_byte():
    dev = SimDevice(n_bytes=5000)
    host = Device(dev, timeout=0.05)
    info = host.hello()
    assert (info.board, info.model, info.input_bytes) == ("sim", "model", [5000])
    data = bytes(random.Random(1).randrange(256) for _ in range(5000))
    outs, res = host.run([data])
    assert outs == [_expected(data)]
    assert res.invoke_index == 1 and res.cycles is None and res.stack_used == 512
    assert host.stats.resends == 0
    assert host.stats.requests == 1 + 5 + 1 + 5   # HELLO, 5 WRITE chunks, INVOKE, 5 READ chunks


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rates", [(0.003, 0.003, 0.0), (0.01, 0.01, 0.005)])
def test_faults_give_the_right_bytes_or_a_clear_error(seed, rates):
    corrupt, drop, insert = rates
    dev = SimDevice(n_bytes=1500)
    link = FaultyPort(dev, corrupt=corrupt, drop=drop, insert=insert, seed=seed)
    host = Device(link, timeout=0.01, retries=20, quiet_gap=0.005, invoke_timeout=2.0)
    rng = random.Random(seed)
    for _ in range(3):
        data = bytes(rng.randrange(256) for _ in range(1500))
        try:
            outs, _ = host.run([data])
        except ProtocolError as exc:  # allowed: a clear error ...
            assert "failed after" in str(exc) or "no chunk got through" in str(exc) or "no RESULT" in str(exc)
            return
        assert outs == [_expected(data)]  # ... but never a wrong answer
    assert sum(link.events.values()) > 0
    assert host.stats.resends > 0
    assert dev.invokes == 3  # a repeated INVOKE is answered from the cache, not run twice


def test_a_hopeless_link_ends_in_a_protocol_error():
    dev = SimDevice(n_bytes=200)
    host = Device(FaultyPort(dev, corrupt=0.3, drop=0.2, seed=3), timeout=0.01, retries=4, quiet_gap=0.01)
    with pytest.raises(ProtocolError, match="failed after|no chunk got through"):
        host.run([bytes(200)])


def test_device_errors_are_reported_with_the_devices_message():
    dev = SimDevice(n_bytes=16)
    host = Device(dev, timeout=0.05)
    host.hello()
    with pytest.raises(DeviceError, match="outside the input tensor"):
        host.request(P.T_WRITE, struct.pack("<BI", 0, 10) + bytes(10), expect=P.T_ACK)
    with pytest.raises(ProtocolError, match="needs 16 bytes"):
        host.write_input(0, bytes(3))


def test_a_silent_device_times_out_with_a_clear_message():
    class Silent:
        def write(self, data):
            return len(data)

        def read(self, n=1):
            return b""

    host = Device(Silent(), timeout=0.01, retries=2)
    with pytest.raises(ProtocolError, match=r"HELLO \(seq \d+\) failed after 3 tries: no answer"):
        host.hello()


def test_reset_sets_the_state_back_once_even_when_the_answer_is_lost():
    dev = SimDevice(n_bytes=64, stateful=True)
    host = Device(dev, timeout=0.05)
    data = bytes(range(64))
    for k in range(3):   # the state carries over: the device adds 1 more each invoke
        assert host.run([data])[0] == [bytes((b + 1 + k) & 0xFF for b in data)]
    host.reset()
    assert host.run([data])[0] == [_expected(data)]
    assert dev.resets == 1
    seq = host._seq + 1                # the RESET's answer is lost: the host resends, the device answers
    dev.outbox.clear()                 # from its cache and does not reset twice
    frame = encode_frame(P.T_RESET, seq, b"\x01")
    dev.write(frame)
    dev.outbox.clear()
    dev.write(frame)
    assert FrameParser().feed(bytes(dev.outbox))[0].type == P.T_ACK and dev.resets == 2


def test_a_device_of_another_protocol_version_is_refused_clearly():
    host = Device(SimDevice(proto=1), timeout=0.05)
    with pytest.raises(ProtocolError, match=r"protocol version 1; this host speaks 3: .*rebuild and flash it"):
        host.hello()

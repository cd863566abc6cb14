"""The host side of micro's serial protocol (version 3), spoken through pyserial.

The device side is firmware_templates/common/mn_protocol.[ch] + mn_harness_main.c; the frame format and the
requests are documented in mn_protocol.h. In short: frames ``A5 5A type seq32 len16 crc8 payload crc32``, a
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
        .reset(fresh=False)            # the model's state back to its initial value (streaming models);
                                       # fresh=True: the whole model as after boot
        .exit(code=0)                  # the device stops (QEMU exits with `code`)
        .take_trace()                  # debug firmware: {tensor: (op, bytes)} pushed during the last invoke
        .stats                         # LinkStats: frames, resends, NAKs, corrupt frames, timeouts
    encode_frame(type, seq, payload) -> bytes;  FrameParser().feed(data) -> list[Frame | BadFrame]

Modules: micro.deploy.protocol.framing (frame format, CRCs, the incremental parser, the errors) and
micro.deploy.protocol.device (pyserial ports and the Device client); this package exports both. The fault
injecting test double of a port is micro.testing.faulty_port.FaultyPort.

Exceptions: ProtocolError (no valid exchange after all resends, or an inconsistent device), LinkClosed
(the port closed, e.g. QEMU exited), DeviceError (the device answered ERROR: a request it cannot serve).
"""

from micro.deploy.protocol.device import Device, DeviceInfo, InvokeResult, LinkStats
from micro.deploy.protocol.port import open_port
from micro.deploy.protocol.framing import (ERROR_CODES, HEADER, HOST_MAX_PAYLOAD, PROTO_VERSION, SYNC, T_ACK,
                                           T_DATA, T_ERROR, T_EXIT, T_HELLO, T_INFO, T_INVOKE, T_NAK, T_READ,
                                           T_RESET, T_RESULT, T_TRACE, T_WRITE, TYPE_NAMES, BadFrame, DeviceError,
                                           Frame, FrameParser, LinkClosed, ProtocolError, crc8, encode_frame)

__all__ = ["Device", "DeviceInfo", "InvokeResult", "LinkStats", "open_port", "ERROR_CODES", "HEADER",
           "HOST_MAX_PAYLOAD", "PROTO_VERSION", "SYNC", "T_ACK", "T_DATA", "T_ERROR", "T_EXIT", "T_HELLO",
           "T_INFO", "T_INVOKE", "T_NAK", "T_READ", "T_RESET", "T_RESULT", "T_TRACE", "T_WRITE", "TYPE_NAMES",
           "BadFrame", "DeviceError", "Frame", "FrameParser", "LinkClosed", "ProtocolError", "crc8", "encode_frame"]

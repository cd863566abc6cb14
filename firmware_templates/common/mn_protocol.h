/* micro serial protocol, version 3: framed, CRC-checked, stop-and-wait request/response.
 * The host side is micro/deploy/protocol.py; keep the two in step.
 *
 * Frame (both directions, little-endian):
 *
 *   0xA5 0x5A | type u8 | seq u32 | len u16 | hcrc u8 | payload[len] | crc u32
 *
 *   hcrc = CRC-8 (poly 0x07, init 0) over type, seq, len (7 bytes): a corrupted length is rejected at once.
 *   crc  = CRC-32 (IEEE 802.3, as zlib.crc32) over type, seq, len and payload.
 *   len <= MN_PROTO_MAX_PAYLOAD (announced in INFO); the receiver drops a frame whose bytes stop arriving
 *   for MN_PROTO_BYTE_TIMEOUT_MS and hunts for the next 0xA5 0x5A, so garbage between frames (such as the
 *   text banner printed at boot) is skipped.
 *
 * The host sends one request at a time and waits for its response, which acknowledges it (the emulated
 * UART holds one byte, so nothing is ever streamed unacknowledged towards the device). A bad frame makes the
 * device answer NAK and the host resend at once; a lost response makes the host resend after a timeout,
 * and the device recognises the repeat (same seq and CRC as the last request) and resends its cached
 * response instead of acting twice.
 *
 * Sequence numbers (version 2: 32 bits, never 0 for a request) only grow during a host session, which
 * starts at a random number. The host accepts a response only with its request's number, so a replayed or
 * duplicated old frame is never accepted twice (with the 8 bits of version 1, the number wrapped every 255
 * requests). The device ignores, without answering, a request older than the last one it served (serial
 * arithmetic: (seq - last) mod 2^32 >= 2^31), so a replayed old WRITE cannot overwrite newer input bytes;
 * HELLO starts a new session and is always served. Requests and their responses:
 *
 *   HELLO   0x01 ()                                   -> INFO 0x81 (see mn_serve.h); clears the repeat cache
 *   WRITE   0x02 (input u8, offset u32, bytes...)     -> ACK 0x80 ()
 *   INVOKE  0x03 (n u8, crc32 u32 of each input)      -> ACK at once ("started"; not repeated), then
 *                                                        RESULT 0x83 (status u8 = 0, invoke index u32,
 *                                                        cycles u32, has_cycles u8, stack bytes used u32,
 *                                                        n u8, crc32 u32 of each output)
 *   READ    0x04 (output u8, offset u32, length u16)  -> DATA 0x84 (output u8, offset u32, bytes...)
 *   EXIT    0x05 (code u8)                            -> ACK, then the device stops with that code
 *   RESET   0x06 (mode u8)                            -> ACK, once the model's state (what a streaming model
 *                                                        keeps between invokes) is back to its initial value:
 *                                                        mode 0 <name>_reset() (TFLM's MicroInterpreter::Reset),
 *                                                        mode 1 <name>_init() (as after boot). Version 2.
 *   any bad frame                                     -> NAK 0xFE (seq 0)
 *   (debug firmware built with MN_TRACE and MN_HARNESS_TRACE: between INVOKE's ACK and RESULT the device
 *    pushes TRACE 0x85 frames, seq 0, unacknowledged: op u16, tensor u16, total bytes u32, offset u32,
 *    bytes... -- every tensor every op produces, in chunks)
 *   any request that cannot be served                 -> ERROR 0xFF (code u8, text)
 */
#ifndef MN_PROTOCOL_H
#define MN_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define MN_PROTO_VERSION 3 /* 2: 32-bit sequence numbers; 3: RESET */
#ifndef MN_PROTO_MAX_PAYLOAD
#define MN_PROTO_MAX_PAYLOAD 1024
#endif
#ifndef MN_PROTO_BYTE_TIMEOUT_MS
#define MN_PROTO_BYTE_TIMEOUT_MS 50
#endif
#define MN_PROTO_HEADER 10
#define MN_PROTO_OVERHEAD (MN_PROTO_HEADER + 4)

enum {
    MN_T_HELLO = 0x01, MN_T_WRITE = 0x02, MN_T_INVOKE = 0x03, MN_T_READ = 0x04, MN_T_EXIT = 0x05, MN_T_RESET = 0x06,
    MN_T_ACK = 0x80, MN_T_INFO = 0x81, MN_T_RESULT = 0x83, MN_T_DATA = 0x84, MN_T_TRACE = 0x85, MN_T_NAK = 0xFE,
    MN_T_ERROR = 0xFF
};

enum { MN_ERR_BAD_REQUEST = 1, MN_ERR_RANGE = 2, MN_ERR_INPUT_CRC = 3 };
enum { MN_RESET_STATE = 0, MN_RESET_INIT = 1 }; /* RESET modes */

typedef struct {
    uint8_t type;
    uint32_t seq;
    uint16_t len;
    uint32_t crc; /* CRC-32 of the frame as received: identifies a repeated request */
    uint8_t payload[MN_PROTO_MAX_PAYLOAD];
} mn_frame_t;

/* zlib-compatible CRC-32: start with crc = 0, feed chunks in order. */
uint32_t mn_crc32(uint32_t crc, const uint8_t *data, size_t n);
uint8_t mn_crc8(const uint8_t *data, size_t n);

/* Wait (without limit) for the start of a frame, then receive it. Returns 1 for a good frame, 0 for a
 * frame that was corrupted or cut short (the caller answers NAK). */
int mn_proto_recv(mn_frame_t *frame);

/* Encode a frame into buf (at least len + MN_PROTO_OVERHEAD bytes); returns the frame's size. */
size_t mn_proto_encode(uint8_t *buf, uint8_t type, uint32_t seq, const uint8_t *payload, uint16_t len);

/* Write raw bytes to the serial line. */
void mn_proto_write(const uint8_t *buf, size_t n);

/* Little-endian helpers. */
void mn_put_u16(uint8_t *p, uint16_t v);
void mn_put_u32(uint8_t *p, uint32_t v);
uint16_t mn_get_u16(const uint8_t *p);
uint32_t mn_get_u32(const uint8_t *p);

#endif /* MN_PROTOCOL_H */
